// SimDisk: one member's simulated disk. The replica hands over zab::PersistBatches
// (Replica::TakePersistBatches); each becomes durable only when the simulator "fsyncs" it, a
// PRNG-chosen number of ticks later, in order. The simulator then reports it with
// Replica::PersistedBatch(id). A crash loses every batch still waiting.
//
// The durable image is what a restart recovers from: hard state, the last snapshot (a serialized
// DataTree at its zxid: one the leader sent, or one the member wrote itself) and the log entries
// above it.
//
// Threading: none; owned by its SimMember.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "coord/zab/ready.h"

namespace coord::sim {

struct DurableImage {
  zab::HardState hard_state;
  zab::SnapshotData snapshot;  // zxid 0 and empty data: the empty tree
  std::vector<zab::Entry> log;
};

class SimDisk {
 public:
  // Queues a batch; it syncs at `sync_at` or later (never before an earlier one).
  void Submit(zab::PersistBatch batch, int64_t sync_at);
  // The oldest waiting batch, once durable at `now` (written to the image here).
  std::optional<zab::PersistBatch> TakeSynced(int64_t now);
  // The oldest waiting batch is due at `now` (fsync fault injection).
  bool HeadDue(int64_t now) const { return !waiting_.empty() && waiting_.front().sync_at <= now; }
  // Crash: everything not yet synced is gone.
  void LoseUnsynced() { waiting_.clear(); }
  // The member wrote a snapshot of its tree at snapshot.zxid: the log at or below it is purged.
  void WriteSnapshot(zab::SnapshotData snapshot);

  const DurableImage& image() const { return image_; }
  // The log entries above the snapshot (a restart's DurableState).
  std::vector<zab::Entry> LogAboveSnapshot() const;
  // The durable entry at `zxid`, if the log holds it.
  const zab::Entry* Find(Zxid zxid) const;
  size_t waiting() const { return waiting_.size(); }

 private:
  void Write(const zab::PersistBatch& batch);

  struct Waiting {
    zab::PersistBatch batch;
    int64_t sync_at;
  };
  std::deque<Waiting> waiting_;
  int64_t last_sync_at_ = 0;
  DurableImage image_;
};

}  // namespace coord::sim
