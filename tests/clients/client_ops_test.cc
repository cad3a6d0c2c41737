// coord::Client against a real coordd: every operation once through the blocking API, async
// callbacks in order on the event thread, chroot, one-shot and persistent watches.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/clients/client_test_util.h"
#include "tests/support/coordd_process.h"

namespace coord::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class ClientOpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Start();
    client_ = Connected(OptionsFor(server_.address(), &states_));
    ASSERT_NE(client_, nullptr);
  }

  CoorddProcess server_;
  StateLog states_;
  // Declared before the clients: callbacks recording into them run until the clients are gone.
  Recorder<std::string> log_;
  Recorder<Status> statuses_;
  EventLog events_, events2_, events3_;
  std::unique_ptr<Client> client_;
};

TEST_F(ClientOpsTest, ConnectsWithANegotiatedSession) {
  EXPECT_EQ(client_->state(), SessionState::kConnected);
  EXPECT_NE(client_->session_id(), 0);
  EXPECT_FALSE(client_->session_password().empty());
  EXPECT_EQ(client_->negotiated_session_timeout_ms(), 6000);
  ASSERT_TRUE(WaitForState(states_, SessionState::kConnected));
  SessionEvent connected = states_.items()[0];
  EXPECT_EQ(connected.session_id, client_->session_id());
  EXPECT_FALSE(connected.resumed);

  // The server clamps the timeout to its [min, max] (2000..60000 by default).
  ClientOptions small = OptionsFor(server_.address(), nullptr, 10);
  std::unique_ptr<Client> other = Connected(small);
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(other->negotiated_session_timeout_ms(), 2000);
  EXPECT_NE(other->session_id(), client_->session_id());
}

