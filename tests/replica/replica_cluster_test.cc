// The Replica as a member of an ensemble: three (or more) replicas wired together in-process,
// with persistence reported at once and messages delivered in order, so each test states exactly
// what crosses between members. Checks forwarding of writes, sessions and syncs to the leader,
// global sessions (relayed touches, expiry only by the leader), FIFO order through a follower and
// what clients see across a change of leader.
#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <memory>
#include <set>

#include "coord/replica/replica.h"

namespace coord {
namespace {

constexpr int64_t kTickMs = 10;
constexpr int64_t kStart = 1'000'000;

class ClusterReplicaTest : public ::testing::Test {
 protected:
  struct Member {
    std::unique_ptr<Replica> replica;
    std::vector<zab::PersistBatch> log;       // every batch it persisted, for checks
    std::vector<zab::PersistBatch> unsynced;  // taken, not yet reported durable
    std::vector<Outbound> out;                // client output collected so far
    bool up = true;
  };

  void Start(int voters, int observers = 0) {
    for (int i = 1; i <= voters + observers; ++i) {
      ReplicaOptions options;
      options.tick_ms = kTickMs;
      options.min_session_timeout_ms = 100;
      options.max_session_timeout_ms = 1000;
      options.reap_every_ticks = 1;
      options.server_id = i;
      zab::Options z;
      z.id = i;
      for (int j = 1; j <= voters + observers; ++j)
        (j <= voters ? z.voters : z.observers).push_back(j);
      z.seed = 42 + static_cast<uint64_t>(i);
      members_[i].replica =
          std::make_unique<Replica>(options, DataTree(), z, zab::DurableState{}, now_);
    }
    RunUntil([&] { return Leader() != 0 && AllServing(); }, 500);
  }

  // Persists every batch at once, delivers every message in order, collects client output.
  void Pump() {
    for (int round = 0; round < 1000; ++round) {
      bool moved = false;
      for (auto& [id, m] : members_) {
        if (!m.up) continue;
        for (zab::PersistBatch& b : m.replica->TakePersistBatches()) {
          m.unsynced.push_back(std::move(b));
          moved = true;
        }
        if (!slow_disk_.contains(id)) {
          for (zab::PersistBatch& b : m.unsynced) {
            m.replica->PersistedBatch(b.id);
            m.log.push_back(std::move(b));
          }
          m.unsynced.clear();
        }
        for (PeerOutbound& p : m.replica->TakePeerMessages()) {
          if (cut_.contains({id, p.to})) continue;
          if (drop_member_.contains({id, p.to}) &&
              std::holds_alternative<MemberMessage>(p.message)) {
            continue;
          }
          if (hold_zab_.contains({id, p.to}) && std::holds_alternative<zab::Message>(p.message)) {
            held_.push_back({id, std::move(p)});
            continue;
          }
          wire_.push_back({id, std::move(p)});
          moved = true;
        }
        for (Outbound& o : m.replica->TakeOutput()) m.out.push_back(std::move(o));
      }
      while (!wire_.empty()) {
        auto [from, p] = std::move(wire_.front());
        wire_.pop_front();
        Member& to = members_.at(p.to);
        if (!to.up) continue;
        if (auto* z = std::get_if<zab::Message>(&p.message)) {
          to.replica->Step(from, *z);
        } else {
          to.replica->StepMember(from, std::get<MemberMessage>(std::move(p.message)));
        }
        moved = true;
      }
      if (!moved) return;
    }
    FAIL() << "the ensemble did not settle";
  }

  void TickAll() {
    now_ += kTickMs;
    for (auto& [id, m] : members_) {
      if (m.up) m.replica->Tick(now_);
    }
    Pump();
  }

  template <typename F>
  void RunUntil(F done, int max_ticks) {
    Pump();
    for (int i = 0; i < max_ticks && !done(); ++i) TickAll();
    ASSERT_TRUE(done()) << "condition not reached in " << max_ticks << " ticks";
  }

