// One test per rule of "Zab, the rules that bugs in other systems taught" (architecture guide):
// each feeds a single core the exact message / crash sequence and checks what it emits.
#include "coord/zab/node.h"

#include <gtest/gtest.h>

#include "tests/zab/cluster.h"

namespace coord::zab {
namespace {

constexpr MemberId kLeader = 3;

// A follower core (member 1 of {1,2,3}) plus the disk its Readys are written to.
class FollowerTest : public ::testing::Test {
 protected:
  FollowerTest() { Boot(); }

  void Boot() {
    Options o;
    o.id = 1;
    o.voters = {1, 2, 3};
    node_ = std::make_unique<Node>(o, durable_);
    Take();
  }
  // Collects the next Ready without persisting it (kept for Persist()).
  Ready Take() {
    Ready r = node_->TakeReady();
    last_ = r.persist;
    return r;
  }
  // The disk write of the last Ready succeeded.
  Ready PersistAndTake() {
    if (last_.id != 0) {
      if (last_.truncate_after) {
        std::erase_if(durable_.log, [&](const Entry& e) { return e.zxid > *last_.truncate_after; });
      }
      for (const Entry& e : last_.entries) durable_.log.push_back(e);
      if (last_.hard_state) durable_.hard_state = *last_.hard_state;
      node_->Persisted(last_.id);
    }
    return Take();
  }
  void Crash() { Boot(); }  // restart from what reached the disk only

  // Elected: 2 follows 3 and 3 leads.
  void FollowLeader() {
    const Vote v{kLeader, 0, 0};
    node_->Step(2, Notification{v, 1, ServerState::kFollowing});
    node_->Step(kLeader, Notification{v, 1, ServerState::kLeading});
    ASSERT_EQ(node_->role(), Role::kFollowing);
    Take();
  }
  void SyncedToEpoch1(std::vector<Entry> diff = {}) {
    FollowLeader();
    node_->Step(kLeader, LeaderInfo{1});
    Take();
    PersistAndTake();
    node_->Step(kLeader, Diff{1, diff, 0});
    node_->Step(kLeader, NewLeader{1, diff.empty() ? node_->last_zxid() : diff.back().zxid});
    Take();
    PersistAndTake();
    node_->Step(kLeader, UpToDate{1, 0});
    Take();
    ASSERT_TRUE(node_->established());
  }

  template <typename T>
  static int Count(const Ready& r) {
    int n = 0;
    for (const Envelope& e : r.messages) n += std::holds_alternative<T>(e.message) ? 1 : 0;
    return n;
  }

