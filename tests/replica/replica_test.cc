// The Replica state machine, driven without sockets or disks: requests in, transactions out,
// durability reported back, replies and events out — checked for order and content.
#include "coord/replica/replica.h"

#include <gtest/gtest.h>

#include "coord/base/sha1.h"
#include "protocol/txn_codec.h"

namespace coord {
namespace {

constexpr int64_t kStart = 1'000'000;

class ReplicaTest : public ::testing::Test {
 protected:
  ReplicaTest() { Restart(DataTree(), 1); }

  void Restart(DataTree tree, Epoch epoch) {
    ReplicaOptions options;
    options.tick_ms = 10;
    options.min_session_timeout_ms = 100;
    options.max_session_timeout_ms = 1000;
    options.super_digest = DigestId("super:secret");
    replica_ = std::make_unique<Replica>(options, std::move(tree), epoch, now_);
  }

  // Makes everything proposed durable and returns what came out.
  std::vector<Outbound> Commit() {
    std::vector<storage::LogEntry> entries = replica_->TakeEntriesToPersist();
    for (auto& e : entries) log_.push_back(e);
    if (!entries.empty()) replica_->Persisted(entries.back().zxid);
    return replica_->TakeOutput();
  }

  SessionId Open(SessionId id, int32_t timeout_ms = 500) {
    replica_->CreateSession(id, "pw" + std::to_string(id), timeout_ms, now_);
    std::vector<Outbound> out = Commit();
    EXPECT_EQ(out.size(), 1u);
    auto& connect = std::get<ConnectResponse>(*out.at(0).message);
    EXPECT_EQ(connect.code, Code::kOk);
    EXPECT_EQ(connect.session_id, id);
    return id;
  }

  void Submit(SessionId s, int64_t id, ClientOp op) {
    replica_->Submit(s, ClientRequest{id, std::move(op)}, now_);
  }

  static CreateRequest Create(std::string path, std::string data = "",
                              NodeKind kind = NodeKind::kPersistent, bool sequential = false) {
    CreateRequest r;
    r.path = std::move(path);
    r.data = std::move(data);
    r.kind = kind;
    r.sequential = sequential;
    return r;
  }

  static const ClientResponse& Reply(const Outbound& out) {
    return std::get<ClientResponse>(*out.message);
  }

