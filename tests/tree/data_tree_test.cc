#include "coord/tree/data_tree.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "coord/base/prng.h"
#include "tests/tree/tree_test_util.h"

namespace coord {
namespace {

using namespace testing_util;  // NOLINT: test helpers

using T = WatchEventType;

class DataTreeTest : public ::testing::Test {
 protected:
  ApplyResult Apply(const Txn& txn) { return h_.Apply(txn); }
  ApplyResult Ok(const Txn& txn) { return h_.Ok(txn); }

  // Applies a transaction that must fail with `code` and change nothing but last_zxid.
  ApplyResult Fails(const Txn& txn, Code code) {
    const TreeDump before = Dump(h_.tree);
    ApplyResult r = Apply(txn);
    EXPECT_EQ(r.status.code(), code) << r.status.ToString();
    EXPECT_FALSE(r.status.message().empty());
    EXPECT_TRUE(r.triggers.empty());
    TreeDump after = Dump(h_.tree);
    EXPECT_EQ(after.last_zxid, h_.zxid);
    after.last_zxid = before.last_zxid;
    EXPECT_EQ(after, before) << KindName(txn) << " changed the tree although it failed";
    EXPECT_EQ(h_.tree.ComputeDigest(), h_.tree.digest());
    return r;
  }

  Stat Get(std::string_view path) { return StatOf(h_.tree, path); }

