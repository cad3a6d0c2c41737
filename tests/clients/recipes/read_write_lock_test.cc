// coord::recipes::ReadWriteLock against a real coordd: readers share, a writer excludes everyone,
// a waiting writer is not overtaken by later readers, timeouts leave no node, loss is reported,
// and a mix of readers and writers on their own sessions keeps the invariants.
#include "coord/recipes/read_write_lock.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/clients/client_test_util.h"
#include "tests/support/coordd_process.h"

namespace coord::testing {
namespace {

using recipes::LockEvent;
using recipes::ReadWriteLock;
using Mode = ReadWriteLock::Mode;

// Polls `pred` every 10 ms; false after timeout_ms.
bool Eventually(const std::function<bool()>& pred, int timeout_ms = 10000) {
  for (int waited = 0; waited < timeout_ms; waited += 10) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

class ReadWriteLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CoorddOptions options;
    options.extra_config = "tick_ms: 20\nmin_session_timeout_ms: 500\n";
    server_ = std::make_unique<CoorddProcess>(options);
    server_->Start();
  }
  std::unique_ptr<Client> NewClient() { return Connected(OptionsFor(server_->address())); }

  // The contender nodes under `path`, by mode.
  size_t Count(Client* c, const std::string& path, std::optional<Mode> mode = std::nullopt) {
    Result<std::vector<std::string>> children = c->GetAllChildren(path);
    EXPECT_TRUE(children.ok()) << children.status().ToString();
    if (!children.ok()) return 0;
    return std::count_if(children->begin(), children->end(), [&](const std::string& name) {
      std::optional<ReadWriteLock::NodeName> parsed = ReadWriteLock::Parse(name);
      return parsed && (!mode || parsed->mode == *mode);
    });
  }

  std::unique_ptr<CoorddProcess> server_;
};

TEST(ReadWriteLockNames, ParsesReadAndWriteNodes) {
  std::optional<ReadWriteLock::NodeName> read = ReadWriteLock::Parse("_c_0af3-read-0000000007");
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->mode, Mode::kRead);
  EXPECT_EQ(read->sequence, 7u);
  std::optional<ReadWriteLock::NodeName> write = ReadWriteLock::Parse("_c_0af3-write-0000000012");
  ASSERT_TRUE(write.has_value());
  EXPECT_EQ(write->mode, Mode::kWrite);
  EXPECT_EQ(write->sequence, 12u);
  EXPECT_FALSE(ReadWriteLock::Parse("_c_0af3-lock-0000000001").has_value());
  EXPECT_FALSE(ReadWriteLock::Parse("_c_0af3-read-").has_value());
  EXPECT_FALSE(ReadWriteLock::Parse("_c_0af3-read-12x").has_value());
}

TEST_F(ReadWriteLockTest, ReadersShareAndWritersWait) {
  std::unique_ptr<Client> a = NewClient(), b = NewClient(), c = NewClient();
  ReadWriteLock on_a(a.get(), "/rw/shared"), on_b(b.get(), "/rw/shared"),
      on_c(c.get(), "/rw/shared");
  ASSERT_TRUE(on_a.read_lock().Acquire(5000).ok());
  // A second reader holds while the first does: shared.
  Result<uint64_t> second = on_b.read_lock().Acquire(5000);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_TRUE(on_a.read_lock().held());
  EXPECT_TRUE(on_b.read_lock().held());
  // A writer must wait for both.
  Result<std::optional<uint64_t>> tried = on_c.write_lock().TryAcquire();
  ASSERT_TRUE(tried.ok());
  EXPECT_FALSE(tried->has_value());
  Result<uint64_t> timed_out = on_c.write_lock().Acquire(300);
  EXPECT_EQ(timed_out.code(), Code::kOperationTimeout);
  EXPECT_EQ(Count(a.get(), "/rw/shared"), 2u);  // no node left behind by the writer
  EXPECT_EQ(Count(a.get(), "/rw/shared", Mode::kWrite), 0u);

  ASSERT_TRUE(on_a.read_lock().Release().ok());
  EXPECT_EQ(on_c.write_lock().Acquire(300).code(), Code::kOperationTimeout);
  ASSERT_TRUE(on_b.read_lock().Release().ok());
  Result<uint64_t> written = on_c.write_lock().Acquire(5000);
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  EXPECT_GT(*written, *second);  // a writer's token exceeds every earlier holder's
}

