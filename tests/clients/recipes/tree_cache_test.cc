// coord::recipes::TreeCache against real coordd processes. The copy must equal a fresh read of the
// subtree (paths, data and whole Stats) after:
//   - a seeded random series of creates, sets and deletes at several depths, with a node wider
//     than one page of children;
//   - a reconnect that missed changes: in a 3-member ensemble the member serving the cache's
//     client is frozen (SIGSTOP) while the tree changes through the leader, and the client moves
//     to another member;
//   - a kill -9 and restart of a standalone server, with changes made before the cache's client
//     is back;
//   - repeated cuts of the cache's connection (a proxy; the server stays up) while a writer keeps
//     changing the tree, so resyncs run concurrently with changes;
//   - a session expiry, then Restart on a new Client.
// Throughout, a "consistency" check runs in the listener: a writer sets five nodes to round k,
// then a version node to k; whenever the listener hears of version k, the five nodes in the copy
// must be at round >= k (a read reflects every change made up to the event it processed). And
// the listener's events, replayed, must rebuild the copy.
#include "coord/recipes/tree_cache.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <set>

#include "coord/base/prng.h"
#include "tests/clients/client_test_util.h"
#include "tests/clients/tcp_proxy.h"
#include "tests/support/coordd_process.h"
#include "tests/support/ensemble.h"

