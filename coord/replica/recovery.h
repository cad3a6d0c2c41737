// Recovery: rebuilds the committed state of a member from its data dir, and writes snapshots.
//
// Recovery = the newest snapshot that loads (a snapshot whose checksum or content is damaged is
// skipped in favour of an older one) + replay of every log entry after the zxid it fully
// contains. With no snapshot at all the log is replayed from the start, but only if no snapshot
// was ever recorded (HardState::last_snapshot_zxid == 0): otherwise the log may have been purged
// and an empty start would silently lose state, so recovery refuses with kCorruption.
//
// Threading: call from the thread that owns the log and the tree.
#pragma once

#include <string>
#include <vector>

#include "coord/base/status.h"
#include "coord/tree/data_tree.h"
#include "storage/log.h"
#include "storage/snapshot_store.h"

namespace coord {

struct RecoveredState {
  DataTree tree;
  Zxid snapshot_zxid = 0;            // 0: started from the empty tree
  std::vector<std::string> skipped;  // damaged snapshots, with the reason
  size_t replayed = 0;               // log entries applied after the snapshot
};

Result<RecoveredState> Recover(const storage::SnapshotStore& snapshots, const storage::Log& log,
                               TreeLimits limits = {});

// An ensemble member's recovery: the newest valid snapshot (same rules as above) and, without
// applying them, the log's entries above it and the hard state. The consensus core decides which
// of those entries are committed and hands them out for apply (a TRUNC may remove some).
struct RecoveredMember {
  DataTree tree;
  Zxid snapshot_zxid = 0;
  std::vector<std::string> skipped;
  storage::HardState hard_state;
  std::vector<storage::LogEntry> log;  // above snapshot_zxid, in zxid order
};

Result<RecoveredMember> RecoverMember(const storage::SnapshotStore& snapshots,
                                      const storage::Log& log, TreeLimits limits = {});

// Writes a snapshot of `tree` at tree.last_zxid() synchronously, then purges the log below the
// oldest snapshot kept and records the snapshot in the log's hard state.
Status WriteSnapshotAndPurge(storage::SnapshotStore& snapshots, storage::Log& log,
                             const DataTree& tree);

// Forks a child that writes a snapshot of `tree` as it is now; the caller keeps applying. When
// the child succeeds, call FinishSnapshot().
Result<storage::SnapshotChild> StartSnapshot(storage::SnapshotStore& snapshots,
                                             const DataTree& tree);
// Retention, log purge and hard state after a child finished writing the snapshot at `zxid`.
Status FinishSnapshot(storage::SnapshotStore& snapshots, storage::Log& log, Zxid zxid);

}  // namespace coord
