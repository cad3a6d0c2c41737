// coord::recipes::Semaphore against a real coordd: exactly N leases are handed out, a released
// lease goes to a waiter, timeouts leave no node, N must agree, loss is reported, and many
// sessions contending never exceed N holders while all of them get leases.
#include "coord/recipes/semaphore.h"

#include <gtest/gtest.h>

#include <algorithm>
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
using recipes::Semaphore;

bool Eventually(const std::function<bool()>& pred, int timeout_ms = 10000) {
  for (int waited = 0; waited < timeout_ms; waited += 10) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

class SemaphoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CoorddOptions options;
    options.extra_config = "tick_ms: 20\nmin_session_timeout_ms: 500\n";
    server_ = std::make_unique<CoorddProcess>(options);
    server_->Start();
  }
  std::unique_ptr<Client> NewClient() { return Connected(OptionsFor(server_->address())); }

  // The lease nodes under `path`.
  size_t Leases(Client* c, const std::string& path) {
    Result<std::vector<std::string>> children = c->GetAllChildren(path);
    EXPECT_TRUE(children.ok()) << children.status().ToString();
    if (!children.ok()) return 0;
    return std::count_if(children->begin(), children->end(), [](const std::string& name) {
      return Semaphore::SequenceOf(name).has_value();
    });
  }

  std::unique_ptr<CoorddProcess> server_;
};

TEST(SemaphoreNames, ParsesLeaseNodes) {
  EXPECT_EQ(Semaphore::SequenceOf("_c_9e-lease-0000000042"), 42u);
  EXPECT_FALSE(Semaphore::SequenceOf("_c_9e-lock-0000000042").has_value());
  EXPECT_FALSE(Semaphore::SequenceOf("_c_9e-lease-").has_value());
}

TEST_F(SemaphoreTest, HandsOutExactlyNLeases) {
  std::unique_ptr<Client> a = NewClient(), b = NewClient(), c = NewClient();
  Semaphore on_a(a.get(), "/sem/two", 2), on_b(b.get(), "/sem/two", 2),
      on_c(c.get(), "/sem/two", 2);
  Result<bool> got_a = on_a.TryAcquire();
  Result<bool> got_b = on_b.TryAcquire();
  Result<bool> got_c = on_c.TryAcquire();
  ASSERT_TRUE(got_a.ok() && got_b.ok() && got_c.ok());
  EXPECT_TRUE(*got_a);
  EXPECT_TRUE(*got_b);
  EXPECT_FALSE(*got_c);
  EXPECT_EQ(Leases(a.get(), "/sem/two"), 2u);  // the failed try left nothing
  EXPECT_EQ(on_c.Acquire(300).code(), Code::kOperationTimeout);
  EXPECT_EQ(Leases(a.get(), "/sem/two"), 2u);  // nor did the timeout
  EXPECT_FALSE(on_c.held());

  // The holder's fence guards a multi.
  ASSERT_TRUE(a->Multi({on_a.Fence(), Node("/sem/work")}).ok());
  EXPECT_EQ(c->Multi({on_c.Fence(), Node("/sem/work2")}).code(), Code::kNoNode);

  Status waited;
  std::thread waiter([&] { waited = on_c.Acquire(10000); });
  ASSERT_TRUE(Eventually([&] { return Leases(a.get(), "/sem/two") == 3; }));
  EXPECT_FALSE(on_c.held());
  ASSERT_TRUE(on_b.Release().ok());
  waiter.join();
  EXPECT_TRUE(waited.ok()) << waited.ToString();
  EXPECT_TRUE(on_c.held());
  EXPECT_TRUE(on_a.held());
  EXPECT_FALSE(on_b.held());
}

TEST_F(SemaphoreTest, ContendersMustAgreeOnN) {
  std::unique_ptr<Client> a = NewClient();
  Semaphore two(a.get(), "/sem/agree", 2), three(a.get(), "/sem/agree", 3);
  ASSERT_TRUE(two.Acquire(5000).ok());
  EXPECT_EQ(three.Acquire(5000).code(), Code::kBadArguments);
  EXPECT_EQ(Leases(a.get(), "/sem/agree"), 1u);
}

TEST_F(SemaphoreTest, LossOfTheSessionIsReportedAndFreesTheLease) {
  std::unique_ptr<Client> a = NewClient(), b = NewClient();
  Recorder<LockEvent> events;
  Semaphore on_a(a.get(), "/sem/loss", 1, "a", [&](LockEvent e) { events.Add(e); });
  Semaphore on_b(b.get(), "/sem/loss", 1);
  ASSERT_TRUE(on_a.Acquire(5000).ok());
  Status waited;
  std::thread waiter([&] { waited = on_b.Acquire(10000); });
  ASSERT_TRUE(Eventually([&] { return Leases(b.get(), "/sem/loss") == 2; }));
  ASSERT_TRUE(a->Close().ok());
  waiter.join();
  EXPECT_TRUE(waited.ok()) << waited.ToString();
  ASSERT_TRUE(events.WaitForCount(1));
  EXPECT_EQ(events.items().front(), LockEvent::kLost);
  EXPECT_FALSE(on_a.held());
}

// Many sessions take leases in turn; a counter under a mutex records how many hold at once.
TEST_F(SemaphoreTest, NeverMoreThanNHoldersAndEveryoneGetsALease) {
  constexpr int kThreads = 6;
  constexpr int kRounds = 8;
  constexpr int kLeases = 2;
  std::mutex mu;
  int holders = 0, max_holders = 0, granted = 0, failures = 0;  // guarded by mu
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < kThreads; ++i) clients.push_back(NewClient());
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      Semaphore lease(clients[i].get(), "/sem/many", kLeases);
      for (int round = 0; round < kRounds; ++round) {
        Status got = lease.Acquire(20000);
        {
          std::lock_guard<std::mutex> lock(mu);
          if (!got.ok()) {
            ++failures;
            continue;
          }
          ++granted;
          max_holders = std::max(max_holders, ++holders);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        {
          std::lock_guard<std::mutex> lock(mu);
          --holders;
        }
        EXPECT_TRUE(lease.Release().ok());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(granted, kThreads * kRounds);
  EXPECT_LE(max_holders, kLeases);
  EXPECT_EQ(max_holders, kLeases) << "the leases were never all in use at once";
  EXPECT_EQ(Leases(clients[0].get(), "/sem/many"), 0u);
}

}  // namespace
}  // namespace coord::testing
