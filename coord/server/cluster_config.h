// ClusterConfig: the optional `cluster:` section of coordd's YAML — who the members of the
// ensemble are, which one this process is, and Zab's timing in ticks (one tick is tick_ms).
//
// Without the section coordd runs standalone (the default). With it, every member's file lists
// the same members; only `member_id` (and data_dir) differ between the files.
//
// Validation (errors name the key, e.g. "cluster.members[2].peer_address"): unknown keys, ids
// outside [1, 2^31-1], duplicate ids, duplicate peer or client addresses, `member_id` not in the
// list, no voter, heartbeat_ticks >= sync_limit_ticks, sync_limit_ticks > init_limit_ticks. An
// even number of voters is accepted: it is correct, only wasteful (4 voters survive one failure,
// like 3), and a member may be temporarily down in a 4-member rollout; coordd logs a warning
// (ClusterConfig::Warnings).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "coord/base/status.h"
#include "coord/server/host_port.h"

namespace YAML {
class Node;
}

namespace coord::server {

enum class MemberRole : uint8_t { kVoter, kObserver };

struct MemberConfig {
  int32_t id = 0;
  HostPort peer_address;    // where other members connect for replication
  HostPort client_address;  // where clients connect
  // Where ZooKeeper's clients connect (ZooKeeper's wire protocol); port 0 = not served.
  HostPort zookeeper_address;
  MemberRole role = MemberRole::kVoter;
};

struct ClusterConfig {
  // Names the ensemble; a peer whose handshake names another cluster is refused.
  std::string cluster_id;
  int32_t member_id = 0;  // this process, one of `members`
  std::vector<MemberConfig> members;
  // While electing, a member repeats its vote this often (randomised up to 2x).
  int32_t election_timeout_ticks = 10;
  // A learner has this long to connect to and sync with a new leader (ZooKeeper's initLimit).
  int32_t init_limit_ticks = 100;
  // A follower that hears nothing from its leader for this long, or a leader that hears no
  // quorum for this long, starts an election (ZooKeeper's syncLimit).
  int32_t sync_limit_ticks = 20;
  // The leader pings its learners this often.
  int32_t heartbeat_ticks = 5;

  const MemberConfig& self() const;  // CHECKs that member_id is in members (validated on parse)
  int voters() const;
  // Accepted but suspicious settings, one line each (an even number of voters).
  std::vector<std::string> Warnings() const;
};

// Parses the `cluster:` node; errors name the key under "cluster.". Called by ParseConfig.
Result<ClusterConfig> ParseClusterConfig(const YAML::Node& node);

const char* MemberRoleName(MemberRole role);

}  // namespace coord::server
