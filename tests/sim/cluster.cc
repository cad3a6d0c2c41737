#include "tests/sim/cluster.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <sstream>

#include "coord/base/check.h"
#include "coord/tree/tree_snapshot.h"
#include "protocol/txn_codec.h"

namespace coord::sim {
namespace {

constexpr size_t kTraceTail = 80;

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
    if (Result<TxnRecord> r = DecodeTxnRecord(m->entry.payload); r.ok()) {
      out += std::string(" ") + TxnName(r->txn) + " s" + std::to_string(r->session_id) + " #" +
             std::to_string(r->request_id);
      if (const auto* close = std::get_if<CloseSessionTxn>(&r->txn)) {
        out += " closes s" + std::to_string(close->session_id);
      }
    }
  } else if (const auto* m = std::get_if<zab::Ack>(&message)) {
    out += " " + z(m->zxid);
  } else if (const auto* m = std::get_if<zab::Commit>(&message)) {
    out += " " + z(m->zxid);
  } else if (const auto* m = std::get_if<zab::UpToDate>(&message)) {
    out += " e" + std::to_string(m->epoch) + " committed " + z(m->committed_zxid);
  }
  return out;
}

std::string Describe(const MemberMessage& message) {
  if (const auto* m = std::get_if<ForwardRequest>(&message)) {
    const auto* op = std::get_if<ClientOp>(&m->op);
    return "FORWARD s" + std::to_string(m->session) + " #" + std::to_string(m->request_id) + " " +
           (op ? ClientOpName(*op) : "create_session");
  }
  if (const auto* m = std::get_if<ForwardReply>(&message)) {
    return "FORWARD_REPLY s" + std::to_string(m->session) + " #" + std::to_string(m->request_id) +
           " " + std::string(CodeName(m->code)) + " " + ZxidToString(m->zxid);
  }
  return "TOUCHES " + std::to_string(std::get<SessionTouches>(message).sessions.size());
}

std::string Describe(const PeerMessage& message) {
  if (const auto* z = std::get_if<zab::Message>(&message)) return Describe(*z);
  return Describe(std::get<MemberMessage>(message));
}

}  // namespace

SimCluster::SimCluster(SimConfig config)
    : config_(config),
      fault_prng_(config.seed * 4 + 0),
      net_prng_(config.seed * 4 + 1),
      disk_prng_(config.seed * 4 + 2),
      load_prng_(config.seed * 4 + 3),
      network_(&net_prng_, {}),
      checker_(config.voters + config.observers, DataTree().digest(), [this] { return Context(); }),
      faults_on_(config.faults) {
  CHECK(config_.voters == 3 || config_.voters == 5) << "3 or 5 voters";
  WorkloadOptions load;
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
    load.clients = 2 + static_cast<int>(load_prng_.Uniform(6));
    load.request_per_mille = 100 + static_cast<uint32_t>(load_prng_.Uniform(500));
    load.silent_per_mille = static_cast<uint32_t>(load_prng_.Uniform(4));
  }
  workload_ =
      std::make_unique<Workload>(&load_prng_, static_cast<Ensemble*>(this), &checker_, load);
  const int n = config_.voters + config_.observers;
  for (int i = 1; i <= n; ++i) {
    members_.push_back(std::make_unique<SimMember>());
    members_.back()->id = i;
    members_.back()->voter = i <= config_.voters;
  }
  for (auto& m : members_) Restart(*m);
}

void SimCluster::Trace(std::string line, bool hashed) {
  line = "t=" + std::to_string(now_) + " " + line;
  if (hashed) {
    for (unsigned char c : line) trace_hash_ = (trace_hash_ ^ c) * 1099511628211ULL;
    trace_hash_ = (trace_hash_ ^ '\n') * 1099511628211ULL;
  }
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
      << (config_.faults ? "" : " --no-faults") << ")\n  trace tail:\n";
  for (const std::string& line : tail_) out << "    " << line << "\n";
  out << "  members:\n";
  for (const auto& m : members_) {
    out << "    m" << m->id << (m->voter ? "" : " (observer)");
    if (!m->replica) {
      out << " down\n";
      continue;
    }
    const zab::Node& node = *m->replica->node();
    out << " " << zab::RoleName(node.role()) << " leader m" << node.leader() << " epoch "
        << node.epoch() << (node.established() ? " established" : "")
        << (m->replica->serving() ? " serving" : "") << " last " << ZxidToString(node.last_zxid())
        << " committed " << ZxidToString(node.committed_zxid()) << " tree "
        << ZxidToString(m->replica->tree().last_zxid()) << " disk waiting " << m->disk.waiting()
        << " sessions";
    for (const auto& [session, timeout_ms] : m->replica->tree().Sessions()) {
      out << " s" << session << "/" << timeout_ms << "ms";
    }
    out << "\n";
  }
  return out.str();
}

