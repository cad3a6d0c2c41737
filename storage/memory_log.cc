#include "storage/memory_log.h"

#include <algorithm>

#include "storage/log_rules.h"

namespace coord::storage {
namespace {

bool ZxidLess(const LogEntry& entry, Zxid zxid) { return entry.zxid < zxid; }

}  // namespace

Status MemoryLog::Commit(const LogBatch& batch) {
  if (!fatal_.ok()) return fatal_;
  COORD_RETURN_IF_ERROR(CheckBatchEntries(batch));
  const Zxid last = batch.truncate_after ? LastAtOrBelow(*batch.truncate_after) : LastZxid();
  COORD_RETURN_IF_ERROR(CheckAppendsAbove(batch, last));
  if (!pending_failure_.ok()) {
    fatal_ = pending_failure_;
    return fatal_;
  }
  // Validated above, so nothing below can fail: the batch is applied whole.
  if (batch.truncate_after) {
    while (!entries_.empty() && entries_.back().zxid > *batch.truncate_after) {
      entries_.pop_back();
    }
  }
  entries_.insert(entries_.end(), batch.entries.begin(), batch.entries.end());
  if (batch.hard_state) hard_state_ = *batch.hard_state;
  return Status::Ok();
}

Result<std::vector<LogEntry>> MemoryLog::Read(Zxid from, Zxid to, size_t max_bytes) const {
  std::vector<LogEntry> out;
  size_t bytes = 0;
  for (auto it = std::lower_bound(entries_.begin(), entries_.end(), from, ZxidLess);
       it != entries_.end() && it->zxid <= to; ++it) {
    if (!ReadLimitAllows(out.size(), bytes, it->payload.size(), max_bytes)) break;
    bytes += it->payload.size();
    out.push_back(*it);
  }
  return out;
}

Status MemoryLog::PurgeBelow(Zxid zxid) {
  if (!fatal_.ok()) return fatal_;
  if (!pending_failure_.ok()) {
    fatal_ = pending_failure_;
    return fatal_;
  }
  while (!entries_.empty() && entries_.front().zxid < zxid) entries_.pop_front();
  return Status::Ok();
}

void MemoryLog::InjectWriteFailure(Status status) {
  CHECK(!status.ok()) << "an injected failure needs a non-ok status";
  pending_failure_ = std::move(status);
}

Zxid MemoryLog::LastAtOrBelow(Zxid truncate_after) const {
  auto it = std::upper_bound(entries_.begin(), entries_.end(), truncate_after,
                             [](Zxid zxid, const LogEntry& entry) { return zxid < entry.zxid; });
  return it == entries_.begin() ? 0 : std::prev(it)->zxid;
}

}  // namespace coord::storage
