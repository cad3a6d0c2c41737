#include "coord/session/session_tracker.h"

#include <gtest/gtest.h>

namespace coord {
namespace {

using Ids = std::vector<SessionId>;

TEST(SessionTrackerTest, ExpiresAfterTheFullTimeoutRoundedUpToTicks) {
  SessionTracker t(100);
  t.Add(1, 250, /*now_tick=*/10);  // 2.5 ticks -> deadline 13
  EXPECT_EQ(t.DeadlineOf(1), 13);
  EXPECT_EQ(t.Expire(12), Ids{});
  EXPECT_EQ(t.Expire(13), Ids{1});
  EXPECT_TRUE(t.IsExpiring(1));
  EXPECT_EQ(t.Expire(100), Ids{}) << "returned once";
}

TEST(SessionTrackerTest, TouchPostponesButNeverShortens) {
  SessionTracker t(100);
  t.Add(1, 1000, 0);
  EXPECT_TRUE(t.Touch(1, 5));
  EXPECT_EQ(t.DeadlineOf(1), 15);
  EXPECT_EQ(t.Expire(14), Ids{});
  EXPECT_EQ(t.Expire(15), Ids{1});
  EXPECT_FALSE(t.Touch(1, 16)) << "an expiring session is not revived";
  EXPECT_FALSE(t.Touch(42, 16)) << "unknown";
}

TEST(SessionTrackerTest, ExpireReturnsEveryDueBucketSorted) {
  SessionTracker t(10);
  t.Add(3, 10, 0);
  t.Add(1, 20, 0);
  t.Add(2, 30, 0);
  t.Add(4, 1000, 0);
  EXPECT_EQ(t.Expire(3), (Ids{1, 2, 3}));
  EXPECT_EQ(t.size(), 4u) << "tracked until removed";
  t.Remove(1);
  t.Remove(4);
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.Expire(1000), Ids{});
}

TEST(SessionTrackerTest, RestartClocksGivesAFullTimeout) {
  SessionTracker t(100);
  t.Add(1, 500, 0);
  t.Add(2, 100, 0);
  EXPECT_EQ(t.Expire(1), Ids{2});
  t.RestartClocks(50);
  EXPECT_EQ(t.DeadlineOf(1), 55);
  EXPECT_EQ(t.DeadlineOf(2), -1) << "expiring sessions stay expiring";
  EXPECT_EQ(t.Expire(54), Ids{});
  EXPECT_EQ(t.Expire(55), Ids{1});
}

TEST(SessionTrackerTest, AddAgainRevivesAndReschedules) {
  SessionTracker t(100);
  t.Add(1, 100, 0);
  EXPECT_EQ(t.Expire(1), Ids{1});
  t.Add(1, 300, 1);
  EXPECT_FALSE(t.IsExpiring(1));
  EXPECT_EQ(t.Expire(3), Ids{});
  EXPECT_EQ(t.Expire(4), Ids{1});
}

}  // namespace
}  // namespace coord
