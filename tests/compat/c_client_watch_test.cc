// The ZooKeeper C client against the target: one-shot watches of every type (exists on a missing
// node, data, children), the events a delete fires, and removing watches.
#include "tests/compat/compat_test.h"

namespace coord::compat {
namespace {

using WatchTest = CompatTest;

// Expects the next event in q to be exactly (type, path): watch events arrive in zxid order, so
// anything else first — a duplicate, a stale or a missing event — is a failure.
void ExpectNext(EventQueue& q, int type, const std::string& path) {
  std::optional<ZkEvent> e = q.NextNodeEvent(kWaitMs);
  ASSERT_TRUE(e.has_value()) << "no event; expected " << EventName(type) << " " << path;
  EXPECT_EQ(Describe(*e), Describe(ZkEvent{type, ZOO_CONNECTED_STATE, path}));
}

// Proves that no further event is queued in q: a fresh exists watch on a new node fires after
// everything the server sent before it, so if the next event is its CREATED, nothing came between.
void ExpectNothingMore(ZkHandle& zk, EventQueue& q, const std::string& marker) {
  Stat stat{};
  ASSERT_ZK(ZNONODE, zoo_wexists(zk.get(), marker.c_str(), &EventQueue::Watcher, &q, &stat));
  ASSERT_ZK(ZOK, Create(zk.get(), marker, "", ZOO_PERSISTENT).rc);
  ExpectNext(q, ZOO_CREATED_EVENT, marker);
}

TEST_F(WatchTest, ExistsWatchOnAMissingNodeFiresOnCreate) {
  EventQueue q;
  Stat stat{};
  ASSERT_ZK(ZNONODE, zoo_wexists(zk_->get(), P("n").c_str(), &EventQueue::Watcher, &q, &stat));
  std::unique_ptr<ZkHandle> other = Connect();
  ASSERT_ZK(ZOK, Create(other->get(), P("n"), "x", ZOO_PERSISTENT).rc);
  ExpectNext(q, ZOO_CREATED_EVENT, P("n"));
  // One-shot: the set below fires nothing.
  ASSERT_ZK(ZOK, zoo_set(other->get(), P("n").c_str(), "y", 1, -1));
  ExpectNothingMore(*zk_, q, P("marker"));
}

TEST_F(WatchTest, ExistsWatchOnAnExistingNodeFiresOnChangeAndDelete) {
  ASSERT_ZK(ZOK, Create(zk_->get(), P("n"), "x", ZOO_PERSISTENT).rc);
  EventQueue q;
  Stat stat{};
  ASSERT_ZK(ZOK, zoo_wexists(zk_->get(), P("n").c_str(), &EventQueue::Watcher, &q, &stat));
  ASSERT_ZK(ZOK, zoo_set(zk_->get(), P("n").c_str(), "y", 1, -1));
  ExpectNext(q, ZOO_CHANGED_EVENT, P("n"));
  ASSERT_ZK(ZOK, zoo_wexists(zk_->get(), P("n").c_str(), &EventQueue::Watcher, &q, &stat));
  ASSERT_ZK(ZOK, zoo_delete(zk_->get(), P("n").c_str(), -1));
  ExpectNext(q, ZOO_DELETED_EVENT, P("n"));
}

TEST_F(WatchTest, DataWatchFiresOnceOnSetData) {
  ASSERT_ZK(ZOK, Create(zk_->get(), P("d"), "v0", ZOO_PERSISTENT).rc);
  EventQueue q;
  ASSERT_ZK(ZOK, Get(zk_->get(), P("d"), &q).rc);
  std::unique_ptr<ZkHandle> other = Connect();
  ASSERT_ZK(ZOK, zoo_set(other->get(), P("d").c_str(), "v1", 2, -1));
  ExpectNext(q, ZOO_CHANGED_EVENT, P("d"));
  ASSERT_ZK(ZOK, zoo_set(other->get(), P("d").c_str(), "v2", 2, -1));
  ExpectNothingMore(*zk_, q, P("marker"));
  // The data read after the event is the new value.
  EXPECT_EQ(Get(zk_->get(), P("d")).data, "v2");
}

TEST_F(WatchTest, DataWatchFiresOnDeleteAndGetDataOnAMissingNodeSetsNone) {
  ASSERT_ZK(ZOK, Create(zk_->get(), P("d"), "", ZOO_PERSISTENT).rc);
  EventQueue q;
  ASSERT_ZK(ZOK, Get(zk_->get(), P("d"), &q).rc);
  ASSERT_ZK(ZOK, zoo_delete(zk_->get(), P("d").c_str(), -1));
  ExpectNext(q, ZOO_DELETED_EVENT, P("d"));
  // getData on a missing node fails and leaves no watch: the create below fires nothing.
  ASSERT_ZK(ZNONODE, Get(zk_->get(), P("d"), &q).rc);
  ASSERT_ZK(ZOK, Create(zk_->get(), P("d"), "", ZOO_PERSISTENT).rc);
  ExpectNothingMore(*zk_, q, P("marker"));
}

TEST_F(WatchTest, ChildWatchFiresOnCreateAndDeleteOfAChild) {
  EventQueue q;
  ASSERT_ZK(ZOK, Children(zk_->get(), root_, &q).rc);
  std::unique_ptr<ZkHandle> other = Connect();
  ASSERT_ZK(ZOK, Create(other->get(), P("c"), "", ZOO_PERSISTENT).rc);
  ExpectNext(q, ZOO_CHILD_EVENT, root_);
  // Data changes of the parent or a child do not fire a child watch.
  String_vector names{};
  ASSERT_ZK(ZOK, zoo_wget_children(zk_->get(), root_.c_str(), &EventQueue::Watcher, &q, &names));
  deallocate_String_vector(&names);
  ASSERT_ZK(ZOK, zoo_set(other->get(), root_.c_str(), "data", 4, -1));
  ASSERT_ZK(ZOK, zoo_set(other->get(), P("c").c_str(), "data", 4, -1));
  ASSERT_ZK(ZOK, zoo_delete(other->get(), P("c").c_str(), -1));
  ExpectNext(q, ZOO_CHILD_EVENT, root_);
}

TEST_F(WatchTest, DeletingAWatchedParentFiresDeletedForItsChildWatch) {
  ASSERT_ZK(ZOK, Create(zk_->get(), P("p"), "", ZOO_PERSISTENT).rc);
  EventQueue children_of_p, children_of_root;
  ASSERT_ZK(ZOK, Children(zk_->get(), P("p"), &children_of_p).rc);
  ASSERT_ZK(ZOK, Children(zk_->get(), root_, &children_of_root).rc);
  ASSERT_ZK(ZOK, zoo_delete(zk_->get(), P("p").c_str(), -1));
  ExpectNext(children_of_p, ZOO_DELETED_EVENT, P("p"));
  ExpectNext(children_of_root, ZOO_CHILD_EVENT, root_);
}

TEST_F(WatchTest, DefaultWatcherGetsEventsOfWatchFlaggedCalls) {
  ASSERT_ZK(ZOK, Create(zk_->get(), P("w"), "", ZOO_PERSISTENT).rc);
  Stat stat{};
  ASSERT_ZK(ZOK, zoo_exists(zk_->get(), P("w").c_str(), /*watch=*/1, &stat));
  ASSERT_ZK(ZOK, zoo_set(zk_->get(), P("w").c_str(), "x", 1, -1));
  ExpectNext(zk_->events(), ZOO_CHANGED_EVENT, P("w"));
}

TEST_F(WatchTest, RemoveWatchesStopsTheWatch) {
  ASSERT_ZK(ZOK, Create(zk_->get(), P("r"), "", ZOO_PERSISTENT).rc);
  EventQueue data, child;
  ASSERT_ZK(ZOK, Get(zk_->get(), P("r"), &data).rc);
  ASSERT_ZK(ZOK, Children(zk_->get(), P("r"), &child).rc);

  // Removed on the server too (local = 0): the server must accept the request. The C client
  // 3.8 tells the watcher nothing and drops the watch locally, and answers ZNOWATCHER itself.
  ASSERT_ZK(ZOK, zoo_remove_watches(zk_->get(), P("r").c_str(), ZWATCHTYPE_DATA,
                                    &EventQueue::Watcher, &data, /*local=*/0));
  EXPECT_ZK(ZNOWATCHER, zoo_remove_watches(zk_->get(), P("r").c_str(), ZWATCHTYPE_DATA,
                                           &EventQueue::Watcher, &data, 0));
  ASSERT_ZK(ZOK, zoo_set(zk_->get(), P("r").c_str(), "x", 1, -1));
  ExpectNothingMore(*zk_, data, P("marker1"));

  // The child watch survived the data watch's removal ...
  ASSERT_ZK(ZOK, Create(zk_->get(), P("r/c1"), "", ZOO_PERSISTENT).rc);
  ExpectNext(child, ZOO_CHILD_EVENT, P("r"));
  // ... and every watch of the path goes at once.
  ASSERT_ZK(ZOK, Children(zk_->get(), P("r"), &child).rc);
  ASSERT_ZK(ZOK, Get(zk_->get(), P("r"), &data).rc);
  ASSERT_ZK(ZOK, zoo_remove_all_watches(zk_->get(), P("r").c_str(), ZWATCHTYPE_ANY, 0));
  ASSERT_ZK(ZOK, Create(zk_->get(), P("r/c2"), "", ZOO_PERSISTENT).rc);
  ASSERT_ZK(ZOK, zoo_set(zk_->get(), P("r").c_str(), "y", 1, -1));
  ExpectNothingMore(*zk_, child, P("marker2"));
  ExpectNothingMore(*zk_, data, P("marker3"));
  EXPECT_ZK(ZNOWATCHER, zoo_remove_all_watches(zk_->get(), P("r").c_str(), ZWATCHTYPE_ANY, 0));
}

TEST_F(WatchTest, OneEventPerWatcherAndPathAcrossCalls) {
  // exists and getData watches on the same path with the same watcher are one watch: one event.
  ASSERT_ZK(ZOK, Create(zk_->get(), P("o"), "", ZOO_PERSISTENT).rc);
  EventQueue q;
  Stat stat{};
  ASSERT_ZK(ZOK, zoo_wexists(zk_->get(), P("o").c_str(), &EventQueue::Watcher, &q, &stat));
  ASSERT_ZK(ZOK, Get(zk_->get(), P("o"), &q).rc);
  ASSERT_ZK(ZOK, zoo_set(zk_->get(), P("o").c_str(), "x", 1, -1));
  ExpectNext(q, ZOO_CHANGED_EVENT, P("o"));
  ExpectNothingMore(*zk_, q, P("marker"));
}

}  // namespace
}  // namespace coord::compat
