// The storage::Log contract, run against both implementations: whatever the simulator learns from
// MemoryLog must hold for LmdbLog in production.
#include <gtest/gtest.h>

#include <limits>
#include <memory>

#include "storage/lmdb_log.h"
#include "storage/log.h"
#include "storage/memory_log.h"
#include "tests/storage/log_test_util.h"
#include "tests/storage/temp_dir.h"

namespace coord::storage {
namespace {

constexpr size_t kAll = std::numeric_limits<size_t>::max();
constexpr Zxid kMaxZxid = std::numeric_limits<Zxid>::max();

// MemoryLog's "reopen" keeps the object: its durability is the object's lifetime.
struct MemoryLogKind {
  static std::unique_ptr<Log> Reopen(std::unique_ptr<Log> log, const std::string&) {
    return log ? std::move(log) : std::make_unique<MemoryLog>();
  }
};

struct LmdbLogKind {
  static std::unique_ptr<Log> Reopen(std::unique_ptr<Log> log, const std::string& dir) {
    log.reset();  // one environment per process at a time
    // A small initial map, so the larger tests also cross map growth.
    Result<std::unique_ptr<LmdbLog>> opened =
        LmdbLog::Open(dir, LmdbLogOptions{.initial_map_bytes = size_t{1} << 20});
    CHECK(opened.ok()) << opened.status().ToString();
    return std::move(opened).value();
  }
};

template <typename Kind>
class LogConformanceTest : public ::testing::Test {
 protected:
  LogConformanceTest() { Reopen(); }
  void Reopen() { log_ = Kind::Reopen(std::move(log_), dir_.path()); }
  Log& log() { return *log_; }

  std::vector<LogEntry> ReadAll() {
    Result<std::vector<LogEntry>> entries = log_->Read(0, kMaxZxid, kAll);
    EXPECT_TRUE(entries.ok()) << entries.status().ToString();
    return entries.ok() ? entries.value() : std::vector<LogEntry>{};
  }
  std::vector<Zxid> ReadZxids(Zxid from, Zxid to, size_t max_bytes = kAll) {
    Result<std::vector<LogEntry>> entries = log_->Read(from, to, max_bytes);
    EXPECT_TRUE(entries.ok()) << entries.status().ToString();
    return entries.ok() ? ZxidsOf(entries.value()) : std::vector<Zxid>{};
  }