  DurableState durable_;
  std::unique_ptr<Node> node_;
  PersistBatch last_;
};

TEST_F(FollowerTest, Rule2AcceptedEpochDurableBeforeAckEpoch) {
  FollowLeader();
  node_->Step(kLeader, LeaderInfo{1});
  Ready r = Take();
  ASSERT_TRUE(r.persist.hard_state.has_value());
  EXPECT_EQ(r.persist.hard_state->accepted_epoch, 1u);
  EXPECT_EQ(Count<AckEpoch>(r), 0) << "no ACKEPOCH before acceptedEpoch is durable";
  r = PersistAndTake();
  EXPECT_EQ(Count<AckEpoch>(r), 1);
}

TEST_F(FollowerTest, Rule2CrashBeforeAcceptedEpochDurableForgetsThePromise) {
  FollowLeader();
  node_->Step(kLeader, LeaderInfo{1});
  Take();
  Crash();
  EXPECT_EQ(node_->hard_state().accepted_epoch, 0u);
}

TEST_F(FollowerTest, Rules2And3CrashBetweenNewLeaderAndPersistingHistoryNeverClaimsTheEpoch) {
  FollowLeader();
  node_->Step(kLeader, LeaderInfo{1});
  Take();
  PersistAndTake();
  const Entry e{MakeZxid(0, 1), "synced"};
  node_->Step(kLeader, Diff{1, {e}, 0});
  node_->Step(kLeader, NewLeader{1, e.zxid});
  Ready r = Take();
  ASSERT_EQ(r.persist.entries, std::vector<Entry>{e});
  ASSERT_TRUE(r.persist.hard_state.has_value());
  EXPECT_EQ(r.persist.hard_state->current_epoch, 1u) << "same atomic batch as the history";
  EXPECT_EQ(Count<AckNewLeader>(r), 0) << "no ack of NEWLEADER before the history is durable";
  Crash();  // the batch never reached the disk
  EXPECT_EQ(node_->hard_state().current_epoch, 0u);
  EXPECT_EQ(node_->vote().epoch, 0u) << "after restart it does not claim the new epoch";
  EXPECT_EQ(node_->last_zxid(), 0u);
}

TEST_F(FollowerTest, Rule3AckOfNewLeaderOnlyAfterTheWholeSyncedHistoryIsPersisted) {
  FollowLeader();
  node_->Step(kLeader, LeaderInfo{1});
  Take();
  PersistAndTake();
  node_->Step(kLeader, Diff{1, {{MakeZxid(0, 1), "a"}}, 0});
  const uint64_t diff_batch = Take().persist.id;
  node_->Step(kLeader, NewLeader{1, MakeZxid(0, 1)});
  Ready r = Take();
  const uint64_t newleader_batch = r.persist.id;
  ASSERT_GT(newleader_batch, diff_batch);
  EXPECT_EQ(Count<AckNewLeader>(r), 0);
  node_->Persisted(diff_batch);  // the history, but not yet current_epoch
  EXPECT_EQ(Count<AckNewLeader>(Take()), 0);
  node_->Persisted(newleader_batch);
  EXPECT_EQ(Count<AckNewLeader>(Take()), 1);
}

TEST_F(FollowerTest, Rule3ProposalDurableBeforeAck) {
  SyncedToEpoch1();
  node_->Step(kLeader, Proposal{1, {MakeZxid(1, 1), "p"}});
  Ready r = Take();
  EXPECT_EQ(r.persist.entries.size(), 1u);
  EXPECT_EQ(Count<Ack>(r), 0);
  r = PersistAndTake();
  ASSERT_EQ(Count<Ack>(r), 1);
  node_->Step(kLeader, Commit{1, MakeZxid(1, 1)});
  r = Take();
  EXPECT_EQ(r.committed, (std::vector<Entry>{{MakeZxid(1, 1), "p"}}));
}

TEST_F(FollowerTest, APingsCommitPointRepairsALostCommit) {
  SyncedToEpoch1();
  node_->Step(kLeader, Proposal{1, {MakeZxid(1, 1), "p"}});
  Take();
  ASSERT_EQ(Count<Ack>(PersistAndTake()), 1);
  // The COMMIT was lost; the leader's ping carries its commit point (simulator seed 238).
  node_->Step(kLeader, Ping{1, MakeZxid(1, 1)});
  Ready r = Take();
  EXPECT_EQ(r.committed, (std::vector<Entry>{{MakeZxid(1, 1), "p"}}));
  EXPECT_EQ(Count<PingAck>(r), 1);
}

TEST_F(FollowerTest, ADuplicateProposalIsAcknowledgedAgainOnlyOnceDurable) {
  SyncedToEpoch1();
  const Entry p{MakeZxid(1, 1), "p"};
  node_->Step(kLeader, Proposal{1, p});
  Take();
  // Resent before it is durable: no ACK may cover it yet (rule 3). (TakeReady directly: the
  // batch holding the entry stays the one PersistAndTake() writes.)
  node_->Step(kLeader, Proposal{1, p});
  EXPECT_EQ(Count<Ack>(node_->TakeReady()), 0);
  ASSERT_EQ(Count<Ack>(PersistAndTake()), 1);
  // The ACK was lost and the leader resends the proposal (simulator seed 425): ACK it again.
  node_->Step(kLeader, Proposal{1, p});
  Ready r = Take();
  EXPECT_EQ(Count<Ack>(r), 1);
  EXPECT_TRUE(r.persist.entries.empty()) << "a duplicate is not appended again";
}

TEST_F(FollowerTest, LosingTheConnectionToTheLeaderStartsAnElectionAtOnce) {
  SyncedToEpoch1();
  node_->PeerLost(2);  // another follower: nothing changes
  EXPECT_EQ(node_->role(), Role::kFollowing);
  node_->PeerLost(kLeader);
  EXPECT_EQ(node_->role(), Role::kLooking) << "no need to wait sync_limit_ticks of silence";
}

TEST_F(FollowerTest, APingCommittingWhatTheFollowerLacksMakesItResync) {
  SyncedToEpoch1();
  // On a FIFO link the proposal came before the ping: not holding it means messages were lost.
  node_->Step(kLeader, Ping{1, MakeZxid(1, 1)});
  Take();
  EXPECT_EQ(node_->role(), Role::kLooking);
  EXPECT_EQ(node_->committed_zxid(), 0u);
}

TEST_F(FollowerTest, Rule4ProposalAndCommitOnlyInZxidOrder) {
  SyncedToEpoch1();
  node_->Step(kLeader, Commit{1, MakeZxid(1, 1)});  // for an entry it does not hold
  Ready r = Take();
  EXPECT_TRUE(r.committed.empty());
  EXPECT_EQ(node_->committed_zxid(), 0u);
  EXPECT_EQ(node_->role(), Role::kLooking) << "resyncs instead of guessing";

  durable_ = DurableState();
  Boot();
  SyncedToEpoch1();
  node_->Step(kLeader, Proposal{1, {MakeZxid(1, 2), "gap"}});  // 1:1 missing
  r = Take();
  EXPECT_TRUE(r.persist.entries.empty());
  EXPECT_EQ(node_->last_zxid(), 0u);
  EXPECT_EQ(node_->role(), Role::kLooking);
}

TEST_F(FollowerTest, Rule4MessagesOfAnotherEpochOrLeaderAreIgnored) {
  SyncedToEpoch1();
  node_->Step(kLeader, Proposal{7, {MakeZxid(7, 1), "stale"}});
  node_->Step(2, Proposal{1, {MakeZxid(1, 1), "not the leader"}});
  Ready r = Take();
  EXPECT_TRUE(r.persist.entries.empty());
  EXPECT_EQ(node_->role(), Role::kFollowing);
}

TEST_F(FollowerTest, Rule5TruncDropsOnlyTheUncommittedTail) {
  durable_.hard_state = {1, 1};
  durable_.log = {{MakeZxid(1, 1), "a"}, {MakeZxid(1, 2), "b"}, {MakeZxid(1, 3), "c"}};
  Boot();
  FollowLeader();
  node_->Step(kLeader, LeaderInfo{2});
  Take();
  PersistAndTake();
  node_->Step(kLeader, Trunc{2, MakeZxid(1, 1)});
  node_->Step(kLeader, Diff{2, {{MakeZxid(2, 1), "x"}}, MakeZxid(1, 1), MakeZxid(1, 1)});
  node_->Step(kLeader, NewLeader{2, MakeZxid(2, 1)});
  Ready r = Take();
  ASSERT_TRUE(r.persist.truncate_after.has_value());
  EXPECT_EQ(*r.persist.truncate_after, MakeZxid(1, 1));
  EXPECT_EQ(r.committed, (std::vector<Entry>{{MakeZxid(1, 1), "a"}})) << "durable and committed";
  r = PersistAndTake();
  EXPECT_TRUE(r.committed.empty()) << "2:1 is not committed yet";
  EXPECT_EQ(durable_.log, (std::vector<Entry>{{MakeZxid(1, 1), "a"}, {MakeZxid(2, 1), "x"}}));
  EXPECT_EQ(Count<AckNewLeader>(r), 1);
}

TEST_F(FollowerTest, Rule4ADiffThatDoesNotStartAtTheLearnersLastZxidIsRefused) {
  // The leader sent TRUNC (or SNAP) then DIFF; the first was lost. Appending the DIFF would put
  // the leader's entries after a history that does not match (simulator seed 18).
  durable_.hard_state = {1, 1};
  durable_.log = {{MakeZxid(1, 1), "a"}};
  Boot();
  FollowLeader();
  node_->Step(kLeader, LeaderInfo{2});
  Take();
  PersistAndTake();
  node_->Step(kLeader, Diff{2, {{MakeZxid(2, 1), "x"}}, MakeZxid(1, 3), MakeZxid(1, 3)});
  Ready r = Take();
  EXPECT_TRUE(r.persist.entries.empty()) << "nothing appended across the gap";
  EXPECT_TRUE(r.committed.empty());
  EXPECT_EQ(node_->role(), Role::kLooking) << "it resyncs";
  EXPECT_EQ(node_->last_zxid(), MakeZxid(1, 1));
}

TEST_F(FollowerTest, Rule5TruncBelowAnAppliedEntryIsRefused) {
  durable_.hard_state = {1, 1};
  durable_.log = {{MakeZxid(1, 1), "a"}, {MakeZxid(1, 2), "b"}};
  Boot();
  FollowLeader();
  node_->Step(kLeader, LeaderInfo{2});
  Take();
  PersistAndTake();
  node_->Step(kLeader,
              Diff{2, {}, MakeZxid(1, 2), MakeZxid(1, 2)});  // committed + durable: applied
  ASSERT_EQ(Take().committed.size(), 2u);
  node_->Step(kLeader, Trunc{2, MakeZxid(1, 1)});
  Ready r = Take();
  EXPECT_FALSE(r.persist.truncate_after.has_value());
  EXPECT_EQ(node_->role(), Role::kLooking);
}

TEST_F(FollowerTest, Rule6FailedPersistMeansNoAckEver) {
  SyncedToEpoch1();
  node_->Step(kLeader, Proposal{1, {MakeZxid(1, 1), "p"}});
  Ready r = Take();
  node_->PersistFailed();
  r = Take();
  EXPECT_EQ(node_->role(), Role::kStopped);
  EXPECT_TRUE(r.messages.empty());
  node_->Persisted(r.persist.id + 100);  // a confused caller
  node_->Step(kLeader, Proposal{1, {MakeZxid(1, 2), "q"}});
  node_->Tick();
  r = Take();
  EXPECT_TRUE(r.messages.empty());
  EXPECT_TRUE(r.committed.empty());
}

using testing::Packet;
using testing::TestCluster;

TEST(ZabLeaderRulesTest, Rule4NoProposalBeforeAQuorumAckedNewLeader) {
  TestCluster c(3, 0, 21);
  // Restart everyone with manual persistence; members persist until NEWLEADER reaches them, so
  // discovery completes but no follower can acknowledge NEWLEADER.
  for (MemberId id : c.ids()) c.Crash(id);
  const size_t start = c.delivered().size();
  auto got_newleader = [&](MemberId id) {
    for (size_t i = start; i < c.delivered().size(); ++i) {
      const Packet& p = c.delivered()[i];
      if (p.to == id && std::holds_alternative<NewLeader>(p.message)) return true;
    }
    return false;
  };
  for (MemberId id : c.ids()) {
    c.SetAutoPersist(id, false);
    c.Restart(id);
  }
  auto leader = [&]() -> MemberId {
    for (MemberId id : c.ids()) {
      if (c.node(id).role() == Role::kLeading) return id;
    }
    return 0;
  };
  ASSERT_TRUE(c.RunUntil(
      [&] {
        for (MemberId id : c.ids()) {
          if (!got_newleader(id)) c.Flush(id);
        }
        int synced = 0;
        for (MemberId id : c.ids()) synced += got_newleader(id) ? 1 : 0;
        return synced == 2;
      },
      100));
  ASSERT_NE(leader(), 0);
  for (int i = 0; i < 3; ++i) c.Tick();
  EXPECT_FALSE(c.node(leader()).established());
  EXPECT_EQ(c.node(leader()).Propose("early").code(), Code::kConnectionLoss);
  for (MemberId id : c.ids()) c.SetAutoPersist(id, true);
  for (MemberId id : c.ids()) c.Flush(id);
  ASSERT_TRUE(c.node(leader()).established());
  EXPECT_TRUE(c.Propose(leader(), "now").ok());
}

TEST(ZabLeaderRulesTest, Rule1CounterExhaustionForcesANewEpoch) {
  TestCluster c(3, 0, 23, [](Options& o) { o.max_counter = 3; });
  ASSERT_TRUE(c.RunUntil([&] { return c.Leader().has_value() && c.AllEstablished(); }, 100));
  const MemberId leader = *c.Leader();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(c.Propose(leader, "p").ok());
  Result<Zxid> exhausted = c.Propose(leader, "one too many");
  ASSERT_FALSE(exhausted.ok());
  EXPECT_EQ(exhausted.code(), Code::kOperationTimeout);
  EXPECT_EQ(c.node(leader).role(), Role::kLooking) << "it stepped down";
  ASSERT_TRUE(c.RunUntil([&] { return c.Leader().has_value() && c.AllEstablished(); }, 100));
  Result<Zxid> next = c.Propose(*c.Leader(), "new epoch");
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, MakeZxid(2, 1));
  for (MemberId id : c.ids()) EXPECT_EQ(c.member(id).applied.size(), 4u);
}

TEST(ZabLeaderRulesTest, ALostProposalOnALiveLinkIsRetransmittedAndCommits) {
  // Simulator seed 337: the leader's PROPOSAL is lost (the link broke and came back at once),
  // no newer proposal follows, and pings carry only the commit point: without a retransmission
  // the entry would stay uncommitted forever.
  TestCluster c(3, 0, 31);
  ASSERT_TRUE(c.RunUntil([&] { return c.Leader().has_value() && c.AllEstablished(); }, 100));
  const MemberId leader = *c.Leader();
  std::vector<MemberId> followers;
  for (MemberId id : c.ids()) {
    if (id != leader) followers.push_back(id);
  }
  c.Cut({leader}, followers);
  ASSERT_TRUE(c.Propose(leader, "lost once").ok());
  c.Heal();
  EXPECT_TRUE(c.member(leader).applied.empty()) << "no quorum has it yet";
  ASSERT_TRUE(c.RunUntil(
      [&] {
        for (MemberId id : c.ids()) {
          if (c.member(id).applied.size() != 1) return false;
        }
        return true;
      },
      20));
  EXPECT_EQ(c.node(leader).role(), Role::kLeading) << "repaired without an election";
}

TEST(ZabLeaderRulesTest, ALearnerWhoPromisedANewerEpochMakesTheLeaderMoveAboveIt) {
  // Simulator seed 227: a member promised epoch 5 to a candidate that never got established,
  // while member 1 leads epoch 1. It refuses LEADERINFO(1) forever; the leader must step down
  // and its next epoch must be above the promise.
  Options o;
  o.id = 1;
  o.voters = {1, 2, 3};
  Node n(o, DurableState{});
  auto settle = [&] {
    while (n.HasReady()) {
      Ready r = n.TakeReady();
      if (r.persist.id != 0) n.Persisted(r.persist.id);
    }
  };
  settle();
  n.Step(2, Notification{n.vote(), 1, ServerState::kLooking});
  settle();
  ASSERT_EQ(n.role(), Role::kLeading);
  n.Step(2, FollowerInfo{0, 0});
  settle();
  ASSERT_EQ(n.epoch(), 1u);
  n.Step(2, AckEpoch{1, 0, 0});
  settle();
  n.Step(2, AckNewLeader{1, 0});
  settle();
  ASSERT_TRUE(n.established());

  n.Step(3, FollowerInfo{5, 0});
  settle();
  EXPECT_EQ(n.role(), Role::kLooking) << "the leader stepped down";

  n.Step(2, Notification{n.vote(), 2, ServerState::kLooking});
  settle();
  ASSERT_EQ(n.role(), Role::kLeading);
  n.Step(2, FollowerInfo{1, 0});
  settle();
  EXPECT_EQ(n.epoch(), 6u) << "the new epoch goes above the learner's promise";
}

}  // namespace
}  // namespace coord::zab
