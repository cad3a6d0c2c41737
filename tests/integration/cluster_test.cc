// A real ensemble: three coordd processes on loopback (plus an observer in one test), driven by
// the C++ client. Leader failure by kill -9 and by SIGSTOP, a follower that restarts after
// missing writes, and an observer; after each, every write acknowledged to a client is present
// on every member.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "coord/client.h"
#include "tests/support/ensemble.h"
#include "tests/support/raw_connection.h"

namespace coord {
namespace {

using testing::Ensemble;

int64_t NowMs() { return testing::SteadyNowMs(); }

// Writers creating distinct nodes through the whole ensemble, recording what was acknowledged.
class Load {
 public:
  Load(std::string connect_string, int writers) {
    for (int w = 0; w < writers; ++w) {
      threads_.emplace_back([this, connect_string, w] {
        ClientOptions o;
        o.connect_string = connect_string;
        o.session_timeout_ms = 6000;
        o.request_timeout_ms = 3000;
        o.seed = 100 + static_cast<uint64_t>(w);
        auto c = Client::Open(o);
        if (!c.ok()) return;
        (*c)->WaitConnected(20000).IgnoreError();
        for (int i = 0; i < 100000 && !stop_; ++i) {
          CreateRequest r;
          r.path = "/load/w" + std::to_string(w) + "-" + std::to_string(i);
          Result<CreateResponse> created = (*c)->Create(r);
          if (created.ok()) {
            std::lock_guard<std::mutex> lock(mu_);
            acked_.insert(r.path);
          } else {
            usleep(10 * 1000);  // connection loss while the ensemble elects: retry the next one
          }
        }
      });
    }
  }
  ~Load() { Stop(); }
  void Stop() {
    stop_ = true;
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  size_t acked() {
    std::lock_guard<std::mutex> lock(mu_);
    return acked_.size();
  }
  std::set<std::string> Acked() {
    std::lock_guard<std::mutex> lock(mu_);
    return acked_;
  }
  // Waits until `n` more writes than now were acknowledged.
  bool WaitMore(size_t n, int64_t timeout_ms) {
    const size_t target = acked() + n;
    const int64_t deadline = NowMs() + timeout_ms;
    while (acked() < target && NowMs() < deadline) usleep(10 * 1000);
    return acked() >= target;
  }

 private:
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::set<std::string> acked_;
  std::vector<std::thread> threads_;
};

void MakeLoadRoot(Ensemble& e) {
  std::unique_ptr<Client> c = e.ClientOf(e.WaitForLeader());
  CreateRequest r;
  r.path = "/load";
  Result<CreateResponse> created = c->Create(r);
  ASSERT_TRUE(created.ok() || created.status().code() == Code::kNodeExists);
}

// server_status without a session (answered in every role), or nullopt.
std::optional<ServerStatusResponse> RawStatus(int port) {
  testing::RawConnection raw(port);
  if (!raw.Send(ClientRequest{1, ServerStatusRequest{}})) return std::nullopt;
  std::optional<ServerMessage> reply = raw.Read(2000);
  if (!reply) return std::nullopt;
  const auto* r = std::get_if<ClientResponse>(&*reply);
  if (r == nullptr) return std::nullopt;
  const auto* st = std::get_if<ServerStatusResponse>(&r->body);
  return st ? std::optional<ServerStatusResponse>(*st) : std::nullopt;
}

TEST(ClusterTest, ElectsALeaderAndEveryMemberServesTheSameWrites) {
  Ensemble e(3);
  const int64_t start = NowMs();
  e.StartAll();
  const int leader = e.WaitForLeader();
  ASSERT_NE(leader, 0);
  std::printf("fresh 3-member ensemble: leader %d serving %lld ms after the processes started\n",
              leader, static_cast<long long>(NowMs() - start));
  std::set<std::string> written;
  for (int id = 1; id <= 3; ++id) {
    std::unique_ptr<Client> c = e.ClientOf(id);
    for (int i = 0; i < 20; ++i) {
      CreateRequest r;
      r.path = "/m" + std::to_string(id) + "-" + std::to_string(i);
      r.data = "from " + std::to_string(id);
      ASSERT_TRUE(c->Create(r).ok()) << "write through member " << id;
      written.insert(r.path);
    }
    // Read-your-writes through the same member.
    Result<GetDataResponse> got = c->GetData("/m" + std::to_string(id) + "-19");
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->data, "from " + std::to_string(id));
  }
  e.ExpectEverywhere(written);
  int leaders = 0, followers = 0;
  for (int id = 1; id <= 3; ++id) {
    std::optional<ServerStatusResponse> s = e.Status(id);
    ASSERT_TRUE(s);
    leaders += s->role == "leader";
    followers += s->role == "follower";
    EXPECT_EQ(s->leader_id, leader);
    if (s->role == "leader") {
      EXPECT_EQ(s->members.size(), 2u);
    }
  }
  EXPECT_EQ(leaders, 1);
  EXPECT_EQ(followers, 2);
}

TEST(ClusterTest, KillNineOfTheLeaderUnderLoadLosesNoAcknowledgedWrite) {
  Ensemble e(3);
  e.StartAll();
  MakeLoadRoot(e);
  const int leader = e.WaitForLeader();
  Load load(e.ConnectString(), 3);
  ASSERT_TRUE(load.WaitMore(200, 30000)) << "the load does not progress";
  const int64_t killed_at = NowMs();
  e.at(leader).Kill9();
  const int next = e.WaitForLeader(30000, leader);
  ASSERT_NE(next, 0);
  ASSERT_NE(next, leader);
  ASSERT_TRUE(load.WaitMore(100, 30000)) << "writes do not resume after the leader died";
  std::printf("leader %d killed: writes acknowledged again %lld ms later (new leader %d)\n", leader,
              static_cast<long long>(NowMs() - killed_at), next);
  load.Stop();
  e.at(leader).Restart();
  e.ExpectEverywhere(load.Acked());
  std::printf("acknowledged writes checked on every member: %zu\n", load.acked());
}

// Kills a follower, writes `writes` nodes through the leader, restarts the follower and checks it
// holds them all; returns the follower's log.
std::string MissAndCatchUp(Ensemble& e, int writes) {
  MakeLoadRoot(e);
  const int leader = e.WaitForLeader();
  const int follower = leader == 1 ? 2 : 1;
  e.at(follower).Kill9();
  std::set<std::string> written;
  {
    std::unique_ptr<Client> c = e.ClientOf(leader);
    for (int i = 0; i < writes; ++i) {
      CreateRequest r;
      r.path = "/load/missed-" + std::to_string(i);
      EXPECT_TRUE(c->Create(r).ok());
      written.insert(r.path);
    }
  }
  e.at(follower).Restart();
  e.ExpectEverywhere(written);
  return e.at(follower).ServerLog();
}

TEST(ClusterTest, ARestartedFollowerCatchesUpByDiff) {
  Ensemble e(3);
  e.StartAll();
  std::string log = MissAndCatchUp(e, 50);
  EXPECT_EQ(log.find("installed a snapshot from the leader"), std::string::npos)
      << "50 missed writes are within the leader's history: a DIFF, not a SNAP";
}

TEST(ClusterTest, AFarBehindFollowerCatchesUpBySnap) {
  Ensemble e(3);
  e.StartAll();
  // More than snapshot_every_txns: the leader snapshots, purges its log and forgets the history
  // below the snapshot, so the follower's position is gone and it needs the whole state.
  std::string log = MissAndCatchUp(e, 900);
  EXPECT_NE(log.find("installed a snapshot from the leader"), std::string::npos)
      << "the follower was below the leader's history floor: expected a SNAP";
}

TEST(ClusterTest, AStoppedLeaderIsReplacedAndRejoinsAsAFollower) {
  Ensemble e(3);
  e.StartAll();
  MakeLoadRoot(e);
  const int leader = e.WaitForLeader();
  Load load(e.ConnectString(), 2);
  ASSERT_TRUE(load.WaitMore(100, 30000));
  e.at(leader).Stop(SIGSTOP);
  const int next = e.WaitForLeader(30000, leader);
  ASSERT_NE(next, 0);
  ASSERT_TRUE(load.WaitMore(100, 30000)) << "writes do not resume with the leader stopped";
  e.at(leader).Stop(SIGCONT);
  // The old leader finds the newer epoch, drops what it had not committed, and follows.
  const int64_t deadline = NowMs() + 60000;
  std::optional<ServerStatusResponse> s;
  while (NowMs() < deadline) {
    s = RawStatus(e.at(leader).port());
    if (s && s->role == "follower" && s->committed_zxid > 0) {
      // Serving again: a session can be opened there.
      if (e.Status(leader)) break;
    }
    usleep(50 * 1000);
  }
  if (!(s && s->role == "follower")) {
    const std::string log = e.at(leader).ServerLog();
    FAIL() << "the old leader did not rejoin as a follower (role " << (s ? s->role : "?")
           << "); its log ends with:\n"
           << log.substr(log.size() > 6000 ? log.size() - 6000 : 0);
  }
  EXPECT_EQ(s->leader_id, next);
  load.Stop();
  e.ExpectEverywhere(load.Acked());
}

TEST(ClusterTest, AnObserverServesReadsButNeverCountsTowardAQuorum) {
  Ensemble e(3, 1);
  e.StartAll();
  const int leader = e.WaitForLeader();
  std::unique_ptr<Client> obs = e.ClientOf(4);
  CreateRequest r;
  r.path = "/via-observer";
  r.data = "o";
  ASSERT_TRUE(obs->Create(r).ok());
  Result<GetDataResponse> got = obs->GetData("/via-observer");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->data, "o");
  std::optional<ServerStatusResponse> s = e.Status(4);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->role, "observer");
  // Two voters gone: one voter and the observer are not a quorum, so no write commits.
  int killed = 0;
  for (int id = 1; id <= 3 && killed < 2; ++id) {
    if (id != leader) {
      e.at(id).Kill9();
      ++killed;
    }
  }
  ClientOptions o;
  o.connect_string = e.Address(leader) + "," + e.Address(4);
  o.session_timeout_ms = 3000;
  o.request_timeout_ms = 1500;
  auto c = Client::Open(o);
  ASSERT_TRUE(c.ok());
  CreateRequest w;
  w.path = "/no-quorum";
  Result<CreateResponse> created = (*c)->Create(w);
  EXPECT_FALSE(created.ok()) << "a write committed without a quorum of voters";
}