namespace coord::testing {
namespace {

using recipes::CachedNode;
using recipes::TreeCache;
using recipes::TreeCacheEvent;
using recipes::TreeCacheEventType;
using NodeMap = std::map<std::string, CachedNode>;

constexpr int kRoundNodes = 5;

std::string Join(const std::string& parent, const std::string& name) {
  return parent == "/" ? "/" + name : parent + "/" + name;
}

bool Eventually(const std::function<bool()>& pred, int64_t timeout_ms) {
  const int64_t deadline = SteadyNowMs() + timeout_ms;
  while (!pred()) {
    if (SteadyNowMs() >= deadline) return false;
    usleep(10 * 1000);
  }
  return true;
}

// "state <letter>" of a process (R, S, Z...) and, once it died (Z), how: for failure messages.
std::string ProcState(pid_t pid) {
  FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
  if (f == nullptr) return "gone";
  char line[1024] = {0};
  const size_t n = std::fread(line, 1, sizeof(line) - 1, f);
  std::fclose(f);
  const char* close_paren = std::strrchr(line, ')');
  if (n == 0 || close_paren == nullptr || close_paren[1] == 0) return "?";
  std::string out = "state " + std::string(1, close_paren[2]);
  // Field 52 (exit_code, in waitpid's format); fields after the name start at field 3.
  std::vector<std::string> fields;
  for (const char* p = close_paren + 2; *p != 0;) {
    const char* end = std::strchr(p, ' ');
    fields.emplace_back(p, end == nullptr ? std::strlen(p) : static_cast<size_t>(end - p));
    if (end == nullptr) break;
    p = end + 1;
  }
  if (fields.size() >= 50) {
    const int status = std::atoi(fields[49].c_str());
    if (WIFSIGNALED(status)) out += ", killed by signal " + std::to_string(WTERMSIG(status));
    if (WIFEXITED(status) && out[6] == 'Z') out += ", exit " + std::to_string(WEXITSTATUS(status));
  }
  return out;
}

// The subtree as the server has it, read through `client` (the tree is quiet while this runs).
NodeMap ReadTree(Client* client, const std::string& root) {
  NodeMap out;
  std::vector<std::string> stack{root};
  while (!stack.empty()) {
    const std::string path = stack.back();
    stack.pop_back();
    Result<GetDataResponse> got = client->GetData(path);
    if (!got.ok()) {
      EXPECT_EQ(got.code(), Code::kNoNode) << path << ": " << got.status().ToString();
      continue;
    }
    out[path] = CachedNode{got->data, got->stat};
    Result<std::vector<std::string>> kids = client->GetAllChildren(path);
    EXPECT_TRUE(kids.ok()) << path << ": " << kids.status().ToString();
    if (!kids.ok()) continue;
    for (const std::string& name : *kids) stack.push_back(Join(path, name));
  }
  return out;
}

std::string DescribeDiff(const NodeMap& cache, const NodeMap& server) {
  std::string out;
  int shown = 0;
  for (const auto& [path, node] : server) {
    auto it = cache.find(path);
    if (it == cache.end()) {
      out += "\n  missing " + path;
    } else if (!(it->second == node)) {
      out += "\n  differs " + path + ": cache '" + it->second.data.substr(0, 20) + "' v" +
             std::to_string(it->second.stat.version) + " cv" +
             std::to_string(it->second.stat.cversion) + ", server '" + node.data.substr(0, 20) +
             "' v" + std::to_string(node.stat.version) + " cv" + std::to_string(node.stat.cversion);
    } else {
      continue;
    }
    if (++shown == 10) return out + "\n  ...";
  }
  for (const auto& [path, node] : cache) {
    if (!server.contains(path)) out += "\n  extra " + path;
    if (++shown == 10) return out + "\n  ...";
  }
  return out;
}

// The copy equals a fresh read of the subtree within the timeout.
::testing::AssertionResult Converges(const TreeCache& cache, Client* reader,
                                     const std::string& root, int64_t timeout_ms = 15000) {
  NodeMap server;
  NodeMap copy;
  const bool ok = Eventually(
      [&] {
        if (!cache.synced()) return false;
        server = ReadTree(reader, root);
        copy = cache.Snapshot();
        return copy == server;
      },
      timeout_ms);
  if (ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "synced " << cache.synced() << ", " << copy.size() << " cached vs " << server.size()
         << " on the server:" << DescribeDiff(copy, server);
}

// The zxid claim, checked after the run. The writer logs each write of a round node (a0..a4,
// then version: index kRoundNodes) with its zxid; the listener logs, with each claim zxid z it
// hears, the rounds the copy holds then. Rounds only grow, so the copy must hold, for every round
// node, at least the last round written by a transaction before z.
class RoundLog {
 public:
  using Rounds = std::array<int64_t, kRoundNodes + 1>;

  void Wrote(int node, int64_t round, Zxid zxid) {
    std::lock_guard<std::mutex> lock(mu_);
    writes_[node][zxid] = round;
  }
  void Saw(Zxid claim, const Rounds& rounds, std::string what) {
    std::lock_guard<std::mutex> lock(mu_);
    seen_.push_back(Seen{claim, rounds, std::move(what)});
  }
  size_t claims() const {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_.size();
  }
  std::vector<std::string> Violations() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> out;
    for (const Seen& s : seen_) {
      for (int node = 0; node <= kRoundNodes; ++node) {
        const std::map<Zxid, int64_t>& writes = writes_[node];
        auto after = writes.lower_bound(s.claim);  // first write at or after the claim
        if (after == writes.begin()) continue;     // nothing written before it
        const int64_t expected = std::prev(after)->second;
        if (s.rounds[node] < expected) {
          out.push_back(s.what + " claims zxid " + std::to_string(s.claim) + " but round node " +
                        std::to_string(node) + " is at " + std::to_string(s.rounds[node]) +
                        ", written " + std::to_string(expected) + " before");
        }
      }
    }
    return out;
  }

 private:
  struct Seen {
    Zxid claim;
    Rounds rounds;
    std::string what;
  };
  mutable std::mutex mu_;
  std::array<std::map<Zxid, int64_t>, kRoundNodes + 1> writes_;
  std::vector<Seen> seen_;
};

std::string RoundNode(const std::string& root, int node) {
  return Join(root, node == kRoundNodes ? "g/version" : "g/a" + std::to_string(node));
}

// What the listener saw: counts per type, the node events replayed into a map, and (in `log`)
// the copy's round nodes at every claim.
class Observer {
 public:
  Observer(std::string root, RoundLog* log) : root_(std::move(root)), log_(log) {}
  void Attach(const TreeCache* cache) { cache_ = cache; }

