// The argument rules and read limits every storage::Log implementation shares, so MemoryLog and
// LmdbLog accept and refuse exactly the same batches (the simulator's log must behave like the
// production one, or simulated runs prove nothing about real ones).
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>

#include "coord/base/status.h"
#include "coord/base/types.h"
#include "storage/log.h"

namespace coord::storage {

// Checks what can be checked without the log's contents: every zxid is non-zero (0 means
// "nothing") and the entries are strictly increasing.
Status CheckBatchEntries(const LogBatch& batch);

// Checks that the batch's first entry lies above `last_after_truncation`, the newest zxid the log
// holds once the batch's truncation (if any) has been applied.
Status CheckAppendsAbove(const LogBatch& batch, Zxid last_after_truncation);

// Read's size rule: an entry is added while the total payload stays within max_bytes, except that
// the first entry in range is always returned (so a caller with a small limit still progresses).
inline bool ReadLimitAllows(size_t returned_entries, size_t returned_bytes, size_t next_bytes,
                            size_t max_bytes) {
  if (returned_entries == 0) return true;
  return next_bytes <= max_bytes && returned_bytes <= max_bytes - next_bytes;
}

}  // namespace coord::storage
