#include "coord/zab/history.h"

#include <gtest/gtest.h>

namespace coord::zab {
namespace {

History Make(Zxid floor, std::vector<Zxid> zxids) {
  std::vector<Entry> entries;
  for (Zxid z : zxids) entries.push_back({z, "e"});
  return History(floor, entries);
}

TEST(ZabHistoryTest, RangeContainsAndTruncate) {
  History h = Make(0, {MakeZxid(1, 1), MakeZxid(1, 2), MakeZxid(2, 1)});
  EXPECT_EQ(h.last(), MakeZxid(2, 1));
  EXPECT_TRUE(h.Contains(0));
  EXPECT_TRUE(h.Contains(MakeZxid(1, 2)));
  EXPECT_FALSE(h.Contains(MakeZxid(1, 3)));
  EXPECT_EQ(h.Range(MakeZxid(1, 1), MakeZxid(2, 1)).size(), 2u);
  EXPECT_EQ(h.LastAtOrBelow(MakeZxid(1, 9)), MakeZxid(1, 2));
  h.TruncateAfter(MakeZxid(1, 1));
  EXPECT_EQ(h.last(), MakeZxid(1, 1));
  h.CompactTo(MakeZxid(1, 1));
  EXPECT_EQ(h.floor(), MakeZxid(1, 1));
  EXPECT_EQ(h.size(), 0u);
  EXPECT_EQ(h.last(), MakeZxid(1, 1));
}

TEST(ZabHistoryTest, PlanSyncChoosesDiffTruncOrSnap) {
  History h = Make(MakeZxid(1, 2), {MakeZxid(1, 3), MakeZxid(1, 4), MakeZxid(3, 1)});
  EXPECT_EQ(PlanSync(h, MakeZxid(3, 1)).kind, SyncPlan::Kind::kDiff) << "up to date";
  EXPECT_EQ(PlanSync(h, MakeZxid(1, 3)).kind, SyncPlan::Kind::kDiff) << "lagging";
  EXPECT_EQ(PlanSync(h, MakeZxid(1, 2)).kind, SyncPlan::Kind::kDiff) << "at the snapshot point";
  EXPECT_EQ(PlanSync(h, MakeZxid(1, 1)).kind, SyncPlan::Kind::kSnap) << "below the snapshot point";
  const SyncPlan divergent = PlanSync(h, MakeZxid(2, 5));  // an epoch-2 tail the leader lacks
  EXPECT_EQ(divergent.kind, SyncPlan::Kind::kTrunc);
  EXPECT_EQ(divergent.trunc_to, MakeZxid(1, 4));
  const SyncPlan ahead = PlanSync(h, MakeZxid(3, 7));
  EXPECT_EQ(ahead.kind, SyncPlan::Kind::kTrunc);
  EXPECT_EQ(ahead.trunc_to, MakeZxid(3, 1));
}

}  // namespace
}  // namespace coord::zab