TEST_F(ClientOpsTest, EveryBlockingOperation) {
  Client& c = *client_;
  // create: persistent, sequential, ephemeral; node_exists; no parent.
  Result<CreateResponse> a = c.Create(Node("/a", "one"));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->path, "/a");
  EXPECT_EQ(a->stat.version, 0);
  EXPECT_EQ(c.Create(Node("/a")).code(), Code::kNodeExists);
  EXPECT_EQ(c.Create(Node("/none/x")).code(), Code::kNoNode);
  Result<CreateResponse> seq = c.Create(Node("/a/s-", "", NodeKind::kPersistent, true));
  ASSERT_TRUE(seq.ok()) << seq.status().ToString();
  EXPECT_EQ(seq->path, "/a/s-0000000000");
  Result<CreateResponse> eph = c.Create(Node("/e", "", NodeKind::kEphemeral));
  ASSERT_TRUE(eph.ok()) << eph.status().ToString();
  EXPECT_EQ(eph->stat.ephemeral_owner, c.session_id());

  // exists: present and missing (ok with nullopt).
  Result<std::optional<Stat>> exists = c.Exists("/a");
  ASSERT_TRUE(exists.ok());
  ASSERT_TRUE(exists->has_value());
  EXPECT_EQ((*exists)->num_children, 1);
  Result<std::optional<Stat>> missing = c.Exists("/nope");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());

  // get_data / set_data with versions.
  Result<GetDataResponse> got = c.GetData("/a");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->data, "one");
  Result<Stat> set = c.SetData("/a", "two", 0);
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_EQ(set->version, 1);
  EXPECT_EQ(c.SetData("/a", "three", 0).code(), Code::kBadVersion);
  EXPECT_EQ(c.GetData("/nope").code(), Code::kNoNode);

  // get_children: one page, and all pages.
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(c.Create(Node("/a/c" + std::to_string(i))).ok());
  GetChildrenRequest page;
  page.path = "/a";
  page.limit = 2;
  Result<GetChildrenResponse> first = c.GetChildren(page);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_THAT(first->names, ElementsAre("c0", "c1"));
  EXPECT_TRUE(first->more);
  Result<std::vector<std::string>> all = c.GetAllChildren("/a");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_THAT(*all, ElementsAre("c0", "c1", "c2", "c3", "c4", "s-0000000000"));

  // ACLs.
  Result<GetAclResponse> acl = c.GetAcl("/a");
  ASSERT_TRUE(acl.ok());
  EXPECT_EQ(acl->acl, OpenAcl());
  Result<Stat> set_acl = c.SetAcl("/a", {Acl{perm::kRead | perm::kWrite, "world", "anyone"}}, 0);
  ASSERT_TRUE(set_acl.ok()) << set_acl.status().ToString();
  EXPECT_EQ(set_acl->aversion, 1);
  EXPECT_EQ(c.Create(Node("/a/forbidden")).code(), Code::kNoAuth);

  // multi: all or nothing; the failing op is named.
  Result<MultiResponse> multi =
      c.Multi({CreateRequest{"/m", "x"}, SetDataRequest{"/m", "y", 0}, CheckRequest{"/m", 1}});
  ASSERT_TRUE(multi.ok()) << multi.status().ToString();
  ASSERT_EQ(multi->results.size(), 3u);
  EXPECT_EQ(multi->results[0].path, "/m");
  Result<MultiResponse> failed =
      c.Multi({CreateRequest{"/m2", ""}, CheckRequest{"/m", 7}, DeleteRequest{"/m", -1}});
  EXPECT_EQ(failed.code(), Code::kBadVersion);
  EXPECT_NE(failed.status().message().find("op 1"), std::string::npos) << failed.status().message();
  EXPECT_FALSE(c.Exists("/m2")->has_value()) << "atomic";

  // multi_read: per-op codes.
  Result<MultiResponse> reads =
      c.MultiRead({GetDataRequest{"/m", false}, ExistsRequest{"/nope", false},
                   GetChildrenRequest{"/a", false, "", 0}});
  ASSERT_TRUE(reads.ok()) << reads.status().ToString();
  ASSERT_EQ(reads->results.size(), 3u);
  EXPECT_EQ(reads->results[0].data, "y");
  EXPECT_EQ(reads->results[1].code, Code::kNoNode);
  EXPECT_EQ(reads->results[2].names.size(), 6u);

  EXPECT_TRUE(c.Sync("/").ok());

  // Watches added and removed.
  EXPECT_TRUE(c.AddWatch("/m", AddWatchMode::kPersistent, [](const WatchEvent&) {}).ok());
  EXPECT_TRUE(c.RemoveWatches("/m", WatcherType::kPersistent).ok());
  EXPECT_EQ(c.RemoveWatches("/m", WatcherType::kPersistent).code(), Code::kNoWatcher);

  Result<std::vector<std::string>> ephemerals = c.GetEphemerals();
  ASSERT_TRUE(ephemerals.ok());
  EXPECT_THAT(*ephemerals, ElementsAre("/e"));

  // Identity: add_auth and whoami.
  EXPECT_TRUE(c.AddAuth("digest", "alice:secret").ok());
  EXPECT_EQ(c.AddAuth("kerberos", "x").code(), Code::kAuthFailed);
  Result<std::vector<ClientIdentity>> who = c.WhoAmI();
  ASSERT_TRUE(who.ok());
  bool alice = false;
  for (const ClientIdentity& id : *who) alice = alice || id.id.rfind("alice:", 0) == 0;
  EXPECT_TRUE(alice);

  Result<ServerStatusResponse> status = c.ServerStatus();
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->role, "standalone");
  EXPECT_GE(status->node_count, 9u);

  // delete: not_empty, bad_version, no_node, ok.
  EXPECT_EQ(c.Delete("/a").code(), Code::kNotEmpty);
  EXPECT_EQ(c.Delete("/m", 5).code(), Code::kBadVersion);
  EXPECT_TRUE(c.Delete("/m").ok());
  EXPECT_EQ(c.Delete("/m").code(), Code::kNoNode);

  // A bad path never leaves the client.
  EXPECT_EQ(c.GetData("relative").code(), Code::kBadArguments);
  EXPECT_EQ(c.Create(Node("/trailing/")).code(), Code::kBadArguments);
}