std::vector<zab::MemberId> SimCluster::Serving() const {
  std::vector<zab::MemberId> out;
  for (const auto& m : members_) {
    if (m->replica && m->replica->serving()) out.push_back(m->id);
  }
  return out;
}

Replica* SimCluster::Member(zab::MemberId id) { return At(id).replica.get(); }

void SimCluster::Restart(SimMember& m) {
  ++m.incarnation;
  const DurableImage& image = m.disk.image();
  ReplicaOptions options;
  options.tick_ms = kTickMs;
  options.min_session_timeout_ms = 100;
  options.max_session_timeout_ms = 2000;
  options.forward_timeout_ticks = 50;
  options.server_id = m.id;
  zab::Options o;
  o.id = m.id;
  for (const auto& other : members_) {
    (other->voter ? o.voters : o.observers).push_back(other->id);
  }
  o.seed = config_.seed * 1'000'003 + static_cast<uint64_t>(m.id) * 7919 +
           static_cast<uint64_t>(m.incarnation);
  o.max_history_entries = max_history_entries_;
  zab::DurableState durable{image.hard_state, image.snapshot.zxid, m.disk.LogAboveSnapshot()};
  m.replica = std::make_unique<Replica>(options, DecodeTree(image.snapshot.data), std::move(o),
                                        std::move(durable), now_ms());
  m.observed_zxid = image.snapshot.zxid;
  m.applied_since_snapshot = 0;
  m.role.clear();
  checker_.OnInstall(m.id, image.snapshot.zxid, m.replica->tree().digest());
  Trace("restart m" + std::to_string(m.id) + " snapshot " + ZxidToString(image.snapshot.zxid) +
        " log " + std::to_string(image.log.size()) + " epochs " +
        std::to_string(image.hard_state.accepted_epoch) + "/" +
        std::to_string(image.hard_state.current_epoch));
  Drain(m);
}

void SimCluster::Crash(SimMember& m, const char* why) {
  m.replica.reset();
  m.disk.LoseUnsynced();
  network_.DropFor(m.id);
  m.restart_at = now_ + 5 + static_cast<int64_t>(fault_prng_.Uniform(60));
  ++result_.crashes;
  Trace(std::string("crash m") + std::to_string(m.id) + " (" + why + ")");
  workload_->OnMemberDown(m.id);
  // A dead process's sockets close, and the peers' transports say so (PeerLost); a frozen or
  // unplugged machine just goes silent. The seed picks which this crash looks like.
  if (fault_prng_.Uniform(2) == 0) {
    for (auto& other : members_) {
      if (!other->replica || other->id == m.id) continue;
      if (network_.IsCut(m.id, other->id)) continue;  // a cut link reports nothing
      other->replica->PeerLost(m.id);
      Drain(*other);
    }
  }
}

void SimCluster::Drain(SimMember& m) {
  if (!m.replica) return;
  Replica& r = *m.replica;
  Observe(m, nullptr);
  for (zab::PersistBatch& batch : r.TakePersistBatches()) {
    const int64_t sync_at =
        now_ +
        static_cast<int64_t>(disk_prng_.Uniform(static_cast<uint64_t>(max_fsync_ticks_) + 1));
    m.disk.Submit(std::move(batch), sync_at);
  }
  for (PeerOutbound& p : r.TakePeerMessages()) {
    network_.Send(now_, m.id, p.to, std::move(p.message));
  }
  // Across sessions the replica's output order may follow a hash table; the clients see it per
  // session (in order), so a stable order keeps the run a function of the seed.
  std::vector<Outbound> out = r.TakeOutput();
  std::stable_sort(out.begin(), out.end(),
                   [](const Outbound& a, const Outbound& b) { return a.session < b.session; });
  for (const Outbound& o : out) workload_->OnOutput(m.id, o);
}