  int Leader() const {
    for (const auto& [id, m] : members_) {
      if (m.up && m.replica->node()->role() == zab::Role::kLeading && m.replica->serving()) {
        return id;
      }
    }
    return 0;
  }
  int AFollower() const {
    for (const auto& [id, m] : members_) {
      if (m.up && m.replica->node()->role() == zab::Role::kFollowing) return id;
    }
    return 0;
  }
  bool AllServing() const {
    for (const auto& [id, m] : members_) {
      if (m.up && !m.replica->serving()) return false;
    }
    return true;
  }

  Replica& At(int id) { return *members_.at(id).replica; }

  // Opens a session through member `id` and returns its ConnectResponse.
  ConnectResponse Open(int id, SessionId session, int32_t timeout_ms = 200) {
    At(id).CreateSession(session, "pw", timeout_ms, now_);
    Pump();
    for (int i = 0; i < 50 && !FindConnect(id, session); ++i) TickAll();
    const ConnectResponse* r = FindConnect(id, session);
    EXPECT_NE(r, nullptr) << "no connect response from member " << id;
    return r ? *r : ConnectResponse{};
  }
  const ConnectResponse* FindConnect(int id, SessionId session) {
    for (const Outbound& o : members_.at(id).out) {
      if (o.session != session || !o.message) continue;
      if (auto* c = std::get_if<ConnectResponse>(&*o.message)) return c;
    }
    return nullptr;
  }

  void Submit(int id, SessionId session, int64_t request_id, ClientOp op) {
    At(id).Submit(session, ClientRequest{request_id, std::move(op)}, now_);
    Pump();
  }
  // The reply to `request_id` of `session` at member `id`, waiting a few ticks for it.
  std::optional<ClientResponse> Reply(int id, SessionId session, int64_t request_id) {
    for (int i = 0; i < 50; ++i) {
      for (const Outbound& o : members_.at(id).out) {
        if (o.session != session || !o.message) continue;
        if (auto* r = std::get_if<ClientResponse>(&*o.message); r && r->id == request_id) return *r;
      }
      TickAll();
    }
    return std::nullopt;
  }
  // The replies of `session` at member `id`, in the order they left.
  std::vector<int64_t> ReplyOrder(int id, SessionId session) {
    std::vector<int64_t> ids;
    for (const Outbound& o : members_.at(id).out) {
      if (o.session != session || !o.message) continue;
      if (auto* r = std::get_if<ClientResponse>(&*o.message)) ids.push_back(r->id);
    }
    return ids;
  }
  bool Closed(int id, SessionId session) {
    for (const Outbound& o : members_.at(id).out) {
      if (o.session == session && o.close) return true;
    }
    return false;
  }

  static CreateRequest Create(std::string path, std::string data = "",
                              NodeKind kind = NodeKind::kPersistent) {
    CreateRequest r;
    r.path = std::move(path);
    r.data = std::move(data);
    r.kind = kind;
    return r;
  }
  static GetDataRequest Get(std::string path) {
    GetDataRequest r;
    r.path = std::move(path);
    return r;
  }