TEST_F(ClientOpsTest, CallbacksRunInOrderOnTheEventThread) {
  ASSERT_TRUE(client_->Create(Node("/o", "0")).ok());
  const std::thread::id test_thread = std::this_thread::get_id();
  Recorder<std::string>& log = log_;
  EventLog& events = events_;
  ASSERT_TRUE(client_->GetData("/o", RecordTo(&events)).ok());

  constexpr int kCalls = 1000;
  for (int i = 0; i < kCalls; ++i) {
    if (i == 500) {
      // The change fires the watch; its event must come before the result of any later call.
      client_->SetDataAsync("/o", "changed", -1,
                            [&log](Result<Stat> r) { log.Add(r.ok() ? "set" : "set failed"); });
      client_->GetDataAsync("/o", [&log, &events](Result<GetDataResponse> r) {
        log.Add(events.size() == 1 && r.ok() && r->data == "changed" ? "get after event"
                                                                     : "get before event");
      });
    }
    client_->ExistsAsync("/o", [&log, i](Result<std::optional<Stat>> r) {
      log.Add(r.ok() ? std::to_string(i) : "error");
    });
  }
  ASSERT_TRUE(log.WaitForCount(kCalls + 2));
  std::vector<std::string> got = log.items();
  std::vector<std::string> want;
  for (int i = 0; i < kCalls; ++i) {
    if (i == 500) {
      want.push_back("set");
      want.push_back("get after event");
    }
    want.push_back(std::to_string(i));
  }
  EXPECT_EQ(got, want);
  // One thread for every callback and event, and not the caller's.
  std::vector<std::thread::id> threads = log.threads();
  for (std::thread::id id : threads) EXPECT_EQ(id, threads[0]);
  EXPECT_NE(threads[0], test_thread);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events.threads()[0], threads[0]);
}

TEST_F(ClientOpsTest, BlockingCallsFromACallbackFailInsteadOfDeadlocking) {
  Recorder<Status>& log = statuses_;
  Client* c = client_.get();
  client_->SyncAsync("/", [c, &log](Status) {
    EXPECT_TRUE(c->OnEventThread());
    log.Add(c->Exists("/").status());
    log.Add(c->Close());
    // The async form works from here.
    c->ExistsAsync("/", [&log](Result<std::optional<Stat>> r) { log.Add(r.status()); });
  });
  ASSERT_TRUE(log.WaitForCount(3));
  std::vector<Status> got = log.items();
  EXPECT_EQ(got[0].code(), Code::kBadArguments);
  EXPECT_NE(got[0].message().find("event thread"), std::string::npos);
  EXPECT_EQ(got[1].code(), Code::kBadArguments);
  EXPECT_TRUE(got[2].ok()) << got[2].ToString();
  EXPECT_FALSE(client_->OnEventThread());
  EXPECT_EQ(client_->state(), SessionState::kConnected);
}

TEST_F(ClientOpsTest, Chroot) {
  ASSERT_TRUE(client_->Create(Node("/app")).ok());
  EventLog& events = events_;
  std::unique_ptr<Client> rooted = Connected(OptionsFor(server_.address() + "/app"));
  ASSERT_NE(rooted, nullptr);

  Result<CreateResponse> created = rooted->Create(Node("/x", "in app"));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->path, "/x");
  EXPECT_EQ(client_->GetData("/app/x")->data, "in app");
  Result<CreateResponse> seq = rooted->Create(Node("/q-", "", NodeKind::kEphemeral, true));
  ASSERT_TRUE(seq.ok());
  ASSERT_EQ(seq->path.size(), std::string("/q-0000000000").size()) << seq->path;
  EXPECT_EQ(seq->path.substr(0, 3), "/q-");
  EXPECT_TRUE(client_->Exists("/app" + seq->path)->has_value());
  EXPECT_THAT(*rooted->GetEphemerals("/"), ElementsAre(seq->path));
  EXPECT_THAT(*rooted->GetAllChildren("/"), ElementsAre(seq->path.substr(1), "x"));
  EXPECT_EQ(rooted->GetData("/")->stat.num_children, 2);

  // Watch events carry the app's paths.
  ASSERT_TRUE(rooted->GetData("/x", RecordTo(&events)).ok());
  ASSERT_TRUE(rooted->AddWatch("/", AddWatchMode::kPersistentRecursive, RecordTo(&events)).ok());
  ASSERT_TRUE(client_->SetData("/app/x", "changed").ok());
  ASSERT_TRUE(client_->Create(Node("/app/y")).ok());
  ASSERT_TRUE(client_->Create(Node("/outside")).ok());
  ASSERT_TRUE(rooted->Sync("/").ok());  // events before this reply have run
  std::vector<std::string> paths;
  for (const WatchEvent& e : events.items()) paths.push_back(e.path);
  EXPECT_THAT(paths, ElementsAre("/x", "/x", "/y"));

  Result<MultiResponse> multi = rooted->Multi({CreateRequest{"/z", ""}});
  ASSERT_TRUE(multi.ok());
  EXPECT_EQ(multi->results[0].path, "/z");
  EXPECT_TRUE(client_->Exists("/app/z")->has_value());
}

