#include "storage/log_rules.h"

#include <string>

namespace coord::storage {

Status CheckBatchEntries(const LogBatch& batch) {
  Zxid previous = 0;
  for (const LogEntry& entry : batch.entries) {
    if (entry.zxid == 0) {
      return Status(Code::kInvalidArgument, "log entry with zxid 0 (0 means no transaction)");
    }
    if (entry.zxid <= previous) {
      return Status(Code::kInvalidArgument,
                    "log batch zxids not strictly increasing: " + ZxidToString(entry.zxid) +
                        " after " + ZxidToString(previous));
    }
    previous = entry.zxid;
  }
  return Status::Ok();
}

Status CheckAppendsAbove(const LogBatch& batch, Zxid last_after_truncation) {
  if (batch.entries.empty() || batch.entries.front().zxid > last_after_truncation) {
    return Status::Ok();
  }
  return Status(Code::kInvalidArgument,
                "log append of " + ZxidToString(batch.entries.front().zxid) +
                    " is not above the last zxid " + ZxidToString(last_after_truncation));
}

}  // namespace coord::storage
