#include "coord/tree/preparer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "coord/tree/path.h"
#include "tests/tree/tree_test_util.h"

namespace coord {
namespace {

using namespace testing_util;  // NOLINT: test helpers

const char kAlice[] = "alice:XbUx6iS/3n2bZTs9b5M6XqW+3sU=";
const char kBob[] = "bob:Q9a2cXnxtdkGf3xy7KHsdYAD1/o=";

CreateRequest WithAcl(CreateRequest r, AclList acl) {
  r.acl = std::move(acl);
  return r;
}
AuthContext Alice() { return AuthContext{{{"digest", kAlice}}, false}; }
AuthContext Bob() { return AuthContext{{{"digest", kBob}}, false}; }
AuthContext Super() { return AuthContext{{}, true}; }
AclList WorldAcl(uint32_t perms) { return {Acl{perms, "world", "anyone"}}; }

const CreateTxn& AsCreate(const Prepared& p) {
  EXPECT_TRUE(std::holds_alternative<CreateTxn>(p.record.txn)) << p.status.ToString();
  static const CreateTxn kEmpty;
  const auto* t = std::get_if<CreateTxn>(&p.record.txn);
  return t ? *t : kEmpty;
}

// Expects `p` to have failed with `code`, as an ErrorTxn carrying that code.
void ExpectError(const Prepared& p, Code code, int32_t failed_op = -1) {
  EXPECT_EQ(p.status.code(), code) << p.status.ToString();
  EXPECT_FALSE(p.status.message().empty());
  EXPECT_EQ(p.record.txn, Txn(Error(code, failed_op)));
}

class PreparerTest : public ::testing::Test {
 protected:
  Prepared Prepare(const WriteRequest& r, SessionId session = 0, const AuthContext& auth = {}) {
    return p_.Prepare(r, session, auth);
  }
  Prepared PrepareOk(const WriteRequest& r, SessionId session = 0, const AuthContext& auth = {}) {
    Prepared p = p_.Prepare(r, session, auth);
    EXPECT_TRUE(p.status.ok()) << p.status.ToString();
    return p;
  }
  // Commits `r` through the pipeline: prepare, apply, retire.
  void Commit(const WriteRequest& r, SessionId session = 0, const AuthContext& auth = {}) {
    PrepareOk(r, session, auth);
    p_.Drain();
  }

