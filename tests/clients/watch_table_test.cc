#include "clients/watch_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace coord::client {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Watchers that record their name when called.
class WatchTableTest : public ::testing::Test {
 protected:
  Watcher Named(std::string name) {
    return [this, name](const WatchEvent&) { fired_.push_back(name); };
  }
  std::vector<std::string> Fire(WatchEventType type, const std::string& path) {
    fired_.clear();
    for (Watcher& w : table_.Trigger(type, path)) w(WatchEvent{type, path, 1});
    return fired_;
  }

  WatchTable table_;
  std::vector<std::string> fired_;
};

TEST_F(WatchTableTest, DataWatchFiresOnceOnDataCreateAndDelete) {
  for (WatchEventType type : {WatchEventType::kNodeDataChanged, WatchEventType::kNodeCreated,
                              WatchEventType::kNodeDeleted}) {
    table_.Add(LocalWatchKind::kData, "/a", Named("d"));
    EXPECT_THAT(Fire(type, "/a"), ElementsAre("d"));
    EXPECT_THAT(Fire(type, "/a"), IsEmpty()) << "one-shot";
  }
  table_.Add(LocalWatchKind::kData, "/a", Named("d"));
  EXPECT_THAT(Fire(WatchEventType::kNodeChildrenChanged, "/a"), IsEmpty());
  EXPECT_THAT(Fire(WatchEventType::kNodeDataChanged, "/b"), IsEmpty());
  EXPECT_EQ(table_.size(), 1u);
}

TEST_F(WatchTableTest, ExistWatchFiresOnCreation) {
  table_.Add(LocalWatchKind::kExist, "/a", Named("e"));
  EXPECT_THAT(Fire(WatchEventType::kNodeCreated, "/a"), ElementsAre("e"));
  EXPECT_TRUE(table_.empty());
}

TEST_F(WatchTableTest, ChildWatchFiresOnChildrenChangedAndDeletion) {
  table_.Add(LocalWatchKind::kChild, "/a", Named("c"));
  EXPECT_THAT(Fire(WatchEventType::kNodeDataChanged, "/a"), IsEmpty());
  EXPECT_THAT(Fire(WatchEventType::kNodeChildrenChanged, "/a"), ElementsAre("c"));
  EXPECT_THAT(Fire(WatchEventType::kNodeChildrenChanged, "/a"), IsEmpty());
  table_.Add(LocalWatchKind::kChild, "/a", Named("c"));
  EXPECT_THAT(Fire(WatchEventType::kNodeDeleted, "/a"), ElementsAre("c"));
}

TEST_F(WatchTableTest, PersistentWatchSeesEveryEventOfItsPathAndStays) {
  table_.Add(LocalWatchKind::kPersistent, "/a", Named("p"));
  for (WatchEventType type : {WatchEventType::kNodeCreated, WatchEventType::kNodeDataChanged,
                              WatchEventType::kNodeChildrenChanged, WatchEventType::kNodeDeleted}) {
    EXPECT_THAT(Fire(type, "/a"), ElementsAre("p"));
  }
  EXPECT_THAT(Fire(WatchEventType::kNodeCreated, "/a/b"), IsEmpty()) << "not recursive";
  EXPECT_EQ(table_.size(), 1u);
}

TEST_F(WatchTableTest, RecursiveWatchSeesTheSubtreeButNotChildEvents) {
  table_.Add(LocalWatchKind::kPersistentRecursive, "/a", Named("r"));
  table_.Add(LocalWatchKind::kPersistentRecursive, "/", Named("root"));
  EXPECT_THAT(Fire(WatchEventType::kNodeCreated, "/a/b/c"), ElementsAre("r", "root"));
  EXPECT_THAT(Fire(WatchEventType::kNodeDataChanged, "/a"), ElementsAre("r", "root"));
  EXPECT_THAT(Fire(WatchEventType::kNodeDeleted, "/ab"), ElementsAre("root"));
  EXPECT_THAT(Fire(WatchEventType::kNodeChildrenChanged, "/a"), IsEmpty());
  EXPECT_EQ(table_.size(), 2u);
}

TEST_F(WatchTableTest, OneEventFansOutToEveryMatchingWatcher) {
  table_.Add(LocalWatchKind::kData, "/a", Named("d1"));
  table_.Add(LocalWatchKind::kData, "/a", Named("d2"));
  table_.Add(LocalWatchKind::kPersistent, "/a", Named("p"));
  table_.Add(LocalWatchKind::kPersistentRecursive, "/", Named("r"));
  table_.Add(LocalWatchKind::kChild, "/a", Named("c"));
  EXPECT_THAT(Fire(WatchEventType::kNodeDataChanged, "/a"), ElementsAre("d1", "d2", "p", "r"));
  EXPECT_THAT(Fire(WatchEventType::kNodeDataChanged, "/a"), ElementsAre("p", "r"));
  EXPECT_THAT(Fire(WatchEventType::kNodeDeleted, "/a"), ElementsAre("c", "p", "r"));
}

