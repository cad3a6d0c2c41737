// SimCluster: a deterministic simulation of a coord ensemble (tests/sim). 3 or 5 voters and
// optionally observers each run the real coord::Replica in its clustered form (zab core, tree,
// sessions, request processor) over a SimNetwork, a SimDisk per member and a tick clock; seeded
// clients (Workload) create sessions, send requests and reconnect. Faults (crashes that lose
// unsynced writes, fsync failures, partitions, drops, duplicates, delays) and the client load
// all come from the seed. The Checker runs after every step. Run() ends with a quiet period
// (faults off, network healed, everyone restarted) that must converge.
//
// Threading: none. Everything is a function of SimConfig.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "coord/base/prng.h"
#include "coord/replica/replica.h"
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
  // The quiet period also waits until every session no client holds has expired (rule 7: only
  // the leader expires sessions, and every abandoned one must eventually go).
  bool expire_abandoned = true;
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

// Simulated time: one tick is kTickMs of the replicas' clock.
constexpr int64_t kTickMs = 10;
// Bounds a run with faults switched off must meet (asserted in Run()).
constexpr int64_t kMaxTicksToElect = 60;
constexpr int64_t kMaxTicksToFirstAck = 80;
// The quiet period must converge within this many ticks.
constexpr int64_t kMaxQuietTicks = 1500;

struct SimMember {
  zab::MemberId id = 0;
  bool voter = true;
  std::unique_ptr<Replica> replica;  // null while down
  SimDisk disk;
  int incarnation = 0;
  int64_t restart_at = 0;
  Zxid observed_zxid = 0;  // the tree's last zxid as the checker last saw it
  int applied_since_snapshot = 0;
  std::string role;  // the last role line traced
};

class SimCluster : private Ensemble {
 public:
  explicit SimCluster(SimConfig config);
  SimResult Run();

 private:
  // Ensemble, for the clients.
  std::vector<zab::MemberId> Serving() const override;
  Replica* Member(zab::MemberId id) override;
  void Drain(zab::MemberId id) override { Drain(At(id)); }
  int64_t now_ms() const override { return now_ * kTickMs; }
  void Trace(std::string line) override { Trace(std::move(line), true); }
  // `hashed` false: a line only --verbose prints (packets), kept out of the trace hash so a
  // verbose replay has the same hash as the soak run.
  void Trace(std::string line, bool hashed);

  SimMember& At(zab::MemberId id) { return *members_[static_cast<size_t>(id - 1)]; }
  void Step();
  void InjectFaults();
  void StartPartition();
  void Drain(SimMember& m);
  void Observe(SimMember& m, const zab::SnapshotData* installed);
  void Sync(SimMember& m);
  void MaybeSnapshot(SimMember& m);
  void Crash(SimMember& m, const char* why);
  void Restart(SimMember& m);
  SimMember* EstablishedLeader();
  std::vector<MemberView> Views() const;
  bool Converged();
  std::string Context() const;

  SimConfig config_;
  Prng fault_prng_;
  Prng net_prng_;
  Prng disk_prng_;
  Prng load_prng_;
  SimNetwork network_;
  Checker checker_;
  std::unique_ptr<Workload> workload_;
  std::vector<std::unique_ptr<SimMember>> members_;
  int64_t now_ = 0;
  bool faults_on_;
  bool writes_ = true;  // clients send writes (off in the quiet period)

  // Fault parameters, drawn from the seed.
  uint32_t crash_per_mille_ = 0;
  uint32_t fsync_fail_per_mille_ = 0;
  uint32_t partition_per_mille_ = 0;
  int64_t max_fsync_ticks_ = 0;
  int snapshot_every_ = 0;  // 0: members never snapshot
  size_t max_history_entries_ = 1'000'000;
  int64_t heal_at_ = 0;

  SimResult result_;
  std::deque<std::string> tail_;
  uint64_t trace_hash_ = 1469598103934665603ULL;
};

// One line per run for soaks: "seed 7 members 3+0 committed 120 acked 95 ...".
std::string Summary(const SimConfig& config, const SimResult& result);

}  // namespace coord::sim
