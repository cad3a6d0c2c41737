#include "tests/sim/cluster.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "coord/base/check.h"
#include "coord/tree/tree_snapshot.h"
#include "protocol/txn_codec.h"

namespace coord::sim {
namespace {

constexpr size_t kTraceTail = 60;

class StringSink : public ByteSink {
 public:
  explicit StringSink(std::string* out) : out_(out) {}
  Status Write(std::string_view bytes) override {
    out_->append(bytes);
    return Status();
  }

 private:
  std::string* out_;
};

std::string EncodeTree(const DataTree& tree) {
  std::string out;
  StringSink sink(&out);
  CHECK(TreeSnapshotCodec::Write(tree, sink).ok());
  return out;
}

DataTree DecodeTree(const std::string& data) {
  if (data.empty()) return DataTree();
  Result<DataTree> tree = TreeSnapshotCodec::Read(data);
  CHECK(tree.ok()) << tree.status().ToString();
  return std::move(*tree);
}

// A message with the fields a reader of the trace needs.
std::string Describe(const zab::Message& message) {
  std::string out(zab::MessageName(message));
  auto z = [](Zxid zxid) { return ZxidToString(zxid); };
  if (const auto* m = std::get_if<zab::FollowerInfo>(&message)) {
    out += " accepted " + std::to_string(m->accepted_epoch) + " last " + z(m->last_zxid);
  } else if (const auto* m = std::get_if<zab::AckEpoch>(&message)) {
    out += " e" + std::to_string(m->epoch) + " current " + std::to_string(m->current_epoch) +
           " last " + z(m->last_zxid);
  } else if (const auto* m = std::get_if<zab::Trunc>(&message)) {
    out += " e" + std::to_string(m->epoch) + " to " + z(m->zxid);
  } else if (const auto* m = std::get_if<zab::Snap>(&message)) {
    out += " e" + std::to_string(m->epoch) + " at " + z(m->snapshot.zxid);
  } else if (const auto* m = std::get_if<zab::Diff>(&message)) {
    out +=
        " e" + std::to_string(m->epoch) + " " + std::to_string(m->entries.size()) + " entries" +
        (m->entries.empty() ? ""
                            : " " + z(m->entries.front().zxid) + ".." + z(m->entries.back().zxid)) +
        " committed " + z(m->committed_zxid);
  } else if (const auto* m = std::get_if<zab::NewLeader>(&message)) {
    out += " e" + std::to_string(m->epoch) + " last " + z(m->last_zxid);
  } else if (const auto* m = std::get_if<zab::Proposal>(&message)) {
    out += " " + z(m->entry.zxid);
  } else if (const auto* m = std::get_if<zab::Ack>(&message)) {
    out += " " + z(m->zxid);
  } else if (const auto* m = std::get_if<zab::Commit>(&message)) {
    out += " " + z(m->zxid);
  } else if (const auto* m = std::get_if<zab::UpToDate>(&message)) {
    out += " e" + std::to_string(m->epoch) + " committed " + z(m->committed_zxid);
  }
  return out;
}

}  // namespace

SimCluster::SimCluster(SimConfig config)
    : config_(config),
      fault_prng_(config.seed * 4 + 0),
      net_prng_(config.seed * 4 + 1),
      disk_prng_(config.seed * 4 + 2),
      load_prng_(config.seed * 4 + 3),
      network_(&net_prng_, {}),
      workload_(&load_prng_),
      checker_(config.voters + config.observers, DataTree().digest(), [this] { return Context(); }),
      faults_on_(config.faults) {
  CHECK(config_.voters == 3 || config_.voters == 5) << "3 or 5 voters";
  if (faults_on_) {
    Prng& p = fault_prng_;
    network_.set_faults({static_cast<uint32_t>(p.Uniform(60)), static_cast<uint32_t>(p.Uniform(40)),
                         static_cast<int64_t>(p.Uniform(5))});
    crash_per_mille_ = static_cast<uint32_t>(p.Uniform(12));
    fsync_fail_per_mille_ = p.Uniform(4) == 0 ? 2 : 0;
    partition_per_mille_ = static_cast<uint32_t>(p.Uniform(25));
    max_fsync_ticks_ = static_cast<int64_t>(p.Uniform(4));
    snapshot_every_ = p.Uniform(2) == 0 ? 0 : 5 + static_cast<int>(p.Uniform(30));
    if (p.Uniform(3) == 0) max_history_entries_ = 8 + p.Uniform(40);
    propose_per_mille_ = 100 + static_cast<uint32_t>(p.Uniform(700));
  }
  const int n = config_.voters + config_.observers;
  for (int i = 1; i <= n; ++i) {
    members_.push_back(std::make_unique<SimMember>());
    members_.back()->id = i;
    members_.back()->voter = i <= config_.voters;
  }
  for (auto& m : members_) Restart(*m);
}

void SimCluster::Trace(std::string line) {
  line = "t=" + std::to_string(now_) + " " + line;
  for (unsigned char c : line) trace_hash_ = (trace_hash_ ^ c) * 1099511628211ULL;
  trace_hash_ = (trace_hash_ ^ '\n') * 1099511628211ULL;
  if (config_.verbose) std::printf("%s\n", line.c_str());
  tail_.push_back(std::move(line));
  if (tail_.size() > kTraceTail) tail_.pop_front();
}

std::string SimCluster::Context() const {
  std::ostringstream out;
  out << "\n  seed " << config_.seed << " members " << config_.voters << "+" << config_.observers
      << " steps " << config_.steps << " at tick " << now_ << " (replay: coord-sim --seed "
      << config_.seed << " --members " << config_.voters
      << (config_.observers ? " --observers 1" : "") << " --steps " << config_.steps
      << ")\n  trace tail:\n";
  for (const std::string& line : tail_) out << "    " << line << "\n";
  return out.str();
}

void SimCluster::Restart(SimMember& m) {
  ++m.incarnation;
  const DurableImage& image = m.disk.image();
  m.tree = DecodeTree(image.snapshot.data);
  m.tree_zxid = image.snapshot.zxid;
  m.applied_since_snapshot = 0;
  checker_.OnInstall(m.id, m.tree_zxid, m.tree.digest());
  zab::Options o;
  o.id = m.id;
  for (const auto& other : members_) {
    (other->voter ? o.voters : o.observers).push_back(other->id);
  }
  o.seed = config_.seed * 1'000'003 + static_cast<uint64_t>(m.id) * 7919 +
           static_cast<uint64_t>(m.incarnation);
  o.max_history_entries = max_history_entries_;
  SimMember* self = &m;
  o.snapshot_source = [self] { return zab::SnapshotData{self->tree_zxid, EncodeTree(self->tree)}; };
  zab::DurableState durable{image.hard_state, image.snapshot.zxid, m.disk.LogAboveSnapshot()};
  m.node = std::make_unique<zab::Node>(std::move(o), std::move(durable));
  Trace("restart m" + std::to_string(m.id) + " snapshot " + ZxidToString(m.tree_zxid) + " log " +
        std::to_string(image.log.size()) + " epochs " +
        std::to_string(image.hard_state.accepted_epoch) + "/" +
        std::to_string(image.hard_state.current_epoch));
  Pump(m);
}

void SimCluster::Crash(SimMember& m, const char* why) {
  m.node.reset();
  m.disk.LoseUnsynced();
  network_.DropFor(m.id);
  m.restart_at = now_ + 5 + static_cast<int64_t>(fault_prng_.Uniform(60));
  ++result_.crashes;
  Trace(std::string("crash m") + std::to_string(m.id) + " (" + why + ")");
}

void SimCluster::Pump(SimMember& m) {
  while (m.node) {
    while (m.node->HasReady()) {
      zab::Ready ready = m.node->TakeReady();
      if (ready.role) {
        Trace("m" + std::to_string(m.id) + " " + zab::RoleName(ready.role->role) + " leader m" +
              std::to_string(ready.role->leader) + " epoch " + std::to_string(ready.role->epoch) +
              (ready.role->established ? " established" : ""));
      }
      const int64_t sync_at =
          now_ +
          static_cast<int64_t>(disk_prng_.Uniform(static_cast<uint64_t>(max_fsync_ticks_) + 1));
      m.disk.Submit(std::move(ready), sync_at);
    }
    if (faults_on_ && fsync_fail_per_mille_ != 0 && m.disk.HeadBatchDue(now_) &&
        fault_prng_.Uniform(1000) < fsync_fail_per_mille_) {
      m.node->PersistFailed();  // rule 6: it stops, then the process exits
      CHECK(m.node->role() == zab::Role::kStopped);
      Crash(m, "fsync failed");
      return;
    }
    std::optional<zab::Ready> ready = m.disk.TakeCompleted(now_);
    if (!ready) return;
    Complete(m, *ready);
  }
}

void SimCluster::Complete(SimMember& m, zab::Ready& ready) {
  // The Ready contract: 1. PERSIST (done by the disk), 2. SEND, 3. APPLY.
  if (ready.persist.id != 0) m.node->Persisted(ready.persist.id);
  for (zab::Envelope& e : ready.messages) {
    network_.Send(now_, m.id, e.to, std::move(e.message));
  }
  if (ready.persist.snapshot) Install(m, *ready.persist.snapshot);
  for (const zab::Entry& e : ready.committed) Apply(m, e);
}

void SimCluster::Install(SimMember& m, const zab::SnapshotData& snapshot) {
  m.tree = DecodeTree(snapshot.data);
  m.tree_zxid = snapshot.zxid;
  CHECK_EQ(m.tree.last_zxid(), snapshot.zxid);
  checker_.OnInstall(m.id, m.tree_zxid, m.tree.digest());
  Trace("m" + std::to_string(m.id) + " installed SNAP at " + ZxidToString(snapshot.zxid));
}

void SimCluster::Apply(SimMember& m, const zab::Entry& entry) {
  Result<TxnRecord> record = DecodeTxnRecord(entry.payload);
  CHECK(record.ok()) << "undecodable payload at " << ZxidToString(entry.zxid) << Context();
  m.tree.Apply(*record, entry.zxid);
  m.tree_zxid = entry.zxid;
  checker_.OnApply(m.id, entry.zxid, entry.payload, m.tree.digest());
  auto it = proposed_.find(entry.zxid);
  if (it != proposed_.end() && it->second.member == m.id &&
      it->second.incarnation == m.incarnation && it->second.payload == entry.payload) {
    checker_.OnAcknowledged(entry.zxid, entry.payload);
    if (result_.first_ack_tick < 0) result_.first_ack_tick = now_;
    Trace("ack " + ZxidToString(entry.zxid) + " " + TxnName(record->txn) + " by m" +
          std::to_string(m.id));
    proposed_.erase(it);
  }
  MaybeSnapshot(m);
}

void SimCluster::MaybeSnapshot(SimMember& m) {
  if (snapshot_every_ == 0 || ++m.applied_since_snapshot < snapshot_every_) return;
  m.applied_since_snapshot = 0;
  m.disk.WriteSnapshot({m.tree_zxid, EncodeTree(m.tree)});
  m.node->Compact(m.tree_zxid);
}

SimMember* SimCluster::EstablishedLeader() {
  SimMember* best = nullptr;
  for (auto& m : members_) {
    if (m->node && m->node->role() == zab::Role::kLeading && m->node->established() &&
        (!best || m->node->epoch() > best->node->epoch())) {
      best = m.get();
    }
  }
  return best;
}

void SimCluster::StartPartition() {
  const int n = static_cast<int>(members_.size());
  SimMember* leader = EstablishedLeader();
  const zab::MemberId victim = leader ? leader->id : 1 + static_cast<int>(fault_prng_.Uniform(n));
  std::string what;
  switch (fault_prng_.Uniform(4)) {
    case 0:  // isolate the leader both ways
      for (int i = 1; i <= n; ++i) {
        if (i != victim) network_.Cut(victim, i), network_.Cut(i, victim);
      }
      what = "isolate m" + std::to_string(victim);
      break;
    case 1:  // the leader can send but not hear
      for (int i = 1; i <= n; ++i) {
        if (i != victim) network_.Cut(i, victim);
      }
      what = "one-way: nothing reaches m" + std::to_string(victim);
      break;
    case 2:  // the leader can hear but not send
      for (int i = 1; i <= n; ++i) {
        if (i != victim) network_.Cut(victim, i);
      }
      what = "one-way: nothing leaves m" + std::to_string(victim);
      break;
    default: {  // a random split
      std::vector<int> side(static_cast<size_t>(n));
      for (int& s : side) s = static_cast<int>(fault_prng_.Uniform(2));
      what = "split";
      for (int i = 1; i <= n; ++i) {
        what += side[static_cast<size_t>(i - 1)] ? " |m" : " m";
        what += std::to_string(i);
        for (int j = 1; j <= n; ++j) {
          if (side[static_cast<size_t>(i - 1)] != side[static_cast<size_t>(j - 1)]) {
            network_.Cut(i, j);
          }
        }
      }
    }
  }
  heal_at_ = now_ + 10 + static_cast<int64_t>(fault_prng_.Uniform(80));
  ++result_.partitions;
  Trace("partition: " + what + " until t=" + std::to_string(heal_at_));
}

void SimCluster::InjectFaults() {
  for (auto& m : members_) {
    if (!m->node && now_ >= m->restart_at) Restart(*m);
  }
  if (fault_prng_.Uniform(1000) < crash_per_mille_) {
    SimMember& m = *members_[fault_prng_.Uniform(members_.size())];
    if (m.node) Crash(m, "killed");
  }
  if (network_.partitioned()) {
    if (now_ >= heal_at_) {
      network_.Heal();
      Trace("heal");
    }
  } else if (fault_prng_.Uniform(1000) < partition_per_mille_) {
    StartPartition();
  }
}

void SimCluster::RunWorkload() {
  if (load_prng_.Uniform(1000) >= propose_per_mille_) return;
  SimMember* leader = EstablishedLeader();
  if (!leader) return;
  const int n = 1 + static_cast<int>(load_prng_.Uniform(3));
  for (int i = 0; i < n; ++i) {
    TxnRecord record = workload_.Next(now_ * 10);
    std::string payload = EncodeTxnRecord(record);
    Result<Zxid> zxid = leader->node->Propose(payload);
    if (!zxid.ok()) {
      Trace("propose at m" + std::to_string(leader->id) + ": " + zxid.status().ToString());
      break;
    }
    Trace("propose " + ZxidToString(*zxid) + " " + TxnName(record.txn) + " at m" +
          std::to_string(leader->id));
    proposed_[*zxid] = {leader->id, leader->incarnation, std::move(payload)};
  }
  Pump(*leader);
}

void SimCluster::Step() {
  ++now_;
  if (faults_on_) InjectFaults();
  RunWorkload();
  for (auto& m : members_) {
    if (!m->node) continue;
    m->node->Tick();
    Pump(*m);
  }
  for (Packet& p : network_.TakeDue(now_)) {
    SimMember& to = *members_[static_cast<size_t>(p.to - 1)];
    if (!to.node) continue;
    if (config_.verbose) {
      Trace("  m" + std::to_string(p.from) + " -> m" + std::to_string(p.to) + " " +
            Describe(p.message));
    }
    to.node->Step(p.from, p.message);
    Pump(to);
  }
  for (auto& m : members_) Pump(*m);  // batches whose fsync is due now
  if (result_.first_leader_tick < 0 && EstablishedLeader()) result_.first_leader_tick = now_;
  checker_.Step(Views());
}

std::vector<MemberView> SimCluster::Views() const {
  std::vector<MemberView> views;
  for (const auto& m : members_) {
    MemberView v;
    v.id = m->id;
    v.voter = m->voter;
    v.tree_zxid = m->tree_zxid;
    if (m->node && m->node->role() != zab::Role::kStopped) {
      v.up = true;
      v.role = m->node->role();
      v.established = m->node->established();
      v.epoch = m->node->epoch();
      v.last_zxid = m->node->last_zxid();
      v.committed_zxid = m->node->committed_zxid();
    }
    views.push_back(v);
  }
  return views;
}

bool SimCluster::Converged() {
  SimMember* leader = EstablishedLeader();
  if (!leader) return false;
  const Zxid target = leader->node->last_zxid();
  if (leader->node->committed_zxid() != target) return false;
  for (auto& m : members_) {
    if (!m->node || !m->node->established() || m->node->leader() != leader->id) return false;
    if (m->tree_zxid != target || m->disk.waiting() != 0) return false;
  }
  return true;
}

SimResult SimCluster::Run() {
  Trace("start seed " + std::to_string(config_.seed) + " voters " + std::to_string(config_.voters) +
        " observers " + std::to_string(config_.observers) +
        (faults_on_ ? " faults on" : " faults off"));
  for (int64_t i = 0; i < config_.steps; ++i) {
    Step();
    if (!config_.faults) {
      CHECK(result_.first_leader_tick >= 0 || now_ < kMaxTicksToElect)
          << "LIVENESS no established leader after " << now_ << " fault-free ticks" << Context();
      CHECK(result_.first_ack_tick >= 0 || now_ < kMaxTicksToFirstAck)
          << "LIVENESS no acknowledged write after " << now_ << " fault-free ticks" << Context();
    }
  }
  // Quiet period: faults off, network healed, everyone back; the cluster must converge.
  faults_on_ = false;
  network_.Heal();
  network_.set_faults({});
  const int64_t quiet_start = now_;
  Trace("quiet period");
  for (auto& m : members_) {
    if (!m->node) Restart(*m);
  }
  const uint32_t load = propose_per_mille_;
  propose_per_mille_ = 0;
  while (!Converged()) {
    CHECK_LT(now_ - quiet_start, kMaxQuietTicks)
        << "LIVENESS the healed cluster did not converge in " << kMaxQuietTicks << " ticks"
        << Context();
    Step();
  }
  propose_per_mille_ = load;
  checker_.Final(Views());
  result_.committed = checker_.committed();
  result_.acknowledged = checker_.acknowledged();
  Trace("converged: committed " + std::to_string(result_.committed) + " acknowledged " +
        std::to_string(result_.acknowledged) + " digest " +
        std::to_string(members_.front()->tree.digest()));
  result_.trace_hash = trace_hash_;
  return result_;
}

std::string Summary(const SimConfig& config, const SimResult& r) {
  std::ostringstream out;
  out << "seed " << config.seed << " members " << config.voters << "+" << config.observers
      << " committed " << r.committed << " acked " << r.acknowledged << " crashes " << r.crashes
      << " partitions " << r.partitions << " leader@" << r.first_leader_tick << " ack@"
      << r.first_ack_tick << " trace " << std::hex << r.trace_hash;
  return out.str();
}

}  // namespace coord::sim
