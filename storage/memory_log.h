// storage::MemoryLog: the in-memory twin of LmdbLog, for unit tests and the deterministic
// simulator. It validates arguments exactly as LmdbLog does (storage/log_rules.h) and, like it,
// applies a batch all or nothing. "Durable" here means: survives as long as this object, which is
// what a simulated member keeps across a simulated crash.
//
// Fault injection: InjectWriteFailure() makes the next write fail the way a failed fsync does, and
// the log then refuses every later write (sticky), so the caller's fatal path can be simulated.
//
// Threading: not thread-safe; one owner at a time. Owns its entries.
#pragma once

#include <deque>
#include <vector>

#include "storage/log.h"

namespace coord::storage {

class MemoryLog final : public Log {
 public:
  MemoryLog() = default;

  Status Commit(const LogBatch& batch) override;
  Result<std::vector<LogEntry>> Read(Zxid from, Zxid to, size_t max_bytes) const override;
  Zxid LastZxid() const override { return entries_.empty() ? 0 : entries_.back().zxid; }
  Zxid FirstZxid() const override { return entries_.empty() ? 0 : entries_.front().zxid; }
  Status PurgeBelow(Zxid zxid) override;
  HardState GetHardState() const override { return hard_state_; }

  // The next Commit or PurgeBelow fails with `status` (not ok) and changes nothing; every write
  // after it fails with the same status.
  void InjectWriteFailure(Status status);

 private:
  // The newest zxid left after removing entries above `truncate_after`.
  Zxid LastAtOrBelow(Zxid truncate_after) const;

  std::deque<LogEntry> entries_;  // strictly increasing zxids
  HardState hard_state_;
  Status pending_failure_;  // injected, not yet hit
  Status fatal_;            // set once a write failed; sticky
};

}  // namespace coord::storage