TEST_F(ReadWriteLockTest, AWriterExcludesReadersAndWriters) {
  std::unique_ptr<Client> a = NewClient(), b = NewClient();
  ReadWriteLock on_a(a.get(), "/rw/excl"), on_b(b.get(), "/rw/excl");
  ASSERT_TRUE(on_a.write_lock().Acquire(5000).ok());
  Result<std::optional<uint64_t>> read = on_b.read_lock().TryAcquire();
  ASSERT_TRUE(read.ok());
  EXPECT_FALSE(read->has_value());
  EXPECT_EQ(on_b.read_lock().Acquire(300).code(), Code::kOperationTimeout);
  EXPECT_EQ(on_b.write_lock().Acquire(300).code(), Code::kOperationTimeout);
  EXPECT_FALSE(on_b.read_lock().held());
  EXPECT_FALSE(on_b.write_lock().held());
  // Only the holder's node remains.
  EXPECT_EQ(Count(a.get(), "/rw/excl"), 1u);
  EXPECT_EQ(on_b.write_lock().Fence().path.find("_not_held_") != std::string::npos, true);
  // The holder's fence lets a multi through; after the release it does not.
  CreateRequest guarded = Node("/rw/guarded");
  ASSERT_TRUE(a->Multi({on_a.write_lock().Fence(), guarded}).ok());
  ASSERT_TRUE(on_a.write_lock().Release().ok());
  guarded.path = "/rw/guarded2";
  EXPECT_EQ(a->Multi({on_a.write_lock().Fence(), guarded}).code(), Code::kNoNode);
  Result<uint64_t> read_now = on_b.read_lock().Acquire(5000);
  EXPECT_TRUE(read_now.ok()) << read_now.status().ToString();
}

