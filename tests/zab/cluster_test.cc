// Cluster behaviour of the zab core through TestCluster: election, broadcast, failover,
// partitions, and the three ways of synchronizing a learner.
#include "tests/zab/cluster.h"

#include <gtest/gtest.h>

namespace coord::zab::testing {
namespace {

std::vector<std::string> Payloads(const std::vector<Entry>& entries) {
  std::vector<std::string> out;
  for (const Entry& e : entries) out.push_back(e.payload);
  return out;
}

MemberId ElectLeader(TestCluster& c, int max_ticks = 100) {
  EXPECT_TRUE(c.RunUntil([&] { return c.Leader().has_value() && c.AllEstablished(); }, max_ticks))
      << "no established leader within " << max_ticks << " ticks";
  return c.Leader().value_or(0);
}

TEST(ZabClusterTest, FreshClusterElectsExactlyOneLeaderWithinBoundedTicks) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    for (int voters : {3, 5}) {
      TestCluster c(voters, 0, seed);
      const MemberId leader = ElectLeader(c, 50);
      ASSERT_NE(leader, 0) << "seed " << seed;
      int leaders = 0;
      for (MemberId id : c.ids()) {
        leaders += c.node(id).role() == Role::kLeading ? 1 : 0;
        EXPECT_EQ(c.node(id).leader(), leader);
        EXPECT_EQ(c.node(id).epoch(), 1u);
      }
      EXPECT_EQ(leaders, 1);
    }
  }
}

TEST(ZabClusterTest, ProposalsCommitOnAQuorumAndApplyInOrderEverywhere) {
  TestCluster c(3, 0, 7);
  const MemberId leader = ElectLeader(c);
  std::vector<std::string> want;
  for (int i = 0; i < 20; ++i) {
    want.push_back("p" + std::to_string(i));
    Result<Zxid> zxid = c.node(leader).Propose(want.back());  // pipelined: no pump in between
    ASSERT_TRUE(zxid.ok()) << zxid.status().ToString();
    EXPECT_EQ(*zxid, MakeZxid(1, static_cast<uint32_t>(i + 1)));
  }
  c.Pump();
  for (MemberId id : c.ids()) EXPECT_EQ(Payloads(c.member(id).applied), want) << id;
  EXPECT_EQ(c.node(leader).committed_zxid(), MakeZxid(1, 20));
}

TEST(ZabClusterTest, LeaderCommitsWithOneFollowerWhileTheOtherIsDown) {
  TestCluster c(3, 0, 3);
  const MemberId leader = ElectLeader(c);
  const MemberId down = leader == 1 ? 2 : 1;
  c.Crash(down);
  ASSERT_TRUE(c.Propose(leader, "a").ok());
  EXPECT_EQ(Payloads(c.member(leader).applied), std::vector<std::string>{"a"});
}

TEST(ZabClusterTest, LeaderDiesNewLeaderHasHigherEpochAndNoCommittedEntryIsLost) {
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    TestCluster c(5, 0, seed);
    const MemberId old_leader = ElectLeader(c);
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(c.Propose(old_leader, "x" + std::to_string(i)).ok());
    const std::vector<Entry> committed = c.member(old_leader).applied;
    c.Crash(old_leader);
    ASSERT_TRUE(c.RunUntil([&] { return c.Leader().has_value() && c.AllEstablished(); }, 100))
        << "seed " << seed;
    const MemberId leader = *c.Leader();
    EXPECT_NE(leader, old_leader);
    EXPECT_EQ(c.node(leader).epoch(), 2u);
    ASSERT_TRUE(c.Propose(leader, "after").ok());
    EXPECT_EQ(c.node(leader).committed_zxid(), MakeZxid(2, 1));
    for (MemberId id : c.ids()) {
      if (id == old_leader) continue;
      std::vector<Entry> want = committed;
      want.push_back({MakeZxid(2, 1), "after"});
      EXPECT_EQ(c.member(id).applied, want) << "seed " << seed << " member " << id;
    }
    // The old leader comes back as a follower and catches up.
    c.Restart(old_leader);
    ASSERT_TRUE(c.RunUntil([&] { return c.AllEstablished(); }, 100));
    EXPECT_EQ(c.node(old_leader).role(), Role::kFollowing);
    EXPECT_EQ(c.member(old_leader).applied, c.member(leader).applied);
  }
}

TEST(ZabClusterTest, PartitionedOldLeaderCannotCommitAndDropsItsTail) {
  TestCluster c(3, 0, 11);
  const MemberId old_leader = ElectLeader(c);
  ASSERT_TRUE(c.Propose(old_leader, "before").ok());
  c.Isolate(old_leader);
  // The isolated leader still accepts proposals but can never commit them.
  ASSERT_TRUE(c.Propose(old_leader, "lost").ok());
  EXPECT_EQ(c.node(old_leader).committed_zxid(), MakeZxid(1, 1));
  ASSERT_TRUE(c.RunUntil(
      [&] {
        for (MemberId id : c.ids()) {
          if (id != old_leader && c.node(id).role() == Role::kLeading && c.node(id).established())
            return true;
        }
        return false;
      },
      100));
  EXPECT_NE(c.node(old_leader).role(), Role::kLeading) << "it stepped down: no quorum heard";
  EXPECT_EQ(c.node(old_leader).committed_zxid(), MakeZxid(1, 1));
  MemberId leader = 0;
  for (MemberId id : c.ids()) {
    if (c.node(id).role() == Role::kLeading) leader = id;
  }
  ASSERT_TRUE(c.Propose(leader, "new").ok());
  c.Heal();
  ASSERT_TRUE(c.RunUntil([&] { return c.AllEstablished() && c.Leader() == leader; }, 100));
  const std::vector<std::string> want{"before", "new"};
  for (MemberId id : c.ids()) EXPECT_EQ(Payloads(c.member(id).applied), want) << id;
  // The old leader's uncommitted "lost" (zxid 1:2) is gone from its disk: it was TRUNCated.
  for (const Entry& e : c.member(old_leader).disk.log) EXPECT_NE(e.payload, "lost");
}

