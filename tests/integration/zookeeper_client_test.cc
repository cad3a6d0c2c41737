// Apache ZooKeeper's own C client (libzookeeper_mt, Debian's libzookeeper-mt-dev) against a real
// coordd serving ZooKeeper's protocol on zookeeper_address: a smoke test of the second front door
// — connect, create / get / set / children / delete, watches firing, multi, auth, a session
// resumed after its connection was cut, an expired session, an unsupported request. The
// exhaustive real-client suites live elsewhere; this one guards the listener and the codec.
#include <gtest/gtest.h>
#include <zookeeper/zookeeper.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tests/clients/tcp_proxy.h"
#include "tests/support/coordd_process.h"
#include "tests/support/ensemble.h"

namespace coord::testing {
namespace {

constexpr auto kWait = std::chrono::seconds(15);

// What a handle's watchers saw, shared with the C client's completion thread.
struct Events {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<int> states;                         // session events' states, in order
  std::vector<std::pair<int, std::string>> nodes;  // node events: type, path

  static void Watcher(zhandle_t*, int type, int state, const char* path, void* ctx) {
    auto* self = static_cast<Events*>(ctx);
    std::lock_guard<std::mutex> lock(self->mu);
    if (type == ZOO_SESSION_EVENT) {
      self->states.push_back(state);
    } else {
      self->nodes.emplace_back(type, path == nullptr ? "" : path);
    }
    self->cv.notify_all();
  }
  bool WaitState(int state, size_t after = 0) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, kWait, [&] {
      for (size_t i = after; i < states.size(); ++i) {
        if (states[i] == state) return true;
      }
      return false;
    });
  }
  size_t StateCount() {
    std::lock_guard<std::mutex> lock(mu);
    return states.size();
  }
  bool WaitNode(int type, const std::string& path) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, kWait, [&] {
      for (const auto& [t, p] : nodes) {
        if (t == type && p == path) return true;
      }
      return false;
    });
  }
};

class ZooKeeperClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
    zk_port_ = FreePort();
    CoorddOptions options;
    options.extra_config = "zookeeper_address: 127.0.0.1:" + std::to_string(zk_port_) +
                           "\nmin_session_timeout_ms: 1000\n";
    server_ = new CoorddProcess(options);
    server_->Start();
  }
  static void TearDownTestSuite() { delete server_; }

  // Handles are closed before the Events their watchers write to are destroyed (members are
  // destroyed after TearDown): the C client's threads call watchers until zookeeper_close.
  void TearDown() override {
    for (zhandle_t* zh : handles_) zookeeper_close(zh);
  }

  Events& NewEvents() { return *events_.emplace_back(std::make_unique<Events>()); }

  static std::string Address() { return "127.0.0.1:" + std::to_string(zk_port_); }

  // A connected handle (CHECKed), closed by TearDown.
  zhandle_t* Connect(Events* events, const std::string& hosts = Address(),
                     const clientid_t* client = nullptr) {
    zhandle_t* zh = zookeeper_init(hosts.c_str(), &Events::Watcher, 10000, client, events, 0);
    EXPECT_NE(zh, nullptr);
    handles_.push_back(zh);
    EXPECT_TRUE(events->WaitState(ZOO_CONNECTED_STATE)) << "no connection to " << hosts;
    return zh;
  }

  static std::string Get(zhandle_t* zh, const std::string& path, ::Stat* stat = nullptr) {
    char buffer[256];
    int len = sizeof(buffer);
    ::Stat s;
    int rc = zoo_get(zh, path.c_str(), 0, buffer, &len, stat ? stat : &s);
    EXPECT_EQ(rc, ZOK) << path;
    return rc == ZOK && len >= 0 ? std::string(buffer, len) : "";
  }

  static std::vector<std::string> Children(zhandle_t* zh, const std::string& path) {
    String_vector v{};
    EXPECT_EQ(zoo_get_children(zh, path.c_str(), 0, &v), ZOK);
    std::vector<std::string> out(v.data, v.data + v.count);
    deallocate_String_vector(&v);
    std::sort(out.begin(), out.end());
    return out;
  }

  static int Create(zhandle_t* zh, const std::string& path, const std::string& data = "",
                    int mode = 0) {
    return zoo_create(zh, path.c_str(), data.data(), static_cast<int>(data.size()),
                      &ZOO_OPEN_ACL_UNSAFE, mode, nullptr, 0);
  }

  static int zk_port_;
  static CoorddProcess* server_;
  std::vector<std::unique_ptr<Events>> events_;
  std::vector<zhandle_t*> handles_;
};

