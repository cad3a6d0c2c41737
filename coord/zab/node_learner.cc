// Node, following or observing: discovery and synchronization from the learner's side, then
// PROPOSAL / COMMIT (followers) or INFORM (observers), strictly in zxid order (rule 4).
#include "coord/zab/node.h"

namespace coord::zab {

using Phase = LearnerState::Phase;

void Node::BecomeLearner(MemberId leader, Role role) {
  role_ = role;
  leader_id_ = leader;
  learner_ = LearnerState();
  learner_.started_tick = tick_;
  learner_.last_heard_tick = tick_;
  NoteRole();
  Send(leader, FollowerInfo{hs_.accepted_epoch, history_.last()});
}

void Node::PeerLost(MemberId member) {
  if ((role_ == Role::kFollowing || role_ == Role::kObserving) && member == leader_id_) {
    StartElection();
  }
}

void Node::Resync() {
  // The stream from the leader is not what Zab guarantees (a gap, a stale sync): rather than
  // guess, look for the leader again and be synced from scratch.
  StartElection();
}

void Node::LearnerStep(const Message& message) {
  if (const auto* m = std::get_if<LeaderInfo>(&message)) return OnLeaderInfo(*m);
  if (const auto* m = std::get_if<Ping>(&message)) {
    if (m->epoch == learner_.epoch) {
      Send(leader_id_, PingAck{m->epoch});
      if (learner_.phase == Phase::kUpToDate) OnPingCommitted(m->committed_zxid);
    }
    return;
  }
  const bool syncing = learner_.phase == Phase::kSync;
  const bool synced = learner_.phase >= Phase::kNewLeaderPending;
  if (const auto* m = std::get_if<Trunc>(&message)) {
    if (syncing && m->epoch == learner_.epoch) OnTrunc(*m);
  } else if (const auto* m = std::get_if<Snap>(&message)) {
    if (syncing && m->epoch == learner_.epoch) InstallSnapshot(m->snapshot);
  } else if (const auto* m = std::get_if<Diff>(&message)) {
    if (syncing && m->epoch == learner_.epoch) OnDiff(*m);
  } else if (const auto* m = std::get_if<NewLeader>(&message)) {
    if (syncing && m->epoch == learner_.epoch) OnNewLeader(*m);
  } else if (const auto* m = std::get_if<UpToDate>(&message)) {
    if (m->epoch == learner_.epoch) OnUpToDate(*m);
  } else if (const auto* m = std::get_if<Proposal>(&message)) {
    if (synced && role_ == Role::kFollowing && m->epoch == learner_.epoch) {
      OnProposal(m->entry, false);
    }
  } else if (const auto* m = std::get_if<Commit>(&message)) {
    if (synced && m->epoch == learner_.epoch) OnCommit(*m);
  } else if (const auto* m = std::get_if<Inform>(&message)) {
    if (synced && role_ == Role::kObserving && m->epoch == learner_.epoch) {
      OnProposal(m->entry, true);
    }
  }
}

void Node::OnPingCommitted(Zxid committed_zxid) {
  // On a FIFO link every proposal the leader committed was sent before this ping. A learner that
  // does not hold it lost part of the stream (a connection that silently dropped messages):
  // resync rather than lag forever. Otherwise the ping's commit point repairs a lost COMMIT
  // (simulator seed 238).
  if (committed_zxid > history_.last()) {
    Resync();
    return;
  }
  AdvanceCommit(committed_zxid);
}

void Node::OnLeaderInfo(const LeaderInfo& info) {
  if (learner_.phase != Phase::kDiscovery) return;
  if (info.epoch < hs_.accepted_epoch) {
    // We promised a newer epoch to someone else: this leader cannot be ours.
    Resync();
    return;
  }
  learner_.epoch = info.epoch;
  learner_.phase = Phase::kEpochPending;
  if (info.epoch > hs_.accepted_epoch) SetHardState({info.epoch, hs_.current_epoch});
  NoteRole();
  LearnerOnDurable();  // rule 2: ACKEPOCH leaves only once acceptedEpoch is durable
}

void Node::OnTrunc(const Trunc& trunc) {
  // A committed entry is never truncated: a leader asking for it is not a correct leader.
  if (trunc.zxid < applied_zxid_ || trunc.zxid < history_.floor()) {
    Resync();
    return;
  }
  TruncateAfter(trunc.zxid);  // rule 5: only the uncommitted tail goes
}

void Node::OnDiff(const Diff& diff) {
  if (diff.after != history_.last()) {
    Resync();  // a TRUNC or SNAP before this DIFF was lost: never append across a gap (rule 4)
    return;
  }
  for (const Entry& entry : diff.entries) {
    if (entry.zxid > history_.last()) AppendEntry(entry);
  }
  AdvanceCommit(diff.committed_zxid);
}

void Node::OnNewLeader(const NewLeader& newleader) {
  if (history_.last() != newleader.last_zxid) {
    Resync();
    return;
  }
  // Rule 2: currentEpoch is written after (in the same or a later batch than) the synced history.
  SetHardState({hs_.accepted_epoch, newleader.epoch});
  learner_.synced_last = newleader.last_zxid;
  learner_.phase = Phase::kNewLeaderPending;
  LearnerOnDurable();
}

void Node::OnUpToDate(const UpToDate& uptodate) {
  if (learner_.phase != Phase::kAckedNewLeader) return;
  learner_.phase = Phase::kUpToDate;
  AdvanceCommit(uptodate.committed_zxid);
  NoteRole();
}

bool Node::NextInOrder(Zxid zxid) const {
  const Zxid last = history_.last();
  if (EpochOf(zxid) != learner_.epoch) return false;
  if (EpochOf(last) == learner_.epoch) return CounterOf(zxid) == CounterOf(last) + 1;
  return CounterOf(zxid) == 1;
}

void Node::OnProposal(const Entry& entry, bool committed) {
  if (entry.zxid <= history_.last() && history_.Contains(entry.zxid)) {
    // A duplicate: the leader resends what it saw no ACK for (RetransmitIfStalled). Our ACK may
    // be what was lost, so say again how far we are durable (simulator seed 425, 5+1).
    if (!committed && learner_.phase >= Phase::kAckedNewLeader && entry.zxid <= durable_zxid_) {
      Send(leader_id_, Ack{learner_.epoch, durable_zxid_});
    }
    return;
  }
  if (!NextInOrder(entry.zxid)) {
    Resync();  // rule 4: a gap or a foreign zxid is never accepted
    return;
  }
  AppendEntry(entry);
  if (committed) AdvanceCommit(entry.zxid);  // INFORM carries committed entries
}

void Node::OnCommit(const Commit& commit) {
  if (commit.zxid <= committed_zxid_) return;  // old news
  if (!history_.Contains(commit.zxid)) {
    Resync();  // rule 4: a COMMIT for an entry we do not hold is never applied
    return;
  }
  AdvanceCommit(commit.zxid);
}

void Node::LearnerOnDurable() {
  if (learner_.phase == Phase::kEpochPending && durable_hs_.accepted_epoch >= learner_.epoch) {
    Send(leader_id_, AckEpoch{learner_.epoch, hs_.current_epoch, history_.last()});
    learner_.phase = Phase::kSync;
  }
  if (learner_.phase == Phase::kNewLeaderPending && durable_hs_.current_epoch == learner_.epoch &&
      durable_zxid_ >= learner_.synced_last) {
    // Rules 2 and 3: the synced history and currentEpoch are durable.
    Send(leader_id_, AckNewLeader{learner_.epoch, learner_.synced_last});
    learner_.phase = Phase::kAckedNewLeader;
    learner_.acked_zxid = learner_.synced_last;
  }
  if (learner_.phase >= Phase::kAckedNewLeader && durable_zxid_ > learner_.acked_zxid) {
    Send(leader_id_, Ack{learner_.epoch, durable_zxid_});  // rule 3: durable before ACK
    learner_.acked_zxid = durable_zxid_;
  }
}

void Node::LearnerTick() {
  const bool silent = tick_ - learner_.last_heard_tick > options_.sync_limit_ticks;
  const bool slow = learner_.phase != Phase::kUpToDate &&
                    tick_ - learner_.started_tick > options_.init_limit_ticks;
  if (silent || slow) StartElection();
}

}  // namespace coord::zab
