// LmdbLog beyond the shared Log contract: map growth and its limit, checksums against damaged
// values (written through a raw LMDB handle, as a disk or a stray write would), and a real failed
// commit making the log refuse writes.
#include <gtest/gtest.h>
#include <lmdb.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cctype>
#include <filesystem>
#include <fstream>

#include <cstring>
#include <iostream>
#include <limits>

#include "storage/lmdb_log.h"
#include "tests/storage/log_test_util.h"
#include "tests/storage/temp_dir.h"

namespace coord::storage {
namespace {

constexpr size_t kAll = std::numeric_limits<size_t>::max();
constexpr Zxid kMaxZxid = std::numeric_limits<Zxid>::max();

std::unique_ptr<LmdbLog> OpenOrDie(const std::string& dir, LmdbLogOptions options = {}) {
  Result<std::unique_ptr<LmdbLog>> log = LmdbLog::Open(dir, options);
  CHECK(log.ok()) << log.status().ToString();
  return std::move(log).value();
}

// Edits the "log" database directly: `edit` gets the value stored under `zxid` and returns the
// value to store instead. The LmdbLog must be closed.
template <typename Edit>
void RewriteRawValue(const std::string& dir, Zxid zxid, Edit edit) {
  MDB_env* env = nullptr;
  ASSERT_EQ(mdb_env_create(&env), 0);
  ASSERT_EQ(mdb_env_set_maxdbs(env, 2), 0);
  ASSERT_EQ(mdb_env_open(env, dir.c_str(), MDB_NOTLS, 0644), 0);
  MDB_txn* txn = nullptr;
  ASSERT_EQ(mdb_txn_begin(env, nullptr, 0, &txn), 0);
  MDB_dbi dbi;
  ASSERT_EQ(mdb_dbi_open(txn, "log", 0, &dbi), 0);
  unsigned char key[8];
  for (int i = 0; i < 8; ++i) key[i] = static_cast<unsigned char>(zxid >> (56 - 8 * i));
  MDB_val k{sizeof(key), key}, v;
  ASSERT_EQ(mdb_get(txn, dbi, &k, &v), 0);
  std::string value = edit(std::string(static_cast<char*>(v.mv_data), v.mv_size));
  v = MDB_val{value.size(), value.data()};
  ASSERT_EQ(mdb_put(txn, dbi, &k, &v, 0), 0);
  ASSERT_EQ(mdb_txn_commit(txn), 0);
  mdb_env_close(env);
}

std::string GetRawValue(const std::string& dir, Zxid zxid) {
  std::string copy;
  RewriteRawValue(dir, zxid, [&](std::string value) {
    copy = value;
    return value;
  });
  return copy;
}

TEST(LmdbLogTest, OpenRefusesBadOptionsAndPaths) {
  TempDir dir;
  EXPECT_EQ(LmdbLog::Open(dir.path(), {.initial_map_bytes = 0}).code(), Code::kInvalidArgument);
  EXPECT_EQ(
      LmdbLog::Open(dir.path(), {.initial_map_bytes = 2 << 20, .max_map_bytes = 1 << 20}).code(),
      Code::kInvalidArgument);
  const std::string file = dir.path() + "/not_a_dir";
  FILE* f = fopen(file.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fclose(f);
  EXPECT_EQ(LmdbLog::Open(file).code(), Code::kIoError);
}

TEST(LmdbLogTest, MapGrowsTransparently) {
  TempDir dir;
  const LmdbLogOptions options{.initial_map_bytes = 64 << 10, .max_map_bytes = size_t{1} << 30};
  std::unique_ptr<LmdbLog> log = OpenOrDie(dir.path(), options);
  EXPECT_EQ(log->map_bytes(), size_t{64} << 10);
  for (Zxid first = 1; first <= 4000; first += 100) {
    ASSERT_TRUE(log->Append(EntriesFor(first, first + 99, 2000)).ok());
  }
  EXPECT_GE(log->map_bytes(), size_t{4} << 20);  // ~4 MB of payload needed several doublings
  EXPECT_TRUE(log->fatal_status().ok());
  log.reset();
  log = OpenOrDie(dir.path(), options);
  EXPECT_EQ(log->Read(0, kMaxZxid, kAll).value(), EntriesFor(1, 4000, 2000));
}

TEST(LmdbLogTest, MaxMapGivesOutOfSpaceAndStaysReadable) {
  TempDir dir;
  const LmdbLogOptions options{.initial_map_bytes = 64 << 10, .max_map_bytes = 1 << 20};
  std::unique_ptr<LmdbLog> log = OpenOrDie(dir.path(), options);
  Zxid acked = 0;
  Status status;
  for (int i = 0; i < 1000 && status.ok(); ++i) {  // 16 MB would be needed: it must fill
    status = log->Append(EntriesFor(acked + 1, acked + 16, 1000));
    if (status.ok()) acked += 16;
  }
  ASSERT_EQ(status.code(), Code::kOutOfSpace) << status.ToString();
  EXPECT_NE(status.message().find("max_map_bytes"), std::string::npos) << status.message();
  EXPECT_GT(acked, 0u);
  // Stopped an eighth below the maximum: the purge reserve.
  EXPECT_EQ(log->map_bytes(), size_t{896} << 10);
  // Nothing of the failed batch is visible; everything before it is.
  EXPECT_EQ(log->LastZxid(), acked);
  EXPECT_EQ(log->Read(0, kMaxZxid, kAll).value(), EntriesFor(1, acked, 1000));
  // Not a fatal error: a purge (using the reserve) frees pages, and appends work again.
  EXPECT_TRUE(log->fatal_status().ok());
  Status purged = log->PurgeBelow(acked);
  ASSERT_TRUE(purged.ok()) << purged.ToString();
  EXPECT_EQ(log->map_bytes(), size_t{896} << 10);  // the reserve is given back
  ASSERT_TRUE(log->Append(EntriesFor(acked + 1, acked + 16, 1000)).ok());
  log.reset();
  log = OpenOrDie(dir.path(), options);
  EXPECT_EQ(log->Read(0, kMaxZxid, kAll).value(), EntriesFor(acked, acked + 16, 1000));
}

TEST(LmdbLogTest, ReaderProcessFollowsTheWritersMapGrowth) {
  TempDir dir;
  const LmdbLogOptions options{.initial_map_bytes = 64 << 10};
  std::unique_ptr<LmdbLog> reader = OpenOrDie(dir.path(), options);
  ASSERT_TRUE(reader->Append(EntriesFor(1, 1, 2000)).ok());
  // Another process (the live member, with coord-dump as the reader) writes far past our map.
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    Result<std::unique_ptr<LmdbLog>> writer = LmdbLog::Open(dir.path(), options);
    ::_exit(writer.ok() && writer.value()->Append(EntriesFor(2, 2000, 2000)).ok() ? 0 : 1);
  }
  int wait_status = 0;
  ASSERT_EQ(::waitpid(pid, &wait_status, 0), pid);
  ASSERT_TRUE(WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0);
  Result<std::vector<LogEntry>> entries = reader->Read(0, kMaxZxid, kAll);
  ASSERT_TRUE(entries.ok()) << entries.status().ToString();
  EXPECT_EQ(entries.value(), EntriesFor(1, 2000, 2000));
  EXPECT_GT(reader->map_bytes(), size_t{64} << 10);
}

TEST(LmdbLogTest, DamagedPayloadIsCorruptionAndNothingIsTruncated) {
  TempDir dir;
  OpenOrDie(dir.path())->Append(EntriesFor(1, 5)).IgnoreError();
  RewriteRawValue(dir.path(), 3, [](std::string value) {
    value.back() ^= 0x01;
    return value;
  });
  std::unique_ptr<LmdbLog> log = OpenOrDie(dir.path());
  Result<std::vector<LogEntry>> read = log->Read(1, 5, kAll);
  EXPECT_EQ(read.code(), Code::kCorruption);
  EXPECT_NE(read.status().message().find("0x3"), std::string::npos) << read.status().message();
  EXPECT_EQ(log->Read(3, 3, kAll).code(), Code::kCorruption);
  EXPECT_EQ(log->Read(1, 2, kAll).value(), EntriesFor(1, 2));
  EXPECT_EQ(log->Read(4, 5, kAll).value(), EntriesFor(4, 5));
  EXPECT_EQ(log->LastZxid(), 5u);
  log.reset();
  EXPECT_EQ(OpenOrDie(dir.path())->LastZxid(), 5u);
}

TEST(LmdbLogTest, ChecksumCoversTheKey) {
  TempDir dir;
  OpenOrDie(dir.path())->Append(EntriesFor(1, 3)).IgnoreError();
  // An intact record stored under another zxid (a misdirected write) is caught too.
  const std::string two = GetRawValue(dir.path(), 2);
  RewriteRawValue(dir.path(), 3, [&](std::string) { return two; });
  EXPECT_EQ(OpenOrDie(dir.path())->Read(3, 3, kAll).code(), Code::kCorruption);
}

TEST(LmdbLogTest, ValueShorterThanItsChecksumIsCorruption) {
  TempDir dir;
  OpenOrDie(dir.path())->Append(EntriesFor(1, 1)).IgnoreError();
  RewriteRawValue(dir.path(), 1, [](std::string) { return std::string("ab"); });
  EXPECT_EQ(OpenOrDie(dir.path())->Read(1, 1, kAll).code(), Code::kCorruption);
}

// Runs in a death-test child: a file size limit makes LMDB's page writes fail with EFBIG, a real
// I/O error on commit. Returns 0 when every expectation held, else the failing line.
int RunFailedCommitScenario(const std::string& dir) {
#define REQUIRE(cond)                                              \
  if (!(cond)) {                                                   \
    std::cerr << "failed: " #cond " at line " << __LINE__ << "\n"; \
    return __LINE__;                                               \
  }
  // No preallocation: the failing commit must be the one that extends the file.
  LmdbLogOptions no_prealloc;
  no_prealloc.preallocate_bytes = 0;
  std::unique_ptr<LmdbLog> log = OpenOrDie(dir, no_prealloc);
  REQUIRE(log->Append(EntriesFor(1, 10, 100)).ok());
  struct stat st;
  REQUIRE(::stat((dir + "/data.mdb").c_str(), &st) == 0);
  ::signal(SIGXFSZ, SIG_IGN);
  rlimit limit{static_cast<rlim_t>(st.st_size), RLIM_INFINITY};
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &limit) == 0);
  const Status failed = log->Append(EntriesFor(11, 2000, 2000));
  REQUIRE(failed.code() == Code::kIoError);
  limit.rlim_cur = RLIM_INFINITY;
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &limit) == 0);
  // The disk would take it now, but the log refuses: the member must exit (Zab rule 6).
  REQUIRE(log->Append(EntriesFor(11, 11, 100)) == failed);
  REQUIRE(log->PurgeBelow(5) == failed);
  REQUIRE(log->fatal_status() == failed);
  REQUIRE(log->LastZxid() == 10);
  REQUIRE(log->Read(1, kMaxZxid, kAll).value() == EntriesFor(1, 10, 100));
  // A restart recovers from the durable state, which has none of the failed batch.
  log.reset();
  log = OpenOrDie(dir);
  REQUIRE(log->Read(1, kMaxZxid, kAll).value() == EntriesFor(1, 10, 100));
  REQUIRE(log->Append(EntriesFor(11, 11, 100)).ok());
  return 0;
