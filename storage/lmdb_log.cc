#include "storage/lmdb_log.h"

#include <lmdb.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string_view>
#include <utility>

#include "coord/base/crc32c.h"
#include "coord/base/logging.h"
#include "storage/log_rules.h"

namespace coord::storage {
namespace {

constexpr size_t kKeyBytes = 8;
constexpr size_t kCrcBytes = 4;
constexpr std::string_view kAcceptedEpochKey = "accepted_epoch";
constexpr std::string_view kCurrentEpochKey = "current_epoch";
constexpr std::string_view kLastSnapshotZxidKey = "last_snapshot_zxid";

// Big-endian, so that LMDB's lexicographic key order is numeric order.
void EncodeU64(uint64_t value, char* out) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
}
uint64_t DecodeU64(const void* in) {
  const auto* bytes = static_cast<const unsigned char*>(in);
  uint64_t value = 0;
  for (size_t i = 0; i < 8; ++i) value = (value << 8) | bytes[i];
  return value;
}
void EncodeCrc(uint32_t crc, char* out) {
  for (size_t i = 0; i < kCrcBytes; ++i) out[i] = static_cast<char>((crc >> (8 * i)) & 0xff);
}
uint32_t DecodeCrc(const void* in) {
  const auto* bytes = static_cast<const unsigned char*>(in);
  uint32_t crc = 0;
  for (size_t i = 0; i < kCrcBytes; ++i) crc |= static_cast<uint32_t>(bytes[i]) << (8 * i);
  return crc;
}
// The checksum of a record covers its key, so a value stored under the wrong key is detected.
uint32_t RecordCrc(std::string_view key, std::string_view value) {
  return Crc32cExtend(Crc32c(key), value.data(), value.size());
}

MDB_val Val(const void* data, size_t size) { return MDB_val{size, const_cast<void*>(data)}; }
std::string_view View(const MDB_val& val) {
  return std::string_view(static_cast<const char*>(val.mv_data), val.mv_size);
}

struct CursorCloser {
  void operator()(MDB_cursor* cursor) const { mdb_cursor_close(cursor); }
};
using CursorPtr = std::unique_ptr<MDB_cursor, CursorCloser>;

struct TxnAborter {
  void operator()(MDB_txn* txn) const { mdb_txn_abort(txn); }
};
using TxnPtr = std::unique_ptr<MDB_txn, TxnAborter>;

struct EnvCloser {
  void operator()(MDB_env* env) const { mdb_env_close(env); }
};

size_t CommitLimit(const LmdbLogOptions& options) {
  return options.max_map_bytes - std::min(options.purge_reserve_bytes, options.max_map_bytes / 8);
}

Status LmdbError(Code code, std::string_view what, int rc) {
  return Status(code, std::string(what) + ": " + mdb_strerror(rc));
}

// Reads one meta value; a missing key is 0 (a fresh log).
Status GetMeta(MDB_txn* txn, MDB_dbi dbi, std::string_view key, uint64_t* value) {
  MDB_val k = Val(key.data(), key.size());
  MDB_val v;
  int rc = mdb_get(txn, dbi, &k, &v);
  if (rc == MDB_NOTFOUND) {
    *value = 0;
    return Status::Ok();
  }
  if (rc != 0) return LmdbError(Code::kIoError, "read log meta", rc);
  std::string_view bytes = View(v);
  if (bytes.size() != kCrcBytes + 8 ||
      DecodeCrc(bytes.data()) != RecordCrc(key, bytes.substr(kCrcBytes))) {
    return Status(Code::kCorruption, "log meta value " + std::string(key) + " is damaged");
  }
  *value = DecodeU64(bytes.data() + kCrcBytes);
  return Status::Ok();
}

int PutMeta(MDB_txn* txn, MDB_dbi dbi, std::string_view key, uint64_t value) {
  char bytes[kCrcBytes + 8];
  EncodeU64(value, bytes + kCrcBytes);
  EncodeCrc(RecordCrc(key, std::string_view(bytes + kCrcBytes, 8)), bytes);
  MDB_val k = Val(key.data(), key.size());
  MDB_val v = Val(bytes, sizeof(bytes));
  return mdb_put(txn, dbi, &k, &v, 0);
}

}  // namespace