  void On(const TreeCacheEvent& e) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++counts_[e.type];
      if (e.type == TreeCacheEventType::kNodeAdded || e.type == TreeCacheEventType::kNodeUpdated) {
        replay_[e.path] = *e.node;
      } else if (e.type == TreeCacheEventType::kNodeRemoved) {
        replay_.erase(e.path);
      }
    }
    if (e.zxid == 0) return;
    RoundLog::Rounds rounds;
    for (int node = 0; node <= kRoundNodes; ++node) {
      std::optional<CachedNode> copy = cache_->Get(RoundNode(root_, node));
      rounds[node] = copy ? std::stoll(copy->data) : -1;
    }
    log_->Saw(e.zxid, rounds, std::string(recipes::TreeCacheEventTypeName(e.type)) + " " + e.path);
  }
  int count(TreeCacheEventType type) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = counts_.find(type);
    return it == counts_.end() ? 0 : it->second;
  }
  NodeMap replay() const {
    std::lock_guard<std::mutex> lock(mu_);
    return replay_;
  }

 private:
  const std::string root_;
  RoundLog* log_;
  const TreeCache* cache_ = nullptr;
  mutable std::mutex mu_;
  std::map<TreeCacheEventType, int> counts_;
  NodeMap replay_;
};

// A seeded random writer of a subtree through one session: creates at several depths, sets,
// deletes of leaves, pipelined (async). One session's writes apply in order, so its model of the
// tree is exact while it is the only writer of the subtree: every op it issues is valid.
class RandomWriter {
 public:
  RandomWriter(Client* client, std::string root, uint64_t seed, RoundLog* log)
      : client_(client), root_(std::move(root)), prng_(seed), log_(log) {}

  // Creates the root and the round nodes.
  void Setup() {
    Issue(Create(root_, "root"));
    Issue(Create(Join(root_, "g"), ""));
    for (int node = 0; node <= kRoundNodes; ++node) {
      CreateRequest create = Create(RoundNode(root_, node), "0");
      ++pending_;
      client_->CreateAsync(std::move(create), [this, node](Result<CreateResponse> r) {
        if (r.ok()) log_->Wrote(node, 0, r->stat.mzxid);
        Record(r.ok() ? Status::Ok() : r.status(), "round node");
      });
    }
    // A node wider than a page of children (the server under test has small frames).
    Issue(Create(Join(root_, "wide"), "w"));
    for (int i = 0; i < 150; ++i) {
      Issue(Create(
          Join(root_, "wide/child-with-a-rather-long-name-to-fill-pages-" + std::to_string(i)),
          std::to_string(i)));
    }
    Wait();
  }

  // `n` random ops, pipelined; waits until all are answered.
  void Random(int n) {
    for (int i = 0; i < n; ++i) {
      const uint64_t dice = prng_.Uniform(100);
      if (dice < 45) {
        std::vector<std::string> parents;
        for (const std::string& p : nodes_) {
          if (Depth(p) < 4 && !HasPrefix(p, Join(root_, "g")) && !HasPrefix(p, Join(root_, "wide")))
            parents.push_back(p);
        }
        const std::string& parent = parents[prng_.Uniform(parents.size())];
        Issue(Create(Join(parent, "n" + std::to_string(next_++)), RandomData()));
      } else if (dice < 80) {
        auto it = nodes_.begin();
        std::advance(it, static_cast<long>(prng_.Uniform(nodes_.size())));
        if (HasPrefix(*it, Join(root_, "g"))) continue;  // the round nodes have their own writer
        ++pending_;
        client_->SetDataAsync(*it, RandomData(), kAnyVersion, Done<Stat>(*it));
      } else {
        std::vector<std::string> leaves;
        for (const std::string& p : nodes_) {
          if (p != root_ && children_[p] == 0 && !HasPrefix(p, Join(root_, "g"))) {
            leaves.push_back(p);
          }
        }
        if (leaves.empty()) continue;
        const std::string leaf = leaves[prng_.Uniform(leaves.size())];
        nodes_.erase(leaf);
        --children_[Parent(leaf)];
        ++pending_;
        client_->DeleteAsync(leaf, kAnyVersion, [this, leaf](Status s) { Record(s, leaf); });
      }
    }
    Wait();
  }

