// coord::recipes::NodeCache against a real coordd: it follows sets, deletes, re-creates and
// children changes (the whole Stat matches the server's); it catches up with a change made while
// its client was disconnected (kill -9 and restart of the server, the change made before the
// cache's client is back); a session expiry is reported and Restart on a new Client recovers.
#include "coord/recipes/node_cache.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <csignal>
#include "tests/clients/client_test_util.h"
#include "tests/support/coordd_process.h"
#include "tests/support/ensemble.h"

namespace coord::testing {
namespace {

using recipes::CachedNode;
using recipes::NodeCache;
using recipes::NodeCacheEvent;
using recipes::NodeCacheEventType;

bool Eventually(const std::function<bool()>& pred, int64_t timeout_ms = 10000) {
  const int64_t deadline = SteadyNowMs() + timeout_ms;
  while (!pred()) {
    if (SteadyNowMs() >= deadline) return false;
    usleep(5 * 1000);
  }
  return true;
}

// The node as the server has it now (through `client`), nullopt when absent.
std::optional<CachedNode> ServerNode(Client* client, const std::string& path) {
  Result<GetDataResponse> got = client->GetData(path);
  if (!got.ok()) {
    EXPECT_EQ(got.code(), Code::kNoNode) << got.status().ToString();
    return std::nullopt;
  }
  return CachedNode{got->data, got->stat};
}

std::string Describe(const std::optional<CachedNode>& node) {
  if (!node) return "absent";
  return "'" + node->data + "' v" + std::to_string(node->stat.version) + " czxid " +
         std::to_string(node->stat.czxid) + " children " + std::to_string(node->stat.num_children);
}

class NodeCacheTest : public ::testing::Test {
 protected:
  // The cache equals the server's node (a fresh read) within the timeout.
  ::testing::AssertionResult Converges(NodeCache& cache, Client* reader, const std::string& path,
                                       int64_t timeout_ms = 10000) {
    std::optional<CachedNode> server;
    const bool ok = Eventually(
        [&] {
          server = ServerNode(reader, path);
          return cache.current() == server;
        },
        timeout_ms);
    if (ok) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "cache " << Describe(cache.current()) << " != server " << Describe(server);
  }

