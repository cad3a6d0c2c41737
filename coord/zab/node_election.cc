// Node, looking: Fast Leader Election driven by ticks and notifications (election.h tallies).
#include "coord/base/check.h"
#include "coord/zab/node.h"

namespace coord::zab {

void Node::StartElection() {
  role_ = Role::kLooking;
  leader_id_ = 0;
  leader_ = LeaderState();
  learner_ = LearnerState();
  // Vote for our own durable-or-pending history under our current epoch; the epoch goes first so
  // that a member that accepted a newer leader's history beats one with a longer stale log.
  election_.NewRound({options_.id, history_.last(), hs_.current_epoch});
  election_deadline_ = tick_ + RandomElectionTimeout();
  NoteRole();
  BroadcastVote();
}

int64_t Node::RandomElectionTimeout() {
  return prng_.Range(options_.election_timeout_min_ticks, options_.election_timeout_max_ticks);
}

Notification Node::MyNotification() const {
  ServerState state = ServerState::kLooking;
  if (role_ == Role::kLeading) state = ServerState::kLeading;
  if (role_ == Role::kFollowing) state = ServerState::kFollowing;
  if (role_ == Role::kObserving) state = ServerState::kObserving;
  return {election_.vote(), election_.round(), state};
}

void Node::BroadcastVote() {
  for (MemberId voter : options_.voters) {
    if (voter != options_.id) Send(voter, MyNotification());
  }
}

void Node::TickLooking() {
  if (tick_ < election_deadline_) return;
  // Nothing decided yet: say our vote again (lost messages, members that were down).
  BroadcastVote();
  election_deadline_ = tick_ + RandomElectionTimeout();
}

void Node::StepNotification(MemberId from, const Notification& n) {
  if (role_ != Role::kLooking) {
    // Settled: tell a looking member who leads, so it can join.
    if (n.state == ServerState::kLooking) Send(from, MyNotification());
    return;
  }
  const Election::Outcome out = election_.OnNotification(from, n);
  if (out.broadcast) BroadcastVote();
  if (out.reply) Send(from, MyNotification());
  if (out.decided) Decide(*out.decided);
}

void Node::Decide(const Vote& vote) {
  election_.Settle(vote);
  if (vote.leader == options_.id) {
    CHECK(IsVoter(options_.id));
    BecomeLeader();
  } else {
    BecomeLearner(vote.leader, IsVoter(options_.id) ? Role::kFollowing : Role::kObserving);
  }
}

}  // namespace coord::zab