  std::map<int, Member> members_;
  std::deque<std::pair<int, PeerOutbound>> wire_;
  std::set<std::pair<int, int>> cut_;  // (from, to) links that drop everything
  // (from, to) links whose consensus messages wait in held_ (member messages still pass).
  std::set<std::pair<int, int>> hold_zab_;
  std::deque<std::pair<int, PeerOutbound>> held_;
  std::set<std::pair<int, int>> drop_member_;  // links that drop member messages only
  std::set<int> slow_disk_;  // members whose batches wait (unsynced) until removed from here
  int64_t now_ = kStart;
};

TEST_F(ClusterReplicaTest, ElectsOneLeaderAndEveryMemberServes) {
  Start(3);
  int leaders = 0;
  for (auto& [id, m] : members_) leaders += m.replica->node()->role() == zab::Role::kLeading;
  EXPECT_EQ(leaders, 1);
  EXPECT_NE(AFollower(), 0);
  ServerStatusResponse s = At(Leader()).ServerStatus(0);
  EXPECT_EQ(s.role, "leader");
  EXPECT_EQ(s.members.size(), 2u);
  EXPECT_EQ(At(AFollower()).ServerStatus(0).role, "follower");
  EXPECT_EQ(At(AFollower()).ServerStatus(0).leader_id, Leader());
}

TEST_F(ClusterReplicaTest, WriteThroughAFollowerIsPreparedByTheLeaderAndAppliedEverywhere) {
  Start(3);
  const int f = AFollower();
  ASSERT_EQ(Open(f, 101).code, Code::kOk);
  for (auto& [id, m] : members_) EXPECT_TRUE(m.replica->tree().SessionExists(101)) << id;

  Submit(f, 101, 1, Create("/a", "one"));
  // A read queued right behind the write, on the same session, must see it (FIFO).
  Submit(f, 101, 2, Get("/a"));
  std::optional<ClientResponse> created = Reply(f, 101, 1);
  ASSERT_TRUE(created);
  EXPECT_EQ(created->code, Code::kOk);
  EXPECT_EQ(std::get<CreateResponse>(created->body).path, "/a");
  std::optional<ClientResponse> read = Reply(f, 101, 2);
  ASSERT_TRUE(read);
  ASSERT_EQ(read->code, Code::kOk);
  EXPECT_EQ(std::get<GetDataResponse>(read->body).data, "one");
  EXPECT_EQ(ReplyOrder(f, 101), (std::vector<int64_t>{1, 2}));
  for (auto& [id, m] : members_) {
    EXPECT_TRUE(m.replica->tree().Find("/a").has_value()) << "member " << id;
    EXPECT_EQ(m.replica->tree().digest(), At(Leader()).tree().digest());
  }
}

TEST_F(ClusterReplicaTest, AFailedForwardedWriteCarriesTheLeadersVerdict) {
  Start(3);
  const int f = AFollower();
  ASSERT_EQ(Open(f, 7).code, Code::kOk);
  Submit(f, 7, 1, Create("/x"));
  Submit(f, 7, 2, Create("/x"));
  Submit(f, 7, 3, Create("/missing/child"));
  EXPECT_EQ(Reply(f, 7, 1)->code, Code::kOk);
  EXPECT_EQ(Reply(f, 7, 2)->code, Code::kNodeExists);
  EXPECT_EQ(Reply(f, 7, 3)->code, Code::kNoNode);
  EXPECT_EQ(ReplyOrder(f, 7), (std::vector<int64_t>{1, 2, 3}));
}

TEST_F(ClusterReplicaTest, SyncOnAFollowerWaitsForWhatTheLeaderHadCommitted) {
  Start(3);
  const int l = Leader();
  const int f = AFollower();
  ASSERT_EQ(Open(l, 1).code, Code::kOk);
  ASSERT_EQ(Open(f, 2).code, Code::kOk);
  // The leader's proposals and commits to the follower are delayed: a write commits on the
  // leader and the third member, and the follower's tree stays behind.
  hold_zab_.insert({l, f});
  Submit(l, 1, 1, Create("/fresh", "v"));
  ASSERT_EQ(Reply(l, 1, 1)->code, Code::kOk);
  EXPECT_FALSE(At(f).tree().Find("/fresh").has_value()) << "the follower is behind";
  // sync + read through the follower: the sync's answer (the leader's commit point) arrives,
  // but the replies wait until the follower applied up to it.
  Submit(f, 2, 1, SyncRequest{"/"});
  Submit(f, 2, 2, Get("/fresh"));
  EXPECT_TRUE(ReplyOrder(f, 2).empty()) << "answered before the follower caught up";
  hold_zab_.clear();
  for (auto& h : held_) wire_.push_back(std::move(h));
  held_.clear();
  Pump();
  std::optional<ClientResponse> read = Reply(f, 2, 2);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->code, Code::kOk) << "a read after sync sees the committed write";
  EXPECT_EQ(ReplyOrder(f, 2), (std::vector<int64_t>{1, 2}));
}

TEST_F(ClusterReplicaTest, Rule8SyncOnTheLeaderWaitsUntilItAppliedWhatItCommitted) {
  // ZooKeeper 3.8's leader treats sync as a no-op. Here the leader's own fsync is slow: two
  // followers make a write durable, it commits and is acknowledged through a follower, and the
  // leader has not applied it yet. A sync + read on the leader must still see it.
  Start(3);
  const int l = Leader();
  const int f = AFollower();
  ASSERT_EQ(Open(l, 1).code, Code::kOk);
  ASSERT_EQ(Open(f, 2).code, Code::kOk);
  slow_disk_.insert(l);
  Submit(f, 2, 1, Create("/acked", "x"));
  std::optional<ClientResponse> created = Reply(f, 2, 1);
  ASSERT_TRUE(created);
  ASSERT_EQ(created->code, Code::kOk) << "committed by the two followers";
  EXPECT_FALSE(At(l).tree().Find("/acked").has_value()) << "the leader has not applied it";
  Submit(l, 1, 1, SyncRequest{"/"});
  Submit(l, 1, 2, Get("/acked"));
  EXPECT_TRUE(ReplyOrder(l, 1).empty()) << "the leader answered the sync before applying";
  slow_disk_.clear();
  Pump();
  std::optional<ClientResponse> read = Reply(l, 1, 2);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->code, Code::kOk) << "a read after sync on the leader sees the acknowledged write";
}