#undef REQUIRE
}

TEST(LmdbLogDeathTest, FailedCommitIsStickyAndLosesNothingDurable) {
  TempDir dir;
  EXPECT_EXIT(::_exit(RunFailedCommitScenario(dir.path())), ::testing::ExitedWithCode(0), "");
}

uint64_t FileBytes(const std::string& path) {
  struct stat st;
  CHECK(::stat(path.c_str(), &st) == 0) << path;
  return static_cast<uint64_t>(st.st_size);
}

TEST(LmdbLogTest, FileIsPreallocatedAheadOfTheLogAndReopensIntact) {
  TempDir dir;
  LmdbLogOptions options;
  options.preallocate_bytes = size_t{1} << 20;
  std::unique_ptr<LmdbLog> log = OpenOrDie(dir.path(), options);
  ASSERT_TRUE(log->Append(EntriesFor(1, 10, 100)).ok());
  // At least half the preallocation is ahead of the few pages in use.
  EXPECT_GE(FileBytes(dir.path() + "/data.mdb"), options.preallocate_bytes / 2);
  // Megabytes of entries: the file keeps growing ahead of them, in steps.
  uint64_t payload_bytes = 0;
  for (Zxid z = 11; z <= 2010; z += 100) {
    std::vector<LogEntry> entries = EntriesFor(z, z + 99, 2000);
    for (const LogEntry& e : entries) payload_bytes += e.payload.size();
    ASSERT_TRUE(log->Append(std::move(entries)).ok());
  }
  EXPECT_GE(FileBytes(dir.path() + "/data.mdb"), payload_bytes + options.preallocate_bytes / 2);
  log.reset();
  log = OpenOrDie(dir.path(), options);
  EXPECT_EQ(log->LastZxid(), 2010u);
  EXPECT_EQ(log->Read(1, 10, kAll).value(), EntriesFor(1, 10, 100));
  EXPECT_EQ(log->Read(11, 2010, kAll).value().size(), 2000u);
}