  // Round k: the five round nodes, then the version node (k only grows from round to round).
  void Round(int64_t k) {
    for (int node = 0; node <= kRoundNodes; ++node) {
      const std::string path = RoundNode(root_, node);
      ++pending_;
      client_->SetDataAsync(path, std::to_string(k), kAnyVersion,
                            [this, node, k, path](Result<Stat> r) {
                              if (r.ok()) log_->Wrote(node, k, r->mzxid);
                              Record(r.ok() ? Status::Ok() : r.status(), path);
                            });
    }
  }

  // Waits for every op issued so far; fails the test on any error.
  void Wait() {
    Status synced = client_->Sync(root_);  // results come in call order: all answered now
    ASSERT_TRUE(synced.ok()) << synced.ToString();
    EXPECT_EQ(pending_.load(), 0);
    std::lock_guard<std::mutex> lock(mu_);
    EXPECT_TRUE(errors_.empty()) << errors_.size() << " writes failed, first: " << errors_[0];
  }

 private:
  static bool HasPrefix(const std::string& s, const std::string& p) {
    return s == p || s.compare(0, p.size() + 1, p + "/") == 0;
  }
  static std::string Parent(const std::string& path) {
    const size_t at = path.rfind('/');
    return at == 0 ? "/" : path.substr(0, at);
  }
  int Depth(const std::string& path) const {
    return static_cast<int>(
        std::count(path.begin() + static_cast<long>(root_.size()), path.end(), '/'));
  }
  std::string RandomData() { return "d" + std::to_string(prng_.Uniform(1000000)); }

  CreateRequest Create(const std::string& path, std::string data) {
    nodes_.insert(path);
    if (path != root_) ++children_[Parent(path)];
    return Node(path, std::move(data));
  }
  void Issue(CreateRequest create) {
    ++pending_;
    std::string path = create.path;
    client_->CreateAsync(std::move(create), Done<CreateResponse>(path));
  }
  template <typename T>
  Callback<T> Done(std::string what) {
    return [this, what](Result<T> r) { Record(r.ok() ? Status::Ok() : r.status(), what); };
  }
  void Record(const Status& s, const std::string& what) {
    if (!s.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      errors_.push_back(what + ": " + s.ToString());
    }
    --pending_;
  }

  Client* client_;
  const std::string root_;
  Prng prng_;
  RoundLog* log_;
  std::set<std::string> nodes_;
  std::map<std::string, int> children_;
  int next_ = 0;
  std::atomic<int> pending_{0};
  std::mutex mu_;
  std::vector<std::string> errors_;
};

// Small frames: a page of children holds about sixty of the wide node's names.
CoorddOptions SmallPages() {
  CoorddOptions o;
  o.extra_config =
      "tick_ms: 20\nmin_session_timeout_ms: 200\nmax_frame_bytes: 8192\n"
      "max_data_bytes: 1024\n";
  return o;
}

class TreeCacheTest : public ::testing::Test {
 protected:
  void ExpectListenerConsistent(const TreeCache& cache) {
    EXPECT_EQ(observer_.replay(), cache.Snapshot()) << "the events do not rebuild the copy";
    const std::vector<std::string> violations = rounds_.Violations();
    EXPECT_TRUE(violations.empty())
        << violations.size() << " violations of the zxid claim, first: " << violations[0];
    EXPECT_GT(rounds_.claims(), 10u);
  }

