// Node, leading: discovery (choose the epoch), synchronization (DIFF / TRUNC / SNAP, NEWLEADER),
// broadcast (PROPOSAL / ACK / COMMIT, INFORM to observers) and the leader's liveness.
#include <algorithm>
#include <functional>

#include "coord/base/check.h"
#include "coord/zab/node.h"

namespace coord::zab {

using Phase = PeerState::Phase;

void Node::BecomeLeader() {
  role_ = Role::kLeading;
  leader_id_ = options_.id;
  leader_ = LeaderState();
  leader_.started_tick = tick_;
  leader_.last_ping_tick = tick_;
  NoteRole();
  MaybeChooseEpoch();  // a single voter is its own quorum
}

void Node::LeaderStep(MemberId from, const Message& message) {
  auto it = leader_.peers.find(from);
  if (it != leader_.peers.end()) it->second.last_heard_tick = tick_;
  if (const auto* m = std::get_if<FollowerInfo>(&message)) OnFollowerInfo(from, *m);
  if (const auto* m = std::get_if<AckEpoch>(&message)) OnAckEpoch(from, *m);
  if (const auto* m = std::get_if<AckNewLeader>(&message)) OnAckNewLeader(from, *m);
  if (const auto* m = std::get_if<Ack>(&message)) OnAck(from, *m);
  // PingAck only refreshes last_heard_tick.
}

void Node::OnFollowerInfo(MemberId from, const FollowerInfo& info) {
  const bool observer = !IsVoter(from);
  if (leader_.epoch != 0 && info.accepted_epoch > leader_.epoch) {
    // The learner promised a newer epoch (to a candidate that never got established) and can
    // never follow ours; it would retry forever while we keep leading (simulator seed 227).
    // Step down: the next leader chooses an epoch above that promise.
    epoch_floor_ = std::max(epoch_floor_, info.accepted_epoch);
    StartElection();
    return;
  }
  // A (re)connecting learner starts over, whatever we knew of it.
  leader_.peers[from] = PeerState{.phase = Phase::kInfo,
                                  .observer = observer,
                                  .accepted_epoch = info.accepted_epoch,
                                  .last_zxid = info.last_zxid,
                                  .last_heard_tick = tick_};
  if (leader_.epoch != 0) {
    Send(from, LeaderInfo{leader_.epoch});
  } else {
    MaybeChooseEpoch();
  }
}

void Node::MaybeChooseEpoch() {
  if (leader_.epoch != 0) return;
  // Discovery: the new epoch is above the accepted epoch of a quorum (ourselves included).
  size_t voters = 1;
  Epoch highest = std::max(hs_.accepted_epoch, epoch_floor_);
  for (const auto& [id, peer] : leader_.peers) {
    if (peer.observer) continue;
    ++voters;
    highest = std::max(highest, peer.accepted_epoch);
  }
  if (voters < quorum()) return;
  leader_.epoch = highest + 1;
  SetHardState({leader_.epoch, hs_.current_epoch});
  for (const auto& [id, peer] : leader_.peers) Send(id, LeaderInfo{leader_.epoch});
  NoteRole();
}

void Node::OnAckEpoch(MemberId from, const AckEpoch& ack) {
  auto it = leader_.peers.find(from);
  if (it == leader_.peers.end() || ack.epoch != leader_.epoch || leader_.epoch == 0) return;
  PeerState& peer = it->second;
  if (peer.phase != Phase::kInfo) return;
  // A voter with a more recent history than ours must not be synced to ours: abdicate
  // (ZooKeeper's Leader.waitForEpochAck check). Only possible before our current_epoch moved.
  if (!peer.observer && !leader_.syncing &&
      (ack.current_epoch > hs_.current_epoch ||
       (ack.current_epoch == hs_.current_epoch && ack.last_zxid > history_.last()))) {
    StartElection();
    return;
  }
  peer.phase = Phase::kAckedEpoch;
  peer.last_zxid = ack.last_zxid;
  // Observers are synced with committed entries only, so not before we are established.
  if (leader_.syncing && (!peer.observer || leader_.established)) {
    SyncLearner(from, peer);
  } else {
    MaybeStartSync();
  }
}

void Node::MaybeStartSync() {
  if (leader_.syncing || leader_.epoch == 0) return;
  // Our own ACKEPOCH counts once our acceptedEpoch is durable (rule 2).
  if (durable_hs_.accepted_epoch < leader_.epoch) return;
  size_t acked = 1;
  for (const auto& [id, peer] : leader_.peers) {
    acked += !peer.observer && peer.phase == Phase::kAckedEpoch ? 1 : 0;
  }
  if (acked < quorum()) return;
  leader_.syncing = true;
  leader_.initial_last = history_.last();
  // Our history is our own: it becomes the epoch's initial history (written after it, rule 2).
  SetHardState({leader_.epoch, leader_.epoch});
  for (auto& [id, peer] : leader_.peers) {
    if (!peer.observer && peer.phase == Phase::kAckedEpoch) SyncLearner(id, peer);
  }
}

void Node::SyncLearner(MemberId id, PeerState& peer) {
  // Observers learn committed entries only; followers get everything we hold, in-flight
  // proposals included (their ACK of NEWLEADER covers them).
  const Zxid up_to = peer.observer ? committed_zxid_ : history_.last();
  const SyncPlan plan = PlanSync(history_, peer.last_zxid);
  Zxid diff_from = peer.last_zxid;
  if (plan.kind == SyncPlan::Kind::kSnap) {
    CHECK(options_.snapshot_source) << "a learner needs SNAP but no snapshot_source is set";
    SnapshotData snapshot = options_.snapshot_source();
    CHECK_LE(snapshot.zxid, committed_zxid_) << "snapshot_source returned an uncommitted state";
    if (!history_.Contains(snapshot.zxid)) {
      // The application's state lags the history floor (its applies trail what the core handed
      // out): nothing could be DIFFed after it. The learner stays in kAckedEpoch and LeaderTick
      // retries once the application has caught up (simulator seed 186).
      return;
    }
    diff_from = snapshot.zxid;
    Send(id, Snap{leader_.epoch, std::move(snapshot)});
  } else if (plan.kind == SyncPlan::Kind::kTrunc) {
    diff_from = plan.trunc_to;
    Send(id, Trunc{leader_.epoch, plan.trunc_to});
  }
  const Zxid last = std::max(diff_from, up_to);
  Send(id, Diff{leader_.epoch, history_.Range(diff_from, up_to), committed_zxid_, diff_from});
  Send(id, NewLeader{leader_.epoch, last});
  peer.phase = Phase::kSynced;
  peer.acked_zxid = 0;
}

void Node::OnAckNewLeader(MemberId from, const AckNewLeader& ack) {
  auto it = leader_.peers.find(from);
  if (it == leader_.peers.end() || ack.epoch != leader_.epoch) return;
  PeerState& peer = it->second;
  if (peer.phase != Phase::kSynced) return;
  peer.phase = Phase::kAckedNewLeader;
  peer.acked_zxid = std::min(ack.zxid, history_.last());
  peer.progress_tick = tick_;
  if (leader_.established) {
    Send(from, UpToDate{leader_.epoch, committed_zxid_});
    MaybeCommit();
  } else {
    MaybeEstablish();
  }
}

void Node::MaybeEstablish() {
  if (!leader_.syncing || leader_.established) return;
  // Our own NEWLEADER ack: current_epoch and the whole initial history durable (rules 2, 3).
  if (durable_hs_.current_epoch != leader_.epoch || durable_zxid_ < leader_.initial_last) return;
  size_t acked = 1;
  for (const auto& [id, peer] : leader_.peers) {
    acked += !peer.observer && peer.phase == Phase::kAckedNewLeader ? 1 : 0;
  }
  if (acked < quorum()) return;
  // Rule 4: from here on we may propose; the initial history is committed.
  leader_.established = true;
  leader_.counter = 0;
  AdvanceCommit(leader_.initial_last);
  for (auto& [id, peer] : leader_.peers) {
    if (peer.phase == Phase::kAckedNewLeader) Send(id, UpToDate{leader_.epoch, committed_zxid_});
    if (peer.observer && peer.phase == Phase::kAckedEpoch) SyncLearner(id, peer);
  }
  NoteRole();
}

void Node::LeaderOnDurable() {
  MaybeStartSync();
  if (role_ != Role::kLeading) return;
  MaybeEstablish();
  MaybeCommit();
}

void Node::OnAck(MemberId from, const Ack& ack) {
  auto it = leader_.peers.find(from);
  if (it == leader_.peers.end() || ack.epoch != leader_.epoch) return;
  PeerState& peer = it->second;
  if (peer.phase != Phase::kAckedNewLeader || peer.observer) return;
  const Zxid acked = std::min(ack.zxid, history_.last());
  if (acked > peer.acked_zxid) {
    peer.acked_zxid = acked;
    peer.progress_tick = tick_;
  }
  MaybeCommit();
}

void Node::MaybeCommit() {
  if (!leader_.established) return;
  // The quorum-th highest durable zxid among voters; our own durability counts (rule 3).
  std::vector<Zxid> acked{durable_zxid_};
  for (const auto& [id, peer] : leader_.peers) {
    if (!peer.observer && peer.phase == Phase::kAckedNewLeader) acked.push_back(peer.acked_zxid);
  }
  if (acked.size() < quorum()) return;
  std::sort(acked.begin(), acked.end(), std::greater<Zxid>());
  const Zxid candidate = acked[quorum() - 1];
  const Zxid before = committed_zxid_;
  if (candidate <= before) return;
  AdvanceCommit(candidate);  // commits every entry up to candidate, in zxid order
  for (const auto& [id, peer] : leader_.peers) {
    if (peer.phase < Phase::kSynced) continue;
    if (!peer.observer) {
      Send(id, Commit{leader_.epoch, committed_zxid_});
      continue;
    }
    for (Entry& entry : history_.Range(before, committed_zxid_)) {
      Send(id, Inform{leader_.epoch, std::move(entry)});
    }
  }
}

Result<Zxid> Node::Propose(std::string payload) {
  return Propose([&payload](Zxid) { return std::move(payload); });
}

std::vector<Node::LearnerProgress> Node::Progress() const {
  std::vector<LearnerProgress> out;
  if (role_ != Role::kLeading) return out;
  for (const auto& [id, peer] : leader_.peers) {
    out.push_back({id, peer.observer, peer.phase >= Phase::kSynced, peer.acked_zxid,
                   tick_ - peer.last_heard_tick});
  }
  return out;
}

Result<Zxid> Node::Propose(const std::function<std::string(Zxid)>& make_payload) {
  if (role_ != Role::kLeading || !leader_.established) {
    // Rule 4: no proposal in a new epoch before a quorum acknowledged NEWLEADER.
    return Status(Code::kConnectionLoss, "not an established leader");
  }
  if (leader_.counter >= options_.max_counter) {
    // Rule 1: the counter would overflow; a new election gives a new epoch.
    StartElection();
    return Status(Code::kOperationTimeout, "zxid counter exhausted; forcing a new epoch");
  }
  const uint32_t committed_counter =
      EpochOf(committed_zxid_) == leader_.epoch ? CounterOf(committed_zxid_) : 0;
  if (leader_.counter - committed_counter >= options_.max_outstanding_proposals) {
    return Status(Code::kThrottled, "too many outstanding proposals");
  }
  const Zxid zxid = MakeZxid(leader_.epoch, ++leader_.counter);
  const Entry entry{zxid, make_payload(zxid)};
  AppendEntry(entry);
  for (const auto& [id, peer] : leader_.peers) {
    if (!peer.observer && peer.phase >= Phase::kSynced) Send(id, Proposal{leader_.epoch, entry});
  }
  return entry.zxid;
}

bool Node::HeardQuorum() const {
  size_t heard = 1;
  for (const auto& [id, peer] : leader_.peers) {
    if (peer.observer || peer.phase != Phase::kAckedNewLeader) continue;
    heard += tick_ - peer.last_heard_tick <= options_.sync_limit_ticks ? 1 : 0;
  }
  return heard >= quorum();
}

void Node::LeaderTick() {
  const bool timed_out = leader_.established
                             ? !HeardQuorum()
                             : tick_ - leader_.started_tick > options_.init_limit_ticks;
  if (timed_out) {
    StartElection();  // a leader without a quorum steps down
    return;
  }
  if (tick_ - leader_.last_ping_tick < options_.heartbeat_interval_ticks) return;
  leader_.last_ping_tick = tick_;
  // Learners whose sync was deferred (a SNAP the application could not serve yet) try again.
  if (leader_.syncing) {
    for (auto& [id, peer] : leader_.peers) {
      if (peer.phase == Phase::kAckedEpoch && (!peer.observer || leader_.established)) {
        SyncLearner(id, peer);
      }
    }
  }
  for (auto& [id, peer] : leader_.peers) {
    if (peer.phase >= Phase::kSynced) Send(id, Ping{leader_.epoch, committed_zxid_});
    RetransmitIfStalled(id, peer);
  }
}

void Node::RetransmitIfStalled(MemberId id, PeerState& peer) {
  // A follower that acknowledges nothing new while proposals wait may have lost them on a link
  // that stayed up (the transport dropped a queue, a partition healed mid-stream): nothing else
  // would ever resend them, and with no newer proposal it would never notice the gap (simulator
  // seed 337). Resend what it has not acknowledged; duplicates are ignored by the follower.
  if (peer.observer || peer.phase != Phase::kAckedNewLeader) return;
  if (peer.acked_zxid >= history_.last()) {
    peer.progress_tick = tick_;
    return;
  }
  if (tick_ - peer.progress_tick < options_.sync_limit_ticks / 2 + 1) return;
  peer.progress_tick = tick_;
  constexpr size_t kMaxRetransmit = 1024;
  std::vector<Entry> missing =
      history_.Range(std::max(peer.acked_zxid, history_.floor()), history_.last());
  if (missing.size() > kMaxRetransmit) missing.resize(kMaxRetransmit);
  for (Entry& entry : missing) Send(id, Proposal{leader_.epoch, std::move(entry)});
}

}  // namespace coord::zab