  int64_t now_ = kStart;
  Stat unused_stat_;
  std::unique_ptr<Replica> replica_;
  std::vector<storage::LogEntry> log_;
};

TEST_F(ReplicaTest, NewSessionIsATransactionAndNegotiatesTheTimeout) {
  replica_->CreateSession(7, "secret", 5, now_);
  EXPECT_TRUE(replica_->TakeOutput().empty()) << "no answer before the session is durable";
  std::vector<Outbound> out = Commit();
  ASSERT_EQ(out.size(), 1u);
  const auto& r = std::get<ConnectResponse>(*out[0].message);
  EXPECT_EQ(r.timeout_ms, 100) << "clamped to min_session_timeout_ms";
  EXPECT_EQ(r.password, "secret");
  EXPECT_TRUE(replica_->tree().SessionExists(7));
  ASSERT_EQ(log_.size(), 1u);
  EXPECT_EQ(log_[0].zxid, MakeZxid(1, 1));
}

TEST_F(ReplicaTest, RepliesInRequestOrderAndReadsSeeEarlierWrites) {
  SessionId s = Open(1);
  Submit(s, 1, Create("/a", "x"));
  Submit(s, 2, GetDataRequest{"/a", false});  // must wait for the create
  Submit(s, 3, ExistsRequest{"/nope", false});
  EXPECT_TRUE(replica_->TakeOutput().empty()) << "the read waits behind the write";
  std::vector<Outbound> out = Commit();
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(Reply(out[0]).id, 1);
  EXPECT_EQ(std::get<CreateResponse>(Reply(out[0]).body).path, "/a");
  EXPECT_EQ(Reply(out[1]).id, 2);
  EXPECT_EQ(std::get<GetDataResponse>(Reply(out[1]).body).data, "x");
  EXPECT_EQ(Reply(out[2]).id, 3);
  EXPECT_EQ(Reply(out[2]).code, Code::kNoNode);
}

TEST_F(ReplicaTest, AReadBetweenTwoWritesSeesTheFirstAndNotTheSecond) {
  SessionId s = Open(1);
  Submit(s, 1, Create("/k", "1"));
  Submit(s, 2, GetDataRequest{"/k", false});
  Submit(s, 3, SetDataRequest{"/k", "2", kAnyVersion});
  Submit(s, 4, GetDataRequest{"/k", false});
  std::vector<Outbound> out = Commit();  // both writes become durable in one batch
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(std::get<GetDataResponse>(Reply(out[1]).body).data, "1");
  EXPECT_EQ(std::get<GetDataResponse>(Reply(out[3]).body).data, "2");
}

TEST_F(ReplicaTest, ReadWithNothingPendingIsAnsweredAtOnce) {
  SessionId s = Open(1);
  Submit(s, 1, ExistsRequest{"/", false});
  std::vector<Outbound> out = replica_->TakeOutput();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(Reply(out[0]).code, Code::kOk);
}

TEST_F(ReplicaTest, PipelinedWritesValidateAgainstPendingChanges) {
  SessionId s = Open(1);
  Submit(s, 1, Create("/q"));
  Submit(s, 2, Create("/q/item-", "", NodeKind::kPersistent, true));
  Submit(s, 3, Create("/q/item-", "", NodeKind::kPersistent, true));
  Submit(s, 4, Create("/q"));  // node_exists against pending state
  std::vector<Outbound> out = Commit();
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(std::get<CreateResponse>(Reply(out[1]).body).path, "/q/item-0000000000");
  EXPECT_EQ(std::get<CreateResponse>(Reply(out[2]).body).path, "/q/item-0000000001");
  EXPECT_EQ(Reply(out[3]).code, Code::kNodeExists);
  EXPECT_FALSE(Reply(out[3]).message.empty());
}

TEST_F(ReplicaTest, WatchEventPrecedesTheReplyThatShowsTheChange) {
  SessionId watcher = Open(1);
  SessionId writer = Open(2);
  Submit(writer, 1, Create("/cfg", "v1"));
  Commit();
  Submit(watcher, 1, GetDataRequest{"/cfg", true});
  ASSERT_EQ(replica_->TakeOutput().size(), 1u);
  Submit(writer, 2, SetDataRequest{"/cfg", "v2", 0});
  Submit(watcher, 2, ExistsRequest{"/cfg", false});  // answered at once: before the set applies
  std::vector<Outbound> before = replica_->TakeOutput();
  ASSERT_EQ(before.size(), 1u);
  EXPECT_EQ(std::get<StatResponse>(Reply(before[0]).body).stat.version, 0);
  std::vector<Outbound> out = Commit();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].session, watcher);
  const auto& event = std::get<WatchEventMessage>(*out[0].message);
  EXPECT_EQ(event.type, WatchEventType::kNodeDataChanged);
  EXPECT_EQ(event.path, "/cfg");
  EXPECT_EQ(out[1].session, writer);
  // One-shot: a second change does not fire again.
  Submit(writer, 3, SetDataRequest{"/cfg", "v3", 1});
  out = Commit();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].session, writer);
}

TEST_F(ReplicaTest, SessionExpiresAfterSilenceAndTakesItsEphemerals) {
  SessionId s = Open(1, 100);
  SessionId observer = Open(2, 1000);
  Submit(s, 1, Create("/lock", "", NodeKind::kEphemeral));
  Commit();
  Submit(observer, 1, ExistsRequest{"/lock", true});
  replica_->TakeOutput();
  now_ += 50;
  replica_->Tick(now_);
  replica_->Submit(observer, ClientRequest{2, PingRequest{}}, now_);
  replica_->TakeOutput();
  EXPECT_TRUE(replica_->TakeEntriesToPersist().empty()) << "not yet";
  now_ += 60;  // 110 ms of silence > 100 ms timeout
  replica_->Tick(now_);
  std::vector<Outbound> out = Commit();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].session, observer);
  EXPECT_EQ(std::get<WatchEventMessage>(*out[0].message).type, WatchEventType::kNodeDeleted);
  EXPECT_EQ(out[1].session, s);
  EXPECT_TRUE(out[1].close) << "the expired session's connection is closed";
  EXPECT_FALSE(replica_->tree().SessionExists(s));
  Submit(s, 2, ExistsRequest{"/", false});
  out = replica_->TakeOutput();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(Reply(out[0]).code, Code::kSessionExpired);
}

