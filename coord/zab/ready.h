// Ready: what the consensus core asks its caller to do, as data, with a written order.
//
// THE CONTRACT: for each Ready, in this order,
//   1. PERSIST `persist` atomically and durably (one storage transaction: snapshot, truncation,
//      entries, hard state — in that order), then call Node::Persisted(persist.id);
//      if it fails call Node::PersistFailed() and exit (rule 6);
//   2. SEND `messages`, in order, each to its member;
//   3. APPLY: install `persist.snapshot` into the in-memory state (if present), then apply
//      `committed` in order.
// Readys are handled one at a time, in the order TakeReady() returns them.
//
// The durability rules it carries (architecture guide, "Zab, the rules that bugs ... taught"):
//   - acceptedEpoch is durable before ACKEPOCH is sent (rule 2);
//   - the history synced from the leader is durable before currentEpoch is written (same or
//     earlier batch) and before NEWLEADER is acknowledged (rules 2, 3);
//   - a proposal is durable before its ACK (rule 3);
//   - the in-memory state is never ahead of the durable log: `committed` only holds entries whose
//     persistence was confirmed through Persisted() (rule 5).
// Belt and braces: the core emits an acknowledgement only after Persisted() confirmed the batch
// it covers, so a caller that sent early would still never acknowledge undurable data.
#pragma once

#include <optional>
#include <vector>

#include "coord/zab/messages.h"
#include "coord/zab/types.h"

namespace coord::zab {

// One atomic durable write. Batches are numbered 1, 2, ... and must be made durable in order.
struct PersistBatch {
  uint64_t id = 0;  // 0: nothing to persist
  // Replaces the state and the whole log: afterwards the log holds nothing at or below
  // snapshot->zxid (a learner receiving SNAP).
  std::optional<SnapshotData> snapshot;
  // Removes every log entry above this zxid (TRUNC of an uncommitted tail).
  std::optional<Zxid> truncate_after;
  std::vector<Entry> entries;  // appended in zxid order
  std::optional<HardState> hard_state;

  bool empty() const { return !snapshot && !truncate_after && entries.empty() && !hard_state; }
};

struct Envelope {
  MemberId to = 0;
  Message message;
};

// The member's role and leader after a change (ZooKeeper's "LOOKING", "FOLLOWING", ...).
// `established` is true for a leader once a quorum acknowledged NEWLEADER and for a learner
// once UPTODATE arrived: only then does it serve.
struct RoleState {
  Role role = Role::kLooking;
  MemberId leader = 0;
  Epoch epoch = 0;
  bool established = false;
  friend bool operator==(const RoleState&, const RoleState&) = default;
};

struct Ready {
  PersistBatch persist;
  std::vector<Envelope> messages;
  std::vector<Entry> committed;   // to apply, in zxid order
  std::optional<RoleState> role;  // set when the role, leader or established flag changed
};

}  // namespace coord::zab
