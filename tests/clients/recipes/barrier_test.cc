// coord::recipes::Barrier and DoubleBarrier against a real coordd: waiters are held until the
// barrier goes; nobody passes Enter before N entered nor Leave before all left; the path serves a
// second round; timeouts leave no node behind.
#include "coord/recipes/barrier.h"

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

using recipes::Barrier;
using recipes::DoubleBarrier;

bool Eventually(const std::function<bool()>& pred, int timeout_ms = 10000) {
  for (int waited = 0; waited < timeout_ms; waited += 10) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

class BarrierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CoorddOptions options;
    options.extra_config = "tick_ms: 20\nmin_session_timeout_ms: 500\n";
    server_ = std::make_unique<CoorddProcess>(options);
    server_->Start();
  }
  std::unique_ptr<Client> NewClient() { return Connected(OptionsFor(server_->address())); }

  // Every child of `path` ("ready" and the member nodes); empty if `path` does not exist.
  std::vector<std::string> Children(Client* c, const std::string& path) {
    Result<std::vector<std::string>> children = c->GetAllChildren(path);
    if (!children.ok() && children.code() == Code::kNoNode) return {};
    EXPECT_TRUE(children.ok()) << children.status().ToString();
    return children.ok() ? *children : std::vector<std::string>();
  }
  size_t Members(Client* c, const std::string& path) {
    std::vector<std::string> children = Children(c, path);
    return std::count_if(children.begin(), children.end(), [](const std::string& name) {
      return DoubleBarrier::SequenceOf(name).has_value();
    });
  }

  std::unique_ptr<CoorddProcess> server_;
};