  TreeHarness h_;
  DataTree& tree_ = h_.tree;
};

// --- create -------------------------------------------------------------------------------------

TEST_F(DataTreeTest, EmptyTreeHasOnlyTheRoot) {
  EXPECT_EQ(tree_.node_count(), 1u);
  EXPECT_EQ(tree_.last_zxid(), 0u);
  EXPECT_EQ(Get("/"), Stat{});
  EXPECT_TRUE(ChildrenOf(tree_, "/").empty());
  AclList acl;
  ASSERT_TRUE(tree_.GetAcl("/", &acl, nullptr).ok());
  EXPECT_EQ(acl, OpenAcl());
  EXPECT_EQ(tree_.digest(), tree_.ComputeDigest());
  EXPECT_TRUE(tree_.Sessions().empty());
}

TEST_F(DataTreeTest, CreateSetsEveryStatField) {
  h_.time_ms = 5000;
  ApplyResult r = Ok(Create("/a", "hello"));
  EXPECT_EQ(r.path, "/a");
  const Stat expected{.czxid = 1,
                      .mzxid = 1,
                      .pzxid = 1,
                      .ctime_ms = 5000,
                      .mtime_ms = 5000,
                      .version = 0,
                      .cversion = 0,
                      .aversion = 0,
                      .ephemeral_owner = 0,
                      .data_length = 5,
                      .num_children = 0};
  EXPECT_EQ(r.stat, expected);
  EXPECT_EQ(Get("/a"), expected);
  EXPECT_EQ(DataOf(tree_, "/a"), "hello");
  // The parent: one more child, cversion and pzxid move, its data stat does not.
  EXPECT_EQ(Get("/"), (Stat{.pzxid = 1, .cversion = 1, .num_children = 1}));
  EXPECT_EQ(tree_.node_count(), 2u);
  EXPECT_EQ(tree_.last_zxid(), 1u);
  EXPECT_EQ(*tree_.GetKind("/a"), NodeKind::kPersistent);
}

TEST_F(DataTreeTest, CreateChildMovesParentPzxidAndCversionOnly) {
  h_.time_ms = 100;
  Ok(Create("/p", "x"));
  h_.time_ms = 200;
  Ok(Create("/p/a"));
  h_.time_ms = 300;
  Ok(Create("/p/b", "bb"));
  EXPECT_EQ(Get("/p"), (Stat{.czxid = 1,
                             .mzxid = 1,
                             .pzxid = 3,
                             .ctime_ms = 100,
                             .mtime_ms = 100,
                             .cversion = 2,
                             .data_length = 1,
                             .num_children = 2}));
  EXPECT_EQ(
      Get("/p/b"),
      (Stat{
          .czxid = 3, .mzxid = 3, .pzxid = 3, .ctime_ms = 300, .mtime_ms = 300, .data_length = 2}));
  EXPECT_EQ(ChildrenOf(tree_, "/p"), (std::vector<std::string>{"a", "b"}));
}

TEST_F(DataTreeTest, CreateStoresAclAndKind) {
  CreateTxn t = Create("/secure", "s");
  t.acl = {Acl{perm::kRead, "world", "anyone"},
           Acl{perm::kAll, "digest", "alice:XbUx6iS/3n2bZTs9b5M6XqW+3sU="}};
  Ok(t);
  AclList acl;
  Stat stat;
  ASSERT_TRUE(tree_.GetAcl("/secure", &acl, &stat).ok());
  EXPECT_EQ(acl, t.acl);
  EXPECT_EQ(stat, Get("/secure"));
  Ok(Container("/c"));
  Ok(Ttl("/t", 50));
  EXPECT_EQ(*tree_.GetKind("/c"), NodeKind::kContainer);
  EXPECT_EQ(*tree_.GetKind("/t"), NodeKind::kTtl);
  EXPECT_EQ(tree_.Find("/t")->ttl_ms, 50);
  EXPECT_EQ(tree_.GetKind("/nope").code(), Code::kNoNode);
}

TEST_F(DataTreeTest, CreateErrors) {
  Ok(Create("/a"));
  Ok(SessionTxn(7, 1000));
  Ok(Ephemeral("/e", 7));

  EXPECT_NE(Fails(Create("/x/y"), Code::kNoNode).status.message().find("/x"), std::string::npos);
  Fails(Create("/a"), Code::kNodeExists);
  Fails(Create("/"), Code::kNodeExists);
  Fails(Create("/e/child"), Code::kNoChildrenForEphemerals);
  Fails(Ephemeral("/e/child", 7), Code::kNoChildrenForEphemerals);
  Fails(Create("a"), Code::kInvalidPath);
  Fails(Create("/a/"), Code::kInvalidPath);
  Fails(Create("/a/../b"), Code::kInvalidPath);
  Fails(Create(std::string("/a\0", 3)), Code::kInvalidPath);

  CreateTxn no_acl = Create("/b");
  no_acl.acl = {};
  Fails(no_acl, Code::kInvalidAcl);
  CreateTxn bad_acl = Create("/b");
  bad_acl.acl = {Acl{perm::kAll, "world", "someone"}};
  Fails(bad_acl, Code::kInvalidAcl);
  CreateTxn auth_acl = Create("/b");
  auth_acl.acl = {Acl{perm::kAll, "auth", ""}};  // must have been expanded by the Preparer
  Fails(auth_acl, Code::kInvalidAcl);

  // Ephemerals need a live owner.
  Fails(Ephemeral("/b", 99), Code::kSessionExpired);
  Fails(Ephemeral("/b", 0), Code::kSessionExpired);

  // TTL arguments.
  Fails(Ttl("/b", 0), Code::kBadArguments);
  Fails(Ttl("/b", -5), Code::kBadArguments);
  CreateTxn persistent_ttl = Create("/b");
  persistent_ttl.ttl_ms = 10;
  Fails(persistent_ttl, Code::kBadArguments);
  CreateTxn container_ttl = Container("/b");
  container_ttl.ttl_ms = 10;
  Fails(container_ttl, Code::kBadArguments);
  CreateTxn ephemeral_ttl = Ephemeral("/b", 7);
  ephemeral_ttl.ttl_ms = 10;
  Fails(ephemeral_ttl, Code::kBadArguments);
  CreateTxn owned_persistent = Create("/b");
  owned_persistent.ephemeral_owner = 7;
  Fails(owned_persistent, Code::kBadArguments);
  CreateTxn owned_ttl = Ttl("/b", 10);
  owned_ttl.ephemeral_owner = 7;
  Fails(owned_ttl, Code::kBadArguments);

  EXPECT_FALSE(Exists(tree_, "/b"));
}

TEST(DataTreeLimitsTest, DataSizeLimitIsConfigurable) {
  TreeHarness h(TreeLimits{.max_data_bytes = 4});
  EXPECT_EQ(h.tree.limits().max_data_bytes, 4u);
  h.Ok(Create("/a", "1234"));
  const uint64_t digest = h.tree.digest();
  EXPECT_EQ(h.Apply(Create("/b", "12345")).status.code(), Code::kTooLarge);
  EXPECT_EQ(h.Apply(SetData("/a", "12345")).status.code(), Code::kTooLarge);
  EXPECT_EQ(h.Apply(MultiTxn{{Create("/c"), SetData("/c", "xxxxxx")}}).status.code(),
            Code::kTooLarge);
  EXPECT_EQ(h.tree.digest(), digest);
  EXPECT_FALSE(Exists(h.tree, "/b"));
  EXPECT_FALSE(Exists(h.tree, "/c"));
  EXPECT_EQ(DataOf(h.tree, "/a"), "1234");
  h.Ok(SetData("/a", ""));

  // The default is 1 MiB.
  TreeHarness d;
  EXPECT_EQ(d.tree.limits().max_data_bytes, 1u << 20);
  d.Ok(Create("/max", std::string(1 << 20, 'x')));
  EXPECT_EQ(d.Apply(Create("/over", std::string((1 << 20) + 1, 'x'))).status.code(),
            Code::kTooLarge);
  EXPECT_EQ(StatOf(d.tree, "/max").data_length, 1 << 20);
}

TEST_F(DataTreeTest, SequentialCreatesAdvanceTheParentCounter) {
  Ok(Create("/q"));
  EXPECT_EQ(tree_.Find("/q")->next_sequence, 0u);
  Ok(Sequential("/q/n0000000000"));
  Ok(Sequential("/q/n0000000001"));
  EXPECT_EQ(tree_.Find("/q")->next_sequence, 2u);
  // Plain creates and deletes do not move it; it never goes back.
  Ok(Create("/q/plain"));
  Ok(Delete("/q/n0000000000"));
  Ok(Delete("/q/n0000000001"));
  EXPECT_EQ(tree_.Find("/q")->next_sequence, 2u);
  EXPECT_EQ(Get("/q").cversion, 5);
  // The counter of the root works the same way.
  Ok(Sequential("/r0000000000"));
  EXPECT_EQ(tree_.Find("/")->next_sequence, 1u);
}

TEST_F(DataTreeTest, BinaryAndLargeDataRoundTrip) {
  const std::string binary("\0\x01\xff\0tail", 8);
  Ok(Create("/bin", binary));
  EXPECT_EQ(DataOf(tree_, "/bin"), binary);
  EXPECT_EQ(Get("/bin").data_length, 8);
  // Grow past the inline buffer, shrink back, with a long name as well.
  const std::string name = "/" + std::string(200, 'n');
  Ok(Create(name, "small"));
  for (size_t size : {0, 10, 47, 48, 49, 4096, 3, 100000, 0, 1}) {
    std::string data(size, static_cast<char>('a' + size % 26));
    Ok(SetData(name, data));
    Ok(SetData("/bin", data));
    EXPECT_EQ(DataOf(tree_, name), data);
    EXPECT_EQ(DataOf(tree_, "/bin"), data);
    EXPECT_EQ(ChildrenOf(tree_, "/"), (std::vector<std::string>{"bin", name.substr(1)}));
  }
  EXPECT_EQ(tree_.digest(), tree_.ComputeDigest());
}

// --- delete -------------------------------------------------------------------------------------

TEST_F(DataTreeTest, DeleteRemovesTheNodeAndUpdatesTheParent) {
  h_.time_ms = 10;
  Ok(Create("/p", "d"));
  Ok(Create("/p/c"));
  h_.time_ms = 20;
  ApplyResult r = Ok(Delete("/p/c", 0));
  EXPECT_EQ(r.triggers, (std::vector<WatchTrigger>{{T::kNodeDeleted, "/p/c"},
                                                   {T::kNodeChildrenChanged, "/p"}}));
  EXPECT_FALSE(Exists(tree_, "/p/c"));
  Stat gone;
  EXPECT_EQ(tree_.GetStat("/p/c", &gone).code(), Code::kNoNode);
  // cversion counts creations and deletions; pzxid is the deleting zxid; mzxid/mtime stay.
  EXPECT_EQ(Get("/p"), (Stat{.czxid = 1,
                             .mzxid = 1,
                             .pzxid = 3,
                             .ctime_ms = 10,
                             .mtime_ms = 10,
                             .cversion = 2,
                             .data_length = 1,
                             .num_children = 0}));
  EXPECT_EQ(tree_.node_count(), 2u);
  // A node can be re-created; it is a new node.
  Ok(Create("/p/c"));
  EXPECT_EQ(Get("/p/c").czxid, 4u);
  EXPECT_EQ(Get("/p").cversion, 3);
}

TEST_F(DataTreeTest, DeleteErrors) {
  Ok(Create("/p"));
  Ok(Create("/p/c"));
  Ok(SetData("/p", "v1"));
  Fails(Delete("/nope"), Code::kNoNode);
  Fails(Delete("/p/nope"), Code::kNoNode);
  Fails(Delete("/p/c", 1), Code::kBadVersion);
  Fails(Delete("/p", 0), Code::kBadVersion);
  // The version is checked before emptiness (ZooKeeper's order).
  Fails(Delete("/p", 1), Code::kNotEmpty);
  Fails(Delete("/p"), Code::kNotEmpty);
  Fails(Delete("/"), Code::kBadArguments);
  Fails(Delete("p"), Code::kInvalidPath);
  Fails(Delete("/p/"), Code::kInvalidPath);
  Ok(Delete("/p/c", 0));
  Ok(Delete("/p", 1));
  EXPECT_EQ(tree_.node_count(), 1u);
}

// --- set_data, set_acl, check -------------------------------------------------------------------

TEST_F(DataTreeTest, SetDataUpdatesVersionMzxidMtimeAndLength) {
  h_.time_ms = 10;
  Ok(Create("/a", "one"));
  Ok(Create("/a/child"));
  h_.time_ms = 99;
  ApplyResult r = Ok(SetData("/a", "three", 0));
  const Stat expected{.czxid = 1,
                      .mzxid = 3,
                      .pzxid = 2,
                      .ctime_ms = 10,
                      .mtime_ms = 99,
                      .version = 1,
                      .cversion = 1,
                      .data_length = 5,
                      .num_children = 1};
  EXPECT_EQ(r.stat, expected);
  EXPECT_EQ(Get("/a"), expected);
  EXPECT_EQ(r.triggers, (std::vector<WatchTrigger>{{T::kNodeDataChanged, "/a"}}));
  EXPECT_EQ(DataOf(tree_, "/a"), "three");
  // Same data again is still a change.
  Ok(SetData("/a", "three", 1));
  EXPECT_EQ(Get("/a").version, 2);
  EXPECT_EQ(Get("/a").mzxid, 4u);
  // The root's data can be set too.
  Ok(SetData("/", "root"));
  EXPECT_EQ(Get("/").version, 1);
  EXPECT_EQ(DataOf(tree_, "/"), "root");
}

TEST_F(DataTreeTest, SetDataErrors) {
  Ok(Create("/a"));
  Ok(SetData("/a", "x"));
  Fails(SetData("/nope", "x"), Code::kNoNode);
  Fails(SetData("/a", "y", 0), Code::kBadVersion);
  Fails(SetData("/a", "y", 2), Code::kBadVersion);
  Fails(SetData("/a/", "y"), Code::kInvalidPath);
  Ok(SetData("/a", "y", 1));
}

TEST_F(DataTreeTest, SetAclComparesAversionAndChangesOnlyAcl) {
  h_.time_ms = 10;
  Ok(Create("/a", "d"));
  Ok(SetData("/a", "dd"));  // version 1, aversion 0
  const AclList read_only = {Acl{perm::kRead, "world", "anyone"}};
  Fails(SetAcl("/a", read_only, 1), Code::kBadVersion);  // compared with aversion, not version
  h_.time_ms = 50;
  ApplyResult r = Ok(SetAcl("/a", read_only, 0));
  EXPECT_TRUE(r.triggers.empty());  // ACL changes fire no watch (ZooKeeper)
  const Stat expected{.czxid = 1,
                      .mzxid = 2,
                      .pzxid = 1,
                      .ctime_ms = 10,
                      .mtime_ms = 10,
                      .version = 1,
                      .aversion = 1,
                      .data_length = 2};
  EXPECT_EQ(r.stat, expected);
  EXPECT_EQ(Get("/a"), expected);
  AclList acl;
  ASSERT_TRUE(tree_.GetAcl("/a", &acl, nullptr).ok());
  EXPECT_EQ(acl, read_only);
  Ok(SetAcl("/a", OpenAcl(), 1));
  ASSERT_TRUE(tree_.GetAcl("/a", &acl, nullptr).ok());
  EXPECT_EQ(acl, OpenAcl());
  EXPECT_EQ(Get("/a").aversion, 2);
  Fails(SetAcl("/a", read_only, 0), Code::kBadVersion);
  Fails(SetAcl("/nope", read_only), Code::kNoNode);
  Fails(SetAcl("/a", {}), Code::kInvalidAcl);
  Fails(SetAcl("/a", {Acl{0, "world", "anyone"}}), Code::kInvalidAcl);
  Fails(SetAcl("a", read_only), Code::kInvalidPath);
}

TEST_F(DataTreeTest, SharedAclsStayCorrectWhenNodesChange) {
  const AclList a = {Acl{perm::kRead, "ip", "10.0.0.0/8"}};
  const AclList b = {Acl{perm::kAdmin, "world", "anyone"}};
  for (const char* path : {"/1", "/2", "/3"}) {
    CreateTxn t = Create(path);
    t.acl = a;
    Ok(t);
  }
  Ok(SetAcl("/2", b));
  Ok(Delete("/1"));
  Ok(SetAcl("/3", b));
  CreateTxn t = Create("/4");
  t.acl = a;
  Ok(t);
  AclList acl;
  for (auto [path, want] : std::vector<std::pair<const char*, AclList>>{
           {"/2", b}, {"/3", b}, {"/4", a}, {"/", OpenAcl()}}) {
    ASSERT_TRUE(tree_.GetAcl(path, &acl, nullptr).ok());
    EXPECT_EQ(acl, want) << path;
  }
}

TEST_F(DataTreeTest, CheckValidatesWithoutChanging) {
  Ok(Create("/a"));
  Ok(SetData("/a", "x"));
  const uint64_t digest = tree_.digest();
  ApplyResult r = Ok(Check("/a", 1));
  EXPECT_TRUE(r.triggers.empty());
  Ok(Check("/a"));
  EXPECT_EQ(tree_.digest(), digest);
  EXPECT_EQ(Get("/a").version, 1);
  Fails(Check("/a", 0), Code::kBadVersion);
  Fails(Check("/nope"), Code::kNoNode);
  Fails(Check("/a//"), Code::kInvalidPath);
}

// --- sessions -----------------------------------------------------------------------------------

TEST_F(DataTreeTest, CreateSessionErrors) {
  EXPECT_TRUE(Ok(SessionTxn(5, 3000)).triggers.empty());
  EXPECT_TRUE(tree_.SessionExists(5));
  EXPECT_EQ(tree_.SessionTimeout(5), 3000);
  EXPECT_EQ(tree_.SessionTimeout(6), std::nullopt);
  Fails(SessionTxn(5, 1000), Code::kBadArguments);
  Fails(SessionTxn(0, 1000), Code::kBadArguments);
  Fails(SessionTxn(6, 0), Code::kBadArguments);
  Fails(SessionTxn(6, -1), Code::kBadArguments);
  EXPECT_EQ(tree_.SessionTimeout(5), 3000);
  Ok(SessionTxn(-3, 10));
  Ok(SessionTxn(2, 20));
  EXPECT_EQ(tree_.Sessions(),
            (std::vector<std::pair<SessionId, int32_t>>{{-3, 10}, {2, 20}, {5, 3000}}));
}

TEST_F(DataTreeTest, EphemeralsAreOwnedAndListedPerSession) {
  Ok(SessionTxn(1, 1000));
  Ok(SessionTxn(2, 1000));
  Ok(Create("/p"));
  Ok(Ephemeral("/p/z", 1));
  Ok(Ephemeral("/e", 1, "data"));
  Ok(Ephemeral("/p/a", 1));
  Ok(Ephemeral("/p/b", 2));
  EXPECT_EQ(Get("/e").ephemeral_owner, 1);
  EXPECT_EQ(Get("/p/b").ephemeral_owner, 2);
  EXPECT_EQ(Get("/p").ephemeral_owner, 0);
  EXPECT_EQ(tree_.EphemeralPaths(1), (std::vector<std::string>{"/e", "/p/a", "/p/z"}));
  EXPECT_EQ(tree_.EphemeralPaths(2), (std::vector<std::string>{"/p/b"}));
  EXPECT_TRUE(tree_.EphemeralPaths(3).empty());
  // Deleting an ephemeral by hand unlists it.
  Ok(Delete("/p/z"));
  EXPECT_EQ(tree_.EphemeralPaths(1), (std::vector<std::string>{"/e", "/p/a"}));
}

TEST_F(DataTreeTest, CloseSessionRemovesItsEphemeralsWithTriggers) {
  Ok(SessionTxn(1, 1000));
  Ok(SessionTxn(2, 1000));
  Ok(Create("/p"));
  Ok(Ephemeral("/p/x", 1));
  Ok(Ephemeral("/e", 1));
  Ok(Ephemeral("/p/y", 2));
  ApplyResult r = Ok(CloseTxn(1));
  const Zxid close_zxid = h_.zxid;
  EXPECT_EQ(r.triggers, (std::vector<WatchTrigger>{{T::kNodeDeleted, "/e"},
                                                   {T::kNodeChildrenChanged, "/"},
                                                   {T::kNodeDeleted, "/p/x"},
                                                   {T::kNodeChildrenChanged, "/p"}}));
  EXPECT_FALSE(tree_.SessionExists(1));
  EXPECT_FALSE(Exists(tree_, "/p/x"));
  EXPECT_FALSE(Exists(tree_, "/e"));
  EXPECT_TRUE(Exists(tree_, "/p/y"));
  EXPECT_TRUE(tree_.EphemeralPaths(1).empty());
  EXPECT_EQ(Get("/p").pzxid, close_zxid);
  EXPECT_EQ(Get("/p").cversion, 3);
  EXPECT_EQ(Get("/").pzxid, close_zxid);
  EXPECT_EQ(tree_.Sessions(), (std::vector<std::pair<SessionId, int32_t>>{{2, 1000}}));
  Fails(CloseTxn(1), Code::kSessionExpired);
  Fails(CloseTxn(42), Code::kSessionExpired);
  // A closed session cannot own new ephemerals; a session without any closes cleanly.
  Fails(Ephemeral("/again", 1), Code::kSessionExpired);
  Ok(SessionTxn(3, 1));
  EXPECT_TRUE(Ok(CloseTxn(3)).triggers.empty());
  EXPECT_EQ(tree_.digest(), tree_.ComputeDigest());
}

// --- error transactions and zxid order ----------------------------------------------------------

TEST_F(DataTreeTest, ErrorTxnChangesNothing) {
  Ok(Create("/a"));
  ApplyResult r = Fails(Error(Code::kNoAuth, -1), Code::kNoAuth);
  EXPECT_TRUE(r.ops.empty());
  Fails(Error(Code::kNodeExists, 2), Code::kNodeExists);
  EXPECT_EQ(tree_.last_zxid(), 3u);
}

TEST_F(DataTreeTest, LastZxidFollowsEveryAppliedTxn) {
  EXPECT_EQ(tree_.Apply(Create("/a"), MakeZxid(1, 1), 0).status.code(), Code::kOk);
  EXPECT_EQ(tree_.last_zxid(), MakeZxid(1, 1));
  // Failed transactions also advance it; gaps are allowed.
  EXPECT_EQ(tree_.Apply(Create("/a"), MakeZxid(1, 5), 0).status.code(), Code::kNodeExists);
  EXPECT_EQ(tree_.last_zxid(), MakeZxid(1, 5));
  EXPECT_TRUE(tree_.Apply(Create("/b"), MakeZxid(2, 1), 0).status.ok());
  EXPECT_EQ(StatOf(tree_, "/b").czxid, MakeZxid(2, 1));
}

TEST(DataTreeDeathTest, ApplyingOutOfZxidOrderIsABug) {
  DataTree tree;
  ASSERT_TRUE(tree.Apply(Create("/a"), 5, 0).status.ok());
  EXPECT_DEATH(tree.Apply(Create("/b"), 5, 0), "zxid order");
  EXPECT_DEATH(tree.Apply(Create("/b"), 4, 0), "zxid order");
}

// --- children -----------------------------------------------------------------------------------

TEST_F(DataTreeTest, GetChildrenIsSortedAndPaged) {
  Ok(Create("/p"));
  for (const char* name : {"b", "a", "c", "aa", "B", "0", "a0"}) {
    Ok(Create(std::string("/p/") + name));
  }
  Ok(Create("/p/a/deeper"));
  const std::vector<std::string> all = {"0", "B", "a", "a0", "aa", "b", "c"};
  EXPECT_EQ(ChildrenOf(tree_, "/p"), all);

  ChildPage page;
  Stat stat;
  ASSERT_TRUE(tree_.GetChildren("/p", "", 3, &page, &stat).ok());
  EXPECT_EQ(page.names, (std::vector<std::string>{"0", "B", "a"}));
  EXPECT_TRUE(page.more);
  EXPECT_EQ(stat, Get("/p"));
  ASSERT_TRUE(tree_.GetChildren("/p", "a", 3, &page, nullptr).ok());
  EXPECT_EQ(page.names, (std::vector<std::string>{"a0", "aa", "b"}));
  EXPECT_TRUE(page.more);
  ASSERT_TRUE(tree_.GetChildren("/p", "b", 3, &page, nullptr).ok());
  EXPECT_EQ(page.names, (std::vector<std::string>{"c"}));
  EXPECT_FALSE(page.more);
  // A page that ends exactly at the last child has no more.
  ASSERT_TRUE(tree_.GetChildren("/p", "aa", 2, &page, nullptr).ok());
  EXPECT_EQ(page.names, (std::vector<std::string>{"b", "c"}));
  EXPECT_FALSE(page.more);
  ASSERT_TRUE(tree_.GetChildren("/p", "c", 3, &page, nullptr).ok());
  EXPECT_TRUE(page.names.empty());
  EXPECT_FALSE(page.more);
  // The cursor need not be a child's name.
  ASSERT_TRUE(tree_.GetChildren("/p", "ab", 0, &page, nullptr).ok());
  EXPECT_EQ(page.names, (std::vector<std::string>{"b", "c"}));
  ASSERT_TRUE(tree_.GetChildren("/p", "Z", 1, &page, nullptr).ok());
  EXPECT_EQ(page.names, (std::vector<std::string>{"a"}));
  EXPECT_TRUE(page.more);
  // Walking page by page yields every child once.
  std::vector<std::string> walked;
  std::string after;
  do {
    ASSERT_TRUE(tree_.GetChildren("/p", after, 2, &page, nullptr).ok());
    walked.insert(walked.end(), page.names.begin(), page.names.end());
    if (!page.names.empty()) after = page.names.back();
  } while (page.more);
  EXPECT_EQ(walked, all);

  // A leaf has none; a missing node is no_node; an old page is cleared.
  ASSERT_TRUE(tree_.GetChildren("/p/c", "", 0, &page, nullptr).ok());
  EXPECT_TRUE(page.names.empty());
  EXPECT_FALSE(page.more);
  EXPECT_EQ(tree_.GetChildren("/nope", "", 0, &page, nullptr).code(), Code::kNoNode);
}

TEST_F(DataTreeTest, ReadsOfMissingOrMalformedPathsAreNoNode) {
  Ok(Create("/a", "x"));
  Ok(Create("/a/b"));
  std::string data;
  Stat stat;
  AclList acl;
  ChildPage page;
  for (const char* path : {"/nope", "/a/nope", "/a/b/c", "a", "", "/a/", "//a", "/a//b", "/./a"}) {
    EXPECT_EQ(tree_.GetStat(path, &stat).code(), Code::kNoNode) << path;
    EXPECT_EQ(tree_.GetData(path, &data, &stat).code(), Code::kNoNode) << path;
    EXPECT_EQ(tree_.GetAcl(path, &acl, &stat).code(), Code::kNoNode) << path;
    EXPECT_EQ(tree_.GetChildren(path, "", 0, &page, &stat).code(), Code::kNoNode) << path;
    EXPECT_FALSE(tree_.Find(path).has_value()) << path;
  }
}

// --- containers and TTL nodes -------------------------------------------------------------------

TEST_F(DataTreeTest, ContainerIsDueOnlyAfterItsLastChildIsGone) {
  Ok(Container("/c"));
  EXPECT_TRUE(tree_.DueForRemoval(0).empty());
  EXPECT_TRUE(tree_.DueForRemoval(INT64_MAX).empty()) << "never had a child";
  Fails(Reap("/c"), Code::kBadArguments);
  Ok(Create("/c/1"));
  Ok(Create("/c/2"));
  Ok(Delete("/c/1"));
  EXPECT_TRUE(tree_.DueForRemoval(INT64_MAX).empty()) << "still has a child";
  Fails(Reap("/c"), Code::kNotEmpty);
  Ok(Delete("/c/2"));
  EXPECT_EQ(tree_.DueForRemoval(0), (std::vector<std::string>{"/c"}));
  ApplyResult r = Ok(Reap("/c"));
  EXPECT_EQ(r.triggers,
            (std::vector<WatchTrigger>{{T::kNodeDeleted, "/c"}, {T::kNodeChildrenChanged, "/"}}));
  EXPECT_FALSE(Exists(tree_, "/c"));
  EXPECT_TRUE(tree_.DueForRemoval(INT64_MAX).empty());
  Fails(Reap("/c"), Code::kNoNode);
}

TEST_F(DataTreeTest, ReapLosesToAConcurrentCreate) {
  Ok(Container("/c"));
  Ok(Create("/c/x"));
  Ok(Delete("/c/x"));
  ASSERT_EQ(tree_.DueForRemoval(0), (std::vector<std::string>{"/c"}));
  Ok(Create("/c/y"));  // a client's create raced ahead of the reap
  Fails(Reap("/c"), Code::kNotEmpty);
  EXPECT_TRUE(Exists(tree_, "/c/y"));
}

TEST_F(DataTreeTest, ReapOfOtherKindsIsRefused) {
  Ok(Create("/p"));
  Ok(SessionTxn(1, 10));
  Ok(Ephemeral("/e", 1));
  Fails(Reap("/p"), Code::kBadArguments);
  Fails(Reap("/e"), Code::kBadArguments);
  Fails(Reap("/"), Code::kBadArguments);
  // An ordinary delete of a container is allowed at any time.
  Ok(Container("/c"));
  Ok(Delete("/c"));
}

TEST_F(DataTreeTest, DueForRemovalIsSortedAndCoversBothKinds) {
  h_.time_ms = 0;
  for (const char* path : {"/z", "/m", "/a"}) {
    Ok(Container(path));
    Ok(Create(std::string(path) + "/k"));
    Ok(Delete(std::string(path) + "/k"));
  }
  Ok(Ttl("/t", 10));
  Ok(Container("/fresh"));
  Ok(Create("/keep"));
  EXPECT_EQ(tree_.DueForRemoval(9), (std::vector<std::string>{"/a", "/m", "/z"}));
  EXPECT_EQ(tree_.DueForRemoval(10), (std::vector<std::string>{"/a", "/m", "/t", "/z"}));
  h_.time_ms = 10;
  for (const char* path : {"/a", "/m", "/t", "/z"}) Ok(Reap(path));
  EXPECT_TRUE(tree_.DueForRemoval(INT64_MAX).empty());
}

TEST_F(DataTreeTest, TtlNodeIsDueWhenUnchangedForItsTtlAndChildless) {
  h_.time_ms = 1000;
  Ok(Ttl("/t", 100));
  EXPECT_TRUE(tree_.DueForRemoval(1099).empty());
  EXPECT_EQ(tree_.DueForRemoval(1100), (std::vector<std::string>{"/t"}));
  // A data change postpones it.
  h_.time_ms = 1050;
  Ok(SetData("/t", "touch"));
  EXPECT_TRUE(tree_.DueForRemoval(1100).empty());
  EXPECT_TRUE(tree_.DueForRemoval(1149).empty());
  EXPECT_EQ(tree_.DueForRemoval(1150), (std::vector<std::string>{"/t"}));
  // A reap is judged at its own time.
  h_.time_ms = 1149;
  Fails(Reap("/t"), Code::kBadArguments);
  // A child keeps it alive, however old; child changes do not count as changes of the node.
  Ok(Create("/t/child"));
  EXPECT_TRUE(tree_.DueForRemoval(100000).empty());
  h_.time_ms = 5000;
  Fails(Reap("/t"), Code::kNotEmpty);
  Ok(Delete("/t/child"));
  EXPECT_EQ(tree_.DueForRemoval(5000), (std::vector<std::string>{"/t"}));
  h_.time_ms = 5001;
  Ok(Reap("/t"));
  EXPECT_FALSE(Exists(tree_, "/t"));
}

TEST_F(DataTreeTest, ReusedNodeSlotsForgetTheirKind) {
  // A deleted container's slot may be reused by a persistent node: it must not become due.
  Ok(Container("/c"));
  Ok(Create("/c/x"));
  Ok(Delete("/c/x"));
  Ok(Reap("/c"));
  for (int i = 0; i < 4; ++i) Ok(Create("/p" + std::to_string(i)));
  Ok(Create("/p0/x"));
  Ok(Delete("/p0/x"));
  EXPECT_TRUE(tree_.DueForRemoval(INT64_MAX).empty());
  // Likewise an ephemeral's slot reused by a persistent node after its session closed.
  Ok(SessionTxn(1, 10));
  Ok(Ephemeral("/e", 1));
  Ok(Delete("/e"));
  Ok(Create("/q"));
  Ok(CloseTxn(1));
  EXPECT_TRUE(Exists(tree_, "/q"));
}

// --- multi --------------------------------------------------------------------------------------

TEST_F(DataTreeTest, FailingMultiChangesNothingAndReportsEveryOp) {
  Ok(Create("/a", "x"));
  ApplyResult r = Fails(MultiTxn{{Create("/m"), SetData("/a", "y"), Create("/m/x"), Delete("/nope"),
                                  Check("/a"), Create("/z")}},
                        Code::kNoNode);
  EXPECT_NE(r.status.message().find("multi op 3"), std::string::npos) << r.status.message();
  ASSERT_EQ(r.ops.size(), 6u);
  const std::vector<Code> want = {Code::kOk,
                                  Code::kOk,
                                  Code::kOk,
                                  Code::kNoNode,
                                  Code::kRuntimeInconsistency,
                                  Code::kRuntimeInconsistency};
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(r.ops[i].code, want[i]) << i;
  EXPECT_FALSE(Exists(tree_, "/m"));
  EXPECT_EQ(DataOf(tree_, "/a"), "x");

  // The first op failing, and a version failure in the middle.
  r = Fails(MultiTxn{{Create("/a"), Create("/b")}}, Code::kNodeExists);
  EXPECT_EQ(r.ops[0].code, Code::kNodeExists);
  EXPECT_EQ(r.ops[1].code, Code::kRuntimeInconsistency);
  r = Fails(MultiTxn{{SetData("/a", "1"), Check("/a", 0), Create("/b")}}, Code::kBadVersion);
  EXPECT_EQ(r.ops[0].code, Code::kOk);
  EXPECT_EQ(r.ops[1].code, Code::kBadVersion);  // sees the multi's own set_data
  EXPECT_EQ(r.ops[2].code, Code::kRuntimeInconsistency);
  // An op that depends on an earlier op's delete.
  r = Fails(MultiTxn{{Delete("/a"), SetData("/a", "z")}}, Code::kNoNode);
  EXPECT_EQ(r.ops[1].code, Code::kNoNode);
  EXPECT_TRUE(Exists(tree_, "/a"));
}

TEST_F(DataTreeTest, MultiWithDependentOpsSucceedsAtOneZxid) {
  Ok(Create("/old"));
  h_.time_ms = 777;
  ApplyResult r =
      Ok(MultiTxn{{Create("/m", "a"), Create("/m/x"), SetData("/m/x", "b", 0), Check("/m/x", 1),
                   SetAcl("/m", {Acl{perm::kRead, "world", "anyone"}}), Delete("/old"),
                   Sequential("/m/s0000000000")}});
  const Zxid zxid = h_.zxid;
  ASSERT_EQ(r.ops.size(), 7u);
  for (const OpResult& op : r.ops) EXPECT_EQ(op.code, Code::kOk);
  EXPECT_EQ(r.ops[0].path, "/m");
  EXPECT_EQ(r.ops[1].path, "/m/x");
  EXPECT_EQ(r.ops[2].stat.version, 1);
  EXPECT_EQ(r.ops[4].stat.aversion, 1);
  EXPECT_EQ(r.ops[6].path, "/m/s0000000000");
  EXPECT_EQ(Get("/m/x"), (Stat{.czxid = zxid,
                               .mzxid = zxid,
                               .pzxid = zxid,
                               .ctime_ms = 777,
                               .mtime_ms = 777,
                               .version = 1,
                               .data_length = 1}));
  EXPECT_EQ(Get("/m"), (Stat{.czxid = zxid,
                             .mzxid = zxid,
                             .pzxid = zxid,
                             .ctime_ms = 777,
                             .mtime_ms = 777,
                             .cversion = 2,
                             .aversion = 1,
                             .data_length = 1,
                             .num_children = 2}));
  EXPECT_FALSE(Exists(tree_, "/old"));
  EXPECT_EQ(tree_.Find("/m")->next_sequence, 1u);
  EXPECT_EQ(r.triggers, (std::vector<WatchTrigger>{{T::kNodeCreated, "/m"},
                                                   {T::kNodeChildrenChanged, "/"},
                                                   {T::kNodeCreated, "/m/x"},
                                                   {T::kNodeChildrenChanged, "/m"},
                                                   {T::kNodeDataChanged, "/m/x"},
                                                   {T::kNodeDeleted, "/old"},
                                                   {T::kNodeChildrenChanged, "/"},
                                                   {T::kNodeCreated, "/m/s0000000000"},
                                                   {T::kNodeChildrenChanged, "/m"}}));
  EXPECT_EQ(tree_.digest(), tree_.ComputeDigest());
}

TEST_F(DataTreeTest, MultiCanDeleteAndRecreateAndEmptyMultiIsOk) {
  Ok(Create("/a", "old"));
  Ok(MultiTxn{{Delete("/a"), Create("/a", "new"), Create("/a/b"), Delete("/a/b")}});
  EXPECT_EQ(DataOf(tree_, "/a"), "new");
  EXPECT_EQ(Get("/a").czxid, h_.zxid);
  EXPECT_EQ(Get("/a").cversion, 2);
  ApplyResult r = Ok(MultiTxn{});
  EXPECT_TRUE(r.ops.empty());
  EXPECT_TRUE(r.triggers.empty());
  // A multi's ephemeral creates check the session like single ones.
  Fails(MultiTxn{{Create("/x"), Ephemeral("/x/e", 5)}}, Code::kSessionExpired);
  Ok(SessionTxn(5, 10));
  Fails(MultiTxn{{Ephemeral("/x", 5), Create("/x/e")}}, Code::kNoChildrenForEphemerals);
  Ok(MultiTxn{{Ephemeral("/x", 5), Delete("/x"), Ephemeral("/x", 5)}});
  EXPECT_EQ(tree_.EphemeralPaths(5), (std::vector<std::string>{"/x"}));
}

// --- triggers per transaction kind --------------------------------------------------------------

TEST_F(DataTreeTest, TriggersOfEachTxnKind) {
  using Triggers = std::vector<WatchTrigger>;
  EXPECT_EQ(Ok(Create("/a")).triggers,
            (Triggers{{T::kNodeCreated, "/a"}, {T::kNodeChildrenChanged, "/"}}));
  EXPECT_EQ(Ok(Create("/a/b")).triggers,
            (Triggers{{T::kNodeCreated, "/a/b"}, {T::kNodeChildrenChanged, "/a"}}));
  EXPECT_EQ(Ok(SetData("/a/b", "x")).triggers, (Triggers{{T::kNodeDataChanged, "/a/b"}}));
  EXPECT_EQ(Ok(SetAcl("/a/b", OpenAcl())).triggers, Triggers{});
  EXPECT_EQ(Ok(Check("/a/b")).triggers, Triggers{});
  EXPECT_EQ(Ok(SessionTxn(1, 10)).triggers, Triggers{});
  EXPECT_EQ(Ok(Ephemeral("/a/e", 1)).triggers,
            (Triggers{{T::kNodeCreated, "/a/e"}, {T::kNodeChildrenChanged, "/a"}}));
  EXPECT_EQ(Ok(CloseTxn(1)).triggers,
            (Triggers{{T::kNodeDeleted, "/a/e"}, {T::kNodeChildrenChanged, "/a"}}));
  EXPECT_EQ(Ok(Delete("/a/b")).triggers,
            (Triggers{{T::kNodeDeleted, "/a/b"}, {T::kNodeChildrenChanged, "/a"}}));
  EXPECT_EQ(
      Ok(MultiTxn{{SetData("/a", "1"), Create("/c")}}).triggers,
      (Triggers{
          {T::kNodeDataChanged, "/a"}, {T::kNodeCreated, "/c"}, {T::kNodeChildrenChanged, "/"}}));
  EXPECT_EQ(Apply(Error(Code::kNoNode, -1)).triggers, Triggers{});
  EXPECT_EQ(Apply(Delete("/missing")).triggers, Triggers{});
}

// --- digest -------------------------------------------------------------------------------------

// Random transactions (many of them failing) over a small path space.
std::vector<Txn> RandomTxns(uint64_t seed, int count) {
  Prng prng(seed);
  const std::vector<std::string> paths = {"/a", "/b", "/a/x", "/a/y", "/b/x", "/a/x/1"};
  auto path = [&] { return paths[prng.Uniform(paths.size())]; };
  std::vector<Txn> out;
  for (int i = 0; i < count; ++i) {
    const int version = static_cast<int>(prng.Range(-1, 2));
    switch (prng.Uniform(9)) {
      case 0:
      case 1:
        out.push_back(Create(path(), std::string(prng.Uniform(60), 'd')));
        break;
      case 2:
        out.push_back(Delete(path(), version));
        break;
      case 3:
        out.push_back(SetData(path(), std::to_string(prng.Next()), version));
        break;
      case 4:
        out.push_back(SetAcl(path(),
                             {Acl{1 + static_cast<uint32_t>(prng.Uniform(31)), "world", "anyone"}},
                             version));
        break;
      case 5:
        out.push_back(MultiTxn{{Create(path()), SetData(path(), "m", version), Delete(path())}});
        break;
      case 6:
        out.push_back(SessionTxn(static_cast<SessionId>(1 + prng.Uniform(3)), 100));
        break;
      case 7:
        out.push_back(CloseTxn(static_cast<SessionId>(1 + prng.Uniform(3))));
        break;
      default:
        out.push_back(Ephemeral(path(), static_cast<SessionId>(1 + prng.Uniform(3))));
        break;
    }
  }
  return out;
}

TEST(DataTreeDigestTest, IncrementalDigestMatchesRecomputation) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    TreeHarness h;
    int ok = 0;
    for (const Txn& txn : RandomTxns(seed, 600)) {
      h.time_ms += 7;
      ok += h.Apply(txn).status.ok();
      ASSERT_EQ(h.tree.digest(), h.tree.ComputeDigest()) << "seed " << seed << " zxid " << h.zxid;
    }
    EXPECT_GT(ok, 100) << "the random transactions should mostly do something";
  }
}

