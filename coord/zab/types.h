// Plain value types of the consensus core: member ids, log entries, hard state, roles.
//
// These are the only types that cross the seam between coord/replica and coord/zab besides the
// peer messages (messages.h). They say nothing about Zab's phases, so a Raft or Multi-Paxos core
// can reuse them: an Entry is (zxid, opaque payload), the HardState is the two durable epochs.
#pragma once

#include <cstdint>
#include <string>

#include "coord/base/types.h"

namespace coord::zab {

// A member of the ensemble, as configured (voter or observer). 0 means "none".
using MemberId = int32_t;

// One replicated transaction. The payload is opaque to the core (an encoded TxnRecord for coord).
struct Entry {
  Zxid zxid = 0;
  std::string payload;
  friend bool operator==(const Entry&, const Entry&) = default;
};

// The durable Zab state besides the log (rule 2: written atomically and durably).
struct HardState {
  Epoch accepted_epoch = 0;  // the last epoch this member promised (NEWEPOCH / LEADERINFO seen)
  Epoch current_epoch = 0;   // the last epoch whose history this member has fully accepted
  friend bool operator==(const HardState&, const HardState&) = default;
};

// A snapshot of the application's state at `zxid` (it contains every committed entry up to and
// including zxid, rule 5). Opaque bytes: the core never looks inside.
struct SnapshotData {
  Zxid zxid = 0;
  std::string data;
  friend bool operator==(const SnapshotData&, const SnapshotData&) = default;
};

enum class Role : uint8_t {
  kLooking,    // electing a leader
  kFollowing,  // a voter that follows a leader
  kLeading,
  kObserving,  // a non-voter that follows a leader and learns committed entries
  kStopped,    // persistence failed (rule 6): acknowledges nothing, the process must exit
};

const char* RoleName(Role role);

}  // namespace coord::zab