TEST_F(ClusterReplicaTest, AForwardedRequestWithoutAnAnswerClosesTheConnection) {
  Start(3);
  const int l = Leader();
  const int f = AFollower();
  ASSERT_EQ(Open(f, 8, 1000).code, Code::kOk);
  // The leader's answer is lost (a peer connection that broke with it in flight): the client is
  // not left waiting forever; its connection closes and it retries elsewhere.
  drop_member_.insert({l, f});
  Submit(f, 8, 1, SyncRequest{"/"});
  for (int i = 0; i < 60 && !Closed(f, 8); ++i) TickAll();
  EXPECT_TRUE(Closed(f, 8));
  EXPECT_TRUE(At(f).serving()) << "the follower kept its leader: the timeout closed it";
  EXPECT_TRUE(At(f).tree().SessionExists(8)) << "the session itself lives on";
}

TEST_F(ClusterReplicaTest, ACloseThatFailsLeavesTheSessionAliveEverywhere) {
  Start(3);
  const int f = AFollower();
  ASSERT_EQ(Open(f, 12, 1000).code, Code::kOk);
  // The follower loses its leader; a close that arrives then fails (simulator seed 33)...
  for (auto& [id, m] : members_) {
    if (id != f) cut_.insert({id, f}), cut_.insert({f, id});
  }
  RunUntil([&] { return !At(f).serving(); }, 200);
  Submit(f, 12, 1, CloseSessionClientRequest{});
  std::optional<ClientResponse> r = Reply(f, 12, 1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code, Code::kConnectionLoss);
  // ... and the session, still in the tree, stays known to the member: once it serves again the
  // client resumes it there.
  cut_.clear();
  RunUntil([&] { return At(f).serving(); }, 300);
  ConnectRequest resume;
  resume.session_id = 12;
  resume.password = "pw";
  EXPECT_EQ(At(f).ResumeSession(resume, now_).code, Code::kOk);
}

TEST_F(ClusterReplicaTest, SessionsLiveThroughRelayedTouchesAndOnlyTheLeaderExpiresThem) {
  Start(3);
  const int l = Leader();
  const int f = AFollower();
  ASSERT_EQ(Open(f, 55, 200).code, Code::kOk);
  Submit(f, 55, 1, Create("/eph", "", NodeKind::kEphemeral));
  ASSERT_EQ(Reply(f, 55, 1)->code, Code::kOk);
  // The client pings only its follower, for ten session timeouts: the follower relays that the
  // session is alive, so the leader keeps it.
  for (int i = 0; i < 200; ++i) {
    if (i % 5 == 0) Submit(f, 55, 100 + i, PingRequest{});
    TickAll();
  }
  for (auto& [id, m] : members_) EXPECT_TRUE(m.replica->tree().SessionExists(55)) << id;
  // Silence: the leader expires it by a replicated close; the ephemeral goes everywhere and the
  // follower closes the session's connection.
  for (int i = 0; i < 60; ++i) TickAll();
  for (auto& [id, m] : members_) {
    EXPECT_FALSE(m.replica->tree().SessionExists(55)) << id;
    EXPECT_FALSE(m.replica->tree().Find("/eph").has_value()) << id;
  }
  EXPECT_TRUE(Closed(f, 55));
  (void)l;
}