TEST(ZabClusterTest, LaggingFollowerSyncsByDiff) {
  TestCluster c(3, 0, 5);
  const MemberId leader = ElectLeader(c);
  const MemberId lagging = leader == 1 ? 2 : 1;
  ASSERT_TRUE(c.Propose(leader, "a").ok());
  c.Crash(lagging);
  for (std::string p : {"b", "c", "d"}) ASSERT_TRUE(c.Propose(leader, p).ok());
  c.Restart(lagging);
  ASSERT_TRUE(c.RunUntil([&] { return c.node(lagging).established(); }, 100));
  bool diff = false;
  for (const Packet& p : c.delivered()) {
    if (p.to != lagging) continue;
    EXPECT_FALSE(std::holds_alternative<Trunc>(p.message));
    EXPECT_FALSE(std::holds_alternative<Snap>(p.message));
    if (const auto* d = std::get_if<Diff>(&p.message); d && d->entries.size() == 3) diff = true;
  }
  EXPECT_TRUE(diff) << "a DIFF of the three missed entries";
  EXPECT_EQ(c.member(lagging).applied, c.member(leader).applied);
}

TEST(ZabClusterTest, FollowerWithDivergentUncommittedTailGetsTrunc) {
  TestCluster c(3, 0, 9);
  const MemberId leader = ElectLeader(c);
  ASSERT_TRUE(c.Propose(leader, "a").ok());
  // The leader logs "b" and crashes before anyone else sees it.
  c.Isolate(leader);
  ASSERT_TRUE(c.Propose(leader, "b").ok());
  c.Crash(leader);
  c.Heal();
  ASSERT_TRUE(c.RunUntil([&] { return c.Leader().has_value(); }, 100));
  const MemberId new_leader = *c.Leader();
  ASSERT_TRUE(c.Propose(new_leader, "c").ok());
  c.Restart(leader);
  ASSERT_TRUE(c.RunUntil([&] { return c.node(leader).established(); }, 100));
  bool trunc = false;
  for (const Packet& p : c.delivered()) {
    if (const auto* t = std::get_if<Trunc>(&p.message); t && p.to == leader) {
      trunc = true;
      EXPECT_EQ(t->zxid, MakeZxid(1, 1));
    }
  }
  EXPECT_TRUE(trunc);
  EXPECT_EQ(Payloads(c.member(leader).applied), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(c.member(leader).disk.log, c.member(new_leader).disk.log);
}

TEST(ZabClusterTest, FollowerTooFarBehindGetsSnap) {
  TestCluster c(3, 0, 13, [](Options& o) { o.max_history_entries = 2; });
  const MemberId leader = ElectLeader(c);
  const MemberId behind = leader == 1 ? 2 : 1;
  c.Crash(behind);
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(c.Propose(leader, "s" + std::to_string(i)).ok());
  c.Restart(behind);
  ASSERT_TRUE(c.RunUntil([&] { return c.node(behind).established(); }, 100));
  bool snap = false;
  for (const Packet& p : c.delivered())
    snap |= p.to == behind && std::holds_alternative<Snap>(p.message);
  EXPECT_TRUE(snap);
  EXPECT_EQ(c.member(behind).applied, c.member(leader).applied);
  ASSERT_TRUE(c.Propose(leader, "later").ok());
  EXPECT_EQ(c.member(behind).applied, c.member(leader).applied);
  // After a restart it starts from its durable snapshot and catches up again.
  c.Crash(behind);
  c.Restart(behind);
  ASSERT_TRUE(c.RunUntil([&] { return c.node(behind).established(); }, 100));
  EXPECT_EQ(c.member(behind).applied, c.member(leader).applied);
}

TEST(ZabClusterTest, ObserversLearnCommittedEntriesAndNeverCountTowardAQuorum) {
  TestCluster c(3, 1, 17);
  const MemberId leader = ElectLeader(c);
  const MemberId observer = 4;
  EXPECT_EQ(c.node(observer).role(), Role::kObserving);
  ASSERT_TRUE(c.Propose(leader, "a").ok());
  EXPECT_EQ(Payloads(c.member(observer).applied), std::vector<std::string>{"a"});
  // With both other voters down, leader + observer are not a quorum.
  for (MemberId id : {1, 2, 3}) {
    if (id != leader) c.Crash(id);
  }
  ASSERT_TRUE(c.Propose(leader, "b").ok());
  EXPECT_EQ(c.node(leader).committed_zxid(), MakeZxid(1, 1));
  EXPECT_EQ(Payloads(c.member(observer).applied), std::vector<std::string>{"a"});
  EXPECT_TRUE(c.RunUntil([&] { return c.node(leader).role() != Role::kLeading; }, 50));
}

TEST(ZabClusterTest, SameSeedSameTrace) {
  auto trace = [](uint64_t seed) {
    TestCluster c(5, 0, seed);
    ElectLeader(c);
    c.Crash(*c.Leader());
    c.RunUntil([&] { return c.Leader().has_value(); }, 100);
    std::vector<std::pair<MemberId, std::string>> out;
    for (const Packet& p : c.delivered())
      out.emplace_back(p.to, std::string(MessageName(p.message)));
    return std::make_pair(out, c.now());
  };
  EXPECT_EQ(trace(42), trace(42));
}

}  // namespace
}  // namespace coord::zab::testing