  TempDir dir_;
  std::unique_ptr<Log> log_;
};

using LogKinds = ::testing::Types<MemoryLogKind, LmdbLogKind>;
TYPED_TEST_SUITE(LogConformanceTest, LogKinds);

TYPED_TEST(LogConformanceTest, StartsEmpty) {
  EXPECT_EQ(this->log().LastZxid(), 0u);
  EXPECT_EQ(this->log().FirstZxid(), 0u);
  EXPECT_TRUE(this->ReadAll().empty());
  EXPECT_EQ(this->log().GetHardState(), HardState{});
  EXPECT_TRUE(this->log().Commit(LogBatch{}).ok());
}

TYPED_TEST(LogConformanceTest, AppendsAndReadsRanges) {
  ASSERT_TRUE(this->log().Append(EntriesFor(1, 4)).ok());
  ASSERT_TRUE(this->log().Append(EntriesFor(5, 10)).ok());
  EXPECT_EQ(this->log().FirstZxid(), 1u);
  EXPECT_EQ(this->log().LastZxid(), 10u);
  EXPECT_EQ(this->ReadAll(), EntriesFor(1, 10));
  EXPECT_EQ(this->ReadZxids(3, 7), (std::vector<Zxid>{3, 4, 5, 6, 7}));
  EXPECT_EQ(this->ReadZxids(10, 10), std::vector<Zxid>{10});
  EXPECT_TRUE(this->ReadZxids(11, 20).empty());
  EXPECT_TRUE(this->ReadZxids(7, 3).empty());
}

TYPED_TEST(LogConformanceTest, ReadsAcrossEpochGaps) {
  const Zxid a = MakeZxid(1, 1), b = MakeZxid(1, 2), c = MakeZxid(2, 1);
  ASSERT_TRUE(this->log().Append({{a, "a"}, {b, "b"}, {c, "c"}}).ok());
  EXPECT_EQ(this->ReadZxids(MakeZxid(1, 2), MakeZxid(1, 0xffffffff)), std::vector<Zxid>{b});
  EXPECT_EQ(this->ReadZxids(MakeZxid(1, 3), MakeZxid(3, 0)), std::vector<Zxid>{c});
  EXPECT_EQ(this->ReadZxids(0, MakeZxid(1, 1)), std::vector<Zxid>{a});
  EXPECT_EQ(this->log().LastZxid(), c);
}

TYPED_TEST(LogConformanceTest, ReadStopsAtMaxBytesButReturnsOneEntry) {
  std::vector<LogEntry> entries;
  for (Zxid zxid = 1; zxid <= 5; ++zxid) entries.push_back({zxid, std::string(100, 'x')});
  ASSERT_TRUE(this->log().Append(entries).ok());
  EXPECT_EQ(this->ReadZxids(1, 5, 0), std::vector<Zxid>{1});
  EXPECT_EQ(this->ReadZxids(1, 5, 99), std::vector<Zxid>{1});
  EXPECT_EQ(this->ReadZxids(1, 5, 199), std::vector<Zxid>{1});
  EXPECT_EQ(this->ReadZxids(1, 5, 200), (std::vector<Zxid>{1, 2}));
  EXPECT_EQ(this->ReadZxids(2, 5, 350), (std::vector<Zxid>{2, 3, 4}));
  EXPECT_EQ(this->ReadZxids(1, 5, 500), (std::vector<Zxid>{1, 2, 3, 4, 5}));
}

TYPED_TEST(LogConformanceTest, TruncateAfterReplacesTheTail) {
  ASSERT_TRUE(this->log().Append(EntriesFor(1, 10)).ok());
  LogBatch batch;
  batch.truncate_after = 5;
  batch.entries = {{6, "new six"}, {7, "new seven"}};
  ASSERT_TRUE(this->log().Commit(batch).ok());
  std::vector<LogEntry> expected = EntriesFor(1, 5);
  expected.push_back({6, "new six"});
  expected.push_back({7, "new seven"});
  EXPECT_EQ(this->ReadAll(), expected);
  EXPECT_EQ(this->log().LastZxid(), 7u);
  this->Reopen();
  EXPECT_EQ(this->ReadAll(), expected);
}

TYPED_TEST(LogConformanceTest, TruncateBetweenZxidsAndAboveLast) {
  ASSERT_TRUE(this->log().Append({{2, "2"}, {4, "4"}, {6, "6"}}).ok());
  LogBatch above;
  above.truncate_after = 100;  // nothing above it: a no-op
  ASSERT_TRUE(this->log().Commit(above).ok());
  EXPECT_EQ(this->log().LastZxid(), 6u);

  LogBatch between;
  between.truncate_after = 5;  // the last zxid becomes 4, so 5 may follow
  between.entries = {{5, "5"}};
  ASSERT_TRUE(this->log().Commit(between).ok());
  EXPECT_EQ(this->ReadZxids(0, kMaxZxid), (std::vector<Zxid>{2, 4, 5}));
}

TYPED_TEST(LogConformanceTest, TruncateEverything) {
  ASSERT_TRUE(this->log().Append(EntriesFor(3, 9)).ok());
  LogBatch batch;
  batch.truncate_after = 0;
  ASSERT_TRUE(this->log().Commit(batch).ok());
  EXPECT_EQ(this->log().LastZxid(), 0u);
  EXPECT_EQ(this->log().FirstZxid(), 0u);
  EXPECT_TRUE(this->ReadAll().empty());
  ASSERT_TRUE(this->log().Append(EntriesFor(1, 2)).ok());
  EXPECT_EQ(this->ReadAll(), EntriesFor(1, 2));
}

TYPED_TEST(LogConformanceTest, PurgeBelowRemovesThePrefix) {
  ASSERT_TRUE(this->log().Append(EntriesFor(1, 10)).ok());
  ASSERT_TRUE(this->log().PurgeBelow(4).ok());
  EXPECT_EQ(this->log().FirstZxid(), 4u);
  EXPECT_EQ(this->log().LastZxid(), 10u);
  EXPECT_EQ(this->ReadAll(), EntriesFor(4, 10));
  ASSERT_TRUE(this->log().PurgeBelow(2).ok());  // already gone: a no-op
  EXPECT_EQ(this->log().FirstZxid(), 4u);
  this->Reopen();
  EXPECT_EQ(this->ReadAll(), EntriesFor(4, 10));
  ASSERT_TRUE(this->log().Append(EntriesFor(11, 12)).ok());
  ASSERT_TRUE(this->log().PurgeBelow(13).ok());
  EXPECT_EQ(this->log().FirstZxid(), 0u);
  EXPECT_EQ(this->log().LastZxid(), 0u);
  EXPECT_TRUE(this->ReadAll().empty());
}

TYPED_TEST(LogConformanceTest, PurgesManyEntries) {
  // More than one LmdbLog purge transaction's worth of entries.
  const Zxid kCount = 40000;
  for (Zxid first = 1; first <= kCount; first += 5000) {
    ASSERT_TRUE(this->log().Append(EntriesFor(first, first + 4999, 8)).ok());
  }
  ASSERT_TRUE(this->log().PurgeBelow(kCount - 1).ok());
  EXPECT_EQ(this->ReadZxids(0, kMaxZxid), (std::vector<Zxid>{kCount - 1, kCount}));
}

TYPED_TEST(LogConformanceTest, HardStateIsStoredWithOrWithoutEntries) {
  const HardState first{.accepted_epoch = 3, .current_epoch = 2, .last_snapshot_zxid = 0};
  LogBatch batch;
  batch.hard_state = first;
  ASSERT_TRUE(this->log().Commit(batch).ok());
  EXPECT_EQ(this->log().GetHardState(), first);

  const HardState second{
      .accepted_epoch = 0xffffffff, .current_epoch = 3, .last_snapshot_zxid = MakeZxid(3, 7)};
  batch.hard_state = second;
  batch.entries = EntriesFor(MakeZxid(3, 1), MakeZxid(3, 3));
  ASSERT_TRUE(this->log().Commit(batch).ok());
  ASSERT_TRUE(this->log().Append(EntriesFor(MakeZxid(3, 4), MakeZxid(3, 4))).ok());
  EXPECT_EQ(this->log().GetHardState(), second);  // a batch without hard state keeps it
  this->Reopen();
  EXPECT_EQ(this->log().GetHardState(), second);
  EXPECT_EQ(this->log().LastZxid(), MakeZxid(3, 4));
}

TYPED_TEST(LogConformanceTest, RefusesInvalidZxids) {
  ASSERT_TRUE(this->log().Append(EntriesFor(1, 10)).ok());
  EXPECT_EQ(this->log().Append({{0, "zero"}}).code(), Code::kInvalidArgument);
  EXPECT_EQ(this->log().Append({{12, "a"}, {11, "b"}}).code(), Code::kInvalidArgument);
  EXPECT_EQ(this->log().Append({{12, "a"}, {12, "b"}}).code(), Code::kInvalidArgument);
  EXPECT_EQ(this->log().Append({{10, "again"}}).code(), Code::kInvalidArgument);
  EXPECT_EQ(this->log().Append({{3, "old"}}).code(), Code::kInvalidArgument);
  LogBatch batch;
  batch.truncate_after = 5;
  batch.entries = {{5, "not above 5"}};
  EXPECT_EQ(this->log().Commit(batch).code(), Code::kInvalidArgument);
  // A refusal is not a failure of the log: it keeps working.
  EXPECT_EQ(this->ReadAll(), EntriesFor(1, 10));
  ASSERT_TRUE(this->log().Append(EntriesFor(11, 11)).ok());
  EXPECT_EQ(this->log().LastZxid(), 11u);
}

TYPED_TEST(LogConformanceTest, RefusedBatchChangesNothing) {
  const HardState before{.accepted_epoch = 1, .current_epoch = 1, .last_snapshot_zxid = 0};
  LogBatch setup;
  setup.entries = EntriesFor(1, 10);
  setup.hard_state = before;
  ASSERT_TRUE(this->log().Commit(setup).ok());

  // Truncation, valid entries, hard state, then one entry out of order: all or nothing.
  LogBatch batch;
  batch.truncate_after = 3;
  batch.entries = {{4, "4"}, {5, "5"}, {5, "dup"}};
  batch.hard_state = HardState{.accepted_epoch = 9, .current_epoch = 9, .last_snapshot_zxid = 0};
  EXPECT_EQ(this->log().Commit(batch).code(), Code::kInvalidArgument);
  // The same with the error visible only after the truncation is taken into account.
  batch.entries = {{3, "3"}};
  EXPECT_EQ(this->log().Commit(batch).code(), Code::kInvalidArgument);

  EXPECT_EQ(this->ReadAll(), EntriesFor(1, 10));
  EXPECT_EQ(this->log().LastZxid(), 10u);
  EXPECT_EQ(this->log().GetHardState(), before);
  this->Reopen();
  EXPECT_EQ(this->ReadAll(), EntriesFor(1, 10));
  EXPECT_EQ(this->log().GetHardState(), before);
}

TYPED_TEST(LogConformanceTest, ReopenKeepsEverything) {
  LogBatch batch;
  batch.entries = EntriesFor(1, 300);
  batch.hard_state = HardState{.accepted_epoch = 4, .current_epoch = 3, .last_snapshot_zxid = 17};
  ASSERT_TRUE(this->log().Commit(batch).ok());
  ASSERT_TRUE(this->log().PurgeBelow(17).ok());
  LogBatch tail;
  tail.truncate_after = 250;
  ASSERT_TRUE(this->log().Commit(tail).ok());
  this->Reopen();
  EXPECT_EQ(this->log().FirstZxid(), 17u);
  EXPECT_EQ(this->log().LastZxid(), 250u);
  EXPECT_EQ(this->ReadAll(), EntriesFor(17, 250));
  EXPECT_EQ(this->log().GetHardState(), *batch.hard_state);
}

TYPED_TEST(LogConformanceTest, LargeBatchIsOneCommit) {
  // ~10 MiB in one batch: with LmdbLog's 1 MiB initial map this grows the map mid-transaction.
  LogBatch batch;
  for (Zxid zxid = 1; zxid <= 2500; ++zxid) batch.entries.push_back({zxid, PayloadFor(zxid, 8000)});
  ASSERT_TRUE(this->log().Commit(batch).ok());
  EXPECT_EQ(this->log().LastZxid(), 2500u);
  this->Reopen();
  EXPECT_EQ(this->ReadAll(), batch.entries);
}

TEST(MemoryLogTest, InjectedWriteFailureIsSticky) {
  MemoryLog log;
  ASSERT_TRUE(log.Append(EntriesFor(1, 3)).ok());
  log.InjectWriteFailure(Status(Code::kIoError, "injected fsync failure"));
  // Argument checks still come first: a refused batch does not consume the failure.
  EXPECT_EQ(log.Append({{1, "old"}}).code(), Code::kInvalidArgument);
  EXPECT_EQ(log.Append(EntriesFor(4, 4)).code(), Code::kIoError);
  EXPECT_EQ(log.Append(EntriesFor(4, 4)).code(), Code::kIoError);
  EXPECT_EQ(log.PurgeBelow(2).code(), Code::kIoError);
  EXPECT_EQ(log.LastZxid(), 3u);
  Result<std::vector<LogEntry>> entries = log.Read(1, 3, kAll);
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ(entries.value(), EntriesFor(1, 3));
}

}  // namespace
}  // namespace coord::storage
