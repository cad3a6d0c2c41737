// The per-role bookkeeping of a Node: what a leader knows of each learner, what a learner knows
// of its leader. Plain data; the transitions live in node_leader.cc and node_learner.cc.
#pragma once

#include <map>

#include "coord/zab/types.h"

namespace coord::zab {

// The leader's view of one learner (follower or observer).
struct PeerState {
  enum class Phase {
    kInfo,            // FOLLOWERINFO received; LEADERINFO sent once the epoch is chosen
    kAckedEpoch,      // ACKEPOCH received; waiting to be synced
    kSynced,          // [TRUNC|SNAP] DIFF NEWLEADER sent; PROPOSAL/COMMIT (INFORM) flow to it
    kAckedNewLeader,  // its synced history is durable; its ACKs count toward commits
  };
  Phase phase = Phase::kInfo;
  bool observer = false;
  Epoch accepted_epoch = 0;
  Zxid last_zxid = 0;   // from ACKEPOCH
  Zxid acked_zxid = 0;  // durable on the learner (cumulative ACK)
  int64_t last_heard_tick = 0;
  int64_t progress_tick = 0;  // when acked_zxid last moved (or the learner was synced)
};

struct LeaderState {
  Epoch epoch = 0;        // the new epoch; 0 until a quorum's FOLLOWERINFO chose it
  bool syncing = false;   // a quorum acknowledged the epoch; current_epoch set; learners synced
  Zxid initial_last = 0;  // the leader's history at NEWLEADER: committed once established
  bool established = false;
  uint32_t counter = 0;  // the last zxid counter assigned in `epoch`
  int64_t started_tick = 0;
  int64_t last_ping_tick = 0;
  std::map<MemberId, PeerState> peers;
};

struct LearnerState {
  enum class Phase {
    kDiscovery,         // FOLLOWERINFO sent, waiting for LEADERINFO
    kEpochPending,      // accepted the epoch, waiting for it to be durable before ACKEPOCH
    kSync,              // ACKEPOCH sent, receiving [TRUNC|SNAP] DIFF until NEWLEADER
    kNewLeaderPending,  // NEWLEADER received, waiting for history + current_epoch durable
    kAckedNewLeader,    // ACK of NEWLEADER sent, waiting for UPTODATE
    kUpToDate,          // serving
  };
  Phase phase = Phase::kDiscovery;
  Epoch epoch = 0;
  Zxid synced_last = 0;
  Zxid acked_zxid = 0;
  int64_t started_tick = 0;
  int64_t last_heard_tick = 0;
};

}  // namespace coord::zab