TEST_F(ReplicaTest, ResumeChecksPasswordAndZxid) {
  SessionId s = Open(1);
  ConnectRequest resume;
  resume.session_id = s;
  resume.password = "wrong";
  EXPECT_EQ(replica_->ResumeSession(resume, now_).code, Code::kAuthFailed);
  resume.password = "pw1";
  resume.last_zxid_seen = MakeZxid(9, 9);
  EXPECT_EQ(replica_->ResumeSession(resume, now_).code, Code::kBadArguments)
      << "a server behind the client refuses";
  resume.last_zxid_seen = replica_->tree().last_zxid();
  ConnectResponse ok = replica_->ResumeSession(resume, now_);
  EXPECT_EQ(ok.code, Code::kOk);
  EXPECT_EQ(ok.password, "pw1");
  resume.session_id = 999;
  EXPECT_EQ(replica_->ResumeSession(resume, now_).code, Code::kSessionExpired);
}

TEST_F(ReplicaTest, CloseSessionAnswersThenCloses) {
  SessionId s = Open(1);
  Submit(s, 1, Create("/e", "", NodeKind::kEphemeral));
  Submit(s, 2, CloseSessionClientRequest{});
  Submit(s, 3, ExistsRequest{"/", false});
  std::vector<Outbound> out = Commit();
  // The create and the close are answered in order; the request after close_session is refused.
  ASSERT_GE(out.size(), 3u);
  EXPECT_EQ(Reply(out[0]).id, 3);
  EXPECT_EQ(Reply(out[0]).code, Code::kSessionExpired);
  EXPECT_EQ(Reply(out[1]).id, 1);
  EXPECT_EQ(Reply(out[2]).id, 2);
  EXPECT_TRUE(out[2].close);
  EXPECT_FALSE(replica_->tree().GetStat("/e", &unused_stat_).ok());
}

TEST_F(ReplicaTest, AclsUseTheSessionsIdentities) {
  SessionId alice = Open(1);
  SessionId bob = Open(2);
  Submit(alice, 1, AddAuthRequest{"digest", "alice:pw"});
  CreateRequest secret = Create("/secret", "s");
  secret.acl = {Acl{perm::kAll, "auth", ""}};
  Submit(alice, 2, secret);
  Commit();
  Submit(bob, 1, GetDataRequest{"/secret", false});
  Submit(alice, 3, GetDataRequest{"/secret", false});
  std::vector<Outbound> out = replica_->TakeOutput();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(Reply(out[0]).code, Code::kNoAuth);
  EXPECT_EQ(Reply(out[1]).code, Code::kOk);
  // get_acl shows the hashed digest, never the password.
  Submit(alice, 4, GetAclRequest{"/secret"});
  out = replica_->TakeOutput();
  const auto& acl = std::get<GetAclResponse>(Reply(out[0]).body).acl;
  ASSERT_EQ(acl.size(), 1u);
  EXPECT_EQ(acl[0].id, DigestId("alice:pw"));
  EXPECT_EQ(acl[0].id.find("pw"), std::string::npos);
  // The superuser passes every check.
  Submit(bob, 2, AddAuthRequest{"digest", "super:secret"});
  Submit(bob, 3, GetDataRequest{"/secret", false});
  out = replica_->TakeOutput();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(Reply(out[1]).code, Code::kOk);
  Submit(bob, 4, AddAuthRequest{"kerberos", "x"});
  EXPECT_EQ(Reply(replica_->TakeOutput().at(0)).code, Code::kAuthFailed);
}

TEST_F(ReplicaTest, FailedMultiReportsEveryOp) {
  SessionId s = Open(1);
  MultiRequest multi;
  multi.ops = {Create("/m1"), CheckRequest{"/nope", 0}, Create("/m2")};
  Submit(s, 1, multi);
  std::vector<Outbound> out = Commit();
  const auto& r = Reply(out.at(0));
  EXPECT_EQ(r.code, Code::kNoNode);
  const auto& results = std::get<MultiResponse>(r.body).results;
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].code, Code::kOk);
  EXPECT_EQ(results[1].code, Code::kNoNode);
  EXPECT_EQ(results[2].code, Code::kRuntimeInconsistency);
  EXPECT_FALSE(replica_->tree().GetStat("/m1", &unused_stat_).ok());
}

TEST_F(ReplicaTest, ContainersAndTtlNodesAreReaped) {
  SessionId s = Open(1, 1000);
  Submit(s, 1, Create("/c", "", NodeKind::kContainer));
  Submit(s, 2, Create("/c/x"));
  Submit(s, 3, DeleteRequest{"/c/x", -1});
  CreateRequest ttl = Create("/t", "", NodeKind::kTtl);
  ttl.ttl_ms = 50;
  Submit(s, 4, ttl);
  Commit();
  Stat stat;
  EXPECT_TRUE(replica_->tree().GetStat("/c", &stat).ok());
  for (int i = 0; i < 20; ++i) {
    now_ += 10;
    replica_->Tick(now_);
    replica_->Submit(s, ClientRequest{100 + i, PingRequest{}}, now_);
    Commit();
  }
  EXPECT_FALSE(replica_->tree().GetStat("/c", &stat).ok()) << "empty container reaped";
  EXPECT_FALSE(replica_->tree().GetStat("/t", &stat).ok()) << "expired TTL node reaped";
}