Result<std::unique_ptr<LmdbLog>> LmdbLog::Open(const std::string& dir, LmdbLogOptions options) {
  if (options.initial_map_bytes == 0 || options.max_map_bytes < options.initial_map_bytes) {
    return Status(Code::kInvalidArgument, "LMDB map sizes: need 0 < initial_map_bytes <= max");
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status(Code::kIoError, "create log dir " + dir + ": " + ec.message());

  MDB_env* raw_env = nullptr;
  int rc = mdb_env_create(&raw_env);
  if (rc != 0) return LmdbError(Code::kIoError, "create LMDB environment", rc);
  std::unique_ptr<MDB_env, EnvCloser> env(raw_env);
  rc = mdb_env_set_maxdbs(env.get(), 2);
  if (rc == 0) {
    rc = mdb_env_set_mapsize(env.get(), std::min(options.initial_map_bytes, CommitLimit(options)));
  }
  // MDB_NOTLS: read transactions are tied to the transaction object, not to the thread, so the
  // owner may move the log between threads. No NOSYNC / NOMETASYNC: commits are durable.
  if (rc == 0) rc = mdb_env_open(env.get(), dir.c_str(), MDB_NOTLS, 0644);
  if (rc != 0) return LmdbError(Code::kIoError, "open LMDB environment in " + dir, rc);
  // A process killed in a read transaction leaves its reader slot behind; a stale slot would pin
  // old pages forever and make the file grow.
  int dead_readers = 0;
  mdb_reader_check(env.get(), &dead_readers);

  MDB_txn* txn = nullptr;
  MDB_dbi log_dbi = 0;
  MDB_dbi meta_dbi = 0;
  rc = mdb_txn_begin(env.get(), nullptr, 0, &txn);
  if (rc == 0) {
    rc = mdb_dbi_open(txn, "log", MDB_CREATE, &log_dbi);
    if (rc == 0) rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &meta_dbi);
    if (rc == 0) {
      rc = mdb_txn_commit(txn);
    } else {
      mdb_txn_abort(txn);
    }
  }
  if (rc != 0) return LmdbError(Code::kIoError, "open LMDB databases in " + dir, rc);

  std::unique_ptr<LmdbLog> log(new LmdbLog(env.release(), log_dbi, meta_dbi, options));
  COORD_RETURN_IF_ERROR(log->LoadState());
  return log;
}

LmdbLog::LmdbLog(MDB_env* env, unsigned log_dbi, unsigned meta_dbi, LmdbLogOptions options)
    : env_(env), log_dbi_(log_dbi), meta_dbi_(meta_dbi), options_(options) {}

LmdbLog::~LmdbLog() { mdb_env_close(env_); }

Status LmdbLog::LoadState() {
  MDB_txn* raw_txn = nullptr;
  int rc = BeginTxn(MDB_RDONLY, &raw_txn);
  if (rc != 0) return LmdbError(Code::kIoError, "begin LMDB read transaction", rc);
  TxnPtr txn(raw_txn);
  rc = ReadEnds(txn.get(), &first_zxid_, &last_zxid_);
  if (rc == MDB_CORRUPTED) return Status(Code::kCorruption, "log key of the wrong size");
  if (rc != 0) return LmdbError(Code::kIoError, "read log ends", rc);
  uint64_t accepted = 0, current = 0;
  COORD_RETURN_IF_ERROR(GetMeta(txn.get(), meta_dbi_, kAcceptedEpochKey, &accepted));
  COORD_RETURN_IF_ERROR(GetMeta(txn.get(), meta_dbi_, kCurrentEpochKey, &current));
  COORD_RETURN_IF_ERROR(
      GetMeta(txn.get(), meta_dbi_, kLastSnapshotZxidKey, &hard_state_.last_snapshot_zxid));
  if (accepted > std::numeric_limits<Epoch>::max() || current > std::numeric_limits<Epoch>::max()) {
    return Status(Code::kCorruption, "log meta holds an epoch above 32 bits");
  }
  hard_state_.accepted_epoch = static_cast<Epoch>(accepted);
  hard_state_.current_epoch = static_cast<Epoch>(current);
  return Status::Ok();
}

Status LmdbLog::Commit(const LogBatch& batch) {
  if (!fatal_.ok()) return fatal_;
  COORD_RETURN_IF_ERROR(CheckBatchEntries(batch));
  if (!batch.truncate_after && batch.entries.empty() && !batch.hard_state) return Status::Ok();
  Zxid first = 0, last = 0;
  Status refusal;
  COORD_RETURN_IF_ERROR(WriteTxn(
      "commit log batch", CommitMapLimit(),
      [&](MDB_txn* txn) {
        int rc = WriteBatch(txn, batch, &refusal);
        return rc != 0 ? rc : ReadEnds(txn, &first, &last);
      },
      &refusal));
  first_zxid_ = first;
  last_zxid_ = last;
  if (batch.hard_state) hard_state_ = *batch.hard_state;
  PreallocateAhead();
  return Status::Ok();
}