TEST_F(ClusterReplicaTest, ASessionMovesToAnotherMemberAndKeepsItsEphemerals) {
  Start(3);
  const int f = AFollower();
  ASSERT_EQ(Open(f, 9).code, Code::kOk);
  Submit(f, 9, 1, Create("/mine", "", NodeKind::kEphemeral));
  ASSERT_EQ(Reply(f, 9, 1)->code, Code::kOk);
  const int l = Leader();
  At(f).Detach(9);
  ConnectRequest resume;
  resume.session_id = 9;
  resume.password = "pw";
  resume.last_zxid_seen = At(f).tree().last_zxid();
  ConnectResponse r = At(l).ResumeSession(resume, now_);
  ASSERT_EQ(r.code, Code::kOk) << r.message;
  Submit(l, 9, 2, Get("/mine"));
  EXPECT_EQ(Reply(l, 9, 2)->code, Code::kOk);
  // Closing on the leader removes the session and its ephemeral everywhere.
  Submit(l, 9, 3, CloseSessionClientRequest{});
  EXPECT_EQ(Reply(l, 9, 3)->code, Code::kOk);
  for (auto& [id, m] : members_) {
    EXPECT_FALSE(m.replica->tree().SessionExists(9)) << id;
    EXPECT_FALSE(m.replica->tree().Find("/mine").has_value()) << id;
  }
}

TEST_F(ClusterReplicaTest, LosingTheLeaderClosesClientsAndANewLeaderKeepsEveryCommittedWrite) {
  Start(3);
  const int old_leader = Leader();
  const int f = AFollower();
  ASSERT_EQ(Open(f, 3, 1000).code, Code::kOk);
  for (int i = 1; i <= 5; ++i) Submit(f, 3, i, Create("/k" + std::to_string(i)));
  for (int i = 1; i <= 5; ++i) ASSERT_EQ(Reply(f, 3, i)->code, Code::kOk);
  members_.at(old_leader).up = false;  // crashed
  RunUntil([&] { return Leader() != 0 && Leader() != old_leader; }, 500);
  EXPECT_TRUE(Closed(f, 3)) << "the follower closed its clients when it lost its leader";
  const int l = Leader();
  ASSERT_TRUE(At(l).serving());
  for (int i = 1; i <= 5; ++i) {
    EXPECT_TRUE(At(l).tree().Find("/k" + std::to_string(i)).has_value()) << i;
  }
  // The session survives the change of leader (its clock restarted) and keeps working.
  ConnectRequest resume;
  resume.session_id = 3;
  resume.password = "pw";
  ASSERT_EQ(At(l).ResumeSession(resume, now_).code, Code::kOk);
  Submit(l, 3, 10, Create("/after"));
  EXPECT_EQ(Reply(l, 3, 10)->code, Code::kOk);
}

TEST_F(ClusterReplicaTest, ANonServingMemberRefusesWrites) {
  Start(3);
  const int f = AFollower();
  ASSERT_EQ(Open(f, 4).code, Code::kOk);
  // Cut the follower off: it loses its leader, stops serving and closes its clients.
  for (auto& [id, m] : members_) {
    if (id != f) cut_.insert({id, f}), cut_.insert({f, id});
  }
  RunUntil([&] { return !At(f).serving(); }, 200);
  EXPECT_TRUE(Closed(f, 4));
  EXPECT_EQ(At(f).ServerStatus(0).role, "looking");
}

TEST_F(ClusterReplicaTest, AnObserverServesReadsAndForwardsWrites) {
  Start(3, 1);
  ASSERT_EQ(At(4).node()->role(), zab::Role::kObserving);
  ASSERT_EQ(Open(4, 77).code, Code::kOk);
  Submit(4, 77, 1, Create("/obs", "o"));
  ASSERT_EQ(Reply(4, 77, 1)->code, Code::kOk);
  Submit(4, 77, 2, Get("/obs"));
  EXPECT_EQ(std::get<GetDataResponse>(Reply(4, 77, 2)->body).data, "o");
  EXPECT_EQ(At(4).ServerStatus(0).role, "observer");
}

}  // namespace
}  // namespace coord
