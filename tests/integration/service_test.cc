// coordd end to end through coord::Client: what a service that depends on coord relies on —
// distinct sequential names across clients, ephemerals that die with a silent session, the watch
// ordering guarantee, atomic multi, pipelined replies in order, digest ACLs, and durability
// across kill -9 and graceful shutdown.
#include <gtest/gtest.h>

#include <atomic>
#include <set>

#include "tests/clients/client_test_util.h"
#include "tests/support/coordd_process.h"
#include "tests/support/raw_connection.h"

namespace coord::testing {
namespace {

// Short timeouts so expiry tests finish quickly.
constexpr const char* kFastConfig =
    "tick_ms: 20\n"
    "min_session_timeout_ms: 300\n"
    "max_session_timeout_ms: 60000\n";

class ServiceTest : public ::testing::Test {
 protected:
  ServiceTest() : server_(CoorddOptions{kFastConfig, "", 0}) {}
  void SetUp() override { server_.Start(); }
  std::unique_ptr<Client> NewClient(int32_t timeout_ms = 6000) {
    ClientOptions options = OptionsFor(server_.address(), nullptr, timeout_ms);
    options.request_timeout_ms = 1000;  // a client outliving its server closes quickly
    return Connected(options);
  }

  CoorddProcess server_;
};

TEST_F(ServiceTest, SequentialNamesAreDistinctAcrossClients) {
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 4; ++i) clients.push_back(NewClient());
  ASSERT_TRUE(clients[0]->Create(Node("/q")).ok());
  Recorder<std::pair<int, std::string>> created;
  for (int round = 0; round < 50; ++round) {
    for (int c = 0; c < 4; ++c) {
      clients[c]->CreateAsync(Node("/q/item-", "", NodeKind::kPersistent, true),
                              [&created, c](Result<CreateResponse> r) {
                                created.Add({c, r.ok() ? r->path : r.status().ToString()});
                              });
    }
  }
  ASSERT_TRUE(created.WaitForCount(200));
  std::set<std::string> names;
  std::vector<std::string> last(4);
  for (const auto& [c, path] : created.items()) {
    ASSERT_EQ(path.rfind("/q/item-", 0), 0u) << path;
    EXPECT_TRUE(names.insert(path).second) << "duplicate " << path;
    EXPECT_GT(path, last[c]) << "a client's own creates are numbered in its order";
    last[c] = path;
  }
  EXPECT_EQ(*names.begin(), "/q/item-0000000000");
  EXPECT_EQ(*names.rbegin(), "/q/item-0000000199");
}

TEST_F(ServiceTest, EphemeralsDieWithASessionThatStopsPinging) {
  // A raw session that goes silent after creating its ephemeral, like a paused or dead process.
  RawConnection silent(server_.port());
  std::optional<ConnectResponse> session = silent.Handshake(/*timeout_ms=*/300);
  ASSERT_TRUE(session.has_value());
  ASSERT_EQ(session->timeout_ms, 300);
  CreateRequest eph = Node("/worker", "alive", NodeKind::kEphemeral);
  ASSERT_EQ(silent.Call(1, eph)->code, Code::kOk);

  std::unique_ptr<Client> observer = NewClient();
  EventLog events;
  Result<std::optional<Stat>> exists = observer->Exists("/worker", RecordTo(&events));
  ASSERT_TRUE(exists.ok() && exists->has_value());
  EXPECT_EQ((*exists)->ephemeral_owner, session->session_id);
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitForEvent(events, WatchEventType::kNodeDeleted, "/worker", 10000));
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, std::chrono::milliseconds(200)) << "not before the session timeout";
  EXPECT_TRUE(silent.WaitClosed(5000)) << "the expired session's connection is closed";
  EXPECT_EQ(observer->Exists("/worker")->has_value(), false);
}

