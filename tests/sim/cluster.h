// SimCluster: a deterministic simulation of a coord ensemble (tests/sim). 3 or 5 voters and
// optionally observers run the real zab::Node, each with a real DataTree applying committed
// TxnRecords, over a SimNetwork, a SimDisk per member and a tick clock; faults (crashes that lose
// unsynced writes, fsync failures, partitions, drops, duplicates, delays) and the client workload
// all come from the seed. The Checker runs after every step. Run() ends with a quiet period
// (faults off, network healed, everyone restarted) that must converge.
//
// Threading: none. Everything is a function of SimConfig.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "coord/base/prng.h"
#include "coord/tree/data_tree.h"
#include "coord/zab/node.h"
#include "tests/sim/checker.h"
#include "tests/sim/disk.h"
#include "tests/sim/network.h"
#include "tests/sim/workload.h"

namespace coord::sim {

struct SimConfig {
  uint64_t seed = 1;
  int voters = 3;
  int observers = 0;
  int64_t steps = 600;  // ticks with faults, before the quiet period
  bool faults = true;
  bool verbose = false;  // print every trace line as it happens
};

struct SimResult {
  uint64_t trace_hash = 0;
  int64_t first_leader_tick = -1;
  int64_t first_ack_tick = -1;
  size_t committed = 0;
  size_t acknowledged = 0;
  int crashes = 0;
  int partitions = 0;
};

// Bounds a run with faults switched off must meet (asserted in Run()).
constexpr int64_t kMaxTicksToElect = 60;
constexpr int64_t kMaxTicksToFirstAck = 80;
// The quiet period must converge within this many ticks.
constexpr int64_t kMaxQuietTicks = 1500;

struct SimMember {
  zab::MemberId id = 0;
  bool voter = true;
  std::unique_ptr<zab::Node> node;  // null while down
  SimDisk disk;
  DataTree tree;
  Zxid tree_zxid = 0;
  int incarnation = 0;
  int64_t restart_at = 0;
  int applied_since_snapshot = 0;
};

class SimCluster {
 public:
  explicit SimCluster(SimConfig config);
  SimResult Run();

 private:
  struct Proposed {
    zab::MemberId member;
    int incarnation;
    std::string payload;
  };

  void Step();
  void InjectFaults();
  void StartPartition();
  void RunWorkload();
  void Pump(SimMember& m);
  void Complete(SimMember& m, zab::Ready& ready);
  void Apply(SimMember& m, const zab::Entry& entry);
  void Install(SimMember& m, const zab::SnapshotData& snapshot);
  void MaybeSnapshot(SimMember& m);
  void Crash(SimMember& m, const char* why);
  void Restart(SimMember& m);
  SimMember* EstablishedLeader();
  std::vector<MemberView> Views() const;
  bool Converged();
  void Trace(std::string line);
  std::string Context() const;

  SimConfig config_;
  Prng fault_prng_;
  Prng net_prng_;
  Prng disk_prng_;
  Prng load_prng_;
  SimNetwork network_;
  Workload workload_;
  Checker checker_;
  std::vector<std::unique_ptr<SimMember>> members_;
  int64_t now_ = 0;
  bool faults_on_;

  // Fault parameters, drawn from the seed.
  uint32_t crash_per_mille_ = 0;
  uint32_t fsync_fail_per_mille_ = 0;
  uint32_t partition_per_mille_ = 0;
  int64_t max_fsync_ticks_ = 0;
  int snapshot_every_ = 0;  // 0: members never snapshot
  size_t max_history_entries_ = 1'000'000;
  uint32_t propose_per_mille_ = 300;
  int64_t heal_at_ = 0;

  std::map<Zxid, Proposed> proposed_;
  SimResult result_;
  std::deque<std::string> tail_;
  uint64_t trace_hash_ = 1469598103934665603ULL;
};

// One line per run for soaks: "seed 7 members 3+0 committed 120 acked 95 ...".
std::string Summary(const SimConfig& config, const SimResult& result);

}  // namespace coord::sim