  // Declared before the clients: their callbacks use these until the clients are gone.
  RoundLog rounds_;
  Observer observer_{"/t", &rounds_};
  StateLog states_;
};

TEST_F(TreeCacheTest, ConvergesAfterASeededRandomSeriesOfChanges) {
  CoorddProcess server(SmallPages());
  server.Start();
  std::unique_ptr<Client> writer = Connected(OptionsFor(server.address()));
  std::unique_ptr<Client> client = Connected(OptionsFor(server.address()));
  RandomWriter random(writer.get(), "/t", 20240611, &rounds_);
  random.Setup();
  random.Random(80);  // an initial tree for the first walk

  TreeCache cache(client.get(), "/t", [this](const TreeCacheEvent& e) { observer_.On(e); });
  observer_.Attach(&cache);
  ASSERT_TRUE(cache.Start().ok());
  ASSERT_TRUE(cache.WaitInitialized(10000).ok());
  ASSERT_TRUE(Converges(cache, writer.get(), "/t"));
  EXPECT_GT(cache.Children("/t/wide").size(), 100u) << "paging";

  for (int batch = 1; batch <= 6; ++batch) {
    random.Round(2 * batch - 1);
    random.Random(60);
    random.Round(2 * batch);
  }
  random.Wait();
  ASSERT_TRUE(Converges(cache, writer.get(), "/t"));
  ExpectListenerConsistent(cache);
  EXPECT_EQ(observer_.count(TreeCacheEventType::kInitialized), 1);
  EXPECT_EQ(observer_.count(TreeCacheEventType::kSuspended), 0);

  // Children of the copy are the server's.
  Result<std::vector<std::string>> kids = writer->GetAllChildren("/t/wide");
  ASSERT_TRUE(kids.ok());
  std::vector<std::string> sorted = *kids;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(cache.Children("/t/wide"), sorted);
}

TEST_F(TreeCacheTest, FollowsTheRootBeingCreatedDeletedAndRecreated) {
  CoorddProcess server;
  server.Start();
  std::unique_ptr<Client> writer = Connected(OptionsFor(server.address()));
  std::unique_ptr<Client> client = Connected(OptionsFor(server.address()));
  Recorder<TreeCacheEvent> events;
  TreeCache cache(client.get(), "/r", [&](const TreeCacheEvent& e) { events.Add(e); });
  ASSERT_TRUE(cache.Start().ok());
  ASSERT_TRUE(cache.WaitInitialized(5000).ok());
  EXPECT_EQ(cache.size(), 0u);
  ASSERT_TRUE(writer->Create(Node("/r", "1")).ok());
  ASSERT_TRUE(writer->Create(Node("/r/a", "2")).ok());
  ASSERT_TRUE(writer->Create(Node("/r/a/b", "3")).ok());
  ASSERT_TRUE(Converges(cache, writer.get(), "/r"));
  EXPECT_EQ(cache.size(), 3u);
  ASSERT_TRUE(writer->Delete("/r/a/b").ok());
  ASSERT_TRUE(writer->Delete("/r/a").ok());
  ASSERT_TRUE(writer->Delete("/r").ok());
  ASSERT_TRUE(Converges(cache, writer.get(), "/r"));
  EXPECT_EQ(cache.size(), 0u);
  ASSERT_TRUE(writer->Create(Node("/r", "again")).ok());
  ASSERT_TRUE(writer->Create(Node("/r/c", "")).ok());
  ASSERT_TRUE(Converges(cache, writer.get(), "/r"));
  EXPECT_EQ(cache.Get("/r")->data, "again");
  EXPECT_EQ(cache.Children("/r"), std::vector<std::string>{"c"});
  // Paths outside the subtree are not followed.
  ASSERT_TRUE(writer->Create(Node("/rr", "")).ok());
  ASSERT_TRUE(writer->Create(Node("/other", "")).ok());
  ASSERT_TRUE(writer->SetData("/r/c", "x").ok());
  ASSERT_TRUE(Converges(cache, writer.get(), "/r"));
  EXPECT_FALSE(cache.Get("/rr").has_value());
  int removed = 0;
  for (const TreeCacheEvent& e : events.items())
    removed += e.type == TreeCacheEventType::kNodeRemoved;
  EXPECT_EQ(removed, 3);
}

