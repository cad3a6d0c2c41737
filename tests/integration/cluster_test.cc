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
#include "tests/support/coordd_process.h"

namespace coord {
namespace {

using testing::CoorddOptions;
using testing::CoorddProcess;

// A free loopback port (bound, read, released: a tiny race with other processes is accepted).
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

class Ensemble {
 public:
  // `voters` voters and `observers` observers; ids 1..n, observers last.
  explicit Ensemble(int voters, int observers = 0) {
    const int n = voters + observers;
    std::string members;
    for (int i = 1; i <= n; ++i) {
      client_ports_[i] = FreePort();
      const int peer = FreePort();
      members += "    - {id: " + std::to_string(i) +
                 ", peer_address: 127.0.0.1:" + std::to_string(peer) +
                 ", client_address: 127.0.0.1:" + std::to_string(client_ports_[i]) +
                 ", role: " + (i <= voters ? "voter" : "observer") + "}\n";
    }
    for (int i = 1; i <= n; ++i) {
      CoorddOptions o;
      o.cluster_member = true;
      o.port = client_ports_[i];
      o.extra_config =
          "tick_ms: 20\n"
          "min_session_timeout_ms: 1000\n"
          "snapshot_every_txns: 400\n"
          "cluster:\n"
          "  cluster_id: test\n"
          "  member_id: " +
          std::to_string(i) +
          "\n"
          "  election_timeout_ticks: 10\n"
          "  init_limit_ticks: 100\n"
          "  sync_limit_ticks: 25\n"
          "  heartbeat_ticks: 3\n"
          "  members:\n" +
          members;
      members_[i] = std::make_unique<CoorddProcess>(o);
    }
  }

  void StartAll() {
    for (auto& [id, m] : members_) m->Start();
  }
  CoorddProcess& at(int id) { return *members_.at(id); }
  std::string Address(int id) const { return "127.0.0.1:" + std::to_string(client_ports_.at(id)); }
  std::string ConnectString() const {
    std::string s;
    for (const auto& [id, port] : client_ports_) {
      if (!s.empty()) s += ",";
      s += "127.0.0.1:" + std::to_string(port);
    }
    return s;
  }

  // A client of exactly one member.
  std::unique_ptr<Client> ClientOf(int id, int64_t wait_ms = 20000) {
    ClientOptions o;
    o.connect_string = Address(id);
    o.session_timeout_ms = 4000;
    o.request_timeout_ms = 5000;
    auto c = Client::Open(o);
    EXPECT_TRUE(c.ok());
    EXPECT_TRUE((*c)->WaitConnected(wait_ms).ok()) << "member " << id << " does not serve";
    return std::move(c).value();
  }

  // The member's status, or nullopt if it does not serve now.
  std::optional<ServerStatusResponse> Status(int id) {
    ClientOptions o;
    o.connect_string = Address(id);
    o.session_timeout_ms = 2000;
    o.request_timeout_ms = 1000;
    auto c = Client::Open(o);
    if (!c.ok() || !(*c)->WaitConnected(1000).ok()) return std::nullopt;
    Result<ServerStatusResponse> s = (*c)->ServerStatus();
    if (!s.ok()) return std::nullopt;
    return *s;
  }

  // Polls until a running member reports itself leader with every other running member
  // following it; returns the leader's id.
  int WaitForLeader(int64_t timeout_ms = 30000, int not_id = 0) {
    const int64_t deadline = NowMs() + timeout_ms;
    while (NowMs() < deadline) {
      for (auto& [id, m] : members_) {
        if (!m->running() || id == not_id) continue;
        std::optional<ServerStatusResponse> s = Status(id);
        if (s && s->role == "leader") return id;
      }
      usleep(50 * 1000);
    }
    ADD_FAILURE() << "no leader within " << timeout_ms << " ms";
    return 0;
  }

  // Every member that runs holds each path (read after sync through a client of that member).
  void ExpectEverywhere(const std::set<std::string>& paths) {
    for (auto& [id, m] : members_) {
      if (!m->running()) continue;
      std::unique_ptr<Client> c = ClientOf(id);
      ASSERT_TRUE(c->Sync("/").ok()) << "member " << id;
      size_t missing = 0;
      for (const std::string& p : paths) {
        Result<std::optional<Stat>> e = c->Exists(p);
        ASSERT_TRUE(e.ok()) << e.status().ToString();
        if (!e->has_value()) ++missing;
      }
      EXPECT_EQ(missing, 0u) << "member " << id << " lacks " << missing << " of " << paths.size()
                             << " acknowledged writes";
    }
  }

 private:
  std::map<int, int> client_ports_;
  std::map<int, std::unique_ptr<CoorddProcess>> members_;
};

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
  const int64_t deadline = NowMs() + 30000;
  std::optional<ServerStatusResponse> s;
  while (NowMs() < deadline) {
    s = e.Status(leader);
    if (s && s->role == "follower") break;
    usleep(50 * 1000);
  }
  ASSERT_TRUE(s && s->role == "follower") << "the old leader did not rejoin as a follower";
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

}  // namespace
}  // namespace coord