int ZooKeeperClientTest::zk_port_ = 0;
CoorddProcess* ZooKeeperClientTest::server_ = nullptr;

TEST_F(ZooKeeperClientTest, CreateGetSetChildrenDelete) {
  Events& events = NewEvents();
  zhandle_t* zh = Connect(&events);
  EXPECT_NE(zoo_client_id(zh)->client_id, 0);

  ASSERT_EQ(Create(zh, "/crud", "v1"), ZOK);
  EXPECT_EQ(Create(zh, "/crud", "again"), ZNODEEXISTS);
  ::Stat stat;
  EXPECT_EQ(Get(zh, "/crud", &stat), "v1");
  EXPECT_EQ(stat.version, 0);
  EXPECT_EQ(stat.dataLength, 2);
  ASSERT_EQ(zoo_set(zh, "/crud", "v2", 2, 0), ZOK);
  EXPECT_EQ(zoo_set(zh, "/crud", "v3", 2, 0), ZBADVERSION);
  EXPECT_EQ(Get(zh, "/crud", &stat), "v2");
  EXPECT_EQ(stat.version, 1);

  char created[64];
  ASSERT_EQ(zoo_create(zh, "/crud/seq-", "", 0, &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL_SEQUENTIAL,
                       created, sizeof(created)),
            ZOK);
  EXPECT_STREQ(created, "/crud/seq-0000000000");
  ASSERT_EQ(Create(zh, "/crud/b"), ZOK);
  EXPECT_EQ(Children(zh, "/crud"), (std::vector<std::string>{"b", "seq-0000000000"}));
  String_vector names{};
  ASSERT_EQ(zoo_get_children2(zh, "/crud", 0, &names, &stat), ZOK);
  EXPECT_EQ(names.count, 2);
  EXPECT_EQ(stat.numChildren, 2);
  deallocate_String_vector(&names);

  // A container shows no owner, as in ZooKeeper.
  ::Stat container;
  ASSERT_EQ(zoo_create2(zh, "/crud/c", "", 0, &ZOO_OPEN_ACL_UNSAFE, ZOO_CONTAINER, nullptr, 0,
                        &container),
            ZOK);
  EXPECT_EQ(container.ephemeralOwner, 0);

  EXPECT_EQ(zoo_delete(zh, "/crud", -1), ZNOTEMPTY);
  EXPECT_EQ(zoo_delete(zh, "/crud/b", 5), ZBADVERSION);
  for (const char* path : {"/crud/b", "/crud/c", "/crud/seq-0000000000", "/crud"}) {
    EXPECT_EQ(zoo_delete(zh, path, -1), ZOK) << path;
  }
  EXPECT_EQ(zoo_exists(zh, "/crud", 0, &stat), ZNONODE);
  char buffer[8];
  int len = sizeof(buffer);
  EXPECT_EQ(zoo_get(zh, "/crud", 0, buffer, &len, &stat), ZNONODE);
  EXPECT_EQ(Create(zh, "no-slash"), ZBADARGUMENTS);
}

