#include "coord/replica/recovery.h"

#include <limits>

#include "coord/tree/tree_snapshot.h"
#include "protocol/txn_codec.h"

namespace coord {
namespace {

// Replay reads the log in pieces of about this many payload bytes.
constexpr size_t kReplayChunkBytes = 64 << 20;

Status Replay(const storage::Log& log, RecoveredState* state) {
  Zxid next = state->tree.last_zxid() + 1;
  while (next != 0 && next <= log.LastZxid()) {
    COORD_ASSIGN_OR_RETURN(std::vector<storage::LogEntry> entries,
                           log.Read(next, std::numeric_limits<Zxid>::max(), kReplayChunkBytes));
    if (entries.empty()) break;
    for (const storage::LogEntry& entry : entries) {
      Result<TxnRecord> record = DecodeTxnRecord(entry.payload);
      if (!record.ok()) {
        return Status(Code::kCorruption,
                      "log entry " + ZxidToString(entry.zxid) + ": " + record.status().message());
      }
      // The result (ok or a logged failure) is the tree's business; both are deterministic.
      state->tree.Apply(*record, entry.zxid).status.IgnoreError();
      ++state->replayed;
    }
    next = entries.back().zxid + 1;
  }
  return Status::Ok();
}

}  // namespace

// The newest snapshot that loads, or the empty tree when none was ever recorded.
Status LoadNewestSnapshot(const storage::SnapshotStore& snapshots, const storage::Log& log,
                          TreeLimits limits, DataTree* tree, Zxid* snapshot_zxid,
                          std::vector<std::string>* skipped) {
  for (const storage::SnapshotInfo& info : snapshots.List()) {
    Result<storage::LoadedSnapshot> file = snapshots.Load(info);
    if (!file.ok()) {
      skipped->push_back(info.path + ": " + file.status().ToString());
      continue;
    }
    Result<DataTree> loaded = TreeSnapshotCodec::Read(file->body, limits);
    if (!loaded.ok()) {
      skipped->push_back(info.path + ": " + loaded.status().ToString());
      continue;
    }
    if (loaded->last_zxid() != info.zxid) {
      skipped->push_back(info.path + ": body zxid " + ZxidToString(loaded->last_zxid()) +
                         " differs from the file name");
      continue;
    }
    *tree = std::move(loaded).value();
    *snapshot_zxid = info.zxid;
    return Status::Ok();
  }
  if (log.GetHardState().last_snapshot_zxid != 0) {
    return Status(Code::kCorruption,
                  "no valid snapshot, but snapshot " +
                      ZxidToString(log.GetHardState().last_snapshot_zxid) +
                      " was recorded: the log may be purged below it, so replaying it from the "
                      "start would lose state");
  }
  *tree = DataTree(limits);
  *snapshot_zxid = 0;
  return Status::Ok();
}

Result<RecoveredState> Recover(const storage::SnapshotStore& snapshots, const storage::Log& log,
                               TreeLimits limits) {
  RecoveredState state{DataTree(limits), 0, {}, 0};
  COORD_RETURN_IF_ERROR(LoadNewestSnapshot(snapshots, log, limits, &state.tree,
                                           &state.snapshot_zxid, &state.skipped));
  COORD_RETURN_IF_ERROR(Replay(log, &state));
  return state;
}

Result<RecoveredMember> RecoverMember(const storage::SnapshotStore& snapshots,
                                      const storage::Log& log, TreeLimits limits) {
  RecoveredMember member{DataTree(limits), 0, {}, log.GetHardState(), {}};
  COORD_RETURN_IF_ERROR(LoadNewestSnapshot(snapshots, log, limits, &member.tree,
                                           &member.snapshot_zxid, &member.skipped));
  Zxid next = member.snapshot_zxid + 1;
  while (next != 0 && next <= log.LastZxid()) {
    COORD_ASSIGN_OR_RETURN(std::vector<storage::LogEntry> entries,
                           log.Read(next, std::numeric_limits<Zxid>::max(), kReplayChunkBytes));
    if (entries.empty()) break;
    next = entries.back().zxid + 1;
    for (storage::LogEntry& e : entries) member.log.push_back(std::move(e));
  }
  return member;
}

namespace {

Status AfterSnapshot(storage::SnapshotStore& snapshots, storage::Log& log, Zxid zxid) {
  COORD_RETURN_IF_ERROR(snapshots.ApplyRetention());
  storage::LogBatch batch;
  storage::HardState hard_state = log.GetHardState();
  hard_state.last_snapshot_zxid = std::max(hard_state.last_snapshot_zxid, zxid);
  batch.hard_state = hard_state;
  COORD_RETURN_IF_ERROR(log.Commit(batch));
  // Entries at or above the oldest kept snapshot stay, so every kept snapshot can be replayed
  // forward.
  Zxid oldest = snapshots.OldestKeptZxid();
  return oldest == 0 ? Status::Ok() : log.PurgeBelow(oldest);
}

}  // namespace

Status WriteSnapshotAndPurge(storage::SnapshotStore& snapshots, storage::Log& log,
                             const DataTree& tree) {
  COORD_RETURN_IF_ERROR(snapshots.Write(
      tree.last_zxid(), [&](ByteSink& sink) { return TreeSnapshotCodec::Write(tree, sink); }));
  return AfterSnapshot(snapshots, log, tree.last_zxid());
}

Result<storage::SnapshotChild> StartSnapshot(storage::SnapshotStore& snapshots,
                                             const DataTree& tree) {
  return snapshots.StartWriteInChild(
      tree.last_zxid(), [&tree](ByteSink& sink) { return TreeSnapshotCodec::Write(tree, sink); });
}

Status FinishSnapshot(storage::SnapshotStore& snapshots, storage::Log& log, Zxid zxid) {
  return AfterSnapshot(snapshots, log, zxid);
}

}  // namespace coord
