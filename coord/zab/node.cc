// Node: construction, inputs shared by every role, and the persistence/apply plumbing.
#include "coord/zab/node.h"

#include <algorithm>

#include "coord/base/check.h"

namespace coord::zab {

const char* RoleName(Role role) {
  switch (role) {
    case Role::kLooking:
      return "looking";
    case Role::kFollowing:
      return "following";
    case Role::kLeading:
      return "leading";
    case Role::kObserving:
      return "observing";
    case Role::kStopped:
      return "stopped";
  }
  return "?";
}

Node::Node(Options options, DurableState durable)
    : options_(std::move(options)),
      prng_(options_.seed),
      election_(options_.id, options_.voters),
      hs_(durable.hard_state),
      durable_hs_(durable.hard_state),
      history_(durable.snapshot_zxid, std::move(durable.log)),
      durable_zxid_(history_.last()),
      committed_zxid_(durable.snapshot_zxid),
      applied_zxid_(durable.snapshot_zxid) {
  CHECK(options_.election_timeout_min_ticks > 0 &&
        options_.election_timeout_min_ticks <= options_.election_timeout_max_ticks);
  CHECK(IsVoter(options_.id) || std::find(options_.observers.begin(), options_.observers.end(),
                                          options_.id) != options_.observers.end())
      << "member " << options_.id << " is neither a voter nor an observer";
  StartElection();
}

bool Node::established() const {
  if (role_ == Role::kLeading) return leader_.established;
  if (role_ == Role::kFollowing || role_ == Role::kObserving) {
    return learner_.phase == LearnerState::Phase::kUpToDate;
  }
  return false;
}

Epoch Node::epoch() const {
  if (role_ == Role::kLeading && leader_.epoch != 0) return leader_.epoch;
  if ((role_ == Role::kFollowing || role_ == Role::kObserving) && learner_.epoch != 0) {
    return learner_.epoch;
  }
  return hs_.current_epoch;
}

void Node::Tick() {
  if (role_ == Role::kStopped) return;
  ++tick_;
  switch (role_) {
    case Role::kLooking:
      TickLooking();
      break;
    case Role::kLeading:
      LeaderTick();
      break;
    case Role::kFollowing:
    case Role::kObserving:
      LearnerTick();
      break;
    case Role::kStopped:
      break;
  }
}

void Node::Step(MemberId from, const Message& message) {
  if (role_ == Role::kStopped || from == options_.id) return;
  if (const auto* n = std::get_if<Notification>(&message)) {
    StepNotification(from, *n);
    return;
  }
  if (role_ == Role::kLeading) {
    LeaderStep(from, message);
  } else if ((role_ == Role::kFollowing || role_ == Role::kObserving) && from == leader_id_) {
    learner_.last_heard_tick = tick_;
    LearnerStep(message);
  }
  // Anything else is from a former leader or for a former role: dropped.
}

void Node::Persisted(uint64_t batch_id) {
  if (role_ == Role::kStopped) return;
  while (!in_flight_.empty() && in_flight_.front().id <= batch_id) {
    durable_zxid_ = in_flight_.front().last_zxid;
    durable_hs_ = in_flight_.front().hs;
    in_flight_.pop_front();
  }
  OnDurable();
}

void Node::PersistFailed() {
  // Rule 6: nothing more leaves this member; what is queued is dropped, it must exit.
  role_ = Role::kStopped;
  leader_id_ = 0;
  outbox_.clear();
  to_apply_.clear();
  NoteRole();
}

void Node::Compact(Zxid zxid) { history_.CompactTo(std::min(zxid, applied_zxid_)); }

void Node::OnDurable() {
  if (role_ == Role::kLeading) LeaderOnDurable();
  if (role_ == Role::kFollowing || role_ == Role::kObserving) LearnerOnDurable();
  EmitApplies();
}

bool Node::HasReady() const {
  return !pending_.empty() || !outbox_.empty() || !to_apply_.empty() || role_changed_;
}

Ready Node::TakeReady() {
  Ready ready;
  if (!pending_.empty()) {
    pending_.id = next_batch_id_++;
    in_flight_.push_back({pending_.id, history_.last(), hs_});
    ready.persist = std::move(pending_);
    pending_ = PersistBatch();
  }
  ready.messages = std::move(outbox_);
  outbox_.clear();
  ready.committed = std::move(to_apply_);
  to_apply_.clear();
  if (role_changed_) ready.role = reported_role_;
  role_changed_ = false;
  return ready;
}

void Node::Send(MemberId to, Message message) {
  if (role_ == Role::kStopped) return;
  outbox_.push_back({to, std::move(message)});
}

void Node::AppendEntry(Entry entry) {
  pending_.entries.push_back(entry);
  history_.Append(std::move(entry));
}

void Node::TruncateAfter(Zxid zxid) {
  CHECK_GE(zxid, applied_zxid_) << "rule 5: a truncation never removes an applied entry";
  history_.TruncateAfter(zxid);
  auto& entries = pending_.entries;
  entries.erase(
      std::remove_if(entries.begin(), entries.end(), [&](const Entry& e) { return e.zxid > zxid; }),
      entries.end());
  // Pending entries left at or below zxid sit above everything earlier batches wrote, so the
  // disk then needs no truncation beyond the one already pending.
  if (entries.empty()) {
    pending_.truncate_after = std::min(pending_.truncate_after.value_or(zxid), zxid);
  }
  // Nothing above zxid counts as durable any more, whatever batch reports back later.
  durable_zxid_ = std::min(durable_zxid_, zxid);
  for (InFlight& f : in_flight_) f.last_zxid = std::min(f.last_zxid, zxid);
  committed_zxid_ = std::min(committed_zxid_, zxid);
}

void Node::InstallSnapshot(SnapshotData snapshot) {
  // Rule 5: the state is rebuilt from the snapshot once it is durable (the APPLY step of the
  // Ready that persists it); every entry above it arrives and is persisted afterwards.
  const Zxid zxid = snapshot.zxid;
  history_.Reset(zxid);
  pending_.entries.clear();
  pending_.truncate_after.reset();
  pending_.snapshot = std::move(snapshot);
  durable_zxid_ = 0;
  for (InFlight& f : in_flight_) f.last_zxid = 0;
  committed_zxid_ = zxid;
  applied_zxid_ = zxid;
}

void Node::SetHardState(HardState hs) {
  hs_ = hs;
  pending_.hard_state = hs;
}

void Node::AdvanceCommit(Zxid zxid) {
  zxid = std::min(zxid, history_.last());
  if (zxid <= committed_zxid_) return;
  committed_zxid_ = zxid;
  EmitApplies();
}

void Node::EmitApplies() {
  // Rule 5: apply only what is both committed and durable here.
  const Zxid up_to = std::min(committed_zxid_, durable_zxid_);
  if (up_to <= applied_zxid_) return;
  for (Entry& entry : history_.Range(applied_zxid_, up_to)) to_apply_.push_back(std::move(entry));
  applied_zxid_ = up_to;
  EnforceHistoryCap();
}

void Node::EnforceHistoryCap() {
  if (history_.size() <= options_.max_history_entries) return;
  const size_t excess = history_.size() - options_.max_history_entries;
  std::vector<Entry> oldest = history_.Range(history_.floor(), applied_zxid_);
  if (oldest.empty()) return;
  history_.CompactTo(oldest[std::min(excess, oldest.size()) - 1].zxid);
}

void Node::NoteRole() {
  RoleState now{role_, leader_id_, epoch(), established()};
  if (reported_role_ && *reported_role_ == now) return;
  reported_role_ = now;
  role_changed_ = true;
}

}  // namespace coord::zab
