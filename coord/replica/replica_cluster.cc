// Replica, the clustered form: the consensus core between preparation and apply, forwarding of
// client work to the leader, global sessions, and the Ready contract (persist, send, apply).
#include <algorithm>

#include "coord/base/check.h"
#include "coord/base/logging.h"
#include "coord/replica/replica.h"
#include "coord/tree/tree_snapshot.h"
#include "protocol/txn_codec.h"

namespace coord {
namespace {

// How many ticks one Tick() may catch up on after the loop was late (a long snapshot encode, a
// paused process): the core's timeouts measure what it could observe, not wall-clock gaps.
constexpr int64_t kMaxCatchUpTicks = 4;

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

ClientResponse ErrorResponse(Code code, std::string message) {
  ClientResponse r;
  r.code = code;
  r.message = std::move(message);
  return r;
}

// The client ops that are writes, as the Preparer takes them; nullopt for anything else.
std::optional<WriteRequest> AsWrite(ClientOp op) {
  if (auto* r = std::get_if<CreateRequest>(&op)) return WriteRequest(std::move(*r));
  if (auto* r = std::get_if<DeleteRequest>(&op)) return WriteRequest(std::move(*r));
  if (auto* r = std::get_if<SetDataRequest>(&op)) return WriteRequest(std::move(*r));
  if (auto* r = std::get_if<SetAclRequest>(&op)) return WriteRequest(std::move(*r));
  if (auto* r = std::get_if<CheckRequest>(&op)) return WriteRequest(std::move(*r));
  if (auto* r = std::get_if<MultiRequest>(&op)) return WriteRequest(std::move(*r));
  return std::nullopt;
}

}  // namespace

Replica::Replica(ReplicaOptions options, DataTree tree, zab::Options zab_options,
                 zab::DurableState durable, int64_t now_ms)
    : options_(std::move(options)),
      tree_(std::move(tree)),
      preparer_(&tree_),
      watches_(options_.max_watches_per_session),
      tracker_(options_.tick_ms),
      epoch_(0),
      last_proposed_(0) {
  CHECK_EQ(tree_.last_zxid(), durable.snapshot_zxid) << "the tree must be the snapshot's state";
  last_tick_ = now_ms / options_.tick_ms;
  for (const auto& [id, timeout_ms] : tree_.Sessions()) {
    tracker_.Add(id, timeout_ms, last_tick_);
    sessions_[id];
  }
  zab_options.snapshot_source = [this] {
    return zab::SnapshotData{tree_.last_zxid(), EncodeTree()};
  };
  node_ = std::make_unique<zab::Node>(std::move(zab_options), std::move(durable));
  PumpCore();
}

std::string Replica::EncodeTree() const {
  std::string out;
  StringSink sink(&out);
  CHECK(TreeSnapshotCodec::Write(tree_, sink).ok());
  return out;
}

bool Replica::leader() const {
  return node_ && role_.role == zab::Role::kLeading && role_.established;
}

bool Replica::learner() const {
  return node_ && (role_.role == zab::Role::kFollowing || role_.role == zab::Role::kObserving) &&
         role_.established;
}

bool Replica::serving() const {
  if (!node_) return true;
  return (leader() && caught_up_) || learner();
}

// --- client work
// ----------------------------------------------------------------------------------

void Replica::ClusterSubmitWrite(SessionId session, SessionState& state, WriteRequest request,
                                 int64_t now_ms, Pending* pending) {
  if (leader()) {
    Result<Zxid> z =
        ProposeToCore(request, session, pending->request_id, state.auth, now_ms, pending);
    if (!z.ok()) {
      pending->kind = Pending::Kind::kDone;
      pending->response = ErrorResponse(z.status().code(), z.status().message());
    }
    return;
  }
  if (!learner()) {
    pending->kind = Pending::Kind::kDone;
    pending->response = ErrorResponse(Code::kConnectionLoss, "this member is not serving");
    return;
  }
  // Forwarded: the zxid is learned when the transaction commits (ApplyOne matches the request).
  pending->zxid = 0;
  // The client's own op travels (a close as CloseSessionClientRequest); the leader prepares it.
  (void)request;
  ForwardToLeader(ForwardRequest{session, pending->request_id, state.auth, pending->op});
}

Result<Zxid> Replica::ProposeToCore(const WriteRequest& request, SessionId session,
                                    int64_t request_id, const AuthContext& auth, int64_t now_ms,
                                    Pending* pending) {
  Prepared prepared;
  Result<Zxid> zxid = node_->Propose([&](Zxid z) {
    prepared = preparer_.Prepare(request, session, request_id, auth, z, now_ms);
    return EncodeTxnRecord(prepared.record);
  });
  if (!zxid.ok()) return zxid.status();
  if (pending != nullptr) {
    pending->zxid = *zxid;
    pending->prepared = prepared.status;
    if (const auto* error = std::get_if<ErrorTxn>(&prepared.record.txn)) {
      pending->failed_op = error->failed_op;
    }
  }
  own_.emplace(*zxid, std::move(prepared.record));
  PumpCore();
  return zxid;
}

void Replica::ForwardToLeader(ForwardRequest request) {
  forwarded_.push_back({last_tick_, request.session, request.request_id});
  peer_out_.push_back(PeerOutbound{role_.leader, MemberMessage(std::move(request))});
}

void Replica::StepMember(zab::MemberId from, MemberMessage message) {
  if (!node_) return;
  if (auto* forward = std::get_if<ForwardRequest>(&message)) {
    OnForwardRequest(from, std::move(*forward));
  } else if (const auto* reply = std::get_if<ForwardReply>(&message)) {
    if (learner() && from == role_.leader) OnForwardReply(*reply);
  } else if (const auto* touches = std::get_if<SessionTouches>(&message)) {
    if (!leader()) return;
    for (SessionId session : touches->sessions) tracker_.Touch(session, last_tick_);
  }
}

void Replica::OnForwardRequest(zab::MemberId from, ForwardRequest request) {
  auto refuse = [&](Code code, std::string why) {
    peer_out_.push_back(PeerOutbound{
        from, ForwardReply{request.session, request.request_id, code, std::move(why), 0}});
  };
  if (!leader()) {
    refuse(Code::kConnectionLoss, "not the leader");
    return;
  }
  if (!caught_up_) {
    held_forwards_.emplace_back(from, std::move(request));
    return;
  }
  const int64_t now_ms = last_tick_ * options_.tick_ms;
  if (request.session != 0) tracker_.Touch(request.session, last_tick_);
  Status status;
  if (auto* create = std::get_if<CreateSessionRequest>(&request.op)) {
    create->session_id = request.session;
    create->timeout_ms = NegotiateTimeout(create->timeout_ms);
    status = ProposeToCore(*create, 0, 0, AuthContext{}, now_ms, nullptr).status();
  } else {
    ClientOp& op = std::get<ClientOp>(request.op);
    if (std::holds_alternative<SyncRequest>(op)) {
      // Everything acknowledged to any client is committed: the member that asked answers once
      // it applied up to here.
      peer_out_.push_back(PeerOutbound{from, ForwardReply{request.session, request.request_id,
                                                          Code::kOk, "", node_->committed_zxid()}});
      return;
    }
    WriteRequest write;
    if (std::holds_alternative<CloseSessionClientRequest>(op)) {
      write = CloseSessionRequest{request.session};
    } else if (std::optional<WriteRequest> w = AsWrite(std::move(op))) {
      write = std::move(*w);
    } else {
      refuse(Code::kBadArguments, "not a forwardable request");
      return;
    }
    status =
        ProposeToCore(write, request.session, request.request_id, request.auth, now_ms, nullptr)
            .status();
  }
  if (!status.ok()) refuse(status.code(), status.message());
}

void Replica::OnForwardReply(const ForwardReply& reply) {
  if (reply.request_id == 0 && creating_.contains(reply.session)) {
    // A session create the leader could not propose.
    creating_.erase(reply.session);
    ConnectResponse r;
    r.code = reply.code == Code::kOk ? Code::kConnectionLoss : reply.code;
    r.message = reply.message;
    r.session_id = reply.session;
    Emit(reply.session, std::move(r), /*close=*/true);
    return;
  }
  auto it = sessions_.find(reply.session);
  if (it == sessions_.end()) return;
  for (Pending& p : it->second.queue) {
    if (p.request_id != reply.request_id) continue;
    if (p.kind == Pending::Kind::kSync && p.sync_zxid == kSyncUnknown) {
      if (reply.code == Code::kOk) {
        p.sync_zxid = reply.zxid;
      } else {
        p.kind = Pending::Kind::kDone;
        p.response = ErrorResponse(reply.code, reply.message);
      }
    } else if (p.kind == Pending::Kind::kWrite && p.zxid == 0 && reply.code != Code::kOk) {
      p.kind = Pending::Kind::kDone;
      p.response = ErrorResponse(reply.code, reply.message);
    }
    break;
  }
  Drain(reply.session);
}

// --- the core's Readys --------------------------------------------------------------------------

void Replica::Step(zab::MemberId from, const zab::Message& message) {
  if (!node_) return;
  node_->Step(from, message);
  PumpCore();
}

void Replica::PeerLost(zab::MemberId member) {
  if (!node_) return;
  node_->PeerLost(member);
  PumpCore();
}

void Replica::PumpCore() {
  TakeReadys();
  CompleteReadys();
}

void Replica::TakeReadys() {
  while (node_->HasReady()) {
    zab::Ready ready = node_->TakeReady();
    // Messages leave at once, before the batch is durable: the core emits an acknowledgement
    // (ACK, ACKEPOCH, ACK of NEWLEADER) only after Persisted() confirmed what it covers (ready.h),
    // so sending early is safe, and it lets the leader's PROPOSAL reach the followers while the
    // leader's own fsync runs instead of after it.
    for (zab::Envelope& e : ready.messages) {
      peer_out_.push_back(PeerOutbound{e.to, std::move(e.message)});
    }
    ready.messages.clear();
    const uint64_t id = ready.persist.id;
    if (id != 0) {
      // The batch goes to the caller; the held Ready keeps only what its APPLY step needs.
      zab::PersistBatch batch = std::move(ready.persist);
      ready.persist = zab::PersistBatch();
      ready.persist.snapshot = batch.snapshot;
      to_persist_.push_back(std::move(batch));
    }
    readys_.push_back(HeldReady{id, std::move(ready)});
  }
}

void Replica::CompleteReadys() {
  // Re-entrancy: applying may propose (a reap, a held forward) and so pump the core again; the
  // outer loop completes whatever that produced, in order.
  if (in_complete_) return;
  in_complete_ = true;
  while (!readys_.empty() && readys_.front().id <= durable_batch_) {
    HeldReady held = std::move(readys_.front());
    readys_.pop_front();
    zab::Ready& ready = held.ready;
    // The Ready contract: 1. persisted (above), 2. send (done when taken), 3. apply.
    if (held.id != 0) node_->Persisted(held.id);
    if (ready.persist.snapshot) InstallSnapshot(*ready.persist.snapshot);
    for (const zab::Entry& entry : ready.committed) ApplyCommitted(entry);
    if (!ready.committed.empty()) {
      DrainSyncs();
      MaybeCaughtUp();
    }
    if (ready.role) OnRoleChange(*ready.role);
    TakeReadys();
  }
  in_complete_ = false;
}

std::vector<zab::PersistBatch> Replica::TakePersistBatches() {
  std::vector<zab::PersistBatch> out;
  out.swap(to_persist_);
  return out;
}

void Replica::PersistedBatch(uint64_t batch_id) {
  durable_batch_ = std::max(durable_batch_, batch_id);
  CompleteReadys();
}

void Replica::PersistFailed() {
  node_->PersistFailed();
  PumpCore();
  DropClients();
}

std::vector<PeerOutbound> Replica::TakePeerMessages() {
  std::vector<PeerOutbound> out;
  out.swap(peer_out_);
  return out;
}

void Replica::Compact(Zxid zxid) {
  if (node_) node_->Compact(zxid);
}

void Replica::ApplyCommitted(const zab::Entry& entry) {
  auto own = own_.find(entry.zxid);
  if (own != own_.end()) {
    Proposal proposal{entry.zxid, std::move(own->second)};
    own_.erase(own);
    ApplyOne(proposal);
    if (proposal.record.session_id != 0) Drain(proposal.record.session_id);
    return;
  }
  Result<TxnRecord> record = DecodeTxnRecord(entry.payload);
  CHECK(record.ok()) << "committed entry " << ZxidToString(entry.zxid)
                     << " does not decode: " << record.status().ToString();
  Proposal proposal{entry.zxid, std::move(record).value()};
  ApplyOne(proposal);
  if (proposal.record.session_id != 0) Drain(proposal.record.session_id);
}

void Replica::InstallSnapshot(const zab::SnapshotData& snapshot) {
  // SNAP from the leader (rule 5: the state is rebuilt from what is now durable). The member is
  // not serving while it syncs, so no session here waits on the old state.
  Result<DataTree> tree = snapshot.data.empty()
                              ? Result<DataTree>(DataTree(options_.tree_limits))
                              : TreeSnapshotCodec::Read(snapshot.data, options_.tree_limits);
  CHECK(tree.ok()) << "snapshot from the leader at " << ZxidToString(snapshot.zxid)
                   << " does not load: " << tree.status().ToString();
  DropClients();
  tree_ = std::move(tree).value();
  preparer_.Reset();
  watches_ = WatchRegistry(options_.max_watches_per_session);
  tracker_ = SessionTracker(options_.tick_ms);
  sessions_.clear();
  for (const auto& [id, timeout_ms] : tree_.Sessions()) {
    tracker_.Add(id, timeout_ms, last_tick_);
    sessions_[id];
  }
  LOG_INFO << "installed a snapshot from the leader at " << ZxidToString(snapshot.zxid) << " ("
           << tree_.node_count() << " znodes)";
}

void Replica::OnRoleChange(const zab::RoleState& role) {
  const bool was_serving = serving();
  const zab::RoleState before = role_;
  role_ = role;
  LOG_INFO << "member " << options_.server_id << ": " << zab::RoleName(role.role) << ", leader "
           << role.leader << ", epoch " << role.epoch << (role.established ? ", established" : "");
  if (was_serving && (before.leader != role.leader || before.epoch != role.epoch ||
                      before.role != role.role || !role.established)) {
    DropClients();
  }
  caught_up_ = false;
  if (leader()) {
    // Rule 7: the new leader did not see the sessions' silence under the old one, so every
    // session gets a full timeout from now. The tracker is rebuilt from the tree rather than
    // restarted: a session this member expired as an earlier leader, whose close was then
    // truncated away, is still in the tree and must be able to expire again (simulator seed 21).
    tracker_ = SessionTracker(options_.tick_ms);
    for (const auto& [id, timeout_ms] : tree_.Sessions()) {
      tracker_.Add(id, timeout_ms, last_tick_);
      if (auto it = sessions_.find(id); it != sessions_.end()) it->second.closing = false;
    }
    catch_up_zxid_ = node_->committed_zxid();
    MaybeCaughtUp();
  }
}

void Replica::MaybeCaughtUp() {
  if (!leader() || caught_up_ || tree_.last_zxid() < catch_up_zxid_) return;
  caught_up_ = true;
  LOG_INFO << "member " << options_.server_id << " leads epoch " << role_.epoch << " from "
           << ZxidToString(tree_.last_zxid());
  while (!held_forwards_.empty()) {
    auto [from, request] = std::move(held_forwards_.front());
    held_forwards_.pop_front();
    OnForwardRequest(from, std::move(request));
  }
}

void Replica::DropClients() {
  // Every connection closes: its requests may or may not commit, as with any connection loss;
  // the client resumes its session on a serving member.
  for (auto& [id, state] : sessions_) {
    if (!state.queue.empty()) state.queue.clear();
    state.closing = false;
    Emit(id, std::nullopt, /*close=*/true);
  }
  for (auto& [id, timeout] : creating_) Emit(id, std::nullopt, /*close=*/true);
  creating_.clear();
  own_.clear();
  preparer_.Reset();
  reaping_.clear();
  reap_by_zxid_.clear();
  held_forwards_.clear();
  forwarded_.clear();
  touched_.clear();
  syncing_.clear();
}

void Replica::DrainSyncs() {
  if (syncing_.empty()) return;
  std::vector<SessionId> sessions(syncing_.begin(), syncing_.end());
  for (SessionId session : sessions) {
    auto it = sessions_.find(session);
    bool waiting = false;
    if (it != sessions_.end()) {
      Drain(session);
      it = sessions_.find(session);
      if (it != sessions_.end()) {
        for (const Pending& p : it->second.queue) waiting |= p.kind == Pending::Kind::kSync;
      }
    }
    if (!waiting) syncing_.erase(session);
  }
}

void Replica::ExpireForwards() {
  while (!forwarded_.empty() &&
         last_tick_ - forwarded_.front().tick > options_.forward_timeout_ticks) {
    const Forwarded f = forwarded_.front();
    forwarded_.pop_front();
    if (f.request_id == 0 && creating_.erase(f.session) > 0) {
      Emit(f.session, std::nullopt, /*close=*/true);
      continue;
    }
    auto it = sessions_.find(f.session);
    if (it == sessions_.end()) continue;
    bool waiting = false;
    for (const Pending& p : it->second.queue) {
      waiting |= p.request_id == f.request_id &&
                 ((p.kind == Pending::Kind::kWrite && p.zxid == 0) ||
                  (p.kind == Pending::Kind::kSync && p.sync_zxid == kSyncUnknown));
    }
    if (!waiting) continue;
    LOG_WARN << "no answer from the leader to request " << f.request_id << " of session "
             << f.session << "; closing its connection";
    it->second.queue.clear();
    it->second.closing = false;
    Emit(f.session, std::nullopt, /*close=*/true);
  }
}

void Replica::ClusterTick(int64_t tick, int64_t now_ms) {
  const int64_t ticks = std::min(tick - last_tick_, kMaxCatchUpTicks);
  last_tick_ = tick;
  for (int64_t i = 0; i < ticks; ++i) node_->Tick();
  PumpCore();
  ExpireForwards();
  if (learner() && !touched_.empty()) {
    SessionTouches touches;
    touches.sessions.assign(touched_.begin(), touched_.end());
    touched_.clear();
    peer_out_.push_back(PeerOutbound{role_.leader, MemberMessage(std::move(touches))});
  }
  if (!leader() || !caught_up_) return;
  // Rule 7: only an established leader expires sessions, by a replicated close.
  for (SessionId session : tracker_.Expire(tick)) {
    if (!tree_.SessionExists(session)) continue;
    SessionState& state = sessions_[session];
    if (state.closing) continue;
    if (ProposeToCore(CloseSessionRequest{session}, 0, 0, AuthContext{}, now_ms, nullptr).ok()) {
      state.closing = true;
    } else {
      tracker_.Add(session, *tree_.SessionTimeout(session), tick);  // try again later
    }
  }
  if (tick % options_.reap_every_ticks == 0) {
    for (std::string& path : tree_.DueForRemoval(now_ms)) {
      if (reaping_.contains(path)) continue;
      Result<Zxid> zxid = ProposeToCore(ReapRequest{path}, 0, 0, AuthContext{}, now_ms, nullptr);
      if (!zxid.ok()) break;
      reaping_.insert(path);
      reap_by_zxid_.emplace(*zxid, std::move(path));
    }
  }
}

}  // namespace coord
