// Server, as a member of an ensemble: recovery into the consensus core, the peer transport, and
// the core's persist batches on the LogWriter (a leader's snapshot written before the batch that
// replaces the log with it).
#include <sys/random.h>

#include "coord/base/logging.h"
#include "coord/replica/recovery.h"
#include "coord/server/memory.h"
#include "coord/server/server.h"

namespace coord::server {
namespace {

uint64_t RandomSeed() {
  uint64_t seed = 0;
  if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed)) seed = 0x9e3779b97f4a7c15ULL;
  return seed;
}

}  // namespace

Status Server::StartMember(std::unique_ptr<storage::Log> log, const TreeLimits& limits) {
  const ClusterConfig& cluster = *config_.cluster;
  for (const std::string& warning : cluster.Warnings()) LOG_WARN << warning;
  COORD_ASSIGN_OR_RETURN(RecoveredMember recovered, RecoverMember(*snapshots_, *log, limits));
  for (const std::string& skipped : recovered.skipped) LOG_WARN << "skipped snapshot " << skipped;
  ReleaseFreeMemory();
  log->ReleaseReadPages();
  LOG_INFO << "member " << cluster.member_id << " recovered snapshot "
           << ZxidToString(recovered.snapshot_zxid) << " (" << recovered.tree.node_count()
           << " znodes) and " << recovered.log.size() << " log entries above it, epochs "
           << recovered.hard_state.accepted_epoch << "/" << recovered.hard_state.current_epoch;

  zab::Options z;
  z.id = cluster.member_id;
  for (const MemberConfig& m : cluster.members) {
    (m.role == MemberRole::kVoter ? z.voters : z.observers).push_back(m.id);
  }
  z.election_timeout_min_ticks = cluster.election_timeout_ticks;
  z.election_timeout_max_ticks = 2 * cluster.election_timeout_ticks;
  z.init_limit_ticks = cluster.init_limit_ticks;
  z.sync_limit_ticks = cluster.sync_limit_ticks;
  z.heartbeat_interval_ticks = cluster.heartbeat_ticks;
  z.seed = RandomSeed();
  // The core keeps the entries above the last snapshot in memory; snapshots every
  // snapshot_every_txns keep that bounded, the cap guards against a snapshot that fails.
  z.max_history_entries = std::max<uint64_t>(config_.snapshot_every_txns * 2, 10000);
  zab::DurableState durable;
  durable.hard_state = {recovered.hard_state.accepted_epoch, recovered.hard_state.current_epoch};
  durable.snapshot_zxid = recovered.snapshot_zxid;
  durable.log.reserve(recovered.log.size());
  for (storage::LogEntry& e : recovered.log) {
    durable.log.push_back(zab::Entry{e.zxid, std::move(e.payload)});
  }
  recovered.log.clear();

  ReplicaOptions options = MakeReplicaOptions(limits);
  replica_ = std::make_unique<Replica>(options, std::move(recovered.tree), std::move(z),
                                       std::move(durable), NowMs());
  next_session_id_ = (int64_t{options.server_id & 0x7f} << 56) | ((NowMs() & 0xffffffffffLL) << 16);

  writer_ = std::make_unique<LogWriter>(
      &loop_, std::move(log), [this](const Status& s, Zxid zxid) { OnDurable(s, zxid); },
      [this](const Status& s, uint64_t id) { OnBatchDurable(s, id); });

  PeerTransportOptions t;
  t.cluster_id = cluster.cluster_id;
  t.self = cluster.member_id;
  t.listen_address = cluster.self().peer_address;
  for (const MemberConfig& m : cluster.members) {
    if (m.id != cluster.member_id) t.members[m.id] = m.peer_address;
  }
  t.max_frame_bytes = std::max<size_t>(size_t{256} << 20, config_.max_frame_bytes);
  t.seed = RandomSeed();
  PeerTransportCallbacks callbacks;
  // A read's messages are stepped one by one and pumped once: the follower persists a read's
  // proposals as one batch of log work, the leader counts a read's acks before answering.
  callbacks.on_message = [this](zab::MemberId from, zab::Message message) {
    replica_->Step(from, message);
  };
  callbacks.on_member_message = [this](zab::MemberId from, MemberMessage message) {
    replica_->StepMember(from, std::move(message));
  };
  callbacks.on_read_done = [this] { Pump(); };
  callbacks.on_disconnected = [this](zab::MemberId member) {
    replica_->PeerLost(member);
    Pump();
  };
  transport_ = std::make_unique<PeerTransport>(&loop_, std::move(t), std::move(callbacks));
  Result<uint16_t> port = transport_->Listen();
  if (!port.ok()) {
    writer_->Stop();
    transport_->Close();
    while (!transport_->closed()) uv_run(&loop_, UV_RUN_ONCE);
    return port.status();
  }
  transport_->Start();
  LOG_INFO << "member " << cluster.member_id << " of cluster " << cluster.cluster_id
           << ": peers on " << cluster.self().peer_address.ToString() << ", " << z.voters.size()
           << " voters";
  Pump();
  return Status::Ok();
}