TEST_F(WatchTableTest, RemoveByType) {
  table_.Add(LocalWatchKind::kData, "/a", Named("d"));
  table_.Add(LocalWatchKind::kExist, "/a", Named("e"));
  table_.Add(LocalWatchKind::kChild, "/a", Named("c"));
  table_.Add(LocalWatchKind::kPersistent, "/a", Named("p"));
  table_.Add(LocalWatchKind::kPersistentRecursive, "/a", Named("r"));
  EXPECT_EQ(table_.Remove("/a", WatcherType::kData), 2u);
  EXPECT_EQ(table_.Remove("/a", WatcherType::kData), 0u);
  EXPECT_EQ(table_.Remove("/a", WatcherType::kChildren), 1u);
  EXPECT_TRUE(table_.HasPersistent());
  EXPECT_EQ(table_.Remove("/a", WatcherType::kPersistent), 1u);
  EXPECT_TRUE(table_.HasPersistent());
  EXPECT_EQ(table_.Remove("/a", WatcherType::kPersistentRecursive), 1u);
  EXPECT_FALSE(table_.HasPersistent());
  EXPECT_TRUE(table_.empty());
  table_.Add(LocalWatchKind::kData, "/b", Named("d"));
  table_.Add(LocalWatchKind::kPersistent, "/b", Named("p"));
  EXPECT_EQ(table_.Remove("/b", WatcherType::kAny), 2u);
  EXPECT_TRUE(table_.empty());
}

TEST_F(WatchTableTest, SetWatchesListsEveryPathOnceByKind) {
  EXPECT_THAT(table_.MakeSetWatches(7, 1 << 20), IsEmpty());
  table_.Add(LocalWatchKind::kData, "/d", Named("1"));
  table_.Add(LocalWatchKind::kData, "/d", Named("2"));
  table_.Add(LocalWatchKind::kExist, "/e", Named("3"));
  table_.Add(LocalWatchKind::kChild, "/c", Named("4"));
  table_.Add(LocalWatchKind::kPersistent, "/p", Named("5"));
  table_.Add(LocalWatchKind::kPersistentRecursive, "/r", Named("6"));
  std::vector<SetWatchesRequest> sets = table_.MakeSetWatches(7, 1 << 20);
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_EQ(sets[0].relative_zxid, 7u);
  EXPECT_THAT(sets[0].data, ElementsAre("/d"));
  EXPECT_THAT(sets[0].exist, ElementsAre("/e"));
  EXPECT_THAT(sets[0].child, ElementsAre("/c"));
  EXPECT_THAT(sets[0].persistent, ElementsAre("/p"));
  EXPECT_THAT(sets[0].persistent_recursive, ElementsAre("/r"));
}

TEST_F(WatchTableTest, SetWatchesIsSplitUnderTheByteLimit) {
  for (int i = 0; i < 100; ++i) {
    table_.Add(LocalWatchKind::kData, "/node-" + std::to_string(1000 + i), Named("d"));
  }
  // Each path costs its length (10) plus 16: ten fit in 260 bytes.
  std::vector<SetWatchesRequest> sets = table_.MakeSetWatches(3, 260);
  ASSERT_EQ(sets.size(), 10u);
  size_t total = 0;
  for (const SetWatchesRequest& s : sets) {
    EXPECT_EQ(s.relative_zxid, 3u);
    EXPECT_LE(s.data.size(), 10u);
    total += s.data.size();
  }
  EXPECT_EQ(total, 100u);
}

TEST_F(WatchTableTest, IntentsFollowZooKeeperRegistrationRules) {
  auto apply = [&](ClientOp op, Code code) {
    return ApplyIntent(IntentOf(op), code, Named("w"), &table_);
  };
  EXPECT_FALSE(apply(ExistsRequest{"/a", false}, Code::kOk)) << "no watch asked";
  EXPECT_TRUE(apply(ExistsRequest{"/a", true}, Code::kOk));
  EXPECT_TRUE(apply(ExistsRequest{"/m", true}, Code::kNoNode));
  EXPECT_FALSE(apply(ExistsRequest{"/x", true}, Code::kNoAuth));
  EXPECT_FALSE(apply(GetDataRequest{"/m", true}, Code::kNoNode));
  EXPECT_TRUE(apply(GetDataRequest{"/a", true}, Code::kOk));
  GetChildrenRequest children;
  children.path = "/a";
  children.watch = true;
  EXPECT_TRUE(apply(children, Code::kOk));
  EXPECT_TRUE(apply(AddWatchRequest{"/p", AddWatchMode::kPersistent}, Code::kOk));
  EXPECT_TRUE(apply(AddWatchRequest{"/r", AddWatchMode::kPersistentRecursive}, Code::kOk));
  EXPECT_FALSE(apply(AddWatchRequest{"/z", AddWatchMode::kPersistent}, Code::kThrottled));
  EXPECT_FALSE(apply(SetDataRequest{"/a", "x", -1}, Code::kOk));
  EXPECT_EQ(table_.size(), 6u);

  std::vector<SetWatchesRequest> sets = table_.MakeSetWatches(1, 1 << 20);
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_THAT(sets[0].data, ElementsAre("/a"));
  EXPECT_THAT(sets[0].exist, ElementsAre("/m"));
  EXPECT_THAT(sets[0].child, ElementsAre("/a"));
  EXPECT_THAT(sets[0].persistent, ElementsAre("/p"));
  EXPECT_THAT(sets[0].persistent_recursive, ElementsAre("/r"));

  // remove_watches drops local watchers on ok and on no_watcher, not on other errors.
  EXPECT_FALSE(apply(RemoveWatchesRequest{"/p", WatcherType::kPersistent}, Code::kConnectionLoss));
  EXPECT_TRUE(apply(RemoveWatchesRequest{"/p", WatcherType::kPersistent}, Code::kOk));
  EXPECT_TRUE(apply(RemoveWatchesRequest{"/r", WatcherType::kAny}, Code::kNoWatcher));
  EXPECT_FALSE(table_.HasPersistent());
}

}  // namespace
}  // namespace coord::client
