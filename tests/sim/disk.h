// SimDisk: one member's simulated disk. A Ready's PersistBatch becomes durable only when the
// simulator "fsyncs" it, a PRNG-chosen number of ticks after it was handed over; batches sync in
// order. Until then the Ready waits here with its messages and applies (the Ready contract:
// persist, then send, then apply). A crash loses every Ready still waiting.
//
// The durable image is what a restart sees: hard state, the last snapshot (a serialized DataTree
// at its zxid) and the log entries above it.
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
  // Queues a Ready; its batch (if any) syncs at `sync_at` or later (never before an earlier one).
  void Submit(zab::Ready ready, int64_t sync_at);
  // The oldest waiting Ready, once its batch is durable at `now` (written to the image here).
  std::optional<zab::Ready> TakeCompleted(int64_t now);
  // The oldest waiting Ready with a batch, if it is due at `now` (fsync fault injection).
  bool HeadBatchDue(int64_t now) const;
  // Crash: everything not yet synced is gone.
  void LoseUnsynced() { waiting_.clear(); }
  // The application wrote a snapshot at snapshot.zxid: the log below it is purged.
  void WriteSnapshot(zab::SnapshotData snapshot);

  const DurableImage& image() const { return image_; }
  // The log entries above the snapshot (a restart's DurableState).
  std::vector<zab::Entry> LogAboveSnapshot() const;
  size_t waiting() const { return waiting_.size(); }

 private:
  void Write(const zab::PersistBatch& batch);

  struct Waiting {
    zab::Ready ready;
    int64_t sync_at;
  };
  std::deque<Waiting> waiting_;
  int64_t last_sync_at_ = 0;
  DurableImage image_;
};

}  // namespace coord::sim
