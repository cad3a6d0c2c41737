// History: the core's in-memory index of the log entries it holds above a floor.
//
// The core keeps every entry it has appended (durable or on its way to disk) above `floor`, the
// zxid of the newest snapshot point: the leader reads DIFFs from it, and it decides per learner
// between DIFF, TRUNC (+DIFF) and SNAP (PlanSync). The floor moves up when the application
// reports a snapshot (Node::Compact) or when the index exceeds its cap; a learner below the floor
// then needs a SNAP. Keeping the index in memory spares the core an I/O interface to the log.
//
// Threading: none; owned by its Node.
#pragma once

#include <deque>
#include <vector>

#include "coord/zab/types.h"

namespace coord::zab {

class History {
 public:
  History(Zxid floor, std::vector<Entry> entries);

  Zxid floor() const { return floor_; }
  // The newest zxid held, or the floor when no entry is above it.
  Zxid last() const { return entries_.empty() ? floor_ : entries_.back().zxid; }
  size_t size() const { return entries_.size(); }

  // True when this history holds zxid: an entry, or the floor itself (the snapshot point).
  bool Contains(Zxid zxid) const;
  const Entry* Find(Zxid zxid) const;
  // The largest zxid <= `zxid` held here (the floor at least); `zxid` must be >= floor.
  Zxid LastAtOrBelow(Zxid zxid) const;
  // Entries with after < zxid <= up_to, in order.
  std::vector<Entry> Range(Zxid after, Zxid up_to) const;

  void Append(Entry entry);       // zxid above last()
  void TruncateAfter(Zxid zxid);  // drops entries above zxid; zxid >= floor
  void Reset(Zxid floor);         // a snapshot replaced everything
  void CompactTo(Zxid zxid);      // forgets entries at or below zxid; the floor becomes zxid

 private:
  Zxid floor_;
  std::deque<Entry> entries_;  // strictly increasing zxids, all above floor_
};

// How the leader brings one learner whose history ends at `learner_last` up to its own.
struct SyncPlan {
  enum class Kind { kDiff, kTrunc, kSnap } kind = Kind::kDiff;
  Zxid trunc_to = 0;  // kTrunc: the learner keeps entries up to here, then gets the DIFF
};
SyncPlan PlanSync(const History& leader, Zxid learner_last);

}  // namespace coord::zab