TEST(DataTreeDigestTest, SameTransactionsGiveEqualDigests) {
  TreeHarness a, b;
  EXPECT_EQ(a.tree.digest(), b.tree.digest());
  for (const Txn& txn : RandomTxns(42, 500)) {
    a.time_ms = b.time_ms = a.time_ms + 3;
    EXPECT_EQ(a.Apply(txn).status.code(), b.Apply(txn).status.code());
    ASSERT_EQ(a.tree.digest(), b.tree.digest());
  }
  EXPECT_EQ(Dump(a.tree), Dump(b.tree));
}

TEST(DataTreeDigestTest, DifferentStateGivesDifferentDigest) {
  auto digest_of = [](const std::vector<Txn>& txns, int64_t time_ms = 0) {
    TreeHarness h;
    h.time_ms = time_ms;
    for (const Txn& txn : txns) h.Ok(txn);
    return h.tree.digest();
  };
  const uint64_t base = digest_of({Create("/a", "x")});
  EXPECT_NE(base, TreeHarness().tree.digest());
  EXPECT_NE(base, digest_of({Create("/a", "y")}));                           // data
  EXPECT_NE(base, digest_of({Create("/b", "x")}));                           // path
  EXPECT_NE(base, digest_of({Create("/a", "x")}, 1));                        // ctime / mtime
  EXPECT_NE(base, digest_of({Check("/"), Create("/a", "x")}));               // czxid
  EXPECT_NE(base, digest_of({Create("/a", "x"), SetData("/a", "x")}));       // version
  EXPECT_NE(base, digest_of({Create("/a", "x"), SetAcl("/a", OpenAcl())}));  // aversion
  EXPECT_NE(digest_of({Create("/a")}), digest_of({Container("/a")}));        // kind
  EXPECT_NE(digest_of({Create("/a"), Create("/a/b"), Delete("/a/b")}),
            digest_of({Create("/a"), Check("/"), Check("/")}));  // cversion / pzxid
  EXPECT_NE(digest_of({Create("/a"), Sequential("/a/s0000000000"), Delete("/a/s0000000000")}),
            digest_of({Create("/a"), Create("/a/s0000000000"), Delete("/a/s0000000000")}));
  // The order of independent creates does not matter for the content, but zxids differ.
  EXPECT_NE(digest_of({Create("/a"), Create("/b")}), digest_of({Create("/b"), Create("/a")}));
}