// R1 holds; W queues; R2 arrives after W and must wait for W, although only readers hold.
TEST_F(ReadWriteLockTest, AWaitingWriterIsNotOvertakenByLaterReaders) {
  std::unique_ptr<Client> c1 = NewClient(), cw = NewClient(), c2 = NewClient();
  ReadWriteLock r1(c1.get(), "/rw/fair"), w(cw.get(), "/rw/fair"), r2(c2.get(), "/rw/fair");
  ASSERT_TRUE(r1.read_lock().Acquire(5000).ok());

  std::mutex mu;
  std::vector<std::string> order;  // guarded by mu
  auto log = [&](const std::string& what) {
    std::lock_guard<std::mutex> lock(mu);
    order.push_back(what);
  };
  std::atomic<bool> r2_held_with_writer{false};
  std::thread writer([&] {
    Result<uint64_t> got = w.write_lock().Acquire(10000);
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    log("writer acquired");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (r2.read_lock().held()) r2_held_with_writer = true;
    log("writer releases");
    EXPECT_TRUE(w.write_lock().Release().ok());
  });
  ASSERT_TRUE(Eventually([&] { return Count(c1.get(), "/rw/fair", Mode::kWrite) == 1; }));

  // A later reader cannot get in while the writer waits, even though only a reader holds.
  Result<std::optional<uint64_t>> tried = r2.read_lock().TryAcquire();
  ASSERT_TRUE(tried.ok());
  EXPECT_FALSE(tried->has_value());
  std::thread reader([&] {
    Result<uint64_t> got = r2.read_lock().Acquire(10000);
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    log("reader 2 acquired");
    EXPECT_TRUE(r2.read_lock().Release().ok());
  });
  ASSERT_TRUE(Eventually([&] { return Count(c1.get(), "/rw/fair", Mode::kRead) == 2; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(r2.read_lock().held());
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_TRUE(order.empty());
  }
  ASSERT_TRUE(r1.read_lock().Release().ok());
  writer.join();
  reader.join();
  EXPECT_FALSE(r2_held_with_writer.load());
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(order,
            (std::vector<std::string>{"writer acquired", "writer releases", "reader 2 acquired"}));
}

TEST_F(ReadWriteLockTest, LossOfTheSessionIsReportedAndFreesTheLock) {
  std::unique_ptr<Client> a = NewClient(), b = NewClient();
  Recorder<std::pair<Mode, LockEvent>> events;
  ReadWriteLock on_a(a.get(), "/rw/loss", "holder-a", [&](Mode m, LockEvent e) {
    events.Add({m, e});
  });
  ReadWriteLock on_b(b.get(), "/rw/loss");
  ASSERT_TRUE(on_a.write_lock().Acquire(5000).ok());
  std::thread reader([&] {
    Result<uint64_t> got = on_b.read_lock().Acquire(10000);
    EXPECT_TRUE(got.ok()) << got.status().ToString();
  });
  ASSERT_TRUE(Eventually([&] { return Count(b.get(), "/rw/loss") == 2; }));
  ASSERT_TRUE(a->Close().ok());  // the session ends, and with it the writer's node
  reader.join();
  EXPECT_TRUE(on_b.read_lock().held());
  ASSERT_TRUE(events.WaitForCount(1));
  EXPECT_EQ(events.items().front(), std::make_pair(Mode::kWrite, LockEvent::kLost));
  EXPECT_FALSE(on_a.write_lock().held());
}

// Several sessions mix reads and writes; a shared record checks every acquisition: a writer is
// alone, readers never meet a writer, readers do overlap, and fencing tokens grow as promised.
TEST_F(ReadWriteLockTest, MixedReadersAndWritersKeepTheInvariants) {
  constexpr int kThreads = 5;
  constexpr int kRounds = 14;
  struct Record {
    std::mutex mu;
    int readers = 0;
    int writers = 0;
    int max_readers = 0;
    int violations = 0;
    int failures = 0;
    int writes = 0;
    uint64_t max_token = 0;        // of every acquisition so far
    uint64_t max_write_token = 0;  // of every write acquisition so far

    void Acquired(bool write, uint64_t token) {
      std::lock_guard<std::mutex> lock(mu);
      if (writers != 0 || (write && readers != 0)) ++violations;
      // A writer's token exceeds every earlier holder's; a reader's every earlier writer's.
      if (token <= (write ? max_token : max_write_token)) ++violations;
      max_token = std::max(max_token, token);
      if (write) {
        max_write_token = token;
        ++writers;
        ++writes;
      } else {
        ++readers;
        max_readers = std::max(max_readers, readers);
      }
    }
    void Releasing(bool write) {
      std::lock_guard<std::mutex> lock(mu);
      --(write ? writers : readers);
    }
    void Failed() {
      std::lock_guard<std::mutex> lock(mu);
      ++failures;
    }
  } record;
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < kThreads; ++i) clients.push_back(NewClient());
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      ReadWriteLock rw(clients[i].get(), "/rw/mix", "thread " + std::to_string(i));
      for (int round = 0; round < kRounds; ++round) {
        const bool write = (i + round) % 4 == 0;
        ReadWriteLock::Side& side = write ? rw.write_lock() : rw.read_lock();
        Result<uint64_t> token = side.Acquire(20000);
        if (!token.ok()) {
          record.Failed();
          continue;
        }
        record.Acquired(write, *token);
        std::this_thread::sleep_for(std::chrono::milliseconds(write ? 3 : 15));
        record.Releasing(write);
        EXPECT_TRUE(side.Release().ok());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(record.failures, 0);
  EXPECT_EQ(record.violations, 0);
  EXPECT_GE(record.max_readers, 2) << "reads never overlapped";
  int expected_writes = 0;
  for (int i = 0; i < kThreads; ++i) {
    for (int round = 0; round < kRounds; ++round) expected_writes += (i + round) % 4 == 0;
  }
  EXPECT_EQ(record.writes, expected_writes);
  EXPECT_EQ(Count(clients[0].get(), "/rw/mix"), 0u);
}

}  // namespace
}  // namespace coord::testing
