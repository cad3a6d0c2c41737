// Node: the Zab consensus core of one member — election, discovery, synchronization, broadcast —
// as a pure state machine in the style of etcd's raft library, named in Zab's vocabulary.
//
// Inputs: Tick() (time, in ticks), Step(from, message), Propose(payload) on the leader,
// Persisted(batch id) / PersistFailed() from the persistence path, Compact(zxid) when the
// application has a snapshot. Output: TakeReady(), a batch of persist / send / apply work whose
// order is the contract written in ready.h (PERSIST, then SEND, then APPLY).
//
// Durable state is handed in at construction (DurableState): a restarted member resumes from
// what reached disk, nothing else (rule 5). The application starts its state machine from the
// snapshot only; the core hands the log's entries out again for apply once it learns they are
// committed, so the in-memory state never holds an entry that a TRUNC could remove.
//
// The core keeps the entries above the snapshot point in memory (history.h) and asks the
// application for a snapshot through Options::snapshot_source only when a learner is below it.
//
// Threading: none. One owner (the replica's loop thread) calls every method. No I/O, no clock,
// no randomness except the PRNG seeded through Options.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <vector>

#include "coord/base/prng.h"
#include "coord/base/status.h"
#include "coord/zab/election.h"
#include "coord/zab/history.h"
#include "coord/zab/messages.h"
#include "coord/zab/ready.h"
#include "coord/zab/role_state.h"

namespace coord::zab {

struct Options {
  MemberId id = 0;
  std::vector<MemberId> voters;     // this member included if it votes
  std::vector<MemberId> observers;  // this member included if it observes
  // While looking, the vote is re-sent after a random number of ticks in this range.
  int64_t election_timeout_min_ticks = 5;
  int64_t election_timeout_max_ticks = 10;
  // Discovery and synchronization must finish within this many ticks (ZooKeeper's initLimit).
  int64_t init_limit_ticks = 20;
  // A leader that has not heard a quorum, or a learner that has not heard its leader, for this
  // many ticks gives up and looks for a leader (ZooKeeper's syncLimit).
  int64_t sync_limit_ticks = 10;
  int64_t heartbeat_interval_ticks = 2;
  uint64_t seed = 1;
  // Limits. The history cap moves the snapshot point up (learners below it get a SNAP).
  size_t max_history_entries = 1'000'000;
  size_t max_outstanding_proposals = 10'000;
  // The largest zxid counter a leader assigns; rule 1 forces a new epoch beyond it. Tests lower
  // it to reach exhaustion.
  uint32_t max_counter = 0xffffffffu;
  // The application's state at its last applied zxid (a leader sending SNAP). Needed only when
  // a learner is below the snapshot point.
  std::function<SnapshotData()> snapshot_source;
};

// What a member finds on disk when it starts.
struct DurableState {
  HardState hard_state;
  Zxid snapshot_zxid = 0;  // the snapshot the application's state starts from
  std::vector<Entry> log;  // the entries above the snapshot, in zxid order
};

class Node {
 public:
  Node(Options options, DurableState durable);

  void Tick();
  void Step(MemberId from, const Message& message);
  // Leader only, once established. Returns the zxid assigned to `payload`, or: connection_loss
  // (not an established leader), throttled (too many outstanding proposals), or
  // operation_timeout (the zxid counter is exhausted: the leader stepped down to force a new
  // epoch, rule 1).
  Result<Zxid> Propose(std::string payload);
  // The same, with the payload built once its zxid is known: the application's preparation step
  // needs the zxid the transaction will commit at. `make_payload` is called only when the
  // proposal is accepted, exactly once, before this returns.
  Result<Zxid> Propose(const std::function<std::string(Zxid)>& make_payload);

  // The transport lost its connection to `member` (a closed socket, not silence). A learner
  // whose leader it was looks for a leader at once instead of waiting sync_limit_ticks
  // (ZooKeeper's follower does the same when its leader socket breaks); anything else ignores it.
  void PeerLost(MemberId member);
  // Every batch up to and including `batch_id` is durable.
  void Persisted(uint64_t batch_id);
  // A batch failed to persist (EIO, fsync failure, disk full): the member stops acknowledging
  // anything (role kStopped) and must exit; it recovers from its log and peers (rule 6).
  void PersistFailed();
  // The application holds a durable snapshot at `zxid` (<= last applied): the core forgets the
  // entries at or below it.
  void Compact(Zxid zxid);

  bool HasReady() const;
  Ready TakeReady();

