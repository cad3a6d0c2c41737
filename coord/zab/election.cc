#include "coord/zab/election.h"

#include <algorithm>

namespace coord::zab {
namespace {

Election::Outcome Reply() {
  Election::Outcome out;
  out.reply = true;
  return out;
}

}  // namespace

bool VoteBeats(const Vote& a, const Vote& b) {
  if (a.epoch != b.epoch) return a.epoch > b.epoch;
  if (a.zxid != b.zxid) return a.zxid > b.zxid;
  return a.leader > b.leader;
}

Election::Election(MemberId self, std::vector<MemberId> voters)
    : self_(self), voters_(std::move(voters)) {}

bool Election::IsVoter(MemberId id) const {
  return std::find(voters_.begin(), voters_.end(), id) != voters_.end();
}

void Election::NewRound(const Vote& own) {
  ++round_;
  own_ = own;
  vote_ = own;
  received_.clear();
  settled_.clear();
  if (IsVoter(self_)) received_[self_] = vote_;
}

Election::Outcome Election::OnNotification(MemberId from, const Notification& n) {
  // Non-voters never influence the tally; they get our vote so they can find the leader.
  if (!IsVoter(from)) return Reply();
  if (n.state == ServerState::kLooking) return OnLooking(from, n);
  return OnSettled(from, n);
}

Election::Outcome Election::OnLooking(MemberId from, const Notification& n) {
  Outcome out;
  if (!IsVoter(self_)) return out;       // an observer waits for a leader
  if (n.round < round_) return Reply();  // help the sender catch up with our round
  if (n.round > round_) {
    round_ = n.round;
    received_.clear();
    vote_ = VoteBeats(n.vote, own_) ? n.vote : own_;
    out.broadcast = true;
  } else if (VoteBeats(n.vote, vote_)) {
    vote_ = n.vote;
    out.broadcast = true;
  } else if (VoteBeats(vote_, n.vote)) {
    // The sender has not seen our better vote (it reached it while it was still following a
    // leader that just died, and was answered as such): tell it now rather than both waiting
    // for the re-send timeout. Measured: a leader kill then took ~1.8 s longer to elect.
    out.reply = true;
  }
  received_[from] = n.vote;
  received_[self_] = vote_;
  if (CountInRound(vote_) >= quorum()) out.decided = vote_;
  return out;
}

Election::Outcome Election::OnSettled(MemberId from, const Notification& n) {
  Outcome out;
  settled_[from] = n;
  // Join an existing leader: a quorum of settled voters names it and it says it leads
  // (ZooKeeper's outofelection set and checkLeader).
  const MemberId leader = n.vote.leader;
  size_t naming = 0;
  for (const auto& [id, note] : settled_) naming += note.vote.leader == leader ? 1 : 0;
  auto it = settled_.find(leader);
  const bool leads = it != settled_.end() && it->second.state == ServerState::kLeading;
  if (naming >= quorum() && leads && leader != self_) {
    round_ = std::max(round_, n.round);
    out.decided = n.vote;
  }
  return out;
}

size_t Election::CountInRound(const Vote& vote) const {
  return static_cast<size_t>(std::count_if(received_.begin(), received_.end(),
                                           [&](const auto& kv) { return kv.second == vote; }));
}

}  // namespace coord::zab