TEST_F(ZooKeeperClientTest, WatchesFire) {
  Events& events = NewEvents();
  Events& other_events = NewEvents();
  zhandle_t* zh = Connect(&events);
  zhandle_t* other = Connect(&other_events);
  ASSERT_EQ(Create(zh, "/w"), ZOK);
  ::Stat stat;
  char buffer[16];
  int len = sizeof(buffer);
  // A data watch, a child watch, and an exists watch on a node that does not exist yet.
  ASSERT_EQ(zoo_get(zh, "/w", 1, buffer, &len, &stat), ZOK);
  String_vector names{};
  ASSERT_EQ(zoo_get_children(zh, "/w", 1, &names), ZOK);
  deallocate_String_vector(&names);
  EXPECT_EQ(zoo_exists(zh, "/w/later", 1, &stat), ZNONODE);

  ASSERT_EQ(zoo_set(other, "/w", "x", 1, -1), ZOK);
  EXPECT_TRUE(events.WaitNode(ZOO_CHANGED_EVENT, "/w"));
  ASSERT_EQ(Create(other, "/w/later"), ZOK);
  EXPECT_TRUE(events.WaitNode(ZOO_CREATED_EVENT, "/w/later"));
  EXPECT_TRUE(events.WaitNode(ZOO_CHILD_EVENT, "/w"));

  // removeWatches: a watch that exists is removed once; then there is none.
  len = sizeof(buffer);
  ASSERT_EQ(zoo_wget(zh, "/w/later", &Events::Watcher, &events, buffer, &len, &stat), ZOK);
  EXPECT_EQ(zoo_remove_watches(zh, "/w/later", ZWATCHTYPE_DATA, &Events::Watcher, &events, 0), ZOK);
  EXPECT_EQ(zoo_remove_watches(zh, "/w/later", ZWATCHTYPE_DATA, &Events::Watcher, &events, 0),
            ZNOWATCHER);
  EXPECT_EQ(zoo_delete(zh, "/w/later", -1), ZOK);
  EXPECT_EQ(zoo_delete(zh, "/w", -1), ZOK);
}