TEST_F(ReplicaTest, RestartKeepsSessionsAndRestartsTheirClocks) {
  SessionId s = Open(1, 100);
  Submit(s, 1, Create("/e", "", NodeKind::kEphemeral));
  Commit();
  DataTree copy;
  for (const auto& e : log_) copy.Apply(*DecodeTxnRecord(e.payload), e.zxid).status.IgnoreError();
  now_ += 10'000;  // long after the timeout, but the new replica did not see the silence
  Restart(std::move(copy), 2);
  replica_->Tick(now_ + 50);
  EXPECT_TRUE(replica_->TakeEntriesToPersist().empty());
  ConnectRequest resume;
  resume.session_id = s;
  resume.password = "pw1";
  EXPECT_EQ(replica_->ResumeSession(resume, now_).code, Code::kOk);
  Submit(s, 2, Create("/x"));
  std::vector<storage::LogEntry> entries = replica_->TakeEntriesToPersist();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(EpochOf(entries[0].zxid), 2u) << "a new run proposes in a new epoch";
}

TEST_F(ReplicaTest, SetWatchesReportsMissedChanges) {
  SessionId s = Open(1);
  Submit(s, 1, Create("/a", "1"));
  Submit(s, 2, Create("/b", "1"));
  Commit();
  Zxid seen = replica_->tree().last_zxid();
  Submit(s, 3, SetDataRequest{"/a", "2", -1});
  Submit(s, 4, DeleteRequest{"/b", -1});
  Submit(s, 5, Create("/c"));
  Commit();
  SetWatchesRequest restore;
  restore.relative_zxid = seen;
  restore.data = {"/a", "/b"};
  restore.exist = {"/c", "/d"};
  Submit(s, 6, restore);
  std::vector<Outbound> out = replica_->TakeOutput();
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(std::get<WatchEventMessage>(*out[0].message).type, WatchEventType::kNodeDataChanged);
  EXPECT_EQ(std::get<WatchEventMessage>(*out[1].message).type, WatchEventType::kNodeDeleted);
  EXPECT_EQ(std::get<WatchEventMessage>(*out[2].message).type, WatchEventType::kNodeCreated);
  EXPECT_EQ(Reply(out[3]).id, 6);
  // /d did not exist and still does not: its exists watch is registered and fires on create.
  Submit(s, 7, Create("/d"));
  out = Commit();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(std::get<WatchEventMessage>(*out[0].message).path, "/d");
}

// What ZooKeeper's protocol needs from the shared request path.

TEST_F(ReplicaTest, GetChildrenAllIsEveryChildOrTooLarge) {
  ReplicaOptions options;
  options.read_limits.max_children_per_page = 3;
  options.read_limits.max_reply_bytes = 200;
  replica_ = std::make_unique<Replica>(options, DataTree(), 2, now_);
  SessionId s = Open(1);
  Submit(s, 1, Create("/d"));
  for (int i = 0; i < 10; ++i) Submit(s, 2 + i, Create("/d/n" + std::to_string(i)));
  Commit();
  // Paged: 3 at most. All: every child, never cut, past the page limit.
  Submit(s, 20, GetChildrenRequest{"/d", false, "", 0, false});
  Submit(s, 21, GetChildrenRequest{"/d", true, "", 0, true});
  std::vector<Outbound> out = replica_->TakeOutput();
  ASSERT_EQ(out.size(), 2u);
  const auto& page = std::get<GetChildrenResponse>(Reply(out[0]).body);
  EXPECT_EQ(page.names.size(), 3u);
  EXPECT_TRUE(page.more);
  const auto& all = std::get<GetChildrenResponse>(Reply(out[1]).body);
  EXPECT_EQ(all.names.size(), 10u);
  EXPECT_FALSE(all.more);
  EXPECT_EQ(all.stat.num_children, 10);
  // More names than one reply may hold: too_large, not a shortened list.
  for (int i = 10; i < 20; ++i) Submit(s, 30 + i, Create("/d/n" + std::to_string(i)));
  Commit();
  Submit(s, 60, GetChildrenRequest{"/d", false, "", 0, true});
  out = replica_->TakeOutput();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(Reply(out[0]).code, Code::kTooLarge);
}