TEST(ClusterTest, ServerStatusNeedsNoSessionAndReportsALookingMember) {
  Ensemble e(3);
  e.StartAll();
  const int leader = e.WaitForLeader();
  const int follower = leader == 1 ? 2 : 1;
  auto status_of = [&](int id) { return RawStatus(e.at(id).port()); };
  // The leader is established with a majority; the third member may still be joining.
  std::optional<ServerStatusResponse> s;
  for (int i = 0; i < 500; ++i) {
    s = status_of(leader);
    if (s && s->members.size() == 2) break;
    usleep(20 * 1000);
  }
  ASSERT_TRUE(s);
  EXPECT_EQ(s->role, "leader");
  EXPECT_EQ(s->members.size(), 2u) << "both other members appear in the leader's status";
  // Alone, a member serves no client but still answers server_status.
  for (int id = 1; id <= 3; ++id) {
    if (id != follower) e.at(id).Kill9();
  }
  const int64_t deadline = NowMs() + 10000;
  while (NowMs() < deadline) {
    s = status_of(follower);
    if (s && s->role == "looking") break;
    usleep(20 * 1000);
  }
  ASSERT_TRUE(s);
  EXPECT_EQ(s->role, "looking");
  EXPECT_EQ(s->leader_id, 0);
}

}  // namespace
}  // namespace coord