TEST(DataTreeDigestTest, DigestReturnsWhenStateReturns) {
  TreeHarness h;
  h.Ok(Create("/a"));
  const uint64_t before = h.tree.digest();
  h.Ok(Create("/a/b"));
  EXPECT_NE(h.tree.digest(), before);
  h.Ok(Delete("/a/b"));
  // The child is gone but /a's cversion and pzxid moved: a different state.
  EXPECT_NE(h.tree.digest(), before);
  // Failed transactions never move it.
  const uint64_t now = h.tree.digest();
  h.Apply(Create("/a"));
  h.Apply(MultiTxn{{Create("/z"), Delete("/nope")}});
  h.Apply(Error(Code::kNoAuth, -1));
  EXPECT_EQ(h.tree.digest(), now);
}

TEST(DataTreeMoveTest, MovedTreeKeepsWorking) {
  TreeHarness h;
  for (int i = 0; i < 50; ++i) h.Ok(Create("/n" + std::to_string(i), "v"));
  const TreeDump before = Dump(h.tree);
  DataTree moved = std::move(h.tree);
  EXPECT_EQ(Dump(moved), before);
  EXPECT_TRUE(moved.Apply(Create("/n7/child"), 100, 0).status.ok());
  EXPECT_EQ(ChildrenOf(moved, "/n7"), (std::vector<std::string>{"child"}));
  EXPECT_EQ(moved.digest(), moved.ComputeDigest());
}

}  // namespace
}  // namespace coord
