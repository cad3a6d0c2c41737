// storage::LmdbLog: the production Log, one LMDB environment in a directory.
//
// Layout: named database "log" maps the 8-byte big-endian zxid (so LMDB's byte order is zxid
// order) to a 4-byte little-endian CRC-32C of key + payload, followed by the payload. Named
// database "meta" holds accepted_epoch, current_epoch and last_snapshot_zxid, each an 8-byte
// big-endian value after a CRC-32C of key + value. One LMDB write transaction per Commit(), so a
// batch (truncation, entries, hard state) is one group commit; LMDB's default sync mode makes it
// durable before Commit() returns (no MDB_NOSYNC / MDB_NOMETASYNC).
//
// Errors: MDB_MAP_FULL aborts the transaction, doubles the map (up to max_map_bytes less a
// purge reserve) and retries; at the limit the write fails with kOutOfSpace and the log stays
// usable: nothing was written, and PurgeBelow() can still free room. Any other write failure (EIO,
// ENOSPC, a failed fsync) is kIoError and sticky: the member must exit (Zab rule 6), so every later
// write returns the same error. Reads stay available. A checksum mismatch is kCorruption and never
// truncates.
//
// Threading: not thread-safe; one owner at a time. The environment is opened with MDB_NOTLS so
// the owner may move it to another thread between calls. Do not fork while a call is running, and
// never use the log in a forked child. Owns the LMDB environment.
//
// Processes: one writer. Another process may open the same directory to read (coord-dump on a
// live member); it follows the writer's map growth, but its FirstZxid / LastZxid / GetHardState
// are as of its Open. Never open one directory twice in one process (an LMDB rule).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "storage/log.h"

// LMDB's handles, declared so that <lmdb.h> stays inside lmdb_log.cc.
struct MDB_env;
struct MDB_txn;

namespace coord::storage {

struct LmdbLogOptions {
  // The LMDB map (address space reserved, not disk used) at open; grown by doubling on demand.
  size_t initial_map_bytes = size_t{64} << 20;
  // Writes fail with kOutOfSpace rather than grow the map beyond this.
  size_t max_map_bytes = size_t{64} << 30;
  // Commits stop (kOutOfSpace) this far below max_map_bytes, capped at an eighth of it. LMDB
  // copies pages on write, so even a delete needs free pages: without a reserve, a full log could
  // not be purged. PurgeBelow may use the reserve.
  size_t purge_reserve_bytes = size_t{64} << 20;
  // Keeps up to this many bytes of written zeros past LMDB's last page: a quarter of the log's
  // size, at least 1 MiB, at most this (extended when less than half of that is left; 0 turns it
  // off). A commit that makes the file longer pays for a metadata
  // journal commit inside its fdatasync (measured here: several times the cost of a sync that
  // only overwrites blocks); LMDB appends pages at the end of its file until purges free some, so
  // without this every commit of a young or growing log paid it. ZooKeeper pads its log files
  // with zeros for the same reason.
  size_t preallocate_bytes = size_t{16} << 20;
};

class LmdbLog final : public Log {
 public:
  // Opens (creating if needed) the environment in `dir`.
  static Result<std::unique_ptr<LmdbLog>> Open(const std::string& dir, LmdbLogOptions options = {});
  ~LmdbLog() override;
  LmdbLog(const LmdbLog&) = delete;
  LmdbLog& operator=(const LmdbLog&) = delete;

  Status Commit(const LogBatch& batch) override;
  Result<std::vector<LogEntry>> Read(Zxid from, Zxid to, size_t max_bytes) const override;
  Zxid LastZxid() const override { return last_zxid_; }
  Zxid FirstZxid() const override { return first_zxid_; }
  Status PurgeBelow(Zxid zxid) override;
  HardState GetHardState() const override { return hard_state_; }
  // madvise(MADV_DONTNEED) over the part of the map that Reads returned values from. LMDB maps
  // its file read-only and shared (no MDB_WRITEMAP: writes go through pwrite), so dropping those
  // mappings discards nothing: the next access maps the file's pages again.
  void ReleaseReadPages() override;

  // The current size of the LMDB map.
  size_t map_bytes() const;
  // Ok until a write failed fatally; then that failure.
  const Status& fatal_status() const { return fatal_; }

 private:
  // What a write transaction's body returns besides LMDB codes: the batch was refused.
  static constexpr int kRefused = -1;
  // Deletes at most this many entries per PurgeBelow transaction, bounding its dirty pages.
  static constexpr size_t kPurgeChunk = 16384;

  LmdbLog(MDB_env* env, unsigned log_dbi, unsigned meta_dbi, LmdbLogOptions options);

  Status LoadState();
  // mdb_txn_begin, adopting a map grown by another process (MDB_MAP_RESIZED).
  int BeginTxn(unsigned flags, MDB_txn** txn) const;
  // Runs `body` in a write transaction and commits it, growing the map and retrying on
  // MDB_MAP_FULL. `body` returns 0, an LMDB error, or kRefused with *refusal set.
  template <typename Body>
  Status WriteTxn(const char* what, size_t map_limit, Body body, Status* refusal);
  int WriteBatch(MDB_txn* txn, const LogBatch& batch, Status* refusal);
  int PutHardState(MDB_txn* txn, const HardState& state);
  // Reads the first and last zxid inside `txn` into *first / *last.
  int ReadEnds(MDB_txn* txn, Zxid* first, Zxid* last) const;
  // The map size commits may grow to; purges may go up to max_map_bytes.
  size_t CommitMapLimit() const;
  Status GrowMap(size_t limit);
  // Maps at most `bytes` (LMDB keeps at least what is in use).
  Status SetMapBytes(size_t bytes);
  Status Fatal(const char* what, int rc);
  // preallocate_bytes: extends the file with zeros when LMDB's pages come near its end. A failure
  // (a full disk) is logged and leaves the log as it was: commits then extend the file themselves.
  void PreallocateAhead();

  MDB_env* env_;
  unsigned log_dbi_;
  unsigned meta_dbi_;
  LmdbLogOptions options_;
  uint64_t file_bytes_ = 0;  // the data file's size as last seen
  // The address range of the map that Read returned values from since ReleaseReadPages.
  mutable uintptr_t read_lo_ = UINTPTR_MAX;
  mutable uintptr_t read_hi_ = 0;
  Zxid first_zxid_ = 0;
  Zxid last_zxid_ = 0;
  HardState hard_state_;
  Status fatal_;
};

}  // namespace coord::storage