TEST_F(ClientOpsTest, OneShotWatchesFireOnce) {
  ASSERT_TRUE(client_->Create(Node("/w", "0")).ok());
  EventLog& data = events_;
  EventLog& exists = events2_;
  EventLog& children = events3_;
  ASSERT_TRUE(client_->GetData("/w", RecordTo(&data)).ok());
  ASSERT_FALSE(client_->Exists("/w/new", RecordTo(&exists))->has_value());
  ASSERT_TRUE(
      client_->GetChildren(GetChildrenRequest{"/w", false, "", 0}, RecordTo(&children)).ok());

  ASSERT_TRUE(client_->SetData("/w", "1").ok());
  ASSERT_TRUE(client_->SetData("/w", "2").ok());
  ASSERT_TRUE(client_->Create(Node("/w/new")).ok());
  ASSERT_TRUE(client_->Create(Node("/w/newer")).ok());
  ASSERT_TRUE(client_->Sync("/").ok());  // any further event would have run before this reply

  ASSERT_EQ(data.size(), 1u);
  EXPECT_EQ(data.items()[0].type, WatchEventType::kNodeDataChanged);
  EXPECT_EQ(data.items()[0].path, "/w");
  EXPECT_GT(data.items()[0].zxid, 0u);
  ASSERT_EQ(exists.size(), 1u);
  EXPECT_EQ(exists.items()[0].type, WatchEventType::kNodeCreated);
  EXPECT_EQ(exists.items()[0].path, "/w/new");
  ASSERT_EQ(children.size(), 1u);
  EXPECT_EQ(children.items()[0].type, WatchEventType::kNodeChildrenChanged);
}

TEST_F(ClientOpsTest, PersistentAndRecursiveWatchesStayUntilRemoved) {
  ASSERT_TRUE(client_->Create(Node("/p")).ok());
  EventLog& persistent = events_;
  EventLog& recursive = events2_;
  ASSERT_TRUE(client_->AddWatch("/p", AddWatchMode::kPersistent, RecordTo(&persistent)).ok());
  ASSERT_TRUE(
      client_->AddWatch("/p", AddWatchMode::kPersistentRecursive, RecordTo(&recursive)).ok());

  ASSERT_TRUE(client_->SetData("/p", "1").ok());
  ASSERT_TRUE(client_->SetData("/p", "2").ok());
  ASSERT_TRUE(client_->Create(Node("/p/a")).ok());
  ASSERT_TRUE(client_->Create(Node("/p/a/b")).ok());
  ASSERT_TRUE(client_->Sync("/").ok());
  std::vector<WatchEventType> types;
  for (const WatchEvent& e : persistent.items()) types.push_back(e.type);
  EXPECT_THAT(types, ElementsAre(WatchEventType::kNodeDataChanged, WatchEventType::kNodeDataChanged,
                                 WatchEventType::kNodeChildrenChanged));
  std::vector<std::string> paths;
  for (const WatchEvent& e : recursive.items()) paths.push_back(e.path);
  EXPECT_THAT(paths, ElementsAre("/p", "/p", "/p/a", "/p/a/b"));

  ASSERT_TRUE(client_->RemoveWatches("/p", WatcherType::kAny).ok());
  ASSERT_TRUE(client_->SetData("/p", "3").ok());
  ASSERT_TRUE(client_->Sync("/").ok());
  EXPECT_EQ(persistent.size(), 3u);
  EXPECT_EQ(recursive.size(), 4u);
}

TEST_F(ClientOpsTest, OpenRejectsABadConnectString) {
  ClientOptions options;
  options.connect_string = "localhost";
  Result<std::unique_ptr<Client>> client = Client::Open(options);
  EXPECT_EQ(client.code(), Code::kBadArguments);
  options.connect_string = "[::1]:1/a/";
  EXPECT_EQ(Client::Open(options).code(), Code::kBadArguments);
}

}  // namespace
}  // namespace coord::testing
