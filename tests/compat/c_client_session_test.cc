// The ZooKeeper C client against the target: sessions. A cut connection is resumed with the same
// session, its ephemerals and its watches (re-registered by setWatches, firing for changes made
// while it was away); a session that stays away past its timeout expires and loses its
// ephemerals; close ends the session at once. The connection is cut by a TcpProxy.
#include <chrono>
#include <thread>

#include "tests/clients/tcp_proxy.h"
#include "tests/compat/compat_test.h"

namespace coord::compat {
namespace {

using SessionTest = CompatTest;
using testing::TcpProxy;

TEST_F(SessionTest, CutConnectionResumesSessionAndWatches) {
  ASSERT_ZK(ZOK, Create(zk_->get(), P("changed-while-away"), "v0", ZOO_PERSISTENT).rc);
  ASSERT_ZK(ZOK, Create(zk_->get(), P("changed-after"), "v0", ZOO_PERSISTENT).rc);

  TcpProxy proxy(target().port());
  ZkHandle a(proxy.address(), kSessionTimeoutMs);
  ASSERT_TRUE(a.WaitConnected(kWaitMs));
  const int64_t session = a.session_id();
  ASSERT_ZK(ZOK, Create(a.get(), P("eph"), "", ZOO_EPHEMERAL).rc);
  EventQueue away, after, created, children;
  ASSERT_ZK(ZOK, Get(a.get(), P("changed-while-away"), &away).rc);
  ASSERT_ZK(ZOK, Get(a.get(), P("changed-after"), &after).rc);
  Stat stat{};
  ASSERT_ZK(ZNONODE,
            zoo_wexists(a.get(), P("born").c_str(), &EventQueue::Watcher, &created, &stat));
  ASSERT_ZK(ZOK, Children(a.get(), root_, &children).rc);

  // Cut, and keep the client out while another session changes a watched node.
  proxy.Block();
  proxy.Cut();
  ASSERT_TRUE(a.events().WaitForState(ZOO_CONNECTING_STATE, kWaitMs))
      << "the client notices the cut";
  ASSERT_ZK(ZOK, zoo_set(zk_->get(), P("changed-while-away").c_str(), "v1", 2, -1));
  proxy.Unblock();
  ASSERT_TRUE(a.events().WaitForState(ZOO_CONNECTED_STATE, kWaitMs)) << "the client reconnects";
  EXPECT_EQ(a.session_id(), session) << "the same session";

  // setWatches carried the client's last zxid: the change it missed fires at once.
  std::optional<ZkEvent> e = away.NextNodeEvent(kWaitMs);
  ASSERT_TRUE(e.has_value()) << "the change made while disconnected fires on reconnect";
  EXPECT_EQ(Describe(*e),
            Describe({ZOO_CHANGED_EVENT, ZOO_CONNECTED_STATE, P("changed-while-away")}));

  // The other watches are registered again and fire for changes after the reconnect.
  ASSERT_ZK(ZOK, zoo_set(zk_->get(), P("changed-after").c_str(), "v1", 2, -1));
  EXPECT_TRUE(after.WaitFor(ZOO_CHANGED_EVENT, P("changed-after"), kWaitMs));
  ASSERT_ZK(ZOK, Create(zk_->get(), P("born"), "", ZOO_PERSISTENT).rc);
  EXPECT_TRUE(created.WaitFor(ZOO_CREATED_EVENT, P("born"), kWaitMs));
  EXPECT_TRUE(children.WaitFor(ZOO_CHILD_EVENT, root_, kWaitMs));

  // The ephemeral survived, still owned by the session, which still works.
  GetResult eph = Get(zk_->get(), P("eph"));
  ASSERT_ZK(ZOK, eph.rc);
  EXPECT_EQ(eph.stat.ephemeralOwner, session);
  EXPECT_ZK(ZOK, zoo_set(a.get(), P("eph").c_str(), "still mine", 10, -1));
}

TEST_F(SessionTest, ResumeWithIdAndPasswordFromAnotherHandle) {
  // a is kept away behind a blocked proxy, so that b alone holds the session afterwards.
  TcpProxy proxy(target().port());
  ZkHandle a(proxy.address(), kSessionTimeoutMs);
  ASSERT_TRUE(a.WaitConnected(kWaitMs));
  ASSERT_ZK(ZOK, Create(a.get(), P("eph"), "", ZOO_EPHEMERAL).rc);
  const clientid_t id = a.client_id();
  proxy.Block();
  proxy.Cut();

  ZkHandle b(target().address(), kSessionTimeoutMs, &id);
  ASSERT_TRUE(b.WaitConnected(kWaitMs));
  EXPECT_EQ(b.session_id(), id.client_id);
  EXPECT_ZK(ZOK, zoo_delete(b.get(), P("eph").c_str(), -1)) << "b acts as the session";

  clientid_t forged = id;
  forged.passwd[0] = static_cast<char>(forged.passwd[0] ^ 0x5a);
  ZkHandle c(target().address(), kSessionTimeoutMs, &forged);
  EXPECT_TRUE(c.events().WaitForState(ZOO_EXPIRED_SESSION_STATE, kWaitMs))
      << "a wrong password is answered as an expired session";
}

TEST_F(SessionTest, ExpiryDeletesEphemeralsAndTellsTheClient) {
  TcpProxy proxy(target().port());
  // The shortest timeout either server grants (coord is configured with 1 s, ZooKeeper 4 s).
  ZkHandle a(proxy.address(), 1000);
  ASSERT_TRUE(a.WaitConnected(kWaitMs));
  const int negotiated_ms = zoo_recv_timeout(a.get());
  EXPECT_GE(negotiated_ms, 1000);
  EXPECT_LE(negotiated_ms, 4000);
  ASSERT_ZK(ZOK, Create(a.get(), P("eph"), "", ZOO_EPHEMERAL).rc);
  ASSERT_ZK(ZOK, Create(a.get(), P("seq-"), "", ZOO_EPHEMERAL_SEQUENTIAL).rc);
  EventQueue gone;
  Stat stat{};
  ASSERT_ZK(ZOK, zoo_wexists(zk_->get(), P("eph").c_str(), &EventQueue::Watcher, &gone, &stat));

  proxy.Block();
  proxy.Cut();
  ASSERT_TRUE(gone.WaitFor(ZOO_DELETED_EVENT, P("eph"), negotiated_ms + kWaitMs))
      << "the server expires the silent session and deletes its ephemerals";
  EXPECT_EQ(Children(zk_->get(), root_).children, std::vector<std::string>{});

  proxy.Unblock();
  EXPECT_TRUE(a.events().WaitForState(ZOO_EXPIRED_SESSION_STATE, kWaitMs))
      << "on reconnect the client learns that its session expired";
  EXPECT_ZK(ZINVALIDSTATE, zoo_set(a.get(), root_.c_str(), "", 0, -1));
}

TEST_F(SessionTest, CloseDeletesEphemeralsAtOnce) {
  auto a = std::make_unique<ZkHandle>(target().address(), kSessionTimeoutMs);
  ASSERT_TRUE(a->WaitConnected(kWaitMs));
  ASSERT_ZK(ZOK, Create(a->get(), P("eph"), "", ZOO_EPHEMERAL).rc);
  EventQueue gone;
  Stat stat{};
  ASSERT_ZK(ZOK, zoo_wexists(zk_->get(), P("eph").c_str(), &EventQueue::Watcher, &gone, &stat));
  EXPECT_ZK(ZOK, a->Close());
  // Well inside the 30 s session timeout: the close did it, not an expiry.
  EXPECT_TRUE(gone.WaitFor(ZOO_DELETED_EVENT, P("eph"), kWaitMs));
}

TEST_F(SessionTest, SessionTimeoutIsNegotiatedWithinTheServersBounds) {
  ZkHandle huge(target().address(), 10 * 60 * 1000);
  ASSERT_TRUE(huge.WaitConnected(kWaitMs));
  // Both servers cap it (ZooKeeper at 20 ticks = 40 s with its 2 s tick, coord at 60 s).
  EXPECT_LE(zoo_recv_timeout(huge.get()), 60000);
  EXPECT_GE(zoo_recv_timeout(huge.get()), 40000);
}

}  // namespace
}  // namespace coord::compat
