#include "coord/tree/watch_registry.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/tree/tree_test_util.h"

namespace coord {

void PrintTo(const WatchEvent& e, std::ostream* os) {
  *os << "{" << e.session << ", " << WatchEventTypeName(e.type) << ", " << e.path << "}";
}

namespace {

using namespace testing_util;  // NOLINT: test helpers

using T = WatchEventType;
using Events = std::vector<WatchEvent>;

WatchTrigger Created(std::string path) { return {T::kNodeCreated, std::move(path)}; }
WatchTrigger Deleted(std::string path) { return {T::kNodeDeleted, std::move(path)}; }
WatchTrigger DataChanged(std::string path) { return {T::kNodeDataChanged, std::move(path)}; }
WatchTrigger ChildrenChanged(std::string path) {
  return {T::kNodeChildrenChanged, std::move(path)};
}

class WatchRegistryTest : public ::testing::Test {
 protected:
  void Add(SessionId session, std::string_view path, WatchKind kind) {
    Status s = watches_.Add(session, path, kind);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  Events Fire(const WatchTrigger& trigger) { return watches_.Trigger({trigger}); }

  WatchRegistry watches_;
};

TEST_F(WatchRegistryTest, EventTypeNames) {
  EXPECT_STREQ(WatchEventTypeName(T::kNodeCreated), "node_created");
  EXPECT_STREQ(WatchEventTypeName(T::kNodeDeleted), "node_deleted");
  EXPECT_STREQ(WatchEventTypeName(T::kNodeDataChanged), "node_data_changed");
  EXPECT_STREQ(WatchEventTypeName(T::kNodeChildrenChanged), "node_children_changed");
  EXPECT_EQ(static_cast<int>(T::kNodeChildrenChanged), 4);  // ZooKeeper's value
}

// Which trigger types fire a watch of `kind` on /w, and whether it survives firing.
struct KindCase {
  WatchKind kind;
  bool created, deleted, data_changed, children_changed;
  bool persistent;
};

TEST_F(WatchRegistryTest, EachKindFiresOnItsTriggerTypes) {
  const std::vector<KindCase> cases = {
      {WatchKind::kData, true, true, true, false, false},
      {WatchKind::kChildren, false, true, false, true, false},
      {WatchKind::kPersistent, true, true, true, true, true},
      {WatchKind::kPersistentRecursive, true, true, true, false, true},
  };
  for (const KindCase& c : cases) {
    const std::vector<std::pair<WatchTrigger, bool>> triggers = {
        {Created("/w"), c.created},
        {Deleted("/w"), c.deleted},
        {DataChanged("/w"), c.data_changed},
        {ChildrenChanged("/w"), c.children_changed}};
    for (const auto& [trigger, fires] : triggers) {
      WatchRegistry watches;
      ASSERT_TRUE(watches.Add(1, "/w", c.kind).ok());
      const Events events = watches.Trigger({trigger});
      SCOPED_TRACE(::testing::Message() << "kind " << static_cast<int>(c.kind) << " trigger "
                                        << WatchEventTypeName(trigger.type));
      if (fires) {
        EXPECT_EQ(events, (Events{{1, trigger.type, "/w"}}));
        EXPECT_EQ(watches.Has(1, "/w", c.kind), c.persistent);
        EXPECT_EQ(watches.size(), c.persistent ? 1u : 0u);
      } else {
        EXPECT_TRUE(events.empty());
        EXPECT_TRUE(watches.Has(1, "/w", c.kind)) << "a watch that did not fire stays";
      }
      // Other paths never fire it.
      EXPECT_TRUE(watches.Trigger({{trigger.type, "/x"}}).empty());
    }
  }
}

TEST_F(WatchRegistryTest, OneShotWatchesFireOnce) {
  Add(1, "/a", WatchKind::kData);
  Add(1, "/a", WatchKind::kChildren);
  EXPECT_EQ(Fire(DataChanged("/a")), (Events{{1, T::kNodeDataChanged, "/a"}}));
  EXPECT_TRUE(Fire(DataChanged("/a")).empty());
  EXPECT_TRUE(watches_.Has(1, "/a", WatchKind::kChildren));
  EXPECT_EQ(Fire(ChildrenChanged("/a")), (Events{{1, T::kNodeChildrenChanged, "/a"}}));
  EXPECT_TRUE(Fire(ChildrenChanged("/a")).empty());
  EXPECT_EQ(watches_.size(), 0u);
  EXPECT_EQ(watches_.CountFor(1), 0u);
  // A deletion consumes both kinds at once, with one event.
  Add(1, "/b", WatchKind::kData);
  Add(1, "/b", WatchKind::kChildren);
  EXPECT_EQ(Fire(Deleted("/b")), (Events{{1, T::kNodeDeleted, "/b"}}));
  EXPECT_EQ(watches_.size(), 0u);
  // Re-registering after firing works.
  Add(1, "/a", WatchKind::kData);
  EXPECT_EQ(Fire(Created("/a")).size(), 1u);
}

TEST_F(WatchRegistryTest, PersistentWatchesStay) {
  Add(1, "/p", WatchKind::kPersistent);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Fire(DataChanged("/p")), (Events{{1, T::kNodeDataChanged, "/p"}}));
    EXPECT_EQ(Fire(ChildrenChanged("/p")), (Events{{1, T::kNodeChildrenChanged, "/p"}}));
  }
  EXPECT_EQ(Fire(Deleted("/p")), (Events{{1, T::kNodeDeleted, "/p"}}));
  EXPECT_EQ(Fire(Created("/p")), (Events{{1, T::kNodeCreated, "/p"}}));
  EXPECT_TRUE(watches_.Has(1, "/p", WatchKind::kPersistent));
  // Not on children's own events.
  EXPECT_TRUE(Fire(DataChanged("/p/c")).empty());
  EXPECT_TRUE(Fire(Created("/p/c")).empty());
}

TEST_F(WatchRegistryTest, RecursiveMatchesDescendantsButNotSiblingsOrChildEvents) {
  Add(1, "/a", WatchKind::kPersistentRecursive);
  EXPECT_EQ(Fire(Created("/a")), (Events{{1, T::kNodeCreated, "/a"}}));
  EXPECT_EQ(Fire(Created("/a/b")), (Events{{1, T::kNodeCreated, "/a/b"}}));
  EXPECT_EQ(Fire(DataChanged("/a/b/c/d")), (Events{{1, T::kNodeDataChanged, "/a/b/c/d"}}));
  EXPECT_EQ(Fire(Deleted("/a/b")), (Events{{1, T::kNodeDeleted, "/a/b"}}));
  // Never children_changed, not even of the watched node itself.
  EXPECT_TRUE(Fire(ChildrenChanged("/a")).empty());
  EXPECT_TRUE(Fire(ChildrenChanged("/a/b")).empty());
  // Siblings sharing a prefix and ancestors are outside.
  EXPECT_TRUE(Fire(Created("/ab")).empty());
  EXPECT_TRUE(Fire(DataChanged("/ab/c")).empty());
  EXPECT_TRUE(Fire(DataChanged("/")).empty());
  EXPECT_TRUE(Fire(Created("/b/a")).empty());
  EXPECT_TRUE(watches_.Has(1, "/a", WatchKind::kPersistentRecursive));

  // A recursive watch on the root sees everything but children_changed.
  Add(2, "/", WatchKind::kPersistentRecursive);
  EXPECT_EQ(Fire(Created("/zz/y")), (Events{{2, T::kNodeCreated, "/zz/y"}}));
  EXPECT_EQ(Fire(DataChanged("/")), (Events{{2, T::kNodeDataChanged, "/"}}));
  EXPECT_TRUE(Fire(ChildrenChanged("/")).empty());
}

TEST_F(WatchRegistryTest, OneEventPerSessionPerTrigger) {
  // Session 1 matches with four watches, session 2 with one.
  Add(1, "/a/b", WatchKind::kData);
  Add(1, "/a/b", WatchKind::kPersistent);
  Add(1, "/a/b", WatchKind::kPersistentRecursive);
  Add(1, "/a", WatchKind::kPersistentRecursive);
  Add(2, "/", WatchKind::kPersistentRecursive);
  EXPECT_EQ(Fire(DataChanged("/a/b")),
            (Events{{1, T::kNodeDataChanged, "/a/b"}, {2, T::kNodeDataChanged, "/a/b"}}));
  // The one-shot watch was consumed even though its event was merged.
  EXPECT_FALSE(watches_.Has(1, "/a/b", WatchKind::kData));
  EXPECT_EQ(watches_.CountFor(1), 3u);
  // Registering the same watch twice is one watch.
  Add(3, "/x", WatchKind::kData);
  Add(3, "/x", WatchKind::kData);
  EXPECT_EQ(watches_.CountFor(3), 1u);
  EXPECT_EQ(Fire(Created("/x")), (Events{{2, T::kNodeCreated, "/x"}, {3, T::kNodeCreated, "/x"}}));
}

TEST_F(WatchRegistryTest, EventsAreOrderedBySessionWithinATriggerAndByTrigger) {
  for (SessionId s : std::vector<SessionId>{50, -7, 3, 1000000000000, 0})
    Add(s, "/n", WatchKind::kPersistent);
  Add(20, "/m", WatchKind::kData);
  Add(10, "/m", WatchKind::kData);
  const Events events =
      watches_.Trigger({DataChanged("/n"), DataChanged("/m"), ChildrenChanged("/n")});
  const Events want = {
      {-7, T::kNodeDataChanged, "/n"},
      {0, T::kNodeDataChanged, "/n"},
      {3, T::kNodeDataChanged, "/n"},
      {50, T::kNodeDataChanged, "/n"},
      {1000000000000, T::kNodeDataChanged, "/n"},
      {10, T::kNodeDataChanged, "/m"},
      {20, T::kNodeDataChanged, "/m"},
      {-7, T::kNodeChildrenChanged, "/n"},
      {0, T::kNodeChildrenChanged, "/n"},
      {3, T::kNodeChildrenChanged, "/n"},
      {50, T::kNodeChildrenChanged, "/n"},
      {1000000000000, T::kNodeChildrenChanged, "/n"},
  };
  EXPECT_EQ(events, want);
  // A one-shot watch consumed by an earlier trigger of the same batch does not fire again.
  Add(1, "/o", WatchKind::kData);
  EXPECT_EQ(watches_.Trigger({DataChanged("/o"), Deleted("/o")}),
            (Events{{1, T::kNodeDataChanged, "/o"}}));
}

TEST_F(WatchRegistryTest, RemoveOneWatch) {
  Add(1, "/a", WatchKind::kData);
  Add(1, "/a", WatchKind::kChildren);
  Add(2, "/a", WatchKind::kData);
  EXPECT_TRUE(watches_.Remove(1, "/a", WatchKind::kData));
  EXPECT_FALSE(watches_.Remove(1, "/a", WatchKind::kData));
  EXPECT_FALSE(watches_.Remove(1, "/a", WatchKind::kPersistent));
  EXPECT_FALSE(watches_.Remove(9, "/a", WatchKind::kData));
  EXPECT_FALSE(watches_.Remove(1, "/b", WatchKind::kChildren));
  EXPECT_EQ(watches_.size(), 2u);
  EXPECT_EQ(Fire(DataChanged("/a")), (Events{{2, T::kNodeDataChanged, "/a"}}));
  EXPECT_TRUE(watches_.Remove(1, "/a", WatchKind::kChildren));
  EXPECT_TRUE(Fire(Deleted("/a")).empty());
  EXPECT_EQ(watches_.size(), 0u);
}

TEST_F(WatchRegistryTest, RemoveSessionDropsEverything) {
  Add(1, "/a", WatchKind::kData);
  Add(1, "/a", WatchKind::kPersistentRecursive);
  Add(1, "/b", WatchKind::kChildren);
  Add(1, "/c", WatchKind::kPersistent);
  Add(2, "/a", WatchKind::kData);
  watches_.RemoveSession(1);
  watches_.RemoveSession(1);  // idempotent
  watches_.RemoveSession(3);  // unknown
  EXPECT_EQ(watches_.CountFor(1), 0u);
  EXPECT_EQ(watches_.size(), 1u);
  EXPECT_FALSE(watches_.Has(1, "/c", WatchKind::kPersistent));
  EXPECT_EQ(
      watches_.Trigger({DataChanged("/a"), ChildrenChanged("/b"), Created("/c"), Created("/a/x")}),
      (Events{{2, T::kNodeDataChanged, "/a"}}));
}

TEST_F(WatchRegistryTest, PerSessionLimitThrottles) {
  WatchRegistry watches(3);
  ASSERT_TRUE(watches.Add(1, "/a", WatchKind::kData).ok());
  ASSERT_TRUE(watches.Add(1, "/b", WatchKind::kData).ok());
  ASSERT_TRUE(watches.Add(1, "/a", WatchKind::kChildren).ok());
  Status s = watches.Add(1, "/c", WatchKind::kData);
  EXPECT_EQ(s.code(), Code::kThrottled);
  EXPECT_FALSE(watches.Has(1, "/c", WatchKind::kData));
  // Re-adding an existing watch at the limit is still fine; other sessions have their own limit.
  EXPECT_TRUE(watches.Add(1, "/a", WatchKind::kData).ok());
  EXPECT_TRUE(watches.Add(2, "/c", WatchKind::kData).ok());
  EXPECT_EQ(watches.CountFor(1), 3u);
  EXPECT_EQ(watches.size(), 4u);
  // A fired one-shot watch frees its slot.
  EXPECT_EQ(watches.Trigger({DataChanged("/b")}).size(), 1u);
  EXPECT_TRUE(watches.Add(1, "/c", WatchKind::kData).ok());
  EXPECT_EQ(watches.Add(1, "/d", WatchKind::kData).code(), Code::kThrottled);
  EXPECT_TRUE(watches.Trigger({Created("/d")}).empty());
}

// Watches registered as a client would, triggered by what DataTree::Apply returns.
TEST_F(WatchRegistryTest, EndToEndWithDataTree) {
  TreeHarness h;
  h.Ok(SessionTxn(100, 1000));
  Add(1, "/app", WatchKind::kData);                 // exists("/app", watch) before it exists
  Add(2, "/", WatchKind::kChildren);                // getChildren("/", watch)
  Add(3, "/app", WatchKind::kPersistentRecursive);  // addWatch("/app", recursive)
  Add(4, "/app", WatchKind::kPersistent);           // addWatch("/app", persistent)

  EXPECT_EQ(watches_.Trigger(h.Ok(testing_util::Create("/app")).triggers),
            (Events{{1, T::kNodeCreated, "/app"},
                    {3, T::kNodeCreated, "/app"},
                    {4, T::kNodeCreated, "/app"},
                    {2, T::kNodeChildrenChanged, "/"}}));
  Add(1, "/app", WatchKind::kChildren);
  EXPECT_EQ(watches_.Trigger(h.Ok(Ephemeral("/app/lock", 100)).triggers),
            (Events{{3, T::kNodeCreated, "/app/lock"},
                    {1, T::kNodeChildrenChanged, "/app"},
                    {4, T::kNodeChildrenChanged, "/app"}}));
  EXPECT_EQ(watches_.Trigger(h.Ok(SetData("/app/lock", "x")).triggers),
            (Events{{3, T::kNodeDataChanged, "/app/lock"}}));
  // ACL changes and checks fire nothing; failed transactions neither.
  EXPECT_TRUE(watches_.Trigger(h.Ok(SetAcl("/app", OpenAcl())).triggers).empty());
  EXPECT_TRUE(watches_.Trigger(h.Apply(testing_util::Create("/app")).triggers).empty());
  // The session's close deletes its ephemeral.
  Add(5, "/app/lock", WatchKind::kData);
  EXPECT_EQ(watches_.Trigger(h.Ok(CloseTxn(100)).triggers),
            (Events{{3, T::kNodeDeleted, "/app/lock"},
                    {5, T::kNodeDeleted, "/app/lock"},
                    {4, T::kNodeChildrenChanged, "/app"}}));
  // A multi's triggers come in op order.
  Add(1, "/app", WatchKind::kData);
  EXPECT_EQ(watches_.Trigger(h.Ok(MultiTxn{{SetData("/app", "v"), Delete("/app")}}).triggers),
            (Events{{1, T::kNodeDataChanged, "/app"},
                    {3, T::kNodeDataChanged, "/app"},
                    {4, T::kNodeDataChanged, "/app"},
                    {3, T::kNodeDeleted, "/app"},
                    {4, T::kNodeDeleted, "/app"}}));
  EXPECT_EQ(watches_.size(), 2u);  // the two persistent ones
}

}  // namespace
}  // namespace coord