void LmdbLog::ReleaseReadPages() {
  if (read_hi_ <= read_lo_) return;
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t lo = read_lo_ & ~(page - 1);
  const uintptr_t hi = (read_hi_ + page - 1) & ~(page - 1);
  read_lo_ = UINTPTR_MAX;
  read_hi_ = 0;
  // Purely advisory for the process's footprint; a failure changes nothing else.
  if (madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_DONTNEED) != 0) {
    LOG_DEBUG << "madvise(MADV_DONTNEED) over the log map: " << std::strerror(errno);
  }
}

void LmdbLog::PreallocateAhead() {
  if (options_.preallocate_bytes == 0) return;
  MDB_envinfo info;
  MDB_stat stat;
  if (mdb_env_info(env_, &info) != 0 || mdb_env_stat(env_, &stat) != 0) return;
  const uint64_t used = (uint64_t{info.me_last_pgno} + 1) * stat.ms_psize;
  // The room kept ahead grows with the log, from 1 MiB to preallocate_bytes: a small log (a test,
  // a fresh member) does not write megabytes of zeros it will never use.
  const uint64_t ahead =
      std::clamp<uint64_t>(used / 4, std::min<uint64_t>(options_.preallocate_bytes, 1 << 20),
                           options_.preallocate_bytes);
  if (used + ahead / 2 <= file_bytes_) return;
  int fd = -1;
  struct stat st;
  if (mdb_env_get_fd(env_, &fd) != 0 || fstat(fd, &st) != 0) return;
  file_bytes_ = static_cast<uint64_t>(st.st_size);  // LMDB may have extended it meanwhile
  if (used + ahead / 2 <= file_bytes_) return;
  // Never past the map: LMDB maps at least the whole file.
  const uint64_t target = std::min<uint64_t>(used + ahead, map_bytes());
  static const std::string zeros(size_t{1} << 20, '\0');
  uint64_t at = file_bytes_;
  while (at < target) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(zeros.size(), target - at));
    const ssize_t written = pwrite(fd, zeros.data(), n, static_cast<off_t>(at));
    if (written <= 0) break;
    at += static_cast<uint64_t>(written);
  }
  if (at < target || fdatasync(fd) != 0) {
    // The zeros already written are harmless (LMDB overwrites them); only the speed-up is lost,
    // for the rest of this process: a full disk is not retried on every commit.
    LOG_WARN << "could not preallocate the log file to " << target
             << " bytes (preallocation off until restart): " << std::strerror(errno);
    options_.preallocate_bytes = 0;
    return;
  }
  file_bytes_ = at;
}

int LmdbLog::WriteBatch(MDB_txn* txn, const LogBatch& batch, Status* refusal) {
  MDB_cursor* raw_cursor = nullptr;
  int rc = mdb_cursor_open(txn, log_dbi_, &raw_cursor);
  if (rc != 0) return rc;
  CursorPtr cursor(raw_cursor);
  char key[kKeyBytes];
  MDB_val k, v;
  Zxid last = last_zxid_;
  if (batch.truncate_after && *batch.truncate_after < last_zxid_) {
    EncodeU64(*batch.truncate_after + 1, key);
    // Re-seeks after each delete rather than relying on where mdb_cursor_del leaves the cursor.
    for (;;) {
      k = Val(key, kKeyBytes);
      rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_SET_RANGE);
      if (rc == MDB_NOTFOUND) break;
      if (rc == 0) rc = mdb_cursor_del(cursor.get(), 0);
      if (rc != 0) return rc;
    }
    rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_LAST);
    if (rc != 0 && rc != MDB_NOTFOUND) return rc;
    last = rc == MDB_NOTFOUND ? 0 : DecodeU64(k.mv_data);
  }
  if (Status status = CheckAppendsAbove(batch, last); !status.ok()) {
    *refusal = std::move(status);
    return kRefused;
  }
  for (const LogEntry& entry : batch.entries) {
    EncodeU64(entry.zxid, key);
    k = Val(key, kKeyBytes);
    v = Val(nullptr, kCrcBytes + entry.payload.size());
    // MDB_APPEND: keys arrive in order above every existing key, so LMDB fills pages sequentially.
    // MDB_RESERVE: we write the value in place instead of building a copy first.
    rc = mdb_cursor_put(cursor.get(), &k, &v, MDB_APPEND | MDB_RESERVE);
    if (rc != 0) return rc;
    char* out = static_cast<char*>(v.mv_data);
    EncodeCrc(RecordCrc(std::string_view(key, kKeyBytes), entry.payload), out);
    std::memcpy(out + kCrcBytes, entry.payload.data(), entry.payload.size());
  }
  if (batch.hard_state) return PutHardState(txn, *batch.hard_state);
  return 0;
}