  // Declared before the clients: their callbacks record here until the clients are gone.
  Recorder<NodeCacheEvent> events_;
  StateLog states_;
};

TEST_F(NodeCacheTest, FollowsSetsDeletesRecreatesAndChildren) {
  CoorddProcess server;
  server.Start();
  std::unique_ptr<Client> writer = Connected(OptionsFor(server.address()));
  std::unique_ptr<Client> client = Connected(OptionsFor(server.address()));
  NodeCache cache(client.get(), "/n", [this](const NodeCacheEvent& e) { events_.Add(e); });
  ASSERT_TRUE(cache.Start().ok());
  ASSERT_TRUE(cache.WaitInitialized(5000).ok());
  EXPECT_EQ(cache.current(), std::nullopt);
  ASSERT_EQ(events_.size(), 1u) << "the first read is reported";
  EXPECT_EQ(events_.items()[0].type, NodeCacheEventType::kChanged);
  EXPECT_EQ(events_.items()[0].node, std::nullopt);

  ASSERT_TRUE(writer->Create(Node("/n", "one")).ok());
  ASSERT_TRUE(Converges(cache, writer.get(), "/n"));
  ASSERT_TRUE(writer->SetData("/n", "two").ok());
  ASSERT_TRUE(Converges(cache, writer.get(), "/n"));
  EXPECT_EQ(cache.current()->data, "two");
  // Children change the parent's Stat (cversion, num_children, pzxid) but not its data.
  ASSERT_TRUE(writer->Create(Node("/n/kid")).ok());
  ASSERT_TRUE(Converges(cache, writer.get(), "/n"));
  EXPECT_EQ(cache.current()->stat.num_children, 1);
  ASSERT_TRUE(writer->Delete("/n/kid").ok());
  ASSERT_TRUE(writer->Delete("/n").ok());
  ASSERT_TRUE(Converges(cache, writer.get(), "/n"));
  EXPECT_EQ(cache.current(), std::nullopt);
  ASSERT_TRUE(writer->Create(Node("/n", "three")).ok());
  ASSERT_TRUE(Converges(cache, writer.get(), "/n"));
  const Zxid recreated = cache.current()->stat.czxid;

  // A burst of sets: the cache ends on the last one, and every change it reported is one the
  // node went through, in order (versions only grow while the node lives).
  for (int i = 0; i < 50; ++i) {
    writer->SetDataAsync("/n", "v" + std::to_string(i), kAnyVersion, [](Result<Stat>) {});
  }
  ASSERT_TRUE(writer->Sync("/n").ok());
  ASSERT_TRUE(Converges(cache, writer.get(), "/n"));
  EXPECT_EQ(cache.current()->data, "v49");
  EXPECT_EQ(cache.current()->stat.czxid, recreated);
  int32_t last_version = -1;
  for (const NodeCacheEvent& e : events_.items()) {
    ASSERT_EQ(e.type, NodeCacheEventType::kChanged);
    if (!e.node || e.node->stat.czxid != recreated) continue;
    EXPECT_GT(e.node->stat.version, last_version) << "went back in time";
    last_version = e.node->stat.version;
  }
  EXPECT_EQ(events_.items().back().node, cache.current());

  // Closed: no more events, the last copy stays.
  cache.Close();
  const size_t seen = events_.size();
  ASSERT_TRUE(writer->SetData("/n", "after close").ok());
  ASSERT_TRUE(client->Sync("/n").ok());
  ASSERT_TRUE(client->Exists("/n").ok());  // every earlier callback of `client` has run
  EXPECT_EQ(events_.size(), seen);
  EXPECT_EQ(cache.current()->data, "v49");
}

TEST_F(NodeCacheTest, CatchesUpWithAChangeMadeWhileItsClientWasAway) {
  CoorddProcess server;
  server.Start();
  std::unique_ptr<Client> writer = Connected(OptionsFor(server.address()));
  // The cache's client comes back slowly: 1.5 s between reconnect attempts.
  ClientOptions slow = OptionsFor(server.address(), &states_, 8000);
  slow.min_backoff_ms = 1500;
  slow.max_backoff_ms = 1500;
  std::unique_ptr<Client> client = Connected(slow);
  ASSERT_TRUE(writer->Create(Node("/cfg", "before")).ok());
  NodeCache cache(client.get(), "/cfg", [this](const NodeCacheEvent& e) { events_.Add(e); });
  ASSERT_TRUE(cache.Start().ok());
  ASSERT_TRUE(cache.WaitInitialized(5000).ok());
  EXPECT_EQ(cache.current()->data, "before");

  writer.reset();  // a new writer after the restart: no race with noticing the kill
  server.Kill9();
  server.Restart();
  writer = Connected(OptionsFor(server.address()));
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->SetData("/cfg", "while away").ok());
  // The change happened while the cache's client had no connection: its persistent watch will
  // not be told; only the re-read after the reconnect can find it.
  EXPECT_NE(client->state(), SessionState::kConnected) << "the scenario needs the cache's client "
                                                          "to still be disconnected here";
  ASSERT_TRUE(WaitForState(states_, SessionState::kConnected, 10000, 2));
  ASSERT_TRUE(Converges(cache, writer.get(), "/cfg"));
  EXPECT_EQ(cache.current()->data, "while away");
  bool suspended = false;
  for (const NodeCacheEvent& e : events_.items()) {
    suspended = suspended || e.type == NodeCacheEventType::kSuspended;
  }
  EXPECT_TRUE(suspended);
  // And it keeps following.
  ASSERT_TRUE(writer->SetData("/cfg", "later").ok());
  ASSERT_TRUE(Converges(cache, writer.get(), "/cfg"));
}

TEST_F(NodeCacheTest, ReportsSessionExpiryAndRestartsOnANewClient) {
  CoorddOptions fast;
  fast.extra_config = "tick_ms: 20\nmin_session_timeout_ms: 200\n";
  CoorddProcess server(fast);
  server.Start();
  std::unique_ptr<Client> client = Connected(OptionsFor(server.address(), &states_, 600));
  ASSERT_NE(client, nullptr);
  std::unique_ptr<Client> fresh;  // declared before the cache, which ends up using it
  NodeCache cache(client.get(), "/e", [this](const NodeCacheEvent& e) { events_.Add(e); });
  ASSERT_TRUE(cache.Start().ok());
  ASSERT_TRUE(cache.WaitInitialized(5000).ok());

  // Silence for longer than the session timeout: the client declares the session expired.
  server.Stop(SIGSTOP);
  ASSERT_TRUE(WaitForState(states_, SessionState::kExpired, 10000));
  server.Stop(SIGCONT);
  ASSERT_TRUE(events_.WaitFor([](const std::vector<NodeCacheEvent>& events) {
    return !events.empty() && events.back().type == NodeCacheEventType::kSessionLost;
  }));
  EXPECT_EQ(events_.items().back().reason.code(), Code::kSessionExpired)
      << events_.items().back().reason.ToString();

  std::unique_ptr<Client> writer = Connected(OptionsFor(server.address()));
  ASSERT_TRUE(writer->Create(Node("/e", "made after the expiry")).ok());
  fresh = Connected(OptionsFor(server.address()));
  ASSERT_TRUE(cache.Restart(fresh.get()).ok());
  ASSERT_TRUE(cache.WaitInitialized(5000).ok());
  ASSERT_TRUE(Converges(cache, writer.get(), "/e"));
  ASSERT_TRUE(writer->SetData("/e", "and after the restart").ok());
  ASSERT_TRUE(Converges(cache, writer.get(), "/e"));
}

}  // namespace
}  // namespace coord::testing