// Resident kB of this process's mappings of `file` (from /proc/self/smaps).
uint64_t MappedResidentKb(const std::string& file) {
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool in_file = false;
  uint64_t kb = 0;
  while (std::getline(smaps, line)) {
    if (!line.empty() && std::isxdigit(static_cast<unsigned char>(line[0])) &&
        line.find('-') != std::string::npos && line.find(':') > line.find(' ')) {
      in_file = line.size() >= file.size() &&
                line.compare(line.size() - file.size(), file.size(), file) == 0;
    } else if (in_file && line.rfind("Rss:", 0) == 0) {
      kb += std::stoull(line.substr(4));
    }
  }
  return kb;
}

TEST(LmdbLogTest, ReleaseReadPagesUnmapsWhatReadsTouchedAndKeepsContents) {
  TempDir dir;
  std::unique_ptr<LmdbLog> log = OpenOrDie(dir.path());
  for (Zxid z = 1; z <= 4000; z += 100) {
    ASSERT_TRUE(log->Append(EntriesFor(z, z + 99, 2000)).ok());
  }
  log.reset();
  log = OpenOrDie(dir.path());
  const std::string file = std::filesystem::canonical(dir.path() + "/data.mdb").string();
  std::vector<LogEntry> all = log->Read(1, kMaxZxid, kAll).value();
  ASSERT_EQ(all.size(), 4000u);
  const uint64_t after_read = MappedResidentKb(file);
  EXPECT_GE(after_read, 1024u);  // megabytes of entries were read through the map
  log->ReleaseReadPages();
  EXPECT_LT(MappedResidentKb(file), after_read / 8);
  EXPECT_EQ(log->Read(1, kMaxZxid, kAll).value(), all);
}

