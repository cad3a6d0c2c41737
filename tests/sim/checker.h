// Checker: the safety invariants of a simulated cluster, asserted incrementally after every event
// and every step (style rules 12 and 14). A violation is a CHECK failure whose message carries
// the seed and the trace tail (the `context` callback), so the seed is the bug report.
//
// Invariants:
//   - at most one established leader per epoch;
//   - one committed history: the same zxid always carries the same payload, and each member
//     applies a contiguous prefix of it (total and primary order, no gaps, strictly increasing);
//   - equal tree digest at equal last-applied zxid, on every member and every incarnation;
//   - no acknowledged write lost: an established voter of epoch e holds every write acknowledged
//     in an earlier epoch, and at the end every member has applied every acknowledged write.
//
// Threading: none; owned by the SimCluster.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "coord/zab/types.h"

namespace coord::sim {

// What the checker looks at in a member after each step.
struct MemberView {
  zab::MemberId id = 0;
  bool up = false;
  bool voter = true;
  zab::Role role = zab::Role::kLooking;
  bool established = false;
  Epoch epoch = 0;
  Zxid last_zxid = 0;
  Zxid committed_zxid = 0;
  Zxid tree_zxid = 0;  // the last zxid applied to (or installed into) the member's DataTree
};

class Checker {
 public:
  Checker(int members, uint64_t empty_digest, std::function<std::string()> context);

  // The member's tree applied `payload` at `zxid` and now has `digest`.
  void OnApply(zab::MemberId id, Zxid zxid, const std::string& payload, uint64_t digest);
  // The member's tree was replaced by a snapshot at `zxid` (SNAP, or a restart).
  void OnInstall(zab::MemberId id, Zxid zxid, uint64_t digest);
  // The leader committed and applied `zxid`: a client would have been answered.
  void OnAcknowledged(Zxid zxid, const std::string& payload);
  // After every step.
  void Step(const std::vector<MemberView>& members);
  // After the final quiet period: everyone up and converged.
  void Final(const std::vector<MemberView>& members);

  size_t acknowledged() const { return acked_.size(); }
  size_t committed() const { return committed_.size(); }

 private:
  void CheckDigest(zab::MemberId id, Zxid zxid, uint64_t digest);
  Zxid MaxAckedBefore(Epoch epoch) const;

  std::function<std::string()> context_;
  std::vector<Zxid> last_applied_;  // per member id (index id - 1), this incarnation
  Zxid max_applied_anywhere_ = 0;
  std::map<Zxid, uint64_t> committed_;  // zxid -> payload hash
  std::map<Zxid, uint64_t> digest_at_;
  std::map<Epoch, zab::MemberId> leader_of_;
  std::set<Zxid> acked_;
};

}  // namespace coord::sim
