// The ZooKeeper C client against the target: creating nodes of every kind, reading, writing and
// deleting them, with the error codes and Stat values ZooKeeper gives.
#include <chrono>
#include <future>
#include <thread>

#include "tests/compat/compat_test.h"

namespace coord::compat {
namespace {

using NodeTest = CompatTest;

// Stat fields one by one, so a failure names the field.
void ExpectSameStat(const Stat& a, const Stat& b) {
  EXPECT_EQ(a.czxid, b.czxid);
  EXPECT_EQ(a.mzxid, b.mzxid);
  EXPECT_EQ(a.ctime, b.ctime);
  EXPECT_EQ(a.mtime, b.mtime);
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.cversion, b.cversion);
  EXPECT_EQ(a.aversion, b.aversion);
  EXPECT_EQ(a.ephemeralOwner, b.ephemeralOwner);
  EXPECT_EQ(a.dataLength, b.dataLength);
  EXPECT_EQ(a.numChildren, b.numChildren);
  EXPECT_EQ(a.pzxid, b.pzxid);
}

// Polls until path is gone; false if it is still there after timeout_ms.
bool WaitGone(zhandle_t* zh, const std::string& path, int64_t timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    Stat stat{};
    if (zoo_exists(zh, path.c_str(), 0, &stat) == ZNONODE) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

TEST_F(NodeTest, CreatePersistentThenGet) {
  CreateResult c = Create(zk_->get(), P("a"), "hello", ZOO_PERSISTENT);
  ASSERT_ZK(ZOK, c.rc);
  EXPECT_EQ(c.path, P("a"));

  GetResult g = Get(zk_->get(), P("a"));
  ASSERT_ZK(ZOK, g.rc);
  EXPECT_EQ(g.data, "hello");
  EXPECT_EQ(g.stat.version, 0);
  EXPECT_EQ(g.stat.cversion, 0);
  EXPECT_EQ(g.stat.aversion, 0);
  EXPECT_EQ(g.stat.ephemeralOwner, 0);
  EXPECT_EQ(g.stat.dataLength, 5);
  EXPECT_EQ(g.stat.numChildren, 0);
  EXPECT_EQ(g.stat.czxid, g.stat.mzxid);
  EXPECT_EQ(g.stat.czxid, g.stat.pzxid);
  EXPECT_EQ(g.stat.ctime, g.stat.mtime);
  EXPECT_GT(g.stat.ctime, 1600000000000) << "ctime is wall-clock milliseconds";

  EXPECT_ZK(ZNODEEXISTS, Create(zk_->get(), P("a"), "again", ZOO_PERSISTENT).rc);
  EXPECT_ZK(ZNONODE, Create(zk_->get(), P("missing/child"), "", ZOO_PERSISTENT).rc);
  EXPECT_ZK(ZNONODE, Get(zk_->get(), P("missing")).rc);
  EXPECT_EQ(Get(zk_->get(), P("a")).data, "hello") << "a failed create changed nothing";
}

TEST_F(NodeTest, EmptyDataAndBinaryData) {
  ASSERT_ZK(ZOK, Create(zk_->get(), P("empty"), "", ZOO_PERSISTENT).rc);
  GetResult g = Get(zk_->get(), P("empty"));
  ASSERT_ZK(ZOK, g.rc);
  EXPECT_EQ(g.data, "");
  EXPECT_EQ(g.stat.dataLength, 0);

  const std::string binary("\0\x01\xff\x7f zero inside", 17);
  ASSERT_ZK(ZOK, Create(zk_->get(), P("bin"), binary, ZOO_PERSISTENT).rc);
  EXPECT_EQ(Get(zk_->get(), P("bin")).data, binary);
}

TEST_F(NodeTest, Create2ReturnsTheNewNodesStat) {
  CreateResult c = Create2(zk_->get(), P("b"), "four", ZOO_PERSISTENT);
  ASSERT_ZK(ZOK, c.rc);
  EXPECT_EQ(c.path, P("b"));
  EXPECT_EQ(c.stat.dataLength, 4);
  EXPECT_EQ(c.stat.version, 0);
  EXPECT_EQ(c.stat.numChildren, 0);
  EXPECT_GT(c.stat.czxid, 0);
  ExpectSameStat(c.stat, Get(zk_->get(), P("b")).stat);

  // The parent counts the child: numChildren, cversion and pzxid (the zxid of the create).
  GetResult parent = Get(zk_->get(), root_);
  ASSERT_ZK(ZOK, parent.rc);
  EXPECT_EQ(parent.stat.numChildren, 1);
  EXPECT_EQ(parent.stat.cversion, 1);
  EXPECT_EQ(parent.stat.pzxid, c.stat.czxid);
  EXPECT_LT(parent.stat.czxid, c.stat.czxid);
}

// ZooKeeper's suffix is the parent's cversion, so plain creates count too. coord numbers the
// sequential creates of a parent (a counter of its own, documented in the README under "Using
// ZooKeeper clients"): both are unique and increasing per parent, which is what recipes rely on.
TEST_F(NodeTest, SequentialSuffixIsUniqueAndIncreasingPerParent) {
  CreateResult s0 = Create(zk_->get(), P("s-"), "", ZOO_PERSISTENT_SEQUENTIAL);
  ASSERT_ZK(ZOK, s0.rc);
  EXPECT_EQ(s0.path, P("s-0000000000"));
  CreateResult s1 = Create2(zk_->get(), P("s-"), "", ZOO_PERSISTENT_SEQUENTIAL);
  ASSERT_ZK(ZOK, s1.rc);
  EXPECT_EQ(s1.path, P("s-0000000001"));
  ASSERT_ZK(ZOK, Create(zk_->get(), P("plain"), "", ZOO_PERSISTENT).rc);
  CreateResult s3 = Create(zk_->get(), P("other-"), "", ZOO_EPHEMERAL_SEQUENTIAL);
  ASSERT_ZK(ZOK, s3.rc);
  // ZooKeeper: the plain create counted (3). coord: the third sequential create (2).
  EXPECT_EQ(s3.path, P(target().is_zookeeper() ? "other-0000000003" : "other-0000000002"));
  // A delete moves cversion as well. (ZooKeeper 3.8's next suffix after a delete lags cversion —
  // here it would be 4, counting creates only — an oddity not checked here.)
  ASSERT_ZK(ZOK, zoo_delete(zk_->get(), P("plain").c_str(), -1));
  EXPECT_EQ(Get(zk_->get(), root_).stat.cversion, 5);
  GetResult g = Get(zk_->get(), s3.path);
  EXPECT_EQ(g.stat.ephemeralOwner, zk_->session_id());
}

TEST_F(NodeTest, EphemeralBelongsToTheSessionAndHasNoChildren) {
  CreateResult e = Create2(zk_->get(), P("e"), "mine", ZOO_EPHEMERAL);
  ASSERT_ZK(ZOK, e.rc);
  EXPECT_EQ(e.stat.ephemeralOwner, zk_->session_id());
  EXPECT_NE(zk_->session_id(), 0);
  EXPECT_ZK(ZNOCHILDRENFOREPHEMERALS, Create(zk_->get(), P("e/child"), "", ZOO_PERSISTENT).rc);

  std::unique_ptr<ZkHandle> other = Connect();
  GetResult seen = Get(other->get(), P("e"));
  ASSERT_ZK(ZOK, seen.rc);
  EXPECT_EQ(seen.stat.ephemeralOwner, zk_->session_id());
  EXPECT_NE(other->session_id(), zk_->session_id());
}

TEST_F(NodeTest, ContainerGoesWithItsLastChild) {
  CreateResult c = Create2(zk_->get(), P("box"), "", ZOO_CONTAINER);
  ASSERT_ZK(ZOK, c.rc);
  EXPECT_EQ(c.path, P("box"));
  // ZooKeeper keeps the container marker out of the client's Stat.
  EXPECT_EQ(c.stat.ephemeralOwner, 0);
  ASSERT_ZK(ZOK, Create(zk_->get(), P("box/item"), "", ZOO_PERSISTENT).rc);
  ASSERT_ZK(ZOK, zoo_delete(zk_->get(), P("box/item").c_str(), -1));
  EXPECT_TRUE(WaitGone(zk_->get(), P("box"), kWaitMs)) << "an emptied container is removed";
}

TEST_F(NodeTest, TtlNodeExpiresWhenUntouched) {
  EXPECT_ZK(ZBADARGUMENTS,
            Create(zk_->get(), P("t0"), "", ZOO_PERSISTENT_WITH_TTL, /*ttl_ms=*/0).rc);
  CreateResult t = Create2(zk_->get(), P("t"), "short", ZOO_PERSISTENT_WITH_TTL, 300);
  ASSERT_ZK(ZOK, t.rc);
  EXPECT_EQ(t.stat.ephemeralOwner, 0) << "the TTL is not shown in the Stat";
  CreateResult ts = Create(zk_->get(), P("ts-"), "", ZOO_PERSISTENT_SEQUENTIAL_WITH_TTL, 300);
  ASSERT_ZK(ZOK, ts.rc);
  // ZooKeeper counts the plain TTL sibling created first; coord counts sequential creates.
  EXPECT_EQ(ts.path, P(target().is_zookeeper() ? "ts-0000000001" : "ts-0000000000"));
  EXPECT_TRUE(WaitGone(zk_->get(), P("t"), kWaitMs)) << "a TTL node without children expires";
  EXPECT_TRUE(WaitGone(zk_->get(), ts.path, kWaitMs));
}

TEST_F(NodeTest, DeleteChecksVersionAndChildren) {
  ASSERT_ZK(ZOK, Create(zk_->get(), P("d"), "v0", ZOO_PERSISTENT).rc);
  ASSERT_ZK(ZOK, zoo_set(zk_->get(), P("d").c_str(), "v1", 2, 0));
  EXPECT_ZK(ZBADVERSION, zoo_delete(zk_->get(), P("d").c_str(), 0));
  ASSERT_ZK(ZOK, Create(zk_->get(), P("d/c"), "", ZOO_PERSISTENT).rc);
  EXPECT_ZK(ZNOTEMPTY, zoo_delete(zk_->get(), P("d").c_str(), 1));
  ASSERT_ZK(ZOK, zoo_delete(zk_->get(), P("d/c").c_str(), 0));
  EXPECT_ZK(ZOK, zoo_delete(zk_->get(), P("d").c_str(), 1));
  EXPECT_ZK(ZNONODE, zoo_delete(zk_->get(), P("d").c_str(), -1));
  EXPECT_ZK(ZNONODE, Get(zk_->get(), P("d")).rc);
  EXPECT_ZK(ZBADARGUMENTS, zoo_delete(zk_->get(), "/", -1)) << "the root cannot go";
}

TEST_F(NodeTest, ExistsGivesTheStatOrNoNode) {
  Stat stat{};
  EXPECT_ZK(ZNONODE, zoo_exists(zk_->get(), P("x").c_str(), 0, &stat));
  ASSERT_ZK(ZOK, Create(zk_->get(), P("x"), "abc", ZOO_PERSISTENT).rc);
  ASSERT_ZK(ZOK, zoo_exists(zk_->get(), P("x").c_str(), 0, &stat));
  ExpectSameStat(stat, Get(zk_->get(), P("x")).stat);
  EXPECT_ZK(ZOK, zoo_exists(zk_->get(), "/", 0, &stat));
}

TEST_F(NodeTest, SetDataChecksVersionAndReturnsStat) {
  CreateResult c = Create2(zk_->get(), P("s"), "one", ZOO_PERSISTENT);
  ASSERT_ZK(ZOK, c.rc);
  Stat stat{};
  ASSERT_ZK(ZOK, zoo_set2(zk_->get(), P("s").c_str(), "two!", 4, 0, &stat));
  EXPECT_EQ(stat.version, 1);
  EXPECT_EQ(stat.dataLength, 4);
  EXPECT_EQ(stat.czxid, c.stat.czxid);
  EXPECT_GT(stat.mzxid, c.stat.mzxid);
  EXPECT_EQ(stat.pzxid, c.stat.pzxid) << "pzxid moves with the children only";
  EXPECT_GE(stat.mtime, c.stat.mtime);
  ExpectSameStat(stat, Get(zk_->get(), P("s")).stat);

  EXPECT_ZK(ZBADVERSION, zoo_set(zk_->get(), P("s").c_str(), "x", 1, 0));
  EXPECT_ZK(ZOK, zoo_set(zk_->get(), P("s").c_str(), "three", 5, -1));
  GetResult g = Get(zk_->get(), P("s"));
  EXPECT_EQ(g.data, "three");
  EXPECT_EQ(g.stat.version, 2);
  EXPECT_ZK(ZNONODE, zoo_set(zk_->get(), P("nope").c_str(), "x", 1, -1));
}

TEST_F(NodeTest, ChildrenAndChildren2) {
  for (const char* name : {"c3", "c1", "c2"}) {
    ASSERT_ZK(ZOK, Create(zk_->get(), P(name), "", ZOO_PERSISTENT).rc);
  }
  ChildrenResult r = Children(zk_->get(), root_);
  ASSERT_ZK(ZOK, r.rc);
  EXPECT_EQ(r.children, (std::vector<std::string>{"c1", "c2", "c3"}));
  ExpectSameStat(r.stat, Get(zk_->get(), root_).stat);
  EXPECT_EQ(r.stat.numChildren, 3);

  String_vector names{};
  ASSERT_ZK(ZOK, zoo_get_children(zk_->get(), P("c1").c_str(), 0, &names));
  EXPECT_EQ(names.count, 0);
  deallocate_String_vector(&names);
  EXPECT_ZK(ZNONODE, Children(zk_->get(), P("none")).rc);
}

TEST_F(NodeTest, SyncAnswersWithThePath) {
  std::promise<std::pair<int, std::string>> done;
  auto completion = [](int rc, const char* value, const void* data) {
    auto* p = static_cast<std::promise<std::pair<int, std::string>>*>(const_cast<void*>(data));
    p->set_value({rc, value ? value : ""});
  };
  ASSERT_ZK(ZOK, zoo_async(zk_->get(), root_.c_str(), completion, &done));
  auto f = done.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::milliseconds(kWaitMs)), std::future_status::ready);
  auto [rc, path] = f.get();
  EXPECT_ZK(ZOK, rc);
  EXPECT_EQ(path, root_);
}