// Runs in a death-test child: the file may not grow at all, so preallocating fails; commits go on
// in the space the file has, and fail only once LMDB itself needs more.
int RunPreallocationFailureScenario(const std::string& dir) {
#define REQUIRE(cond)                                              \
  if (!(cond)) {                                                   \
    std::cerr << "failed: " #cond " at line " << __LINE__ << "\n"; \
    return __LINE__;                                               \
  }
  LmdbLogOptions options;
  options.preallocate_bytes = size_t{1} << 20;
  std::unique_ptr<LmdbLog> log = OpenOrDie(dir, options);
  REQUIRE(log->Append(EntriesFor(1, 10, 100)).ok());
  const uint64_t size = FileBytes(dir + "/data.mdb");
  ::signal(SIGXFSZ, SIG_IGN);
  rlimit limit{static_cast<rlim_t>(size), RLIM_INFINITY};
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &limit) == 0);
  // Fill what was preallocated and more: preallocation fails (logged, turned off), commits that
  // fit succeed, the first that does not fit fails like any I/O error.
  Status status;
  Zxid z = 11;
  for (; z < 100000 && status.ok(); z += 10) status = log->Append(EntriesFor(z, z + 9, 2000));
  REQUIRE(status.code() == Code::kIoError);
  REQUIRE(z > 200);  // hundreds of entries went into the preallocated space first
  const Zxid last = log->LastZxid();
  log.reset();
  limit.rlim_cur = RLIM_INFINITY;
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &limit) == 0);
  log = OpenOrDie(dir, options);
  REQUIRE(log->LastZxid() == last);
  REQUIRE(log->Read(1, 10, kAll).value() == EntriesFor(1, 10, 100));
  return 0;
#undef REQUIRE
}

TEST(LmdbLogDeathTest, PreallocationFailureLeavesCommitsWorking) {
  TempDir dir;
  EXPECT_EXIT(::_exit(RunPreallocationFailureScenario(dir.path())), ::testing::ExitedWithCode(0),
              "");
}

}  // namespace
}  // namespace coord::storage