  // Observers (tests, status).
  Role role() const { return role_; }
  MemberId leader() const { return leader_id_; }
  bool established() const;
  Epoch epoch() const;  // the epoch being led or followed, else current_epoch
  const HardState& hard_state() const { return hs_; }
  Zxid last_zxid() const { return history_.last(); }
  Zxid committed_zxid() const { return committed_zxid_; }
  Zxid applied_zxid() const { return applied_zxid_; }
  const Vote& vote() const { return election_.vote(); }
  MemberId id() const { return options_.id; }

  // A leader's view of each learner (empty on other roles): for status and lag reports.
  struct LearnerProgress {
    MemberId id = 0;
    bool observer = false;
    bool synced = false;  // past NEWLEADER: proposals and commits flow to it
    Zxid acked_zxid = 0;  // durable on the learner (an observer: what it was sent)
    int64_t silent_ticks = 0;
  };
  std::vector<LearnerProgress> Progress() const;

 private:
  // node.cc: plumbing shared by every role.
  void Send(MemberId to, Message message);
  void AppendEntry(Entry entry);
  void TruncateAfter(Zxid zxid);
  void InstallSnapshot(SnapshotData snapshot);
  void SetHardState(HardState hs);
  void AdvanceCommit(Zxid zxid);
  void EmitApplies();
  void EnforceHistoryCap();
  void NoteRole();
  void OnDurable();
  bool IsVoter(MemberId id) const { return election_.IsVoter(id); }
  size_t quorum() const { return election_.quorum(); }

  // node_election.cc
  void StartElection();
  void StepNotification(MemberId from, const Notification& n);
  void TickLooking();
  void Decide(const Vote& vote);
  void BroadcastVote();
  Notification MyNotification() const;
  int64_t RandomElectionTimeout();

  // node_leader.cc
  void BecomeLeader();
  void LeaderStep(MemberId from, const Message& message);
  void LeaderTick();
  void LeaderOnDurable();
  void OnFollowerInfo(MemberId from, const FollowerInfo& info);
  void OnAckEpoch(MemberId from, const AckEpoch& ack);
  void OnAckNewLeader(MemberId from, const AckNewLeader& ack);
  void OnAck(MemberId from, const Ack& ack);
  void MaybeChooseEpoch();
  void MaybeStartSync();
  void MaybeEstablish();
  void MaybeCommit();
  void SyncLearner(MemberId id, PeerState& peer);
  bool HeardQuorum() const;
  void RetransmitIfStalled(MemberId id, PeerState& peer);

  // node_learner.cc (followers and observers)
  void BecomeLearner(MemberId leader, Role role);
  void LearnerStep(const Message& message);
  void LearnerTick();
  void LearnerOnDurable();
  void OnPingCommitted(Zxid committed_zxid);
  void OnLeaderInfo(const LeaderInfo& info);
  void OnTrunc(const Trunc& trunc);
  void OnDiff(const Diff& diff);
  void OnNewLeader(const NewLeader& newleader);
  void OnUpToDate(const UpToDate& uptodate);
  void OnProposal(const Entry& entry, bool committed);
  void OnCommit(const Commit& commit);
  bool NextInOrder(Zxid zxid) const;
  void Resync();

  Options options_;
  Prng prng_;
  Election election_;
  int64_t tick_ = 0;

  // Durable and in-memory state (hs_ and history_ include what is still on its way to disk).
  HardState hs_;
  HardState durable_hs_;
  History history_;
  Zxid durable_zxid_;  // every entry up to here is durable (rule 3: what an ACK may cover)
  Zxid committed_zxid_;
  Zxid applied_zxid_;  // handed out for apply

  Role role_ = Role::kLooking;
  MemberId leader_id_ = 0;
  int64_t election_deadline_ = 0;
  // The highest epoch a learner told us it promised while we led a lower one: the next epoch we
  // choose as a leader goes above it (not durable: after a restart the learner says it again).
  Epoch epoch_floor_ = 0;
  LeaderState leader_;
  LearnerState learner_;

  // Output being built for the next Ready.
  PersistBatch pending_;
  uint64_t next_batch_id_ = 1;
  struct InFlight {
    uint64_t id;
    Zxid last_zxid;
    HardState hs;
  };
  std::deque<InFlight> in_flight_;  // cut batches not yet reported durable
  std::vector<Envelope> outbox_;
  std::vector<Entry> to_apply_;
  std::optional<RoleState> reported_role_;
  bool role_changed_ = false;
};

}  // namespace coord::zab