int LmdbLog::PutHardState(MDB_txn* txn, const HardState& state) {
  int rc = PutMeta(txn, meta_dbi_, kAcceptedEpochKey, state.accepted_epoch);
  if (rc == 0) rc = PutMeta(txn, meta_dbi_, kCurrentEpochKey, state.current_epoch);
  if (rc == 0) rc = PutMeta(txn, meta_dbi_, kLastSnapshotZxidKey, state.last_snapshot_zxid);
  return rc;
}

int LmdbLog::ReadEnds(MDB_txn* txn, Zxid* first, Zxid* last) const {
  MDB_cursor* raw_cursor = nullptr;
  int rc = mdb_cursor_open(txn, log_dbi_, &raw_cursor);
  if (rc != 0) return rc;
  CursorPtr cursor(raw_cursor);
  MDB_val k, v;
  rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_FIRST);
  if (rc == MDB_NOTFOUND) {
    *first = *last = 0;
    return 0;
  }
  if (rc != 0) return rc;
  if (k.mv_size != kKeyBytes) return MDB_CORRUPTED;
  *first = DecodeU64(k.mv_data);
  rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_LAST);
  if (rc != 0) return rc;
  if (k.mv_size != kKeyBytes) return MDB_CORRUPTED;
  *last = DecodeU64(k.mv_data);
  return 0;
}

Result<std::vector<LogEntry>> LmdbLog::Read(Zxid from, Zxid to, size_t max_bytes) const {
  std::vector<LogEntry> out;
  if (from > to) return out;
  MDB_txn* raw_txn = nullptr;
  int rc = BeginTxn(MDB_RDONLY, &raw_txn);
  if (rc != 0) return LmdbError(Code::kIoError, "begin LMDB read transaction", rc);
  TxnPtr txn(raw_txn);
  MDB_cursor* raw_cursor = nullptr;
  rc = mdb_cursor_open(txn.get(), log_dbi_, &raw_cursor);
  if (rc != 0) return LmdbError(Code::kIoError, "open LMDB cursor", rc);
  CursorPtr cursor(raw_cursor);
  char key[kKeyBytes];
  EncodeU64(from, key);
  MDB_val k = Val(key, kKeyBytes), v;
  size_t bytes = 0;
  for (rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_SET_RANGE); rc == 0;
       rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_NEXT)) {
    if (k.mv_size != kKeyBytes) return Status(Code::kCorruption, "log key of the wrong size");
    const Zxid zxid = DecodeU64(k.mv_data);
    if (zxid > to) break;
    std::string_view value = View(v);
    if (value.size() < kCrcBytes ||
        DecodeCrc(value.data()) != RecordCrc(View(k), value.substr(kCrcBytes))) {
      return Status(Code::kCorruption, "log entry " + ZxidToString(zxid) + " fails its checksum");
    }
    std::string_view payload = value.substr(kCrcBytes);
    read_lo_ = std::min(read_lo_, reinterpret_cast<uintptr_t>(value.data()));
    read_hi_ = std::max(read_hi_, reinterpret_cast<uintptr_t>(value.data() + value.size()));
    if (!ReadLimitAllows(out.size(), bytes, payload.size(), max_bytes)) break;
    bytes += payload.size();
    out.push_back(LogEntry{zxid, std::string(payload)});
  }
  if (rc != 0 && rc != MDB_NOTFOUND) return LmdbError(Code::kIoError, "read log", rc);
  return out;
}