void SimCluster::Observe(SimMember& m, const zab::SnapshotData* installed) {
  const zab::Node& node = *m.replica->node();
  std::string role = std::string(zab::RoleName(node.role())) + " leader m" +
                     std::to_string(node.leader()) + " epoch " + std::to_string(node.epoch()) +
                     (node.established() ? " established" : "") +
                     (m.replica->serving() ? " serving" : "");
  if (role != m.role) {
    Trace("m" + std::to_string(m.id) + " " + role);
    m.role = std::move(role);
  }
  // What the tree applied since the last look: the durable log's entries up to its last zxid
  // (rule 5: the tree is never ahead of the durable log), after a SNAP installed in this call.
  const DataTree& tree = m.replica->tree();
  const Zxid to = tree.last_zxid();
  Zxid from = m.observed_zxid;
  if (installed) {
    from = installed->zxid;
    checker_.OnInstall(m.id, from,
                       to == from ? std::optional<uint64_t>(tree.digest()) : std::nullopt);
    Trace("m" + std::to_string(m.id) + " installed SNAP at " + ZxidToString(from));
  }
  m.observed_zxid = to;
  if (to == from) return;
  CHECK_GT(to, from) << "VIOLATION member " << m.id << " tree went back from " << ZxidToString(from)
                     << " to " << ZxidToString(to) << Context();
  CHECK(m.disk.Find(to) != nullptr)
      << "VIOLATION member " << m.id << " applied up to " << ZxidToString(to)
      << " but its durable log lacks that entry" << Context();
  const std::vector<zab::Entry>& log = m.disk.image().log;
  auto it = std::upper_bound(log.begin(), log.end(), from,
                             [](Zxid z, const zab::Entry& e) { return z < e.zxid; });
  for (; it != log.end() && it->zxid <= to; ++it) {
    checker_.OnApply(m.id, it->zxid, it->payload,
                     it->zxid == to ? std::optional<uint64_t>(tree.digest()) : std::nullopt);
    ++m.applied_since_snapshot;
  }
}

void SimCluster::Sync(SimMember& m) {
  while (m.replica) {
    if (faults_on_ && fsync_fail_per_mille_ != 0 && m.disk.HeadDue(now_) &&
        fault_prng_.Uniform(1000) < fsync_fail_per_mille_) {
      m.replica->PersistFailed();  // rule 6: it stops, then the process exits
      CHECK(m.replica->node()->role() == zab::Role::kStopped);
      Crash(m, "fsync failed");
      return;
    }
    std::optional<zab::PersistBatch> batch = m.disk.TakeSynced(now_);
    if (!batch) return;
    m.replica->PersistedBatch(batch->id);
    // A SNAP's batch completes its Ready (and installs the snapshot) within PersistedBatch.
    if (batch->snapshot) Observe(m, &*batch->snapshot);
    Drain(m);
  }
}

void SimCluster::MaybeSnapshot(SimMember& m) {
  if (!m.replica || snapshot_every_ == 0 || m.applied_since_snapshot < snapshot_every_) return;
  m.applied_since_snapshot = 0;
  const DataTree& tree = m.replica->tree();
  const Zxid zxid = tree.last_zxid();
  if (zxid <= m.disk.image().snapshot.zxid) return;
  m.disk.WriteSnapshot({zxid, EncodeTree(tree)});
  m.replica->Compact(zxid);
  Drain(m);
}