TEST_F(ServiceTest, AWatchEventArrivesBeforeDataThatFollowsTheChange) {
  std::unique_ptr<Client> reader = NewClient();
  std::unique_ptr<Client> writer = NewClient();
  ASSERT_TRUE(writer->Create(Node("/config", "v1")).ok());
  // Everything below runs on the reader's event thread, so the log's order is delivery order.
  Recorder<std::string> order;
  ASSERT_TRUE(reader->GetData("/config", [&](const WatchEvent&) { order.Add("event"); }).ok());
  std::atomic<bool> done{false};
  std::function<void()> poll = [&] {
    reader->ExistsAsync("/marker", [&](Result<std::optional<Stat>> r) {
      if (r.ok() && r->has_value()) {
        order.Add("marker");
        done = true;
      } else if (!done) {
        poll();
      }
    });
  };
  poll();
  ASSERT_TRUE(writer->SetData("/config", "v2").ok());
  ASSERT_TRUE(writer->Create(Node("/marker")).ok());
  ASSERT_TRUE(order.WaitFor([](const auto& items) {
    return std::find(items.begin(), items.end(), "marker") != items.end();
  }));
  std::vector<std::string> seen = order.items();
  ASSERT_GE(seen.size(), 2u);
  EXPECT_EQ(seen[0], "event") << "the reader saw /marker before the change that preceded it";
}

TEST_F(ServiceTest, MultiIsAllOrNothing) {
  std::unique_ptr<Client> c = NewClient();
  EventLog events;
  ASSERT_TRUE(c->Exists("/m1", RecordTo(&events)).ok());
  Result<MultiResponse> failed =
      c->Multi({Node("/m1"), Node("/m2"), SetDataRequest{"/missing", "x", kAnyVersion}});
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.code(), Code::kNoNode);
  EXPECT_FALSE(c->Exists("/m1")->has_value());
  EXPECT_FALSE(c->Exists("/m2")->has_value());
  Result<MultiResponse> ok = c->Multi({Node("/m1"), Node("/m2"), CheckRequest{"/m1", 0}});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  ASSERT_EQ(ok->results.size(), 3u);
  EXPECT_EQ(ok->results[1].path, "/m2");
  EXPECT_TRUE(WaitForEvent(events, WatchEventType::kNodeCreated, "/m1"));
  EXPECT_EQ(events.size(), 1u) << "the failed multi fired nothing";
}

TEST_F(ServiceTest, AThousandPipelinedRequestsAreAnsweredInOrder) {
  std::unique_ptr<Client> c = NewClient();
  ASSERT_TRUE(c->Create(Node("/p", "0")).ok());
  Recorder<int> order;
  for (int i = 0; i < 1000; ++i) {
    switch (i % 3) {
      case 0:
        c->SetDataAsync("/p", std::to_string(i), kAnyVersion,
                        [&order, i](Result<Stat> r) { order.Add(r.ok() ? i : -i); });
        break;
      case 1:
        c->GetDataAsync("/p", [&order, i](Result<GetDataResponse> r) {
          // A read after a write of the same session sees that write.
          if (!(r.ok() && r->data == std::to_string(i - 1))) {
            ADD_FAILURE() << "get " << i << ": "
                          << (r.ok() ? "data " + r->data : r.status().ToString());
          }
          order.Add(r.ok() && r->data == std::to_string(i - 1) ? i : -i);
        });
        break;
      default:
        c->CreateAsync(Node("/p/n-", "", NodeKind::kPersistent, true),
                       [&order, i](Result<CreateResponse> r) { order.Add(r.ok() ? i : -i); });
    }
  }
  ASSERT_TRUE(order.WaitForCount(1000, 30000));
  std::vector<int> got = order.items();
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(got[i], i) << "reply " << i;
}