Status LmdbLog::PurgeBelow(Zxid zxid) {
  if (!fatal_.ok()) return fatal_;
  // Bounded: every round deletes at least the first entry, which is below `zxid`.
  while (first_zxid_ != 0 && first_zxid_ < zxid) {
    Zxid first = 0, last = 0;
    Status refusal;  // stays Ok: a purge refuses no argument
    COORD_RETURN_IF_ERROR(WriteTxn(
        "purge log", options_.max_map_bytes,
        [&](MDB_txn* txn) {
          MDB_cursor* raw_cursor = nullptr;
          int rc = mdb_cursor_open(txn, log_dbi_, &raw_cursor);
          if (rc != 0) return rc;
          CursorPtr cursor(raw_cursor);
          MDB_val k, v;
          for (size_t deleted = 0; deleted < kPurgeChunk; ++deleted) {
            rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_FIRST);
            if (rc == MDB_NOTFOUND) break;
            if (rc != 0) return rc;
            if (k.mv_size == kKeyBytes && DecodeU64(k.mv_data) >= zxid) break;
            rc = mdb_cursor_del(cursor.get(), 0);
            if (rc != 0) return rc;
          }
          cursor.reset();
          return ReadEnds(txn, &first, &last);
        },
        &refusal));
    first_zxid_ = first;
    last_zxid_ = last;
  }
  // If the purge had to grow into the reserve, give the reserve back: commits must not fill it.
  if (map_bytes() > CommitMapLimit()) return SetMapBytes(CommitMapLimit());
  return Status::Ok();
}

template <typename Body>
Status LmdbLog::WriteTxn(const char* what, size_t map_limit, Body body, Status* refusal) {
  // Bounded: every retry follows a GrowMap() that grew the map or returned an error.
  for (;;) {
    MDB_txn* txn = nullptr;
    int rc = BeginTxn(0, &txn);
    if (rc != 0) return Fatal(what, rc);
    rc = body(txn);
    if (rc == 0) {
      rc = mdb_txn_commit(txn);  // frees the transaction, committed or not
    } else {
      mdb_txn_abort(txn);
    }
    if (rc == 0) return Status::Ok();
    if (rc == kRefused) return *refusal;
    if (rc == MDB_MAP_FULL) {
      COORD_RETURN_IF_ERROR(GrowMap(map_limit));
      continue;
    }
    if (rc == MDB_TXN_FULL) {
      // Aborted cleanly: the batch is too big for one transaction, the log is intact.
      return LmdbError(Code::kOutOfSpace, std::string(what) + " (batch too large)", rc);
    }
    return Fatal(what, rc);
  }
}

size_t LmdbLog::CommitMapLimit() const { return CommitLimit(options_); }

Status LmdbLog::GrowMap(size_t limit) {
  const size_t current = map_bytes();
  if (current >= limit) {
    return Status(Code::kOutOfSpace,
                  "log full: LMDB map reached " + std::to_string(current) +
                      " bytes, the limit under max_map_bytes (" +
                      std::to_string(options_.max_map_bytes) +
                      "); purge the log below a snapshot or raise max_map_bytes");
  }
  COORD_RETURN_IF_ERROR(SetMapBytes(current > limit / 2 ? limit : current * 2));
  LOG_INFO << "LMDB log map grown to " << map_bytes() << " bytes";
  return Status::Ok();
}

Status LmdbLog::SetMapBytes(size_t bytes) {
  // No transaction is open here, as mdb_env_set_mapsize requires. A failure may leave the
  // environment unmapped, so it is fatal.
  int rc = mdb_env_set_mapsize(env_, bytes);
  if (rc != 0) return Fatal("resize LMDB map", rc);
  return Status::Ok();
}

size_t LmdbLog::map_bytes() const {
  MDB_envinfo info;
  mdb_env_info(env_, &info);
  return info.me_mapsize;
}

int LmdbLog::BeginTxn(unsigned flags, MDB_txn** txn) const {
  int rc = mdb_txn_begin(env_, nullptr, flags, txn);
  if (rc == MDB_MAP_RESIZED) {
    // Another process (the writer, while this one reads) grew the map past ours: adopt its size.
    // Legal here because this process has no transaction open (one owner, one call at a time).
    rc = mdb_env_set_mapsize(env_, 0);
    if (rc == 0) rc = mdb_txn_begin(env_, nullptr, flags, txn);
  }
  return rc;
}

Status LmdbLog::Fatal(const char* what, int rc) {
  fatal_ = LmdbError(Code::kIoError, what, rc);
  LOG_ERROR << "log write failed, refusing further writes: " << fatal_.ToString();
  return fatal_;
}

}  // namespace coord::storage