TEST_F(NodeTest, SystemNodesAndGetConfig) {
  std::string buffer(1024, '\0');
  int len = static_cast<int>(buffer.size());
  Stat stat{};
  if (!target().is_zookeeper()) {
    // coord has no /zookeeper subtree (no quotas, no dynamic reconfiguration; README, "Using
    // ZooKeeper clients"): the node is absent like any other, and getConfig reads it.
    EXPECT_ZK(ZNONODE, Children(zk_->get(), "/zookeeper").rc);
    EXPECT_ZK(ZNONODE, zoo_getconfig(zk_->get(), 0, buffer.data(), &len, &stat));
    return;
  }
  // Every ZooKeeper has /zookeeper with quota and config; zoo_getconfig reads the latter (empty
  // without dynamic reconfiguration).
  ChildrenResult system = Children(zk_->get(), "/zookeeper");
  ASSERT_ZK(ZOK, system.rc);
  EXPECT_EQ(system.children, (std::vector<std::string>{"config", "quota"}));
  EXPECT_ZK(ZOK, zoo_getconfig(zk_->get(), 0, buffer.data(), &len, &stat));
}

TEST_F(NodeTest, ReadOnlyCapableClientGetsAReadWriteSession) {
  // ZOO_READONLY sets the connect request's readOnly flag; a server with a quorum answers with a
  // normal session, which can write.
  ZkHandle ro(target().address(), kSessionTimeoutMs, nullptr, ZOO_READONLY);
  ASSERT_TRUE(ro.WaitConnected(kWaitMs));
  EXPECT_EQ(StateName(zoo_state(ro.get())), StateName(ZOO_CONNECTED_STATE));
  EXPECT_ZK(ZOK, Create(ro.get(), P("from-ro-client"), "", ZOO_PERSISTENT).rc);
}

}  // namespace
}  // namespace coord::compat
