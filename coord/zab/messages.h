// The peer messages of Zab as plain structs in one std::variant. No encoding here: the transport
// (coord/server) maps them to the peer schema; the simulator passes them as values.
//
// Every message after election carries the epoch it belongs to, so a member drops what a former
// incarnation of its peer sent (a stale leader, a restarted follower).
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "coord/zab/types.h"

namespace coord::zab {

// --- Fast Leader Election ---
enum class ServerState : uint8_t { kLooking, kFollowing, kLeading, kObserving };

// A vote for `leader`, whose history ends at `zxid` and whose current epoch is `epoch`.
// Votes are ordered by (epoch, zxid, leader): the member with the most recent history wins, ties
// go to the higher id.
struct Vote {
  MemberId leader = 0;
  Zxid zxid = 0;
  Epoch epoch = 0;
  friend bool operator==(const Vote&, const Vote&) = default;
};

struct Notification {
  Vote vote;
  uint64_t round = 0;  // the sender's election round (ZooKeeper's electionEpoch / logicalclock)
  ServerState state = ServerState::kLooking;
};

// --- Discovery ---
// Learner -> leader, after the election: "I promised accepted_epoch; my history ends at last".
struct FollowerInfo {
  Epoch accepted_epoch = 0;
  Zxid last_zxid = 0;
};
// Leader -> learner: NEWEPOCH.
struct LeaderInfo {
  Epoch epoch = 0;
};
// Learner -> leader, only once accepted_epoch == epoch is durable (rule 2).
struct AckEpoch {
  Epoch epoch = 0;
  Epoch current_epoch = 0;
  Zxid last_zxid = 0;
};

// --- Synchronization: [Trunc | Snap] Diff NewLeader ---
struct Trunc {
  Epoch epoch = 0;
  Zxid zxid = 0;  // drop every entry above zxid
};
struct Snap {
  Epoch epoch = 0;
  SnapshotData snapshot;  // replaces the learner's whole state and log
};
struct Diff {
  Epoch epoch = 0;
  std::vector<Entry> entries;  // to append, in zxid order
  Zxid committed_zxid = 0;     // entries up to here are committed
  // The entries follow this zxid: the learner's history must end exactly here (after a TRUNC or
  // SNAP that came first). A learner whose history ends elsewhere lost part of the sync and
  // resyncs instead of appending across a gap (found by the simulator, seed 18).
  Zxid after = 0;
};
struct NewLeader {
  Epoch epoch = 0;
  Zxid last_zxid = 0;  // the learner's history after the sync ends here
};
// Only once the synced history and current_epoch are durable (rules 2, 3).
struct AckNewLeader {
  Epoch epoch = 0;
  Zxid zxid = 0;
};
struct UpToDate {
  Epoch epoch = 0;
  Zxid committed_zxid = 0;
};

// --- Broadcast ---
struct Proposal {
  Epoch epoch = 0;
  Entry entry;
};
// Cumulative: every entry up to zxid is durable on the sender (rule 3).
struct Ack {
  Epoch epoch = 0;
  Zxid zxid = 0;
};
struct Commit {
  Epoch epoch = 0;
  Zxid zxid = 0;
};
// Leader -> observer: a committed entry.
struct Inform {
  Epoch epoch = 0;
  Entry entry;
};
struct Ping {
  Epoch epoch = 0;
  Zxid committed_zxid = 0;
};
struct PingAck {
  Epoch epoch = 0;
};

using Message =
    std::variant<Notification, FollowerInfo, LeaderInfo, AckEpoch, Trunc, Snap, Diff, NewLeader,
                 AckNewLeader, UpToDate, Proposal, Ack, Commit, Inform, Ping, PingAck>;

// "Proposal", "AckEpoch", ... for traces and test failures.
std::string_view MessageName(const Message& message);

}  // namespace coord::zab