SimMember* SimCluster::EstablishedLeader() {
  SimMember* best = nullptr;
  for (auto& m : members_) {
    if (!m->replica) continue;
    const zab::Node& node = *m->replica->node();
    if (node.role() == zab::Role::kLeading && node.established() &&
        (!best || node.epoch() > best->replica->node()->epoch())) {
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
    if (!m->replica && now_ >= m->restart_at) Restart(*m);
  }
  if (fault_prng_.Uniform(1000) < crash_per_mille_) {
    SimMember& m = *members_[fault_prng_.Uniform(members_.size())];
    if (m.replica) Crash(m, "killed");
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

void SimCluster::Step() {
  ++now_;
  if (faults_on_) InjectFaults();
  workload_->Step(writes_);
  for (auto& m : members_) {
    if (!m->replica) continue;
    m->replica->Tick(now_ms());
    Drain(*m);
  }
  for (Packet& p : network_.TakeDue(now_)) {
    SimMember& to = At(p.to);
    if (!to.replica) continue;
    if (config_.verbose) {
      Trace("  m" + std::to_string(p.from) + " -> m" + std::to_string(p.to) + " " +
                Describe(p.message),
            /*hashed=*/false);
    }
    if (auto* z = std::get_if<zab::Message>(&p.message)) {
      to.replica->Step(p.from, *z);
    } else {
      to.replica->StepMember(p.from, std::get<MemberMessage>(std::move(p.message)));
    }
    Drain(to);
  }
  for (auto& m : members_) Sync(*m);  // batches whose fsync is due now
  for (auto& m : members_) MaybeSnapshot(*m);
  if (result_.first_leader_tick < 0 && EstablishedLeader()) result_.first_leader_tick = now_;
  checker_.Step(Views());
}

std::vector<MemberView> SimCluster::Views() const {
  std::vector<MemberView> views;
  for (const auto& m : members_) {
    MemberView v;
    v.id = m->id;
    v.voter = m->voter;
    if (m->replica) {
      const zab::Node& node = *m->replica->node();
      v.tree = &m->replica->tree();
      v.tree_zxid = v.tree->last_zxid();
      if (node.role() != zab::Role::kStopped) {
        v.up = true;
        v.role = node.role();
        v.established = node.established();
        v.epoch = node.epoch();
        v.last_zxid = node.last_zxid();
        v.committed_zxid = node.committed_zxid();
      }
    }
    views.push_back(v);
  }
  return views;
}

bool SimCluster::Converged() {
  SimMember* leader = EstablishedLeader();
  if (!leader) return false;
  const Zxid target = leader->replica->node()->last_zxid();
  if (leader->replica->node()->committed_zxid() != target) return false;
  for (auto& m : members_) {
    if (!m->replica || !m->replica->serving()) return false;
    const zab::Node& node = *m->replica->node();
    if (!node.established() || node.leader() != leader->id) return false;
    if (m->replica->tree().last_zxid() != target || m->disk.waiting() != 0) return false;
  }
  // Sessions expire only by the leader's decision (rule 7): the abandoned ones must be gone.
  if (!config_.expire_abandoned) return true;
  const std::set<SessionId> held = workload_->HeldSessions();
  for (const auto& [session, timeout_ms] : leader->replica->tree().Sessions()) {
    if (!held.contains(session)) return false;
  }
  return true;
}

SimResult SimCluster::Run() {
  Trace("start seed " + std::to_string(config_.seed) + " voters " + std::to_string(config_.voters) +
        " observers " + std::to_string(config_.observers) +
        (faults_on_ ? " faults on" : " faults off"));
  for (int64_t i = 0; i < config_.steps; ++i) {
    Step();
    if (result_.first_ack_tick < 0 && workload_->first_ack_ms() >= 0) {
      result_.first_ack_tick = workload_->first_ack_ms() / kTickMs;
    }
    if (!config_.faults) {
      CHECK(result_.first_leader_tick >= 0 || now_ < kMaxTicksToElect)
          << "LIVENESS no established leader after " << now_ << " fault-free ticks" << Context();
      CHECK(result_.first_ack_tick >= 0 || now_ < kMaxTicksToFirstAck)
          << "LIVENESS no acknowledged write after " << now_ << " fault-free ticks" << Context();
    }
  }
  // Quiet period: faults off, network healed, everyone back; clients only ping and resume. The
  // cluster must converge.
  faults_on_ = false;
  writes_ = false;
  network_.Heal();
  network_.set_faults({});
  const int64_t quiet_start = now_;
  Trace("quiet period");
  for (auto& m : members_) {
    if (!m->replica) Restart(*m);
  }
  while (!Converged()) {
    CHECK_LT(now_ - quiet_start, kMaxQuietTicks)
        << "LIVENESS the healed cluster did not converge in " << kMaxQuietTicks << " ticks"
        << Context();
    Step();
  }
  checker_.Final(Views(), workload_->Expectations());
  result_.committed = checker_.committed();
  result_.acknowledged = workload_->acknowledged();
  Trace("converged: committed " + std::to_string(result_.committed) + " acknowledged " +
        std::to_string(result_.acknowledged) + " sessions " +
        std::to_string(members_.front()->replica->tree().Sessions().size()) + " digest " +
        std::to_string(members_.front()->replica->tree().digest()));
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
