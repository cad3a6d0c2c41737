#include "coord/replica/replica.h"

#include <algorithm>

#include "coord/base/sha1.h"
#include "coord/tree/path.h"
#include "protocol/txn_codec.h"

namespace coord {
namespace {

bool IsWrite(const ClientOp& op) {
  return std::holds_alternative<CreateRequest>(op) || std::holds_alternative<DeleteRequest>(op) ||
         std::holds_alternative<SetDataRequest>(op) || std::holds_alternative<SetAclRequest>(op) ||
         std::holds_alternative<CheckRequest>(op) || std::holds_alternative<MultiRequest>(op);
}

WriteRequest ToWrite(ClientOp op) {
  return std::visit(
      [](auto&& r) -> WriteRequest {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_constructible_v<WriteRequest, T> && !std::is_same_v<T, PingRequest>) {
          return WriteRequest(std::move(r));
        } else {
          CHECK(false) << "not a write";
          return WriteRequest();
        }
      },
      std::move(op));
}

ClientResponse Error(Code code, std::string message) {
  ClientResponse r;
  r.code = code;
  r.message = std::move(message);
  return r;
}

}  // namespace

Replica::Replica(ReplicaOptions options, DataTree tree, Epoch epoch, int64_t now_ms)
    : options_(std::move(options)),
      tree_(std::move(tree)),
      preparer_(&tree_),
      watches_(options_.max_watches_per_session),
      tracker_(options_.tick_ms),
      epoch_(epoch),
      last_proposed_(tree_.last_zxid()) {
  CHECK_GT(MakeZxid(epoch_, 0), tree_.last_zxid()) << "a new epoch must be above the log's";
  last_proposed_ = MakeZxid(epoch_, 0);
  last_tick_ = now_ms / options_.tick_ms;
  // Sessions recovered from disk get a full timeout from now: this member did not see their
  // silence (Zab rule 7's restart of session clocks).
  for (const auto& [id, timeout_ms] : tree_.Sessions()) {
    tracker_.Add(id, timeout_ms, last_tick_);
    sessions_[id];
  }
}

int32_t Replica::NegotiateTimeout(int32_t requested_ms) const {
  return std::clamp(requested_ms, options_.min_session_timeout_ms, options_.max_session_timeout_ms);
}

bool Replica::SessionAlive(SessionId session) const {
  auto it = sessions_.find(session);
  return it != sessions_.end() && !it->second.closing && tree_.SessionExists(session);
}

Zxid Replica::NextZxid() {
  // Zab rule 1: a counter that would overflow moves to a new epoch. Standalone, the next epoch is
  // implied by the log itself (recovery starts above the highest epoch it holds).
  if (CounterOf(last_proposed_) == UINT32_MAX) {
    ++epoch_;
    last_proposed_ = MakeZxid(epoch_, 0);
  }
  return ++last_proposed_;
}

// --- sessions -----------------------------------------------------------------------------------

Replica::~Replica() = default;

void Replica::CreateSession(SessionId id, std::string password, int32_t requested_timeout_ms,
                            int64_t now_ms) {
  int32_t timeout = NegotiateTimeout(requested_timeout_ms);
  creating_[id] = timeout;
  if (clustered()) {
    CreateSessionRequest request{id, timeout, std::move(password)};
    if (!leader()) {
      ForwardToLeader(ForwardRequest{id, 0, AuthContext{}, std::move(request)});
      return;
    }
    Status s = ProposeToCore(request, 0, 0, AuthContext{}, now_ms, nullptr).status();
    if (!s.ok()) {
      creating_.erase(id);
      ConnectResponse r;
      r.code = s.code();
      r.message = s.message();
      r.session_id = id;
      Emit(id, std::move(r), /*close=*/true);
    }
    return;
  }
  Propose(CreateSessionRequest{id, timeout, std::move(password)}, 0, 0, AuthContext{}, now_ms,
          nullptr);
}