TEST_F(ReplicaTest, CountDescendantsCountsTheWholeSubtree) {
  SessionId s = Open(1);
  for (const char* path : {"/a", "/a/b", "/a/b/c", "/a/b/d", "/a/e", "/z"}) {
    Submit(s, 1, Create(path));
  }
  Commit();
  Submit(s, 2, CountDescendantsRequest{"/a"});
  Submit(s, 3, CountDescendantsRequest{"/"});
  Submit(s, 4, CountDescendantsRequest{"/a/e"});
  Submit(s, 5, CountDescendantsRequest{"/none"});
  std::vector<Outbound> out = replica_->TakeOutput();
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(std::get<CountDescendantsResponse>(Reply(out[0]).body).count, 4u);
  EXPECT_EQ(std::get<CountDescendantsResponse>(Reply(out[1]).body).count, 6u);
  EXPECT_EQ(std::get<CountDescendantsResponse>(Reply(out[2]).body).count, 0u);
  EXPECT_EQ(Reply(out[3]).code, Code::kNoNode);
}

TEST_F(ReplicaTest, CheckWatchesRemovesNothing) {
  SessionId s = Open(1);
  Submit(s, 1, Create("/w"));
  Commit();
  Submit(s, 2, GetDataRequest{"/w", true});
  Submit(s, 3, RemoveWatchesRequest{"/w", WatcherType::kData, true});
  Submit(s, 4, RemoveWatchesRequest{"/w", WatcherType::kChildren, true});
  Submit(s, 5, RemoveWatchesRequest{"/w", WatcherType::kData, true});
  Submit(s, 6, RemoveWatchesRequest{"/w", WatcherType::kData, false});
  Submit(s, 7, RemoveWatchesRequest{"/w", WatcherType::kAny, true});
  std::vector<Outbound> out = replica_->TakeOutput();
  ASSERT_EQ(out.size(), 6u);
  EXPECT_EQ(Reply(out[1]).code, Code::kOk);         // the data watch is there
  EXPECT_EQ(Reply(out[2]).code, Code::kNoWatcher);  // no child watch
  EXPECT_EQ(Reply(out[3]).code, Code::kOk);         // still there: checking removed nothing
  EXPECT_EQ(Reply(out[4]).code, Code::kOk);         // removed
  EXPECT_EQ(Reply(out[5]).code, Code::kNoWatcher);
}

TEST_F(ReplicaTest, StatHidesTheOwnerOfContainersAndTtlNodes) {
  // As ZooKeeper does: its internal owner markers for them never reach a client.
  SessionId s = Open(1);
  Submit(s, 1, Create("/c", "", NodeKind::kContainer));
  CreateRequest ttl = Create("/t", "", NodeKind::kTtl);
  ttl.ttl_ms = 60000;
  Submit(s, 2, ttl);
  Submit(s, 3, Create("/e", "", NodeKind::kEphemeral));
  std::vector<Outbound> out = Commit();
  ASSERT_EQ(out.size(), 3u);
  auto owner = [&](size_t i) {
    return std::get<CreateResponse>(Reply(out[i]).body).stat.ephemeral_owner;
  };
  EXPECT_EQ(owner(0), 0);
  EXPECT_EQ(owner(1), 0);
  EXPECT_EQ(owner(2), s);
}

TEST_F(ReplicaTest, GetAclWithoutAdminHidesDigestHashes) {
  SessionId owner = Open(1);
  SessionId reader = Open(2);
  Submit(owner, 1, AddAuthRequest{"digest", "alice:secret"});
  CreateRequest node = Create("/acl");
  node.acl = {Acl{perm::kRead, "world", "anyone"},
              Acl{perm::kAll, "digest", DigestId("alice:secret")}};
  Submit(owner, 2, node);
  Commit();
  Submit(owner, 3, GetAclRequest{"/acl"});
  Submit(reader, 4, GetAclRequest{"/acl"});
  std::vector<Outbound> out = replica_->TakeOutput();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(std::get<GetAclResponse>(Reply(out[0]).body).acl[1].id, DigestId("alice:secret"));
  EXPECT_EQ(std::get<GetAclResponse>(Reply(out[1]).body).acl[1].id, "alice:x");
  EXPECT_EQ(std::get<GetAclResponse>(Reply(out[1]).body).acl[0].id, "anyone");
}

}  // namespace
}  // namespace coord
