#include "coord/zab/history.h"

#include <algorithm>

#include "coord/base/check.h"

namespace coord::zab {
namespace {

bool ZxidLess(const Entry& entry, Zxid zxid) { return entry.zxid < zxid; }

}  // namespace

History::History(Zxid floor, std::vector<Entry> entries) : floor_(floor) {
  for (Entry& entry : entries) {
    if (entry.zxid > floor_) Append(std::move(entry));
  }
}

bool History::Contains(Zxid zxid) const { return zxid == floor_ || Find(zxid) != nullptr; }

const Entry* History::Find(Zxid zxid) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), zxid, ZxidLess);
  return it != entries_.end() && it->zxid == zxid ? &*it : nullptr;
}

Zxid History::LastAtOrBelow(Zxid zxid) const {
  CHECK_GE(zxid, floor_);
  auto it = std::upper_bound(entries_.begin(), entries_.end(), zxid,
                             [](Zxid z, const Entry& entry) { return z < entry.zxid; });
  return it == entries_.begin() ? floor_ : std::prev(it)->zxid;
}

std::vector<Entry> History::Range(Zxid after, Zxid up_to) const {
  std::vector<Entry> out;
  auto it = std::upper_bound(entries_.begin(), entries_.end(), after,
                             [](Zxid z, const Entry& entry) { return z < entry.zxid; });
  for (; it != entries_.end() && it->zxid <= up_to; ++it) out.push_back(*it);
  return out;
}

void History::Append(Entry entry) {
  CHECK_GT(entry.zxid, last()) << "history appends in zxid order";
  entries_.push_back(std::move(entry));
}

void History::TruncateAfter(Zxid zxid) {
  CHECK_GE(zxid, floor_) << "a truncation never reaches below the snapshot point";
  while (!entries_.empty() && entries_.back().zxid > zxid) entries_.pop_back();
}

void History::Reset(Zxid floor) {
  entries_.clear();
  floor_ = floor;
}

void History::CompactTo(Zxid zxid) {
  if (zxid <= floor_) return;
  CHECK_LE(zxid, last());
  while (!entries_.empty() && entries_.front().zxid <= zxid) entries_.pop_front();
  floor_ = zxid;
}

SyncPlan PlanSync(const History& leader, Zxid learner_last) {
  // The learner holds entries the leader does not have past its last: TRUNC to the leader's last.
  if (learner_last > leader.last()) return {SyncPlan::Kind::kTrunc, leader.last()};
  // Below the snapshot point the leader has no entries to send: SNAP.
  if (learner_last < leader.floor()) return {SyncPlan::Kind::kSnap, 0};
  // Same zxid means the same transaction (one leader per epoch assigns it): DIFF from there.
  // Otherwise the learner's tail above the last common zxid is an uncommitted divergent one.
  const Zxid common = leader.LastAtOrBelow(learner_last);
  if (common == learner_last) return {SyncPlan::Kind::kDiff, 0};
  return {SyncPlan::Kind::kTrunc, common};
}

}  // namespace coord::zab
