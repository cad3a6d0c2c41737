// coord::recipes::Counter against a real coordd: concurrent Adds from several clients give the
// exact total; Get / Set; a missing node counts as 0; bad data and overflow are errors.
#include "coord/recipes/counter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <limits>
#include <thread>

#include "tests/clients/client_test_util.h"
#include "tests/support/coordd_process.h"

namespace coord::testing {
namespace {

using recipes::Counter;

class CounterTest : public ::testing::Test {
 protected:
  void SetUp() override { server_.Start(); }
  std::unique_ptr<Client> NewClient(uint64_t seed = 7) {
    ClientOptions o = OptionsFor(server_.address(), nullptr, 8000);
    o.seed = seed;
    return Connected(o);
  }

  CoorddProcess server_;
};

TEST_F(CounterTest, ConcurrentAddsFromSeveralClientsGiveTheExactTotal) {
  constexpr int kClients = 5;
  constexpr int kAddsEach = 60;
  std::atomic<bool> failed{false};
  std::atomic<int64_t> sum_of_results{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      std::unique_ptr<Client> client = NewClient(10 + c);
      if (client == nullptr) return failed.store(true);
      Counter counter(client.get(), "/stats/a/hits");
      for (int i = 0; i < kAddsEach; ++i) {
        // Mixed deltas, so a lost or doubled Add cannot hide behind a coincidence.
        const int64_t delta = (i % 5 == 4) ? -2 : c + 1;
        Result<int64_t> now = counter.Add(delta);
        if (!now.ok()) {
          ADD_FAILURE() << "client " << c << ": " << now.status().ToString();
          return failed.store(true);
        }
        sum_of_results += *now;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_FALSE(failed);
  int64_t expected = 0;
  for (int c = 0; c < kClients; ++c) {
    for (int i = 0; i < kAddsEach; ++i) expected += (i % 5 == 4) ? -2 : c + 1;
  }
  std::unique_ptr<Client> client = NewClient();
  Counter counter(client.get(), "/stats/a/hits");
  Result<int64_t> total = counter.Get();
  ASSERT_TRUE(total.ok()) << total.status().ToString();
  EXPECT_EQ(*total, expected);
  // Every Add was applied once, as one version of the node: one create plus one write per Add.
  Result<GetDataResponse> node = client->GetData("/stats/a/hits");
  ASSERT_TRUE(node.ok());
  EXPECT_EQ(node->stat.version, kClients * kAddsEach - 1);
}

TEST_F(CounterTest, GetSetAndAMissingNode) {
  std::unique_ptr<Client> client = NewClient();
  Counter counter(client.get(), "/c");
  Result<int64_t> zero = counter.Get();
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(*zero, 0) << "a missing node counts as 0";
  EXPECT_FALSE(client->Exists("/c")->has_value()) << "Get does not create";
  ASSERT_TRUE(counter.Set(-17).ok());
  EXPECT_EQ(client->GetData("/c")->data, "-17");
  Result<int64_t> added = counter.Add(20);
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(*added, 3);
  ASSERT_TRUE(client->Delete("/c").ok());
  added = counter.Add(5);
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  EXPECT_EQ(*added, 5) << "Add on a missing node creates it";
  EXPECT_EQ(*counter.Get(), 5);
}

TEST_F(CounterTest, BadDataAndOverflowAreErrorsAndLeaveTheNodeAlone) {
  std::unique_ptr<Client> client = NewClient();
  ASSERT_TRUE(client->Create(Node("/bad", "twelve")).ok());
  Counter bad(client.get(), "/bad");
  EXPECT_EQ(bad.Get().code(), Code::kBadArguments);
  EXPECT_EQ(bad.Add(1).code(), Code::kBadArguments);
  EXPECT_EQ(client->GetData("/bad")->data, "twelve");

  Counter big(client.get(), "/big");
  ASSERT_TRUE(big.Set(std::numeric_limits<int64_t>::max() - 1).ok());
  EXPECT_EQ(*big.Add(1), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(big.Add(1).code(), Code::kBadArguments);
  EXPECT_EQ(*big.Get(), std::numeric_limits<int64_t>::max());

  EXPECT_EQ(Counter::Parse("-9223372036854775808"), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(Counter::Parse("9223372036854775807"), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(Counter::Parse("9223372036854775808"), std::nullopt);
  EXPECT_EQ(Counter::Parse("-"), std::nullopt);
  EXPECT_EQ(Counter::Parse(""), std::nullopt);
  EXPECT_EQ(Counter::Parse("1 "), std::nullopt);
  EXPECT_EQ(Counter::Parse("+1"), std::nullopt);
}

}  // namespace
}  // namespace coord::testing
