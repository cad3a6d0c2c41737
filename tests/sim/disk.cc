#include "tests/sim/disk.h"

#include <algorithm>

#include "coord/base/check.h"

namespace coord::sim {

void SimDisk::Submit(zab::Ready ready, int64_t sync_at) {
  last_sync_at_ = std::max(last_sync_at_, sync_at);  // batches become durable in order
  waiting_.push_back({std::move(ready), last_sync_at_});
}

bool SimDisk::HeadBatchDue(int64_t now) const {
  return !waiting_.empty() && waiting_.front().ready.persist.id != 0 &&
         waiting_.front().sync_at <= now;
}

std::optional<zab::Ready> SimDisk::TakeCompleted(int64_t now) {
  if (waiting_.empty()) return std::nullopt;
  Waiting& head = waiting_.front();
  if (head.ready.persist.id != 0 && head.sync_at > now) return std::nullopt;
  zab::Ready ready = std::move(head.ready);
  waiting_.pop_front();
  if (ready.persist.id != 0) Write(ready.persist);
  return ready;
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

}  // namespace coord::sim