ConnectResponse Replica::ResumeSession(const ConnectRequest& request, int64_t now_ms) {
  ConnectResponse r;
  r.session_id = request.session_id;
  r.last_zxid = tree_.last_zxid();
  if (request.last_zxid_seen > tree_.last_zxid()) {
    r.code = Code::kBadArguments;
    r.message = "this server is behind the client (client saw " +
                ZxidToString(request.last_zxid_seen) + ", server has " +
                ZxidToString(tree_.last_zxid()) + ")";
    return r;
  }
  std::optional<std::string> password = tree_.SessionPassword(request.session_id);
  if (!password || !SessionAlive(request.session_id)) {
    r.code = Code::kSessionExpired;
    r.message = "session expired";
    return r;
  }
  if (*password != request.password) {
    r.code = Code::kAuthFailed;
    r.message = "wrong session password";
    return r;
  }
  tracker_.Touch(request.session_id, now_ms / options_.tick_ms);
  if (clustered()) touched_.insert(request.session_id);
  r.password = *password;
  r.timeout_ms = *tree_.SessionTimeout(request.session_id);
  return r;
}

void Replica::Detach(SessionId session) { watches_.RemoveSession(session); }

void Replica::SetBaseIdentity(SessionId session, std::vector<Identity> identities) {
  auto it = sessions_.find(session);
  if (it == sessions_.end()) return;
  it->second.base_identities = identities;
  it->second.auth = AuthContext{std::move(identities), false};
}

// --- requests -----------------------------------------------------------------------------------

void Replica::Submit(SessionId session, ClientRequest request, int64_t now_ms) {
  auto it = sessions_.find(session);
  if (it == sessions_.end() || it->second.closing) {
    Emit(session, ClientResponse{
                      request.id, tree_.last_zxid(), Code::kSessionExpired, "session expired", {}});
    return;
  }
  SessionState& state = it->second;
  tracker_.Touch(session, now_ms / options_.tick_ms);
  if (clustered()) touched_.insert(session);
  Pending pending;
  pending.request_id = request.id;
  if (IsWrite(request.op)) {
    pending.kind = Pending::Kind::kWrite;
    pending.op = request.op;
    if (clustered()) {
      ClusterSubmitWrite(session, state, ToWrite(std::move(request.op)), now_ms, &pending);
    } else {
      Propose(ToWrite(std::move(request.op)), session, request.id, state.auth, now_ms, &pending);
    }
  } else if (std::holds_alternative<CloseSessionClientRequest>(request.op)) {
    pending.kind = Pending::Kind::kWrite;
    pending.op = request.op;
    pending.close_after = true;
    state.closing = true;
    if (clustered()) {
      ClusterSubmitWrite(session, state, CloseSessionRequest{session}, now_ms, &pending);
    } else {
      Propose(CloseSessionRequest{session}, session, request.id, state.auth, now_ms, &pending);
    }
  } else if (clustered() && std::holds_alternative<SyncRequest>(request.op)) {
    // Rule 8: the reply waits until this member applied everything the leader had committed
    // when the sync reached it; the leader asks itself.
    pending.kind = Pending::Kind::kSync;
    pending.op = std::move(request.op);
    syncing_.insert(session);
    if (leader()) {
      pending.sync_zxid = node_->committed_zxid();
    } else {
      pending.sync_zxid = kSyncUnknown;
      ForwardToLeader(ForwardRequest{session, request.id, AuthContext{}, SyncRequest{}});
    }
  } else if (auto* auth = std::get_if<AddAuthRequest>(&request.op)) {
    // Identities change at once, so every later request of the session carries them; the reply
    // keeps its place in the session's order.
    AddAuth(state, *auth, &pending);
  } else {
    pending.kind = Pending::Kind::kRead;
    pending.op = std::move(request.op);
  }
  state.queue.push_back(std::move(pending));
  Drain(session);
}