// The member serving the cache's client is frozen while the tree changes through the leader; the
// client gives up on it and resumes its session on another member, where nothing replays the
// changes to its persistent watch: only the resync can find them.
TEST_F(TreeCacheTest, ConvergesAfterMissingChangesWhileItsMemberWasFrozen) {
  Ensemble ensemble(3);
  ensemble.StartAll();
  const int leader = ensemble.WaitForLeader();
  ASSERT_NE(leader, 0);
  std::vector<int> followers;
  for (int id = 1; id <= 3; ++id) {
    if (id != leader) followers.push_back(id);
  }
  std::unique_ptr<Client> writer = ensemble.ClientOf(leader);
  ClientOptions o = OptionsFor(
      ensemble.Address(followers[0]) + "," + ensemble.Address(followers[1]), &states_, 3000);
  o.request_timeout_ms = 10000;
  std::unique_ptr<Client> client = Connected(o);
  ASSERT_NE(client, nullptr);

  RandomWriter random(writer.get(), "/t", 777, &rounds_);
  random.Setup();
  random.Random(60);
  TreeCache cache(client.get(), "/t", [this](const TreeCacheEvent& e) { observer_.On(e); });
  observer_.Attach(&cache);
  ASSERT_TRUE(cache.Start().ok());
  ASSERT_TRUE(cache.WaitInitialized(10000).ok());
  random.Round(1);
  random.Wait();
  ASSERT_TRUE(Converges(cache, writer.get(), "/t"));

  for (int cycle = 0; cycle < 2; ++cycle) {
    Result<ServerStatusResponse> serving = client->ServerStatus();
    ASSERT_TRUE(serving.ok()) << serving.status().ToString();
    const int frozen = serving->server_id;
    ASSERT_NE(frozen, leader);
    ensemble.at(frozen).Stop(SIGSTOP);
    // Changes while the cache's member is frozen (the leader and the other follower commit).
    for (int k = 0; k < 4; ++k) {
      random.Round(10 * (cycle + 1) + k);
      random.Random(40);
    }
    random.Wait();
    // The client notices the silence, moves to the other follower and resumes its session.
    ASSERT_TRUE(WaitForState(states_, SessionState::kConnected, 15000, 2 + cycle));
    EXPECT_TRUE(states_.items().back().resumed);
    EXPECT_TRUE(states_.items().back().events_may_be_missed);
    // More changes while the cache resyncs.
    random.Round(10 * (cycle + 1) + 5);
    random.Random(40);
    random.Wait();
    ensemble.at(frozen).Stop(SIGCONT);
    ASSERT_TRUE(Converges(cache, writer.get(), "/t"));
  }
  EXPECT_EQ(observer_.count(TreeCacheEventType::kSuspended), 2);
  EXPECT_EQ(observer_.count(TreeCacheEventType::kResynced), 2);
  ExpectListenerConsistent(cache);
}

