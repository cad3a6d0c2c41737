// LeaderElection against real coordd processes: exactly one leader among candidates, resign
// hands over with increasing terms, a leader whose process dies is replaced after its session
// expires, observers see the current leader and its payload, and on a 3-member ensemble the
// application's leader keeps leading while the coord member it talks to is killed.
#include "coord/recipes/leader_election.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "tests/support/coordd_process.h"
#include "tests/support/ensemble.h"

namespace coord::recipes {
namespace {

using coord::testing::CoorddOptions;
using coord::testing::CoorddProcess;

std::unique_ptr<Client> Connect(const std::string& servers, int32_t timeout_ms = 4000) {
  ClientOptions o;
  o.connect_string = servers;
  o.session_timeout_ms = timeout_ms;
  o.request_timeout_ms = 8000;
  auto c = Client::Open(o);
  EXPECT_TRUE(c.ok());
  EXPECT_TRUE((*c)->WaitConnected(20000).ok());
  return std::move(c).value();
}

CoorddOptions FastServer() {
  CoorddOptions o;
  o.extra_config = "tick_ms: 20\nmin_session_timeout_ms: 500\nlog_level: warn\n";
  return o;
}

struct Candidate {
  std::unique_ptr<Client> client;
  std::unique_ptr<LeaderElection> election;
  std::thread campaign;
  std::atomic<bool> elected{false};
  uint64_t term = 0;
};

TEST(LeaderElectionTest, ExactlyOneLeaderAndResignHandsOverWithIncreasingTerms) {
  CoorddProcess server(FastServer());
  server.Start();
  constexpr int kCandidates = 5;
  std::vector<std::unique_ptr<Candidate>> candidates;
  for (int i = 0; i < kCandidates; ++i) {
    auto c = std::make_unique<Candidate>();
    c->client = Connect(server.address());
    c->election = std::make_unique<LeaderElection>(c->client.get(), "/election",
                                                   "candidate-" + std::to_string(i));
    candidates.push_back(std::move(c));
  }
  for (auto& c : candidates) {
    Candidate* raw = c.get();
    raw->campaign = std::thread([raw] {
      Result<uint64_t> term = raw->election->Campaign(30000);
      if (term.ok()) {
        raw->term = *term;
        raw->elected = true;
      }
    });
  }
  auto observer = Connect(server.address());
  uint64_t last_term = 0;
  for (int round = 0; round < kCandidates; ++round) {
    // Wait for the next leader; check that exactly one candidate leads.
    Candidate* leader = nullptr;
    for (int i = 0; i < 500 && !leader; ++i) {
      for (auto& c : candidates) {
        if (c->elected && c->election->leading()) leader = c.get();
      }
      if (!leader) usleep(10 * 1000);
    }
    ASSERT_NE(leader, nullptr) << "no leader in round " << round;
    int leading = 0;
    for (auto& c : candidates) leading += c->election->leading() ? 1 : 0;
    EXPECT_EQ(leading, 1) << "round " << round;
    EXPECT_GT(leader->term, last_term) << "terms increase from leader to leader";
    last_term = leader->term;
    Result<std::optional<LeaderInfo>> seen =
        LeaderElection::CurrentLeader(observer.get(), "/election");
    ASSERT_TRUE(seen.ok());
    ASSERT_TRUE(seen->has_value());
    EXPECT_EQ((*seen)->payload,
              "candidate-" + std::to_string(std::distance(
                                 candidates.begin(),
                                 std::find_if(candidates.begin(), candidates.end(),
                                              [&](auto& c) { return c.get() == leader; }))));
    EXPECT_EQ((*seen)->term, leader->term);
    leader->campaign.join();
    ASSERT_TRUE(leader->election->Resign().ok());
    leader->elected = false;
  }
  for (auto& c : candidates) {
    if (c->campaign.joinable()) c->campaign.join();
  }
  Result<std::optional<LeaderInfo>> none =
      LeaderElection::CurrentLeader(observer.get(), "/election");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value()) << "everyone resigned";
}

TEST(LeaderElectionTest, ALeaderWhoseProcessDiesIsReplacedAfterItsSessionExpires) {
  CoorddProcess server(FastServer());
  server.Start();
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(ready[0]);
    ClientOptions o;
    o.connect_string = server.address();
    o.session_timeout_ms = 1000;
    auto c = Client::Open(o);
    if (!c.ok() || !(*c)->WaitConnected(20000).ok()) _exit(2);
    LeaderElection election(c->get(), "/election", "the first");
    if (!election.Campaign(10000).ok()) _exit(3);
    char b = 1;
    if (write(ready[1], &b, 1) != 1) _exit(4);
    pause();
    _exit(0);
  }
  close(ready[1]);
  char b;
  ASSERT_EQ(read(ready[0], &b, 1), 1);
  close(ready[0]);

  auto observer = Connect(server.address());
  std::atomic<bool> changed{false};
  Result<std::optional<LeaderInfo>> first = LeaderElection::CurrentLeader(
      observer.get(), "/election", [&](const WatchEvent&) { changed = true; });
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ((*first)->payload, "the first");

  auto c = Connect(server.address());
  LeaderElection second(c.get(), "/election", "the second");
  std::atomic<bool> elected{false};
  std::thread campaign([&] { elected = second.Campaign(20000).ok(); });
  usleep(200 * 1000);
  EXPECT_FALSE(elected) << "elected while the first leader's session lives";
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  campaign.join();
  ASSERT_TRUE(elected);
  EXPECT_TRUE(changed) << "the observer's watch fired";
  Result<std::optional<LeaderInfo>> now =
      LeaderElection::CurrentLeader(observer.get(), "/election");
  ASSERT_TRUE(now.ok() && now->has_value());
  EXPECT_EQ((*now)->payload, "the second");
  EXPECT_GT((*now)->term, (*first)->term);
}

TEST(LeaderElectionTest, OnAnEnsembleTheLeaderSurvivesTheLossOfItsCoordMember) {
  coord::testing::Ensemble ensemble(3);
  ensemble.StartAll();
  const int coord_leader = ensemble.WaitForLeader();
  // The application's leader talks to one coord member only, so its client must fail over.
  const int member = coord_leader;
  std::atomic<int> lost{0};
  ClientOptions o;
  o.connect_string = ensemble.Address(member) + "," + ensemble.Address(member == 1 ? 2 : 1);
  o.session_timeout_ms = 4000;
  o.request_timeout_ms = 8000;
  o.seed = 7;
  auto c = Client::Open(o);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE((*c)->WaitConnected(20000).ok());
  LeaderElection election(c->get(), "/svc/leader", "app-1", [&](ElectionEvent e) {
    if (e == ElectionEvent::kLost) ++lost;
  });
  Result<uint64_t> term = election.Campaign(10000);
  ASSERT_TRUE(term.ok());
  ensemble.at(member).Kill9();
  ensemble.WaitForLeader(30000, member);
  auto observer = Connect(ensemble.Address(member == 3 ? 2 : 3));
  Result<std::optional<LeaderInfo>> seen =
      LeaderElection::CurrentLeader(observer.get(), "/svc/leader");
  ASSERT_TRUE(seen.ok() && seen->has_value());
  EXPECT_EQ((*seen)->payload, "app-1") << "the session, and so the leadership, survived";
  EXPECT_EQ((*seen)->term, *term);
  EXPECT_TRUE(election.leading());
  EXPECT_EQ(lost.load(), 0);
}

}  // namespace
}  // namespace coord::recipes