void Replica::AddAuth(SessionState& state, const AddAuthRequest& request, Pending* pending) {
  pending->kind = Pending::Kind::kDone;
  if (request.scheme != "digest" || request.auth.find(':') == std::string::npos) {
    pending->response = Error(Code::kAuthFailed,
                              "unsupported auth (scheme 'digest' with "
                              "'user:password' is supported)");
    return;
  }
  std::string id = DigestId(request.auth);
  if (!options_.super_digest.empty() && id == options_.super_digest) {
    state.auth.superuser = true;
  }
  Identity identity{"digest", id};
  if (std::find(state.auth.identities.begin(), state.auth.identities.end(), identity) ==
      state.auth.identities.end()) {
    state.auth.identities.push_back(identity);
  }
}

void Replica::Propose(const WriteRequest& request, SessionId session, int64_t request_id,
                      const AuthContext& auth, int64_t now_ms, Pending* pending) {
  Zxid zxid = NextZxid();
  Prepared p = preparer_.Prepare(request, session, request_id, auth, zxid, now_ms);
  if (pending != nullptr) {
    pending->zxid = zxid;
    pending->prepared = p.status;
    if (const auto* error = std::get_if<ErrorTxn>(&p.record.txn)) {
      pending->failed_op = error->failed_op;
    }
  }
  unpersisted_.push_back(Proposal{zxid, std::move(p.record)});
}

void Replica::Tick(int64_t now_ms) {
  int64_t tick = now_ms / options_.tick_ms;
  if (tick <= last_tick_) return;
  if (clustered()) {
    ClusterTick(tick, now_ms);
    return;
  }
  last_tick_ = tick;
  for (SessionId session : tracker_.Expire(tick)) {
    auto it = sessions_.find(session);
    if (it == sessions_.end() || it->second.closing) continue;
    it->second.closing = true;
    Propose(CloseSessionRequest{session}, 0, 0, AuthContext{}, now_ms, nullptr);
  }
  if (tick % options_.reap_every_ticks == 0) {
    for (std::string& path : tree_.DueForRemoval(now_ms)) {
      if (!reaping_.insert(path).second) continue;
      Propose(ReapRequest{path}, 0, 0, AuthContext{}, now_ms, nullptr);
      reap_by_zxid_.emplace(last_proposed_, std::move(path));
    }
  }
}

void Replica::Drain(SessionId session) {
  auto it = sessions_.find(session);
  if (it == sessions_.end()) return;
  SessionState& state = it->second;
  while (!state.queue.empty()) {
    Pending& head = state.queue.front();
    if (head.kind == Pending::Kind::kWrite) return;  // not applied yet
    if (head.kind == Pending::Kind::kSync) {
      if (tree_.last_zxid() < head.sync_zxid) return;  // not caught up with the leader yet
      head.response = ClientResponse{};
    }
    if (head.kind == Pending::Kind::kRead) {
      ReadContext ctx{tree_, watches_, session, state.auth, options_.read_limits};
      if (auto* restore = std::get_if<SetWatchesRequest>(&head.op)) {
        for (WatchEventMessage& event : RestoreWatches(ctx, *restore)) {
          Emit(session, std::move(event));
        }
        head.response = ClientResponse{};
      } else if (std::holds_alternative<PingRequest>(head.op) ||
                 std::holds_alternative<SyncRequest>(head.op)) {
        // Standalone, everything committed is applied by the time a read runs.
        head.response = ClientResponse{};
      } else if (std::holds_alternative<WhoAmIRequest>(head.op)) {
        WhoAmIResponse body;
        for (const Identity& id : state.auth.identities) {
          body.identities.push_back({id.scheme, id.id});
        }
        if (state.auth.superuser) body.identities.push_back({"super", ""});
        head.response.body = std::move(body);
      } else if (std::holds_alternative<ServerStatusRequest>(head.op)) {
        head.response.body = ServerStatus(0);
      } else {
        head.response = ExecuteRead(ctx, head.op);
      }
    }
    head.response.id = head.request_id;
    head.response.zxid = tree_.last_zxid();
    // A close that failed (the member lost its leader before it committed) leaves the session
    // alive: it still exists in the tree, and forgetting it here would keep it from expiring.
    bool close = head.close_after && head.response.code == Code::kOk;
    if (head.close_after && !close) state.closing = false;
    Emit(session, std::move(head.response), close);
    state.queue.pop_front();
    if (close) {
      ForgetSession(session);
      return;
    }
  }
}

