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
//     (a client got kOk) in an earlier epoch; at the end every member has applied every
//     acknowledged write and shows each acknowledged object (a unique path nobody deletes) with
//     its acknowledged data, or data of a later write whose outcome the client never learned;
//   - an acknowledged ephemeral disappears from a member's tree only once its owner session is
//     gone from that tree (closed or expired), and no ephemeral outlives its owner there;
//   - replies: what a client reads right after a sync, or after its own acknowledged write, shows
//     every object acknowledged before (the workload reports those through OnClientViolation).
//
// Threading: none; owned by the SimCluster.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "coord/tree/data_tree.h"
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
  const DataTree* tree = nullptr;  // null while down
};

// An acknowledged object at the end of a run: `path` must exist with one of `allowed` as data.
struct Expectation {
  std::string path;
  std::vector<std::string> allowed;
};

class Checker {
 public:
  Checker(int members, uint64_t empty_digest, std::function<std::string()> context);

  // The member's tree applied `payload` at `zxid`; `digest` is its digest then, if known.
  void OnApply(zab::MemberId id, Zxid zxid, const std::string& payload,
               std::optional<uint64_t> digest);
  // The member's tree was replaced by a snapshot at `zxid` (SNAP, or a restart).
  // `digest`: the installed tree's digest, if known.
  void OnInstall(zab::MemberId id, Zxid zxid, std::optional<uint64_t> digest);
  // A client was answered kOk for the write at `zxid`.
  void OnAcknowledged(Zxid zxid);
  // A client got an acknowledged ephemeral created at `czxid` by session `owner`.
  void TrackEphemeral(std::string path, SessionId owner, Zxid czxid);
  // A client saw something no correct ensemble shows (`why` says what).
  void OnClientViolation(const std::string& why);
  // After every step.
  void Step(const std::vector<MemberView>& members);
  // After the final quiet period: everyone up and converged.
  void Final(const std::vector<MemberView>& members, const std::vector<Expectation>& objects);

  size_t acknowledged() const { return acked_.size(); }
  size_t committed() const { return committed_.size(); }

 private:
  void CheckDigest(zab::MemberId id, Zxid zxid, uint64_t digest);
  Zxid MaxAckedBefore(Epoch epoch) const;
  void CheckEphemerals(const MemberView& m) const;

  struct Ephemeral {
    std::string path;
    SessionId owner;
    Zxid czxid;
  };

  std::function<std::string()> context_;
  std::vector<Zxid> last_applied_;  // per member id (index id - 1), this incarnation
  Zxid max_applied_anywhere_ = 0;
  std::map<Zxid, uint64_t> committed_;  // zxid -> payload hash
  std::map<Zxid, uint64_t> digest_at_;
  std::map<Epoch, zab::MemberId> leader_of_;
  std::set<Zxid> acked_;
  std::vector<Ephemeral> ephemerals_;
};

}  // namespace coord::sim