TEST_F(ServiceTest, ADigestProtectedNodeRefusesAnotherIdentity) {
  std::unique_ptr<Client> alice = NewClient();
  std::unique_ptr<Client> bob = NewClient();
  ASSERT_TRUE(alice->AddAuth("digest", "alice:alice-secret").ok());
  ASSERT_TRUE(bob->AddAuth("digest", "bob:bob-secret").ok());
  CreateRequest secret = Node("/secret", "s3cr3t");
  secret.acl = {Acl{perm::kAll, "auth", ""}};
  ASSERT_TRUE(alice->Create(secret).ok());
  EXPECT_EQ(bob->GetData("/secret").code(), Code::kNoAuth);
  EXPECT_EQ(bob->SetData("/secret", "x").code(), Code::kNoAuth);
  EXPECT_EQ(bob->Delete("/secret").code(), Code::kOk) << "delete needs DELETE on the parent";
  ASSERT_TRUE(alice->Create(secret).ok());
  ASSERT_TRUE(alice->GetData("/secret").ok());
  Result<GetAclResponse> acl = alice->GetAcl("/secret");
  ASSERT_TRUE(acl.ok());
  ASSERT_EQ(acl->acl.size(), 1u);
  EXPECT_EQ(acl->acl[0].scheme, "digest");
  EXPECT_EQ(acl->acl[0].id.rfind("alice:", 0), 0u);
  EXPECT_EQ(acl->acl[0].id.find("alice-secret"), std::string::npos) << "never the password";
  EXPECT_EQ(bob->GetAcl("/secret").code(), Code::kNoAuth);
  // A plain password where a digest belongs is refused.
  CreateRequest clear = Node("/clear");
  clear.acl = {Acl{perm::kAll, "digest", "bob:bob-secret"}};
  EXPECT_EQ(bob->Create(clear).code(), Code::kInvalidAcl);
}

TEST_F(ServiceTest, AcknowledgedWritesSurviveKill9WithSnapshotsAndLogReplay) {
  CoorddProcess server(CoorddOptions{"snapshot_every_txns: 100\nsnapshots_to_keep: 2\n", "", 0});
  server.Start();
  ClientOptions options = OptionsFor(server.address());
  options.request_timeout_ms = 1000;
  std::unique_ptr<Client> c = Connected(options);
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->Create(Node("/kv")).ok());
  Recorder<std::string> acked;
  for (int i = 0; i < 1000; ++i) {
    std::string path = "/kv/k" + std::to_string(i);
    c->CreateAsync(Node(path, std::to_string(i * i)), [&acked, path](Result<CreateResponse> r) {
      if (r.ok()) acked.Add(path);
    });
  }
  ASSERT_TRUE(acked.WaitForCount(1000, 30000));
  server.Kill9();
  c.reset();
  server.Restart();
  std::unique_ptr<Client> after = Connected(OptionsFor(server.address()));
  ASSERT_NE(after, nullptr);
  for (const std::string& path : acked.items()) {
    Result<GetDataResponse> r = after->GetData(path);
    ASSERT_TRUE(r.ok()) << path << ": " << r.status().ToString();
    int i = std::stoi(path.substr(5));
    EXPECT_EQ(r->data, std::to_string(i * i));
  }
  EXPECT_NE(server.ServerLog().find("snapshot at"), std::string::npos)
      << "snapshots were written along the way";
}

TEST_F(ServiceTest, SigtermFinishesInFlightCommitsAndExitsZero) {
  std::unique_ptr<Client> c = NewClient();
  ASSERT_TRUE(c->Create(Node("/t")).ok());
  Recorder<std::string> acked;
  for (int i = 0; i < 300; ++i) {
    std::string path = "/t/n" + std::to_string(i);
    c->CreateAsync(Node(path), [&acked, path](Result<CreateResponse> r) {
      if (r.ok()) acked.Add(path);
    });
  }
  EXPECT_EQ(server_.Terminate(), 0) << server_.ServerLog();
  c.reset();
  server_.Restart();
  std::unique_ptr<Client> after = NewClient();
  for (const std::string& path : acked.items()) {
    EXPECT_TRUE(after->Exists(path)->has_value()) << path << " was acknowledged";
  }
}

}  // namespace
}  // namespace coord::testing
