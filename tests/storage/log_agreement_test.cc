// MemoryLog and LmdbLog fed the same random operations (valid and invalid) must agree on every
// result, every read and every reopen: the simulator's log is only useful if it is the real one.
#include <gtest/gtest.h>

#include <limits>
#include <memory>

#include "coord/base/prng.h"
#include "storage/lmdb_log.h"
#include "storage/memory_log.h"
#include "tests/storage/log_test_util.h"
#include "tests/storage/temp_dir.h"

namespace coord::storage {
namespace {

constexpr size_t kAll = std::numeric_limits<size_t>::max();

// A random batch around the current end of the log: sometimes truncating, sometimes with zxids
// that collide or go backwards, sometimes with a new hard state.
LogBatch RandomBatch(Prng& prng, Zxid last) {
  LogBatch batch;
  if (prng.Chance(1, 5)) {
    // Mostly a short uncommitted tail, as Zab's TRUNC does; sometimes at or past the end.
    const Zxid back = prng.Uniform(8);
    batch.truncate_after = back > last ? 0 : last - back + prng.Uniform(2);
  }
  Zxid zxid = last + 1;
  if (prng.Chance(1, 10)) zxid = prng.Uniform(last + 1);  // often not above the last
  const int count = static_cast<int>(prng.Uniform(8));
  for (int i = 0; i < count; ++i) {
    batch.entries.push_back({zxid, PayloadFor(zxid, 3000)});
    zxid += prng.Chance(1, 20) ? 0 : 1 + prng.Uniform(3);  // sometimes a duplicate
  }
  if (prng.Chance(1, 4)) {
    batch.hard_state = HardState{.accepted_epoch = static_cast<Epoch>(prng.Uniform(10)),
                                 .current_epoch = static_cast<Epoch>(prng.Uniform(10)),
                                 .last_snapshot_zxid = prng.Uniform(last + 1)};
  }
  return batch;
}

void ExpectSameState(const Log& memory, const Log& lmdb, Prng& prng) {
  ASSERT_EQ(memory.LastZxid(), lmdb.LastZxid());
  ASSERT_EQ(memory.FirstZxid(), lmdb.FirstZxid());
  ASSERT_EQ(memory.GetHardState(), lmdb.GetHardState());
  const Zxid last = memory.LastZxid();
  const Zxid from = prng.Uniform(last + 2);
  const Zxid to = from + prng.Uniform(40);
  const size_t max_bytes = prng.Chance(1, 2) ? kAll : prng.Uniform(20000);
  Result<std::vector<LogEntry>> a = memory.Read(from, to, max_bytes);
  Result<std::vector<LogEntry>> b = lmdb.Read(from, to, max_bytes);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a.value(), b.value()) << "Read(" << from << ", " << to << ", " << max_bytes << ")";
}

TEST(LogAgreementTest, MemoryAndLmdbAgreeOnRandomOperations) {
  TempDir dir;
  const LmdbLogOptions options{.initial_map_bytes = size_t{256} << 10};
  MemoryLog memory;
  std::unique_ptr<LmdbLog> lmdb = LmdbLog::Open(dir.path(), options).value();
  Prng prng(20240611);
  for (int step = 0; step < 600; ++step) {
    if (prng.Chance(1, 15)) {
      const Zxid below = memory.FirstZxid() + prng.Uniform(12);
      ASSERT_EQ(memory.PurgeBelow(below).code(), lmdb->PurgeBelow(below).code()) << step;
    } else if (prng.Chance(1, 50)) {
      lmdb.reset();
      lmdb = LmdbLog::Open(dir.path(), options).value();
    } else {
      const LogBatch batch = RandomBatch(prng, memory.LastZxid());
      const Status a = memory.Commit(batch);
      const Status b = lmdb->Commit(batch);
      ASSERT_EQ(a.code(), b.code())
          << "step " << step << ": " << a.ToString() << " vs " << b.ToString();
      ASSERT_TRUE(a.ok() || a.code() == Code::kInvalidArgument) << a.ToString();
    }
    ExpectSameState(memory, *lmdb, prng);
    if (HasFatalFailure()) return;
  }
  Result<std::vector<LogEntry>> all = memory.Read(0, std::numeric_limits<Zxid>::max(), kAll);
  lmdb.reset();
  lmdb = LmdbLog::Open(dir.path(), options).value();
  EXPECT_EQ(all.value(), lmdb->Read(0, std::numeric_limits<Zxid>::max(), kAll).value());
  EXPECT_GT(all.value().size(), 100u);  // the walk did build a log
}

}  // namespace
}  // namespace coord::storage