void Server::PumpCluster() {
  for (zab::PersistBatch& batch : replica_->TakePersistBatches()) Persist(std::move(batch));
  for (PeerOutbound& out : replica_->TakePeerMessages()) {
    if (out.to == 0) continue;  // no leader known (the message is moot)
    if (const auto* z = std::get_if<zab::Message>(&out.message)) {
      transport_->Send(out.to, *z);
    } else {
      transport_->Send(out.to, std::get<MemberMessage>(out.message));
    }
  }
}

void Server::Persist(zab::PersistBatch batch) {
  storage::LogBatch log_batch;
  log_batch.truncate_after = batch.truncate_after;
  log_batch.entries.reserve(batch.entries.size());
  for (zab::Entry& e : batch.entries) {
    log_batch.entries.push_back(storage::LogEntry{e.zxid, std::move(e.payload)});
  }
  txns_since_snapshot_ += log_batch.entries.size();
  if (batch.hard_state) {
    log_batch.hard_state =
        storage::HardState{batch.hard_state->accepted_epoch, batch.hard_state->current_epoch, 0};
  }
  if (!batch.snapshot) {
    writer_->Commit(batch.id, std::move(log_batch));
    return;
  }
  // A leader's snapshot replaces the state and the whole log: the file first (durable), then
  // one transaction that empties the log, appends what follows and records the snapshot.
  installing_snapshot_ = true;
  storage::SnapshotStore* store = &*snapshots_;
  auto snapshot = std::make_shared<zab::SnapshotData>(std::move(*batch.snapshot));
  auto shared_batch = std::make_shared<storage::LogBatch>(std::move(log_batch));
  const uint64_t id = batch.id;
  writer_->RunTask(
      [store, snapshot, shared_batch](storage::Log& log) -> Status {
        COORD_RETURN_IF_ERROR(store->Write(
            snapshot->zxid, [&](ByteSink& sink) { return sink.Write(snapshot->data); }));
        storage::HardState hs = log.GetHardState();
        if (shared_batch->hard_state) {
          hs.accepted_epoch = shared_batch->hard_state->accepted_epoch;
          hs.current_epoch = shared_batch->hard_state->current_epoch;
        }
        hs.last_snapshot_zxid = snapshot->zxid;
        shared_batch->hard_state = hs;
        shared_batch->truncate_after = 0;
        return log.Commit(*shared_batch);
      },
      [this, id](const Status& s) {
        installing_snapshot_ = false;
        OnBatchDurable(s, id);
      });
}

void Server::OnBatchDurable(const Status& status, uint64_t batch_id) {
  if (!status.ok()) {
    // Zab rule 6: stop acknowledging, exit; recovery on restart starts from what is durable.
    LOG_ERROR << "log write failed, exiting: " << status.ToString();
    replica_->PersistFailed();
    std::_Exit(70);
  }
  replica_->PersistedBatch(batch_id);
  Pump();
}

}  // namespace coord::server
