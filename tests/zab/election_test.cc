#include "coord/zab/election.h"

#include <gtest/gtest.h>

namespace coord::zab {
namespace {

Notification Looking(Vote v, uint64_t round) { return {v, round, ServerState::kLooking}; }

TEST(ZabElectionTest, VoteOrderIsEpochThenZxidThenId) {
  EXPECT_TRUE(VoteBeats({1, MakeZxid(1, 1), 2}, {3, MakeZxid(1, 9), 1}));
  EXPECT_TRUE(VoteBeats({1, MakeZxid(1, 9), 1}, {3, MakeZxid(1, 1), 1}));
  EXPECT_TRUE(VoteBeats({3, MakeZxid(1, 1), 1}, {1, MakeZxid(1, 1), 1}));
}

TEST(ZabElectionTest, AdoptsBetterVoteAndDecidesOnAQuorum) {
  Election e(1, {1, 2, 3});
  e.NewRound({1, MakeZxid(1, 1), 1});
  Election::Outcome out = e.OnNotification(2, Looking({2, MakeZxid(1, 5), 1}, 1));
  EXPECT_TRUE(out.broadcast);
  EXPECT_EQ(e.vote().leader, 2);
  ASSERT_TRUE(out.decided.has_value()) << "1 and 2 both vote for 2";
  EXPECT_EQ(out.decided->leader, 2);
}

TEST(ZabElectionTest, WorseVoteDoesNotDecideAndOldRoundGetsAReply) {
  Election e(3, {1, 2, 3});
  e.NewRound({3, 0, 0});
  e.NewRound({3, 0, 0});  // round 2
  EXPECT_TRUE(e.OnNotification(1, Looking({1, 0, 0}, 1)).reply);
  Election::Outcome out = e.OnNotification(1, Looking({1, 0, 0}, 2));
  EXPECT_FALSE(out.broadcast);
  EXPECT_FALSE(out.decided.has_value());
  EXPECT_TRUE(out.reply) << "a worse vote in our round is answered with ours";
  EXPECT_FALSE(e.OnNotification(1, Looking({3, 0, 0}, 2)).reply) << "an equal one is not";
  out = e.OnNotification(2, Looking({3, 0, 0}, 2));
  ASSERT_TRUE(out.decided.has_value());
  EXPECT_EQ(out.decided->leader, 3);
}

TEST(ZabElectionTest, HigherRoundRestartsTheTally) {
  Election e(1, {1, 2, 3});
  e.NewRound({1, MakeZxid(1, 3), 1});
  Election::Outcome out = e.OnNotification(2, Looking({2, MakeZxid(1, 1), 1}, 5));
  EXPECT_EQ(e.round(), 5u);
  EXPECT_EQ(e.vote().leader, 1) << "our own vote is better";
  EXPECT_TRUE(out.broadcast);
}

TEST(ZabElectionTest, JoinsAnEstablishedLeaderOnlyWhenAQuorumFollowsIt) {
  Election e(3, {1, 2, 3});
  e.NewRound({3, 0, 0});
  Vote v{1, MakeZxid(1, 4), 1};
  EXPECT_FALSE(e.OnNotification(2, {v, 4, ServerState::kFollowing}).decided)
      << "the leader has not said it leads";
  Election::Outcome out = e.OnNotification(1, {v, 4, ServerState::kLeading});
  ASSERT_TRUE(out.decided.has_value());
  EXPECT_EQ(out.decided->leader, 1);
}

TEST(ZabElectionTest, ObserversNeverCount) {
  Election e(1, {1, 2, 3});
  e.NewRound({1, 0, 0});
  Election::Outcome out = e.OnNotification(4, Looking({1, 0, 0}, 1));
  EXPECT_TRUE(out.reply);
  EXPECT_FALSE(out.decided.has_value());
}

}  // namespace
}  // namespace coord::zab
