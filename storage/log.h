// storage::Log: the durable, zxid-ordered transaction log and the replica's hard state.
//
// The consensus core hands its caller a batch to persist (entries, maybe a truncation, maybe new
// epochs); Commit() makes the whole batch durable atomically, or fails. Two implementations:
// MemoryLog (tests, simulator) and LmdbLog (production). Not thread-safe: one owner at a time
// (the server moves it to its fsync thread).
//
// Errors: a Commit() failure (I/O error, fsync failure, disk full) is fatal for a replica: the
// caller must stop acknowledging and exit (architecture guide, Zab rule 6). Reads that find a
// checksum mismatch report kCorruption and never truncate anything.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "coord/base/status.h"
#include "coord/base/types.h"

namespace coord::storage {

struct LogEntry {
  Zxid zxid = 0;
  std::string payload;  // an encoded TxnRecord (protocol/txn_codec.h); opaque to the log
  friend bool operator==(const LogEntry&, const LogEntry&) = default;
};

// The replica's persistent Zab state, kept in the same environment as the log.
struct HardState {
  Epoch accepted_epoch = 0;  // the last epoch this member promised (NEWEPOCH seen)
  Epoch current_epoch = 0;   // the last epoch whose history this member has fully accepted
  Zxid last_snapshot_zxid = 0;
  friend bool operator==(const HardState&, const HardState&) = default;
};

// One atomic, durable write: applied in the order truncate, append, hard state.
struct LogBatch {
  // Removes every entry with zxid > *truncate_after (Zab TRUNC of an uncommitted tail).
  std::optional<Zxid> truncate_after;
  // Appended in order; zxids strictly increasing and above the last zxid after truncation.
  std::vector<LogEntry> entries;
  std::optional<HardState> hard_state;
};

class Log {
 public:
  virtual ~Log() = default;

  // Makes `batch` durable (fsynced) before returning Ok. On failure nothing of it is visible.
  virtual Status Commit(const LogBatch& batch) = 0;

  // Convenience: Commit of entries only.
  Status Append(std::vector<LogEntry> entries) {
    LogBatch batch;
    batch.entries = std::move(entries);
    return Commit(batch);
  }

  // Entries with from <= zxid <= to, in order, as many as fit in max_bytes of payload; the
  // first entry in range is returned even if it alone is larger (so a reader always progresses).
  virtual Result<std::vector<LogEntry>> Read(Zxid from, Zxid to, size_t max_bytes) const = 0;

  // Zxid of the newest / oldest entry, 0 when the log is empty.
  virtual Zxid LastZxid() const = 0;
  virtual Zxid FirstZxid() const = 0;

  // Removes entries with zxid < `zxid` (they are covered by a snapshot). Durable.
  virtual Status PurgeBelow(Zxid zxid) = 0;

  virtual HardState GetHardState() const = 0;

  // A log that maps its file (LMDB) keeps the pages earlier Reads touched resident in the
  // process; after recovery read its tail once, this lets them go (the OS keeps them in its
  // page cache; a later Read maps them again). No effect on contents.
  virtual void ReleaseReadPages() {}
};

}  // namespace coord::storage