// kill -9 and restart of a standalone server; the tree changes as soon as the server is back,
// before the cache's (slowly reconnecting) client returns.
TEST_F(TreeCacheTest, ConvergesAfterAServerRestartWithChangesBeforeItsClientReturns) {
  CoorddProcess server(SmallPages());
  server.Start();
  std::unique_ptr<Client> writer = Connected(OptionsFor(server.address()));
  ClientOptions slow = OptionsFor(server.address(), &states_, 8000);
  slow.min_backoff_ms = 1500;
  slow.max_backoff_ms = 1500;
  std::unique_ptr<Client> client = Connected(slow);
  auto random = std::make_unique<RandomWriter>(writer.get(), "/t", 99, &rounds_);
  random->Setup();
  random->Random(60);
  TreeCache cache(client.get(), "/t", [this](const TreeCacheEvent& e) { observer_.On(e); });
  observer_.Attach(&cache);
  ASSERT_TRUE(cache.Start().ok());
  ASSERT_TRUE(cache.WaitInitialized(10000).ok());
  ASSERT_TRUE(Converges(cache, writer.get(), "/t"));

  random.reset();
  writer.reset();  // a new writer after the restart: no race with noticing the kill
  server.Kill9();
  server.Restart();
  writer = Connected(OptionsFor(server.address()));
  ASSERT_NE(writer, nullptr);
  // The writer's model starts from the server's tree: a fresh seeded writer of a new subtree part
  // would not know it, so change what exists with plain writes here.
  NodeMap before = ReadTree(writer.get(), "/t");
  int changed = 0;
  for (const auto& [path, node] : before) {
    if (path.find("/t/g") == 0) continue;
    if (node.stat.num_children == 0 && changed % 3 == 0 && path != "/t") {
      ASSERT_TRUE(writer->Delete(path).ok());
    } else {
      ASSERT_TRUE(writer->SetData(path, "after restart " + std::to_string(changed)).ok());
    }
    if (++changed == 40) break;
  }
  ASSERT_TRUE(writer->Create(Node("/t/born-while-away", "new")).ok());
  for (int node = 0; node <= kRoundNodes; ++node) {
    Result<Stat> set = writer->SetData(RoundNode("/t", node), "50");
    ASSERT_TRUE(set.ok());
    rounds_.Wrote(node, 50, set->mzxid);
  }
  EXPECT_NE(client->state(), SessionState::kConnected) << "the scenario needs the cache's client "
                                                          "to still be disconnected here";
  ASSERT_TRUE(WaitForState(states_, SessionState::kConnected, 10000, 2));
  ASSERT_TRUE(Converges(cache, writer.get(), "/t"));
  EXPECT_EQ(cache.Get("/t/born-while-away")->data, "new");
  EXPECT_EQ(observer_.count(TreeCacheEventType::kResynced), 1);
  // And it follows again.
  for (int64_t round = 51; round <= 53; ++round) {
    for (int node = 0; node <= kRoundNodes; ++node) {
      Result<Stat> set = writer->SetData(RoundNode("/t", node), std::to_string(round));
      ASSERT_TRUE(set.ok());
      rounds_.Wrote(node, round, set->mzxid);
    }
  }
  ASSERT_TRUE(Converges(cache, writer.get(), "/t"));
  ExpectListenerConsistent(cache);
}