// --- durability and apply -----------------------------------------------------------------------

std::vector<storage::LogEntry> Replica::TakeEntriesToPersist() {
  std::vector<storage::LogEntry> entries;
  entries.reserve(unpersisted_.size());
  for (Proposal& p : unpersisted_) {
    entries.push_back({p.zxid, EncodeTxnRecord(p.record)});
    persisted_.push_back(std::move(p));
  }
  unpersisted_.clear();
  return entries;
}

void Replica::Persisted(Zxid zxid) {
  while (!persisted_.empty() && persisted_.front().zxid <= zxid) {
    Proposal proposal = std::move(persisted_.front());
    persisted_.pop_front();
    ApplyOne(proposal);
    // Answer the session's requests up to its next unapplied write now, before later writes
    // apply: a read queued between two writes of a session sees the first and not the second.
    if (proposal.record.session_id != 0) Drain(proposal.record.session_id);
  }
}

void Replica::ApplyOne(const Proposal& proposal) {
  ApplyResult result = tree_.Apply(proposal.record, proposal.zxid);
  preparer_.Applied(proposal.zxid);
  for (WatchEvent& event : watches_.Trigger(result.triggers)) {
    Emit(event.session, WatchEventMessage{event.type, std::move(event.path), proposal.zxid});
  }
  const Txn& txn = proposal.record.txn;
  if (const auto* create = std::get_if<CreateSessionTxn>(&txn)) {
    auto timeout = creating_.find(create->session_id);
    if (result.status.ok()) {
      tracker_.Add(create->session_id, create->timeout_ms, last_tick_);
      sessions_[create->session_id];
    }
    if (timeout != creating_.end()) {
      ConnectResponse r;
      r.code = result.status.code();
      r.message = result.status.message();
      r.session_id = create->session_id;
      r.password = create->password;
      r.timeout_ms = create->timeout_ms;
      r.last_zxid = proposal.zxid;
      creating_.erase(timeout);
      Emit(create->session_id, std::move(r), !result.status.ok());
    }
  } else if (const auto* close = std::get_if<CloseSessionTxn>(&txn)) {
    // An expiry (session 0 asked) closes the connection; a client's own close is answered in
    // its queue first, on the member that took it; every other member just forgets the session.
    bool answered_here = false;
    if (auto s = sessions_.find(close->session_id); s != sessions_.end()) {
      for (const Pending& p : s->second.queue) answered_here |= p.close_after;
    }
    if (result.status.ok() && (proposal.record.session_id == 0 || !answered_here)) {
      Emit(close->session_id, std::nullopt, /*close=*/true);
      ForgetSession(close->session_id);
    }
  }
  // A reap is done once its transaction applied, whether it removed the node or lost a race with
  // a client's change (then it is an ErrorTxn); a later tick may propose it again.
  if (auto reap = reap_by_zxid_.find(proposal.zxid); reap != reap_by_zxid_.end()) {
    reaping_.erase(reap->second);
    reap_by_zxid_.erase(reap);
  }

  SessionId session = proposal.record.session_id;
  if (session == 0) return;
  auto it = sessions_.find(session);
  if (it == sessions_.end()) return;
  for (Pending& pending : it->second.queue) {
    // Forwarded writes learn their zxid here: a session's writes commit in its order, and its
    // request ids are unique while the session is attached here.
    if (pending.kind == Pending::Kind::kWrite &&
        (pending.zxid == proposal.zxid ||
         (pending.zxid == 0 && pending.request_id == proposal.record.request_id))) {
      pending.response = WriteResponse(pending, result);
      pending.kind = Pending::Kind::kDone;
      break;
    }
  }
}