TEST_F(ZooKeeperClientTest, Multi) {
  Events& events = NewEvents();
  zhandle_t* zh = Connect(&events);
  char path[64];
  ::Stat stat;
  zoo_op_t ops[3];
  zoo_op_result_t results[3];
  zoo_create_op_init(&ops[0], "/m", "a", 1, &ZOO_OPEN_ACL_UNSAFE, 0, path, sizeof(path));
  zoo_set_op_init(&ops[1], "/m", "b", 1, 0, &stat);
  zoo_check_op_init(&ops[2], "/m", 1);
  ASSERT_EQ(zoo_multi(zh, 3, ops, results), ZOK);
  EXPECT_STREQ(path, "/m");
  EXPECT_EQ(results[1].err, ZOK);
  EXPECT_EQ(stat.version, 1);
  EXPECT_EQ(Get(zh, "/m"), "b");

  // All or nothing: the failing check undoes the create before it.
  zoo_create_op_init(&ops[0], "/m2", "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, path, sizeof(path));
  zoo_check_op_init(&ops[1], "/m", 7);
  zoo_delete_op_init(&ops[2], "/m", -1);
  EXPECT_EQ(zoo_multi(zh, 3, ops, results), ZBADVERSION);
  EXPECT_EQ(results[0].err, ZOK);
  EXPECT_EQ(results[1].err, ZBADVERSION);
  EXPECT_EQ(results[2].err, ZRUNTIMEINCONSISTENCY);
  EXPECT_EQ(zoo_exists(zh, "/m2", 0, &stat), ZNONODE);
  EXPECT_EQ(zoo_delete(zh, "/m", -1), ZOK);
}

TEST_F(ZooKeeperClientTest, DigestAuthAndAcls) {
  Events& events = NewEvents();
  Events& stranger_events = NewEvents();
  zhandle_t* zh = Connect(&events);
  ASSERT_EQ(zoo_add_auth(zh, "digest", "alice:secret", 12, nullptr, nullptr), ZOK);
  // CREATOR_ALL_ACL needs an authenticated identity; the request after the auth carries it.
  ASSERT_EQ(zoo_create(zh, "/private", "p", 1, &ZOO_CREATOR_ALL_ACL, 0, nullptr, 0), ZOK);
  ACL_vector acl{};
  ::Stat stat;
  ASSERT_EQ(zoo_get_acl(zh, "/private", &acl, &stat), ZOK);
  ASSERT_EQ(acl.count, 1);
  EXPECT_STREQ(acl.data[0].id.scheme, "digest");
  EXPECT_EQ(std::string(acl.data[0].id.id).rfind("alice:", 0), 0u);
  deallocate_ACL_vector(&acl);

  zhandle_t* stranger = Connect(&stranger_events);
  char buffer[8];
  int len = sizeof(buffer);
  EXPECT_EQ(zoo_get(stranger, "/private", 0, buffer, &len, &stat), ZNOAUTH);
  EXPECT_EQ(Get(zh, "/private"), "p");
  EXPECT_EQ(zoo_delete(zh, "/private", -1), ZOK);
}

TEST_F(ZooKeeperClientTest, FailedAuthEndsTheHandle) {
  Events& events = NewEvents();
  zhandle_t* zh = Connect(&events);
  ASSERT_EQ(zoo_add_auth(zh, "no-such-scheme", "x", 1, nullptr, nullptr), ZOK);
  // The server answers AUTHFAILED and closes; the client reports AUTH_FAILED for good.
  EXPECT_TRUE(events.WaitState(ZOO_AUTH_FAILED_STATE));
  EXPECT_EQ(zoo_state(zh), ZOO_AUTH_FAILED_STATE);
}

TEST_F(ZooKeeperClientTest, SessionResumesAfterTheConnectionIsCut) {
  TcpProxy proxy(zk_port_);
  Events& events = NewEvents();
  Events& other_events = NewEvents();
  zhandle_t* zh = Connect(&events, proxy.address());
  zhandle_t* other = Connect(&other_events);
  const int64_t session = zoo_client_id(zh)->client_id;
  ASSERT_EQ(Create(zh, "/resume"), ZOK);
  ASSERT_EQ(Create(zh, "/resume/eph", "", ZOO_EPHEMERAL), ZOK);
  ::Stat stat;
  char buffer[8];
  int len = sizeof(buffer);
  ASSERT_EQ(zoo_get(zh, "/resume", 1, buffer, &len, &stat), ZOK);

  const size_t before = events.StateCount();
  proxy.Cut();
  ASSERT_TRUE(events.WaitState(ZOO_CONNECTING_STATE, before));
  ASSERT_TRUE(events.WaitState(ZOO_CONNECTED_STATE, before));
  EXPECT_EQ(zoo_client_id(zh)->client_id, session);
  // The ephemeral survived, and the data watch was set again on the new connection.
  EXPECT_EQ(zoo_exists(other, "/resume/eph", 0, &stat), ZOK);
  EXPECT_EQ(stat.ephemeralOwner, session);
  ASSERT_EQ(zoo_set(other, "/resume", "new", 3, -1), ZOK);
  EXPECT_TRUE(events.WaitNode(ZOO_CHANGED_EVENT, "/resume"));
  EXPECT_EQ(zoo_delete(zh, "/resume/eph", -1), ZOK);
  EXPECT_EQ(zoo_delete(zh, "/resume", -1), ZOK);
}

TEST_F(ZooKeeperClientTest, UnknownSessionIsExpired) {
  Events& events = NewEvents();
  clientid_t unknown{};
  unknown.client_id = 0x1234567;
  std::memset(unknown.passwd, 'x', sizeof(unknown.passwd));
  zhandle_t* zh = zookeeper_init(Address().c_str(), &Events::Watcher, 10000, &unknown, &events, 0);
  ASSERT_NE(zh, nullptr);
  handles_.push_back(zh);
  EXPECT_TRUE(events.WaitState(ZOO_EXPIRED_SESSION_STATE));
}

TEST_F(ZooKeeperClientTest, UnsupportedRequestIsUnimplementedAndTheSessionGoesOn) {
  Events& events = NewEvents();
  zhandle_t* zh = Connect(&events);
  char buffer[64];
  int len = sizeof(buffer);
  ::Stat stat;
  EXPECT_EQ(zoo_reconfig(zh, "server.9=127.0.0.1:1:2", nullptr, nullptr, -1, buffer, &len, &stat),
            ZUNIMPLEMENTED);
  ASSERT_EQ(Create(zh, "/after-reconfig"), ZOK);
  EXPECT_EQ(zoo_delete(zh, "/after-reconfig", -1), ZOK);
}

}  // namespace
}  // namespace coord::testing