// The cache's connection is cut again and again (a proxy that also refuses reconnects for a
// while) as a writer keeps changing the tree and running rounds: every resync races with
// changes, and the consistency check runs at every version event and every kResynced.
TEST_F(TreeCacheTest, StaysConsistentThroughRepeatedCutsDuringChanges) {
  CoorddProcess server(SmallPages());
  server.Start();
  TcpProxy proxy(server.port());
  std::unique_ptr<Client> writer = Connected(OptionsFor(server.address()));
  ClientOptions o = OptionsFor(proxy.address(), &states_, 4000);
  o.request_timeout_ms = 10000;
  o.max_backoff_ms = 50;
  std::unique_ptr<Client> client = Connected(o);
  ASSERT_NE(client, nullptr);
  RandomWriter random(writer.get(), "/t", 4242, &rounds_);
  random.Setup();
  random.Random(60);
  TreeCache cache(client.get(), "/t", [this](const TreeCacheEvent& e) { observer_.On(e); });
  observer_.Attach(&cache);
  ASSERT_TRUE(cache.Start().ok());
  ASSERT_TRUE(cache.WaitInitialized(10000).ok());

  std::atomic<bool> stop{false};
  std::thread changes([&] {
    for (int64_t k = 1; !stop; ++k) {
      random.Round(k);
      random.Random(10);
      random.Wait();
    }
  });
  struct Joiner {  // an early ASSERT return must not leave the thread running
    std::atomic<bool>& stop;
    std::thread& thread;
    ~Joiner() {
      stop = true;
      if (thread.joinable()) thread.join();
    }
  } joiner{stop, changes};
  Prng prng(5);
  constexpr int kCuts = 12;
  for (int i = 0; i < kCuts; ++i) {
    usleep(static_cast<useconds_t>(20'000 + prng.Uniform(80'000)));
    proxy.Block();
    proxy.Cut();
    usleep(static_cast<useconds_t>(20'000 + prng.Uniform(60'000)));  // changes it cannot see
    proxy.Unblock();
    ASSERT_TRUE(WaitForState(states_, SessionState::kConnected, 10000, i + 2))
        << "cut " << i << "; server process state: " << ProcState(server.pid())
        << "; the server's log ends with:\n"
        << server.ServerLog().substr(server.ServerLog().size() -
                                     std::min<size_t>(3000, server.ServerLog().size()));
    // Every other time the next cut comes as soon as the session is back: mid-resync.
    if (i % 2 == 1) {
      ASSERT_TRUE(Eventually([&] { return cache.synced(); }, 10000));
    }
  }
  usleep(100'000);
  stop = true;
  changes.join();
  ASSERT_TRUE(Converges(cache, writer.get(), "/t"));
  EXPECT_EQ(observer_.count(TreeCacheEventType::kSuspended), kCuts);
  EXPECT_GE(observer_.count(TreeCacheEventType::kResynced), kCuts / 2);
  EXPECT_LE(observer_.count(TreeCacheEventType::kResynced), kCuts);
  ExpectListenerConsistent(cache);
}

TEST_F(TreeCacheTest, ReportsSessionExpiryAndRestartsOnANewClient) {
  CoorddProcess server(SmallPages());
  server.Start();
  std::unique_ptr<Client> client = Connected(OptionsFor(server.address(), &states_, 600));
  ASSERT_NE(client, nullptr);
  std::unique_ptr<Client> fresh;  // declared before the cache, which ends up using it
  Recorder<TreeCacheEvent> events;
  TreeCache cache(client.get(), "/x", [&](const TreeCacheEvent& e) { events.Add(e); });
  ASSERT_TRUE(cache.Start().ok());
  ASSERT_TRUE(cache.WaitInitialized(5000).ok());

  server.Stop(SIGSTOP);
  ASSERT_TRUE(WaitForState(states_, SessionState::kExpired, 10000));
  server.Stop(SIGCONT);
  ASSERT_TRUE(events.WaitFor([](const std::vector<TreeCacheEvent>& all) {
    return !all.empty() && all.back().type == TreeCacheEventType::kSessionLost;
  }));
  EXPECT_EQ(events.items().back().reason.code(), Code::kSessionExpired);
  EXPECT_FALSE(cache.synced());

  std::unique_ptr<Client> writer = Connected(OptionsFor(server.address()));
  ASSERT_TRUE(writer->Create(Node("/x", "1")).ok());
  ASSERT_TRUE(writer->Create(Node("/x/y", "2")).ok());
  fresh = Connected(OptionsFor(server.address()));
  ASSERT_TRUE(cache.Restart(fresh.get()).ok());
  ASSERT_TRUE(cache.WaitInitialized(5000).ok());
  ASSERT_TRUE(Converges(cache, writer.get(), "/x"));
  ASSERT_TRUE(writer->SetData("/x/y", "3").ok());
  ASSERT_TRUE(Converges(cache, writer.get(), "/x"));
}

}  // namespace
}  // namespace coord::testing