  Pipeline p_;
  const DataTree& tree_ = p_.tree;
};

// --- pipelining ---------------------------------------------------------------------------------

TEST_F(PreparerTest, CreateParentThenChildBeforeEitherIsApplied) {
  Prepared a = PrepareOk(CreateReq("/a", "x"));
  Prepared b = PrepareOk(CreateReq("/a/b"));
  Prepared c = PrepareOk(CreateReq("/a/b/c"));
  EXPECT_EQ(AsCreate(a).path, "/a");
  EXPECT_EQ(AsCreate(a).data, "x");
  EXPECT_EQ(AsCreate(a).acl, OpenAcl());
  EXPECT_EQ(AsCreate(b).path, "/a/b");
  EXPECT_EQ(AsCreate(c).path, "/a/b/c");
  EXPECT_FALSE(Exists(tree_, "/a"));
  EXPECT_GT(p_.prep.pending_changes(), 0u);
  p_.Drain();
  EXPECT_EQ(ChildrenOf(tree_, "/a"), (std::vector<std::string>{"b"}));
  EXPECT_TRUE(Exists(tree_, "/a/b/c"));
}

TEST_F(PreparerTest, PendingChangesRetireAsTransactionsApply) {
  PrepareOk(CreateReq("/a"));
  PrepareOk(CreateReq("/a/b"));
  PrepareOk(SetDataReq("/a", "1", 0));
  const size_t all = p_.prep.pending_changes();
  EXPECT_GT(all, 0u);
  p_.ApplyNext();
  // /a and / were changed again by later transactions: only their newest change remains.
  EXPECT_LE(p_.prep.pending_changes(), all);
  EXPECT_GT(p_.prep.pending_changes(), 0u);
  p_.ApplyNext();
  p_.ApplyNext();
  EXPECT_EQ(p_.prep.pending_changes(), 0u);
  // Reset forgets abandoned proposals: /x was never applied, so it can be prepared again.
  PrepareOk(CreateReq("/x"));
  ExpectError(Prepare(CreateReq("/x")), Code::kNodeExists);
  p_.prep.Reset();
  p_.queue.clear();
  EXPECT_EQ(p_.prep.pending_changes(), 0u);
  PrepareOk(CreateReq("/x"));
  p_.Drain();
  EXPECT_TRUE(Exists(tree_, "/x"));
}

TEST_F(PreparerTest, SequentialCreatesGetDistinctNamesBeforeApply) {
  Commit(CreateReq("/q"));
  Prepared first = PrepareOk(SequentialReq("/q/job-"));
  Prepared second = PrepareOk(SequentialReq("/q/job-"));
  Prepared other = PrepareOk(SequentialReq("/q/other-"));
  EXPECT_EQ(AsCreate(first).path, "/q/job-0000000000");
  EXPECT_EQ(AsCreate(second).path, "/q/job-0000000001");
  // One counter per parent, whatever the prefix.
  EXPECT_EQ(AsCreate(other).path, "/q/other-0000000002");
  EXPECT_TRUE(AsCreate(first).sequential);
  p_.Drain();
  EXPECT_EQ(ChildrenOf(tree_, "/q"),
            (std::vector<std::string>{"job-0000000000", "job-0000000001", "other-0000000002"}));
  // After apply the committed counter continues, also across deletes.
  Commit(DeleteReq("/q/job-0000000001"));
  EXPECT_EQ(AsCreate(PrepareOk(SequentialReq("/q/job-"))).path, "/q/job-0000000003");
  // Plain creates do not use up numbers (the counter is separate from cversion; see
  // Children::next_sequence).
  PrepareOk(CreateReq("/q/plain"));
  EXPECT_EQ(AsCreate(PrepareOk(SequentialReq("/q/job-"))).path, "/q/job-0000000004");
  p_.Drain();
}

TEST_F(PreparerTest, SequentialPrefixForms) {
  Commit(CreateReq("/queue"));
  // A prefix ending in '/' names children by number only.
  EXPECT_EQ(AsCreate(PrepareOk(SequentialReq("/queue/"))).path, "/queue/0000000000");
  EXPECT_EQ(AsCreate(PrepareOk(SequentialReq("/queue/"))).path, "/queue/0000000001");
  // Under the root.
  EXPECT_EQ(AsCreate(PrepareOk(SequentialReq("/"))).path, "/0000000000");
  EXPECT_EQ(AsCreate(PrepareOk(SequentialReq("/n"))).path, "/n0000000001");
  // Sequential ephemerals and containers.
  Commit(SessionReq(9, 1000));
  Prepared e = PrepareOk(SequentialReq("/queue/lock-", NodeKind::kEphemeral), 9);
  EXPECT_EQ(AsCreate(e).path, "/queue/lock-0000000002");
  EXPECT_EQ(AsCreate(e).ephemeral_owner, 9);
  p_.Drain();
  // Errors: a missing parent, a bad prefix, a name that becomes too long.
  ExpectError(Prepare(SequentialReq("/missing/")), Code::kNoNode);
  ExpectError(Prepare(SequentialReq("/missing/x-")), Code::kNoNode);
  ExpectError(Prepare(SequentialReq("queue/")), Code::kInvalidPath);
  ExpectError(Prepare(SequentialReq("")), Code::kInvalidPath);
  ExpectError(Prepare(SequentialReq("/queue//")), Code::kInvalidPath);
  ExpectError(Prepare(SequentialReq("/queue/./")), Code::kInvalidPath);
  const std::string near_limit = "/queue/" + std::string(kMaxPathBytes - 12, 'x');
  ExpectError(Prepare(SequentialReq(near_limit)), Code::kInvalidPath);
  // A non-sequential create with a trailing '/' is still invalid.
  ExpectError(Prepare(CreateReq("/queue/")), Code::kInvalidPath);
}

TEST(SequenceSuffixTest, TenDigitsThenGrows) {
  EXPECT_EQ(SequenceSuffix(0), "0000000000");
  EXPECT_EQ(SequenceSuffix(42), "0000000042");
  EXPECT_EQ(SequenceSuffix(2147483647), "2147483647");
  EXPECT_EQ(SequenceSuffix(2147483648ULL), "2147483648");  // where ZooKeeper's counter wraps
  EXPECT_EQ(SequenceSuffix(9999999999ULL), "9999999999");
  EXPECT_EQ(SequenceSuffix(10000000000ULL), "10000000000");
  EXPECT_EQ(SequenceSuffix(UINT64_MAX), "18446744073709551615");
}

TEST_F(PreparerTest, DeleteThenRecreateInThePipeline) {
  Commit(CreateReq("/a", "old"));
  Commit(CreateReq("/a/child"));
  PrepareOk(DeleteReq("/a/child", 0));
  PrepareOk(DeleteReq("/a"));
  ExpectError(Prepare(SetDataReq("/a", "x")), Code::kNoNode);
  ExpectError(Prepare(CreateReq("/a/child")), Code::kNoNode);
  Prepared again = PrepareOk(CreateReq("/a", "new"));
  PrepareOk(CreateReq("/a/child"));
  // The re-created node has version 0 again.
  PrepareOk(SetDataReq("/a", "newer", 0));
  ExpectError(Prepare(SetDataReq("/a", "x", 0)), Code::kBadVersion);
  p_.Drain();
  EXPECT_EQ(DataOf(tree_, "/a"), "newer");
  EXPECT_EQ(StatOf(tree_, "/a").version, 1);
  EXPECT_TRUE(Exists(tree_, "/a/child"));
}

TEST_F(PreparerTest, RequestsInvalidAgainstPendingStateFail) {
  Commit(CreateReq("/p"));
  Commit(CreateReq("/full"));
  Commit(CreateReq("/full/kid"));
  PrepareOk(DeleteReq("/p"));
  // The parent is pending-deleted.
  ExpectError(Prepare(CreateReq("/p/c")), Code::kNoNode);
  ExpectError(Prepare(DeleteReq("/p")), Code::kNoNode);
  // Pending create makes the path taken; pending child makes the parent non-empty.
  PrepareOk(CreateReq("/n"));
  ExpectError(Prepare(CreateReq("/n")), Code::kNodeExists);
  PrepareOk(CreateReq("/n/kid"));
  ExpectError(Prepare(DeleteReq("/n")), Code::kNotEmpty);
  // Pending version changes.
  PrepareOk(SetDataReq("/full", "v1", 0));
  ExpectError(Prepare(SetDataReq("/full", "v2", 0)), Code::kBadVersion);
  ExpectError(Prepare(DeleteReq("/full/kid", 3)), Code::kBadVersion);
  ExpectError(Prepare(DeleteReq("/full")), Code::kNotEmpty);
  ExpectError(Prepare(DeleteReq("/")), Code::kBadArguments);
  ExpectError(Prepare(DeleteReq("/x/")), Code::kInvalidPath);
  ExpectError(Prepare(SetDataReq("bad", "x")), Code::kInvalidPath);
  // Errors are applied as ErrorTxns with the same code (Pipeline checks), and stage nothing.
  std::vector<ApplyResult> results = p_.Drain();
  EXPECT_EQ(results[1].status.code(), Code::kNoNode);
  EXPECT_FALSE(Exists(tree_, "/p"));
  EXPECT_TRUE(Exists(tree_, "/n/kid"));
  EXPECT_EQ(DataOf(tree_, "/full"), "v1");
}

TEST_F(PreparerTest, ArgumentErrorsOfCreate) {
  Commit(SessionReq(1, 1000));
  CreateRequest ttl = CreateReq("/t", "", NodeKind::kTtl);
  ExpectError(Prepare(ttl), Code::kBadArguments);  // ttl_ms 0
  ttl.ttl_ms = -1;
  ExpectError(Prepare(ttl), Code::kBadArguments);
  ttl.ttl_ms = kMaxTtlMs + 1;
  ExpectError(Prepare(ttl), Code::kBadArguments);
  ttl.ttl_ms = kMaxTtlMs;
  EXPECT_EQ(AsCreate(PrepareOk(ttl)).ttl_ms, kMaxTtlMs);
  CreateRequest persistent_ttl = CreateReq("/p");
  persistent_ttl.ttl_ms = 5;
  ExpectError(Prepare(persistent_ttl), Code::kBadArguments);
  // An ephemeral needs a session.
  ExpectError(Prepare(CreateReq("/e", "", NodeKind::kEphemeral), 0), Code::kBadArguments);
  ExpectError(Prepare(CreateReq("/e", "", NodeKind::kEphemeral), 77), Code::kSessionExpired);
  // Bad ACLs.
  ExpectError(Prepare(WithAcl(CreateReq("/a"), {})), Code::kInvalidAcl);
  ExpectError(Prepare(WithAcl(CreateReq("/a"), {Acl{perm::kAll, "nope", "x"}})), Code::kInvalidAcl);
  ExpectError(Prepare(SetAclReq("/", {}, -1)), Code::kInvalidAcl);
  ExpectError(Prepare(CreateReq("/")), Code::kNodeExists);
  p_.Drain();
}

TEST(PreparerLimitsTest, DataLimitOfTheTreeApplies) {
  Pipeline p(TreeLimits{.max_data_bytes = 3});
  EXPECT_EQ(p.Prepare(CreateReq("/a", "abcd")).status.code(), Code::kTooLarge);
  EXPECT_TRUE(p.Prepare(CreateReq("/a", "abc")).status.ok());
  EXPECT_EQ(p.Prepare(SetDataReq("/a", "abcd")).status.code(), Code::kTooLarge);
  p.Drain();
}

// --- ACLs ---------------------------------------------------------------------------------------

TEST_F(PreparerTest, CreateNeedsCreateOnTheParent) {
  Commit(WithAcl(CreateReq("/ro"), WorldAcl(perm::kAll & ~perm::kCreate)));
  Commit(WithAcl(CreateReq("/alice"), {Acl{perm::kCreate, "digest", kAlice}}));
  ExpectError(Prepare(CreateReq("/ro/x")), Code::kNoAuth);
  ExpectError(Prepare(CreateReq("/alice/x")), Code::kNoAuth);
  ExpectError(Prepare(CreateReq("/alice/x"), 0, Bob()), Code::kNoAuth);
  PrepareOk(CreateReq("/alice/x"), 0, Alice());
  PrepareOk(CreateReq("/ro/x"), 0, Super());
  // no_node of the parent is reported before no_auth, and no_auth before node_exists.
  ExpectError(Prepare(CreateReq("/missing/x"), 0, Bob()), Code::kNoNode);
  ExpectError(Prepare(CreateReq("/alice/x"), 0, Bob()), Code::kNoAuth);
  ExpectError(Prepare(CreateReq("/alice/x"), 0, Alice()), Code::kNodeExists);
  p_.Drain();
  EXPECT_TRUE(Exists(tree_, "/alice/x"));
  EXPECT_TRUE(Exists(tree_, "/ro/x"));
}

TEST_F(PreparerTest, DeleteNeedsDeleteOnTheParentOnly) {
  Commit(WithAcl(CreateReq("/nodel"), WorldAcl(perm::kAll & ~perm::kDelete)));
  Commit(WithAcl(CreateReq("/nodel/x"), WorldAcl(perm::kRead)));
  Commit(CreateReq("/open"));
  Commit(WithAcl(CreateReq("/open/locked"), WorldAcl(perm::kRead)));
  ExpectError(Prepare(DeleteReq("/nodel/x")), Code::kNoAuth);
  PrepareOk(DeleteReq("/open/locked"));  // its own ACL does not matter
  PrepareOk(DeleteReq("/nodel/x"), 0, Super());
  p_.Drain();
}

TEST_F(PreparerTest, SetDataNeedsWriteSetAclNeedsAdminCheckNeedsRead) {
  Commit(WithAcl(CreateReq("/w"), {Acl{perm::kRead, "world", "anyone"},
                                   Acl{perm::kWrite | perm::kAdmin, "digest", kAlice}}));
  Commit(WithAcl(CreateReq("/noread"), WorldAcl(perm::kAll & ~perm::kRead)));
  ExpectError(Prepare(SetDataReq("/w", "x")), Code::kNoAuth);
  ExpectError(Prepare(SetDataReq("/w", "x"), 0, Bob()), Code::kNoAuth);
  PrepareOk(SetDataReq("/w", "x"), 0, Alice());
  ExpectError(Prepare(SetAclReq("/w", OpenAcl(), -1)), Code::kNoAuth);
  ExpectError(Prepare(SetDataReq("/missing", "x")), Code::kNoNode);
  PrepareOk(CheckReq("/w", 1));
  ExpectError(Prepare(CheckReq("/noread")), Code::kNoAuth);
  PrepareOk(CheckReq("/noread"), 0, Super());
  ExpectError(Prepare(MultiRequest{{CheckReq("/w"), CheckReq("/noread")}}), Code::kNoAuth, 1);
  PrepareOk(SetAclReq("/w", WorldAcl(perm::kRead), 0), 0, Alice());
  // The pending ACL already applies: alice lost write and admin.
  ExpectError(Prepare(SetDataReq("/w", "y"), 0, Alice()), Code::kNoAuth);
  ExpectError(Prepare(SetAclReq("/w", OpenAcl(), -1), 0, Alice()), Code::kNoAuth);
  PrepareOk(SetAclReq("/w", OpenAcl(), 1), 0, Super());
  PrepareOk(SetDataReq("/w", "y", 1));
  p_.Drain();
  EXPECT_EQ(DataOf(tree_, "/w"), "y");
  EXPECT_EQ(StatOf(tree_, "/w").aversion, 2);
}

TEST_F(PreparerTest, PendingAclGuardsPendingChildren) {
  PrepareOk(WithAcl(CreateReq("/locked"), WorldAcl(perm::kRead)));
  ExpectError(Prepare(CreateReq("/locked/x")), Code::kNoAuth);
  PrepareOk(CreateReq("/locked/x"), 0, Super());
  p_.Drain();
}

TEST_F(PreparerTest, AuthAclIsExpandedToTheCreatorsIdentities) {
  AuthContext both{{{"digest", kAlice}, {"ip", "10.0.0.1"}, {"digest", kBob}}, false};
  Prepared p = PrepareOk(WithAcl(CreateReq("/mine"), {Acl{perm::kAll, "auth", ""},
                                                      Acl{perm::kRead, "world", "anyone"}}),
                         0, both);
  const AclList expanded = {Acl{perm::kAll, "digest", kAlice}, Acl{perm::kAll, "digest", kBob},
                            Acl{perm::kRead, "world", "anyone"}};
  EXPECT_EQ(AsCreate(p).acl, expanded);
  ExpectError(Prepare(WithAcl(CreateReq("/nobody"), {Acl{perm::kAll, "auth", ""}})),
              Code::kInvalidAcl);
  p_.Drain();
  AclList acl;
  ASSERT_TRUE(tree_.GetAcl("/mine", &acl, nullptr).ok());
  EXPECT_EQ(acl, expanded);
  // set_acl expands too, and the expanded ACL is enforced.
  Prepared set = PrepareOk(SetAclReq("/mine", {Acl{perm::kAll, "auth", ""}}, 0), 0, Alice());
  EXPECT_EQ(set.record.txn, Txn(SetAcl("/mine", {Acl{perm::kAll, "digest", kAlice}}, 0)));
  ExpectError(Prepare(SetDataReq("/mine", "x"), 0, Bob()), Code::kNoAuth);
  ExpectError(Prepare(SetAclReq("/mine", {Acl{perm::kAll, "auth", ""}}, -1), 0, Super()),
              Code::kInvalidAcl);
  p_.Drain();
}

// --- sessions and ephemerals --------------------------------------------------------------------

TEST_F(PreparerTest, EphemeralOwnerIsTheRequestingSession) {
  Commit(SessionReq(5, 1000));
  Prepared p = PrepareOk(CreateReq("/e", "d", NodeKind::kEphemeral), 5);
  EXPECT_EQ(AsCreate(p).ephemeral_owner, 5);
  EXPECT_EQ(AsCreate(p).kind, NodeKind::kEphemeral);
  // A persistent node created by a session has no owner.
  EXPECT_EQ(AsCreate(PrepareOk(CreateReq("/p"), 5)).ephemeral_owner, 0);
  // Ephemerals cannot have children, already while pending.
  ExpectError(Prepare(CreateReq("/e/c"), 5), Code::kNoChildrenForEphemerals);
  p_.Drain();
  EXPECT_EQ(StatOf(tree_, "/e").ephemeral_owner, 5);
  EXPECT_EQ(tree_.EphemeralPaths(5), (std::vector<std::string>{"/e"}));
}

TEST_F(PreparerTest, SessionLifecycleInThePipeline) {
  // A pending session can own ephemerals; a pending close ends that.
  PrepareOk(SessionReq(7, 500));
  ExpectError(Prepare(SessionReq(7, 500)), Code::kBadArguments);
  ExpectError(Prepare(SessionReq(0, 500)), Code::kBadArguments);
  ExpectError(Prepare(SessionReq(8, 0)), Code::kBadArguments);
  PrepareOk(CreateReq("/e7", "", NodeKind::kEphemeral), 7);
  Prepared close = PrepareOk(CloseReq(7));
  EXPECT_EQ(close.record.txn, Txn(CloseTxn(7)));
  ExpectError(Prepare(CreateReq("/e7b", "", NodeKind::kEphemeral), 7), Code::kSessionExpired);
  ExpectError(Prepare(CloseReq(7)), Code::kSessionExpired);
  ExpectError(Prepare(CloseReq(12345)), Code::kSessionExpired);
  // The id can be reused once closed.
  PrepareOk(SessionReq(7, 900));
  p_.Drain();
  EXPECT_FALSE(Exists(tree_, "/e7"));
  EXPECT_EQ(tree_.SessionTimeout(7), 900);
}

TEST_F(PreparerTest, CloseSessionDeletesCommittedAndPendingEphemerals) {
  Commit(SessionReq(1, 1000));
  Commit(SessionReq(2, 1000));
  Commit(CreateReq("/dir"));
  Commit(CreateReq("/dir/c1", "", NodeKind::kEphemeral), 1);
  Commit(CreateReq("/c2", "", NodeKind::kEphemeral), 1);
  Commit(CreateReq("/dir/gone", "", NodeKind::kEphemeral), 1);
  Commit(CreateReq("/other", "", NodeKind::kEphemeral), 2);
  // Pending: a new ephemeral, a change to a committed one, the removal of another.
  PrepareOk(CreateReq("/dir/p1", "", NodeKind::kEphemeral), 1);
  PrepareOk(SequentialReq("/dir/s-", NodeKind::kEphemeral), 1);
  PrepareOk(SetDataReq("/c2", "touched"), 1);
  PrepareOk(DeleteReq("/dir/gone"), 1);
  PrepareOk(CloseReq(1));
  // Every ephemeral of session 1 is pending-deleted now: the names are free, /dir is empty.
  for (const char* path : {"/dir/c1", "/c2", "/dir/p1", "/dir/s-0000000000", "/dir/gone"}) {
    ExpectError(Prepare(SetDataReq(path, "x")), Code::kNoNode);
  }
  PrepareOk(CreateReq("/c2", "persistent now"), 2);
  PrepareOk(CreateReq("/dir/c1", "", NodeKind::kEphemeral), 2);
  PrepareOk(DeleteReq("/dir/c1"));
  PrepareOk(DeleteReq("/dir"));
  p_.Drain();
  EXPECT_FALSE(tree_.SessionExists(1));
  EXPECT_EQ(AllPaths(tree_), (std::vector<std::string>{"/", "/c2", "/other"}));
  EXPECT_EQ(DataOf(tree_, "/c2"), "persistent now");
  EXPECT_EQ(StatOf(tree_, "/c2").ephemeral_owner, 0);
  EXPECT_EQ(tree_.EphemeralPaths(2), (std::vector<std::string>{"/other"}));
}

TEST_F(PreparerTest, CloseAfterPartialApply) {
  Commit(SessionReq(1, 1000));
  PrepareOk(CreateReq("/a", "", NodeKind::kEphemeral), 1);
  PrepareOk(CreateReq("/b", "", NodeKind::kEphemeral), 1);
  p_.ApplyNext();  // /a is committed and retired; /b is still pending
  PrepareOk(CloseReq(1));
  PrepareOk(CreateReq("/a"));
  PrepareOk(CreateReq("/b"));
  p_.Drain();
  EXPECT_EQ(StatOf(tree_, "/a").ephemeral_owner, 0);
  EXPECT_EQ(StatOf(tree_, "/b").ephemeral_owner, 0);
}

// --- multi --------------------------------------------------------------------------------------

TEST_F(PreparerTest, FailedMultiYieldsErrorTxnWithTheFailedOp) {
  Commit(CreateReq("/a"));
  Prepared p = Prepare(MultiRequest{
      {CreateReq("/m"), CreateReq("/m/x"), SetDataReq("/nope", "x"), CreateReq("/z")}});
  ExpectError(p, Code::kNoNode, 2);
  EXPECT_NE(p.status.message().find("multi op 2"), std::string::npos) << p.status.message();
  // Nothing of the failed multi stays pending.
  EXPECT_EQ(p_.prep.pending_changes(), 0u);
  PrepareOk(CreateReq("/m"));
  ExpectError(Prepare(MultiRequest{{CreateReq("/a")}}), Code::kNodeExists, 0);
  ExpectError(Prepare(MultiRequest{{CheckReq("/a", 0), CheckReq("/a", 1)}}), Code::kBadVersion, 1);
  ExpectError(Prepare(MultiRequest{{DeleteReq("/a"), SetDataReq("/a", "x")}}), Code::kNoNode, 1);
  std::vector<ApplyResult> results = p_.Drain();
  EXPECT_EQ(results[0].status.code(), Code::kNoNode);
  EXPECT_TRUE(results[0].ops.empty());
  EXPECT_EQ(AllPaths(tree_), (std::vector<std::string>{"/", "/a", "/m"}));
}

TEST_F(PreparerTest, SuccessfulMultiResolvesEveryOp) {
  Commit(CreateReq("/q"));
  Commit(SessionReq(3, 100));
  Prepared p =
      PrepareOk(MultiRequest{{CreateReq("/m"), SequentialReq("/q/s-"), SequentialReq("/q/s-"),
                              CreateReq("/m/e", "", NodeKind::kEphemeral), SetDataReq("/m", "d", 0),
                              CheckReq("/m", 1), SetAclReq("/m", WorldAcl(perm::kAll), 0),
                              DeleteReq("/q/s-0000000000")}},
                3);
  const auto& multi = std::get<MultiTxn>(p.record.txn);
  ASSERT_EQ(multi.ops.size(), 8u);
  EXPECT_EQ(std::get<CreateTxn>(multi.ops[1]).path, "/q/s-0000000000");
  EXPECT_EQ(std::get<CreateTxn>(multi.ops[2]).path, "/q/s-0000000001");
  EXPECT_EQ(std::get<CreateTxn>(multi.ops[3]).ephemeral_owner, 3);
  EXPECT_EQ(multi.ops[4], MultiOpTxn(SetData("/m", "d", 0)));
  EXPECT_EQ(multi.ops[5], MultiOpTxn(Check("/m", 1)));
  EXPECT_EQ(multi.ops[7], MultiOpTxn(Delete("/q/s-0000000000")));
  // The multi's effects are pending for the next request.
  EXPECT_EQ(AsCreate(PrepareOk(SequentialReq("/q/s-"))).path, "/q/s-0000000002");
  ExpectError(Prepare(SetDataReq("/m", "x", 0)), Code::kBadVersion);
  p_.Drain();
  EXPECT_EQ(ChildrenOf(tree_, "/q"), (std::vector<std::string>{"s-0000000001", "s-0000000002"}));
  EXPECT_EQ(tree_.EphemeralPaths(3), (std::vector<std::string>{"/m/e"}));
}

// --- reaping ------------------------------------------------------------------------------------

TEST_F(PreparerTest, ReapRequestsFollowDueness) {
  Commit(CreateReq("/c", "", NodeKind::kContainer));
  ExpectError(Prepare(ReapReq("/c")), Code::kBadArguments);  // never had a child
  Commit(CreateReq("/c/x"));
  ExpectError(Prepare(ReapReq("/c")), Code::kNotEmpty);
  PrepareOk(DeleteReq("/c/x"));
  // Due once the pending delete applies.
  Prepared reap = PrepareOk(ReapReq("/c"));
  EXPECT_EQ(reap.record.txn, Txn(Reap("/c")));
  ExpectError(Prepare(ReapReq("/c")), Code::kNoNode);
  p_.Drain();
  EXPECT_FALSE(Exists(tree_, "/c"));

  // A pending create in the container makes a reap fail.
  Commit(CreateReq("/c2", "", NodeKind::kContainer));
  Commit(CreateReq("/c2/x"));
  Commit(DeleteReq("/c2/x"));
  PrepareOk(CreateReq("/c2/y"));
  ExpectError(Prepare(ReapReq("/c2")), Code::kNotEmpty);

  // TTL nodes are judged at the request's time.
  p_.time_ms = 1000;
  CreateRequest ttl = CreateReq("/t", "", NodeKind::kTtl);
  ttl.ttl_ms = 50;
  PrepareOk(ttl);
  p_.time_ms = 1049;
  ExpectError(Prepare(ReapReq("/t")), Code::kBadArguments);
  p_.time_ms = 1050;
  PrepareOk(ReapReq("/t"));
  ExpectError(Prepare(ReapReq("/persistent")), Code::kNoNode);
  p_.Drain();
  EXPECT_FALSE(Exists(tree_, "/t"));
}

}  // namespace
}  // namespace coord