ClientResponse Replica::WriteResponse(const Pending& pending, const ApplyResult& result) const {
  ClientResponse r;
  // A request that failed preparation was logged as an ErrorTxn; its reason is the Preparer's.
  const coord::Status& status = pending.prepared.ok() ? result.status : pending.prepared;
  r.code = status.code();
  r.message = status.message();
  if (const auto* multi = std::get_if<MultiRequest>(&pending.op)) {
    MultiResponse body;
    body.results.resize(multi->ops.size());
    if (!result.ops.empty()) {
      for (size_t i = 0; i < result.ops.size() && i < body.results.size(); ++i) {
        body.results[i].code = result.ops[i].code;
        body.results[i].path = result.ops[i].path;
        body.results[i].stat = result.ops[i].stat;
      }
    }
    if (result.ops.empty() && !status.ok()) {
      // Failed in preparation: ops before the failing one "ok", it its code, the rest
      // runtime_inconsistency (ZooKeeper's multi results).
      const size_t failed = pending.failed_op < 0 ? 0 : static_cast<size_t>(pending.failed_op);
      for (size_t i = 0; i < body.results.size(); ++i) {
        body.results[i].code = i < failed    ? Code::kOk
                               : i == failed ? status.code()
                                             : Code::kRuntimeInconsistency;
      }
    }
    r.body = std::move(body);
    return r;
  }
  if (!status.ok()) return r;
  if (std::holds_alternative<CreateRequest>(pending.op)) {
    r.body = CreateResponse{result.path, result.stat};
  } else if (std::holds_alternative<SetDataRequest>(pending.op) ||
             std::holds_alternative<SetAclRequest>(pending.op)) {
    r.body = StatResponse{result.stat};
  }
  return r;
}

void Replica::Emit(SessionId session, std::optional<ServerMessage> message, bool close) {
  output_.push_back(Outbound{session, std::move(message), close});
}

void Replica::ForgetSession(SessionId session) {
  watches_.RemoveSession(session);
  tracker_.Remove(session);
  sessions_.erase(session);
}

std::vector<Outbound> Replica::TakeOutput() {
  std::vector<Outbound> out;
  out.swap(output_);
  return out;
}

ServerStatusResponse Replica::ServerStatus(uint64_t connections) const {
  ServerStatusResponse s;
  if (clustered()) {
    s.role = role_.role == zab::Role::kLeading     ? "leader"
             : role_.role == zab::Role::kFollowing ? "follower"
             : role_.role == zab::Role::kObserving ? "observer"
             : role_.role == zab::Role::kStopped   ? "stopped"
                                                   : "looking";
    s.server_id = options_.server_id;
    s.leader_id = role_.leader;
    s.epoch = node_->epoch();
    s.last_zxid = node_->last_zxid();
    s.committed_zxid = node_->committed_zxid();
    s.node_count = tree_.node_count();
    s.session_count = sessions_.size();
    s.watch_count = watches_.size();
    s.connection_count = connections;
    s.digest = tree_.digest();
    for (const zab::Node::LearnerProgress& p : node_->Progress()) {
      MemberStatus m;
      m.id = p.id;
      m.role = !p.synced ? "syncing" : p.observer ? "observer" : "follower";
      m.last_zxid = p.acked_zxid;
      m.lag = EpochOf(p.acked_zxid) == EpochOf(s.last_zxid)
                  ? static_cast<int64_t>(CounterOf(s.last_zxid)) - CounterOf(p.acked_zxid)
                  : static_cast<int64_t>(CounterOf(s.last_zxid));
      s.members.push_back(std::move(m));
    }
    return s;
  }
  s.role = "standalone";
  s.server_id = options_.server_id;
  s.leader_id = options_.server_id;
  s.epoch = epoch_;
  s.last_zxid = tree_.last_zxid();
  s.committed_zxid = tree_.last_zxid();
  s.node_count = tree_.node_count();
  s.session_count = tree_.Sessions().size();
  s.watch_count = watches_.size();
  s.connection_count = connections;
  s.digest = tree_.digest();
  return s;
}

}  // namespace coord