TEST_F(BarrierTest, WaitersBlockUntilTheBarrierIsRemoved) {
  std::unique_ptr<Client> coordinator = NewClient();
  Barrier gate(coordinator.get(), "/bar/gate");
  // Not set: no wait at all.
  EXPECT_TRUE(gate.WaitOnBarrier(0).ok());
  ASSERT_TRUE(gate.SetBarrier().ok());
  ASSERT_TRUE(gate.SetBarrier().ok());  // idempotent
  EXPECT_EQ(gate.WaitOnBarrier(200).code(), Code::kOperationTimeout);

  constexpr int kWaiters = 3;
  std::atomic<bool> removed{false};
  std::atomic<int> passed_early{0}, passed{0};
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < kWaiters; ++i) clients.push_back(NewClient());
  std::vector<std::thread> waiters;
  for (int i = 0; i < kWaiters; ++i) {
    waiters.emplace_back([&, i] {
      Barrier mine(clients[i].get(), "/bar/gate");
      Status waited = mine.WaitOnBarrier(10000);
      EXPECT_TRUE(waited.ok()) << waited.ToString();
      if (!removed) ++passed_early;
      ++passed;
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(passed.load(), 0);
  removed = true;
  ASSERT_TRUE(gate.RemoveBarrier().ok());
  for (std::thread& t : waiters) t.join();
  EXPECT_EQ(passed.load(), kWaiters);
  EXPECT_EQ(passed_early.load(), 0);
  EXPECT_TRUE(gate.RemoveBarrier().ok());  // not set: ok
}

TEST_F(BarrierTest, AWaitEndsWithTheSession) {
  std::unique_ptr<Client> coordinator = NewClient(), waiter = NewClient();
  ASSERT_TRUE(Barrier(coordinator.get(), "/bar/session").SetBarrier().ok());
  Status waited;
  std::thread t([&] { waited = Barrier(waiter.get(), "/bar/session").WaitOnBarrier(10000); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(waiter->Close().ok());
  t.join();
  EXPECT_FALSE(waited.ok());
  EXPECT_NE(waited.code(), Code::kOperationTimeout);
}

// N participants, started one after another: none passes Enter until the last has entered, none
// passes Leave until the last has left. Two rounds on the same path.
TEST_F(BarrierTest, DoubleBarrierHoldsEveryoneUntilAllEnteredAndAllLeft) {
  constexpr int kParticipants = 4;
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < kParticipants; ++i) clients.push_back(NewClient());
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    std::atomic<int> entering{0}, entered{0}, leaving{0}, left{0};
    std::atomic<int> early_enter{0}, early_leave{0};
    std::atomic<bool> may_leave{false};
    std::vector<std::thread> threads;
    auto participant = [&](int i) {
      DoubleBarrier barrier(clients[i].get(), "/bar/double", kParticipants);
      ++entering;
      Status in = barrier.Enter(10000);
      EXPECT_TRUE(in.ok()) << in.ToString();
      if (entering.load() < kParticipants) ++early_enter;
      ++entered;
      while (!may_leave) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      // Participant 0 leaves last, a while after the others called Leave.
      if (i == 0) {
        ASSERT_TRUE(Eventually([&] { return leaving.load() == kParticipants - 1; }));
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
      ++leaving;
      Status out = barrier.Leave(10000);
      EXPECT_TRUE(out.ok()) << out.ToString();
      if (leaving.load() < kParticipants) ++early_leave;
      ++left;
    };
    // All but one enter; they must all still be waiting.
    for (int i = 1; i < kParticipants; ++i) threads.emplace_back(participant, i);
    ASSERT_TRUE(Eventually([&] {
      return Members(clients[0].get(), "/bar/double") == static_cast<size_t>(kParticipants - 1);
    }));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_EQ(entered.load(), 0);
    threads.emplace_back(participant, 0);
    ASSERT_TRUE(Eventually([&] { return entered.load() == kParticipants; }));
    may_leave = true;
    // Participant 0 leaves last and only after the others have called Leave and waited a while.
    ASSERT_TRUE(Eventually([&] { return leaving.load() == kParticipants - 1; }));
    EXPECT_EQ(left.load(), 0);
    for (std::thread& t : threads) t.join();
    EXPECT_EQ(left.load(), kParticipants);
    EXPECT_EQ(early_enter.load(), 0);
    EXPECT_EQ(early_leave.load(), 0);
    // Nothing remains for the next round: no member, no "ready".
    EXPECT_EQ(Children(clients[0].get(), "/bar/double"), std::vector<std::string>());
  }
}

TEST_F(BarrierTest, DoubleBarrierTimeoutsLeaveNoNodeBehind) {
  std::unique_ptr<Client> a = NewClient(), b = NewClient();
  {
    DoubleBarrier alone(a.get(), "/bar/timeout", 3);
    EXPECT_EQ(alone.Enter(300).code(), Code::kOperationTimeout);
    EXPECT_EQ(alone.node(), "");
    EXPECT_EQ(Children(a.get(), "/bar/timeout"), std::vector<std::string>());
  }
  // Two enter; one leaves while the other stays: the leaver times out, but its node is gone, and
  // the other then leaves at once.
  DoubleBarrier on_a(a.get(), "/bar/timeout", 2), on_b(b.get(), "/bar/timeout", 2);
  Status entered_b;
  std::thread t([&] { entered_b = on_b.Enter(10000); });
  ASSERT_TRUE(on_a.Enter(10000).ok());
  t.join();
  ASSERT_TRUE(entered_b.ok()) << entered_b.ToString();
  EXPECT_EQ(on_a.Leave(300).code(), Code::kOperationTimeout);
  EXPECT_EQ(on_a.node(), "");
  EXPECT_EQ(Members(a.get(), "/bar/timeout"), 1u);
  EXPECT_TRUE(on_b.Leave(1000).ok());
  EXPECT_EQ(Children(a.get(), "/bar/timeout"), std::vector<std::string>());
}

// Enter's timeout races with the barrier opening: whoever is counted is in, whoever gave up is not
// counted. Pairs of participants (N = 2) on their own paths, four pairs at a time, the second of
// each pair arriving close to the first one's deadline.
TEST_F(BarrierTest, DoubleBarrierEnterTimeoutsNeverMiscount) {
  constexpr int kPairs = 4;
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 2 * kPairs; ++i) clients.push_back(NewClient());
  auto pair = [&](int round, int p) {
    SCOPED_TRACE("round " + std::to_string(round) + " pair " + std::to_string(p));
    const std::string path = "/bar/race" + std::to_string(round) + "-" + std::to_string(p);
    DoubleBarrier on_a(clients[2 * p].get(), path, 2), on_b(clients[2 * p + 1].get(), path, 2);
    Status entered_a;
    std::thread t([&] { entered_a = on_a.Enter(100); });
    std::this_thread::sleep_for(std::chrono::milliseconds(90 + (round * kPairs + p) % 20));
    Status entered_b = on_b.Enter(200);
    t.join();
    // Either both are in, or a gave up uncounted and b, alone, times out too.
    if (entered_a.ok()) {
      EXPECT_TRUE(entered_b.ok()) << entered_b.ToString();
      Status left_a;
      std::thread leaver([&] { left_a = on_a.Leave(5000); });
      Status left_b = on_b.Leave(5000);
      leaver.join();
      EXPECT_TRUE(left_a.ok()) << left_a.ToString();
      EXPECT_TRUE(left_b.ok()) << left_b.ToString();
    } else {
      EXPECT_EQ(entered_a.code(), Code::kOperationTimeout);
      EXPECT_EQ(entered_b.code(), Code::kOperationTimeout);
    }
    EXPECT_EQ(Children(clients[0].get(), path), std::vector<std::string>());
  };
  for (int round = 0; round < 12; ++round) {
    std::vector<std::thread> pairs;
    for (int p = 0; p < kPairs; ++p) pairs.emplace_back(pair, round, p);
    for (std::thread& t : pairs) t.join();
  }
}

}  // namespace
}  // namespace coord::testing
