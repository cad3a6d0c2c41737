#include "tests/sim/disk.h"

#include <algorithm>

#include "coord/base/check.h"

namespace coord::sim {

void SimDisk::Submit(zab::PersistBatch batch, int64_t sync_at) {
  last_sync_at_ = std::max(last_sync_at_, sync_at);  // batches become durable in order
  waiting_.push_back({std::move(batch), last_sync_at_});
}

std::optional<zab::PersistBatch> SimDisk::TakeSynced(int64_t now) {
  if (!HeadDue(now)) return std::nullopt;
  zab::PersistBatch batch = std::move(waiting_.front().batch);
  waiting_.pop_front();
  Write(batch);
  return batch;
}

void SimDisk::Write(const zab::PersistBatch& batch) {
  // One atomic transaction, in the order ready.h gives: snapshot, truncation, entries, hard state.
  if (batch.snapshot) {
    image_.snapshot = *batch.snapshot;
    image_.log.clear();
  }
  if (batch.truncate_after) {
    std::erase_if(image_.log, [&](const zab::Entry& e) { return e.zxid > *batch.truncate_after; });
  }
  for (const zab::Entry& e : batch.entries) {
    CHECK(image_.log.empty() || image_.log.back().zxid < e.zxid)
        << "log append out of zxid order: " << e.zxid << " after " << image_.log.back().zxid;
    CHECK(e.zxid > image_.snapshot.zxid) << "log append at or below the snapshot " << e.zxid;
    image_.log.push_back(e);
  }
  if (batch.hard_state) image_.hard_state = *batch.hard_state;
}

void SimDisk::WriteSnapshot(zab::SnapshotData snapshot) {
  CHECK_GE(snapshot.zxid, image_.snapshot.zxid);
  const Zxid zxid = snapshot.zxid;
  image_.snapshot = std::move(snapshot);
  std::erase_if(image_.log, [&](const zab::Entry& e) { return e.zxid <= zxid; });
}

std::vector<zab::Entry> SimDisk::LogAboveSnapshot() const {
  std::vector<zab::Entry> out;
  for (const zab::Entry& e : image_.log) {
    if (e.zxid > image_.snapshot.zxid) out.push_back(e);
  }
  return out;
}

const zab::Entry* SimDisk::Find(Zxid zxid) const {
  auto it = std::lower_bound(image_.log.begin(), image_.log.end(), zxid,
                             [](const zab::Entry& e, Zxid z) { return e.zxid < z; });
  return it != image_.log.end() && it->zxid == zxid ? &*it : nullptr;
}

}  // namespace coord::sim
