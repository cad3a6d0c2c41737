// Election: the vote tally of Fast Leader Election (FLE), without timers or sending.
//
// A looking member votes for itself and adopts any better vote it hears in its round, where
// better is the order (epoch, zxid, id): the member with the most recent history wins, ties go to
// the higher id. A higher round restarts the tally. The election is decided when a quorum of
// voters in the round holds our vote: every member of that quorum only ever adopted votes better
// than its own, so the winner's history is at least as recent as any of theirs, and a committed
// entry (held by a quorum) is in it. A member that arrives late (restart, partition) learns the
// leader from members that already follow it: a quorum naming the same leader, the leader
// itself saying LEADING. Observers only use that path; their votes never count.
//
// Threading: none; owned by its Node, which does the sending and the timing.
#pragma once

#include <map>
#include <optional>
#include <vector>

#include "coord/zab/messages.h"

namespace coord::zab {

// FLE's total order on votes.
bool VoteBeats(const Vote& a, const Vote& b);

class Election {
 public:
  Election(MemberId self, std::vector<MemberId> voters);

  // What the caller must do after a notification.
  struct Outcome {
    bool broadcast = false;       // our vote changed: send it to every voter
    bool reply = false;           // send our vote back to the sender only
    std::optional<Vote> decided;  // the election is over: this is the leader
  };

  // Starts the next round voting for `own` (this member's own epoch and last zxid).
  void NewRound(const Vote& own);
  // Handles a notification while this member is looking.
  Outcome OnNotification(MemberId from, const Notification& n);
  // The vote that was decided (also the one reported to looking members afterwards).
  void Settle(const Vote& vote) { vote_ = vote; }

  const Vote& vote() const { return vote_; }
  uint64_t round() const { return round_; }
  bool IsVoter(MemberId id) const;
  size_t quorum() const { return voters_.size() / 2 + 1; }

 private:
  Outcome OnLooking(MemberId from, const Notification& n);
  Outcome OnSettled(MemberId from, const Notification& n);
  size_t CountInRound(const Vote& vote) const;

  MemberId self_;
  std::vector<MemberId> voters_;
  uint64_t round_ = 0;
  Vote own_;
  Vote vote_;
  std::map<MemberId, Vote> received_;         // this round's votes of looking voters (and ours)
  std::map<MemberId, Notification> settled_;  // voters that follow or lead
};

}  // namespace coord::zab
