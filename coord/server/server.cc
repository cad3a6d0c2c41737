#include "coord/server/server.h"

#include <netdb.h>
#include <sys/random.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include "coord/base/logging.h"
#include "coord/replica/recovery.h"
#include "coord/server/connection.h"
#include "coord/server/four_letter_words.h"
#include "coord/server/memory.h"
#include "coord/server/native_wire.h"
#include "coord/server/zookeeper_wire.h"
#include "storage/data_dir.h"
#include "storage/lmdb_log.h"

namespace coord::server {
namespace {

// How long a graceful shutdown waits for in-flight commits before giving up on them.
constexpr int64_t kShutdownGraceMs = 10000;

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  size_t got = 0;
  while (got < n) {
    ssize_t r = getrandom(out.data() + got, n - got, 0);
    CHECK_GT(r, 0) << "getrandom failed";
    got += static_cast<size_t>(r);
  }
  return out;
}

Result<sockaddr_storage> Resolve(const HostPort& address) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* result = nullptr;
  std::string port = std::to_string(address.port);
  int rc = getaddrinfo(address.host.c_str(), port.c_str(), &hints, &result);
  if (rc != 0 || result == nullptr) {
    return Status(Code::kInvalidArgument,
                  "cannot resolve " + address.ToString() + ": " + gai_strerror(rc));
  }
  sockaddr_storage out{};
  std::memcpy(&out, result->ai_addr, result->ai_addrlen);
  freeaddrinfo(result);
  return out;
}

}  // namespace

Server::Server(ServerConfig config) : config_(std::move(config)) {
  CHECK_EQ(uv_loop_init(&loop_), 0);
}

Server::~Server() {
  if (uv_loop_alive(&loop_) == 0) uv_loop_close(&loop_);
}

int64_t Server::NowMs() {
  // Wall-clock milliseconds (transaction times are wall-clock, as in ZooKeeper), never going
  // backwards, so a clock step cannot make ticks run in reverse.
  int64_t wall = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  last_now_ms_ = std::max(last_now_ms_, wall);
  return last_now_ms_;
}

SessionId Server::NewSessionId() {
  // ZooKeeper's shape: the server id in the top byte, start time below, a counter at the bottom;
  // a later start begins above every id of an earlier one. Collisions with a live session are
  // skipped.
  do {
    ++next_session_id_;
  } while (replica_->tree().SessionExists(next_session_id_));
  return next_session_id_;
}

Status Server::Start() {
  SetLogLevel(config_.log_level);
  std::error_code ec;
  std::filesystem::create_directories(storage::LogDirOf(config_.data_dir), ec);
  if (ec) {
    return Status(Code::kIoError,
                  "cannot create data dir " + config_.data_dir + ": " + ec.message());
  }
  storage::LmdbLogOptions log_options;
  log_options.max_map_bytes = config_.max_log_bytes;
  log_options.initial_map_bytes =
      std::min<size_t>(log_options.initial_map_bytes, config_.max_log_bytes);
  COORD_ASSIGN_OR_RETURN(std::unique_ptr<storage::LmdbLog> log,
                         storage::LmdbLog::Open(storage::LogDirOf(config_.data_dir), log_options));
  COORD_ASSIGN_OR_RETURN(storage::SnapshotStore store,
                         storage::SnapshotStore::Open(storage::SnapshotDirOf(config_.data_dir),
                                                      static_cast<int>(config_.snapshots_to_keep)));
  snapshots_.emplace(std::move(store));

  TreeLimits limits;
  limits.max_data_bytes = config_.max_data_bytes;
  if (config_.cluster) {
    COORD_RETURN_IF_ERROR(StartMember(std::move(log), limits));
  } else {
    COORD_RETURN_IF_ERROR(StartStandalone(std::move(log), limits));
  }

  Status listening = Listen(config_.client_address, &listener_, &bound_);
  if (listening.ok() && config_.zookeeper_address) {
    HostPort bound;
    listening = Listen(*config_.zookeeper_address, &zookeeper_listener_, &bound);
    if (listening.ok()) {
      zookeeper_bound_ = bound;
    } else {
      uv_close(reinterpret_cast<uv_handle_t*>(&listener_), nullptr);
    }
  }
  if (!listening.ok()) {
    writer_->Stop();
    if (transport_) transport_->Close();
    while (uv_run(&loop_, UV_RUN_NOWAIT) != 0 && transport_ && !transport_->closed()) {
    }
    return listening;
  }

  uv_timer_init(&loop_, &tick_timer_);
  tick_timer_.data = this;
  uv_timer_start(&tick_timer_, &OnTick, config_.tick_ms, config_.tick_ms);
  uv_signal_init(&loop_, &sigterm_);
  uv_signal_init(&loop_, &sigint_);
  sigterm_.data = sigint_.data = this;
  uv_signal_start(&sigterm_, &OnSignal, SIGTERM);
  uv_signal_start(&sigint_, &OnSignal, SIGINT);
  started_ = true;
  started_ms_ = NowMs();
  LOG_INFO << "coordd listening for clients on " << bound_.ToString() << ", data in "
           << config_.data_dir << " (allocator: " << AllocatorName() << ")";
  if (zookeeper_bound_) {
    LOG_INFO << "coordd listening for ZooKeeper clients on " << zookeeper_bound_->ToString();
  }
  return Status::Ok();
}

// Binds and listens; on failure the handle is closed again (the loop frees nothing of it).
Status Server::Listen(const HostPort& address, uv_tcp_t* listener, HostPort* bound) {
  COORD_ASSIGN_OR_RETURN(sockaddr_storage addr, Resolve(address));
  uv_tcp_init(&loop_, listener);
  listener->data = this;
  int rc = uv_tcp_bind(listener, reinterpret_cast<sockaddr*>(&addr), 0);
  if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(listener), 511, &OnNewConnection);
  if (rc != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(listener), nullptr);
    return Status(Code::kIoError,
                  "cannot listen on " + address.ToString() + ": " + uv_strerror(rc));
  }
  sockaddr_storage got{};
  int len = sizeof(got);
  uv_tcp_getsockname(listener, reinterpret_cast<sockaddr*>(&got), &len);
  char ip[64] = {};
  if (got.ss_family == AF_INET6) {
    uv_ip6_name(reinterpret_cast<sockaddr_in6*>(&got), ip, sizeof(ip));
    *bound = {ip, ntohs(reinterpret_cast<sockaddr_in6*>(&got)->sin6_port)};
  } else {
    uv_ip4_name(reinterpret_cast<sockaddr_in*>(&got), ip, sizeof(ip));
    *bound = {ip, ntohs(reinterpret_cast<sockaddr_in*>(&got)->sin_port)};
  }
  return Status::Ok();
}

void Server::Run() {
  uv_run(&loop_, UV_RUN_DEFAULT);
  uv_loop_close(&loop_);
}

Status Server::StartStandalone(std::unique_ptr<storage::Log> log, const TreeLimits& limits) {
  COORD_ASSIGN_OR_RETURN(RecoveredState recovered, Recover(*snapshots_, *log, limits));
  for (const std::string& skipped : recovered.skipped) LOG_WARN << "skipped snapshot " << skipped;
  // Loading a snapshot allocates and frees its whole body and transient indexes; give that memory
  // back to the system instead of keeping it in malloc's free lists for the process's lifetime.
  ReleaseFreeMemory();
  log->ReleaseReadPages();
  LOG_INFO << "recovered " << recovered.tree.node_count() << " znodes and "
           << recovered.tree.Sessions().size() << " sessions at zxid "
           << ZxidToString(recovered.tree.last_zxid()) << " (snapshot "
           << ZxidToString(recovered.snapshot_zxid) << " + " << recovered.replayed
           << " log entries)";

  // Each run proposes in a new epoch above everything durable, so zxids never repeat.
  storage::HardState hard_state = log->GetHardState();
  Epoch epoch = std::max({hard_state.accepted_epoch, hard_state.current_epoch,
                          EpochOf(recovered.tree.last_zxid()), EpochOf(log->LastZxid())}) +
                1;
  hard_state.accepted_epoch = hard_state.current_epoch = epoch;
  storage::LogBatch batch;
  batch.hard_state = hard_state;
  COORD_RETURN_IF_ERROR(log->Commit(batch));

  ReplicaOptions options = MakeReplicaOptions(limits);
  replica_ = std::make_unique<Replica>(options, std::move(recovered.tree), epoch, NowMs());
  next_session_id_ = (int64_t{options.server_id & 0x7f} << 56) | ((NowMs() & 0xffffffffffLL) << 16);
  LOG_INFO << "standalone, epoch " << epoch;

  writer_ = std::make_unique<LogWriter>(&loop_, std::move(log),
                                        [this](const Status& s, Zxid zxid) { OnDurable(s, zxid); });

  return Status::Ok();
}

ReplicaOptions Server::MakeReplicaOptions(const TreeLimits& limits) const {
  ReplicaOptions options;
  options.tree_limits = limits;
  options.tick_ms = config_.tick_ms;
  options.min_session_timeout_ms = config_.min_session_timeout_ms;
  options.max_session_timeout_ms = config_.max_session_timeout_ms;
  options.max_watches_per_session = config_.max_watches_per_session;
  options.read_limits.max_page_bytes = config_.max_frame_bytes / 2;
  options.read_limits.max_reply_bytes = config_.max_frame_bytes - 1024;
  options.super_digest = config_.super_digest;
  if (config_.cluster) options.server_id = config_.cluster->member_id;
  return options;
}

// --- connections --------------------------------------------------------------------------------

void Server::OnNewConnection(uv_stream_t* listener, int status) {
  auto* self = static_cast<Server*>(listener->data);
  if (status < 0) {
    LOG_WARN << "accept failed: " << uv_strerror(status);
    return;
  }
  self->Accept(listener);
}

void Server::Accept(uv_stream_t* listener) {
  std::unique_ptr<Wire> wire;
  if (listener == reinterpret_cast<uv_stream_t*>(&zookeeper_listener_)) {
    wire =
        std::make_unique<ZooKeeperWire>(config_.max_frame_bytes, config_.max_outstanding_requests);
  } else {
    wire = std::make_unique<NativeWire>(config_.max_frame_bytes);
  }
  auto* conn = new Connection(this, next_connection_id_++, std::move(wire),
                              config_.max_output_bytes, &totals_);
  uv_tcp_init(&loop_, conn->tcp());
  if (uv_accept(listener, reinterpret_cast<uv_stream_t*>(conn->tcp())) != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(conn->tcp()),
             [](uv_handle_t* h) { delete static_cast<Connection*>(h->data); });
    return;
  }
  connections_[conn->id()] = conn;
  conn->accepted_ms = NowMs();
  conn->Start();
  uint32_t& from_ip = per_ip_[conn->peer_ip()];
  ++from_ip;
  if (shutting_down_) {
    conn->Close("server is shutting down", false);
  } else if (connections_.size() > config_.max_connections) {
    conn->Close(
        "too many connections (max_connections " + std::to_string(config_.max_connections) + ")",
        false);
  } else if (from_ip > config_.max_connections_per_ip) {
    conn->Close("too many connections from " + conn->peer_ip() + " (max_connections_per_ip " +
                    std::to_string(config_.max_connections_per_ip) + ")",
                false);
  }
}

void Server::OnConnectionClosed(Connection* conn) {
  connections_.erase(conn->id());
  auto ip = per_ip_.find(conn->peer_ip());
  if (ip != per_ip_.end() && --ip->second == 0) per_ip_.erase(ip);
  SessionId session = conn->session();
  auto owner = by_session_.find(session);
  if (session != 0 && owner != by_session_.end() && owner->second == conn) {
    by_session_.erase(owner);
    replica_->Detach(session);
  }
}

void Server::OnMessage(Connection* conn, ClientMessage message) {
  if (auto* connect = std::get_if<ConnectRequest>(&message)) {
    if (conn->session() != 0) {
      conn->Close("a second connect on one connection", false);
      return;
    }
    HandleConnect(conn, *connect);
    return;
  }
  auto& request = std::get<ClientRequest>(message);
  if (!conn->connected() && conn->session() == 0 &&
      std::holds_alternative<ServerStatusRequest>(request.op)) {
    // server_status needs no session (ZooKeeper's four-letter words): it works on a member that
    // serves nobody, which is when an operator asks most (role "looking").
    ClientResponse r;
    r.id = request.id;
    r.zxid = replica_->tree().last_zxid();
    r.body = replica_->ServerStatus(connections_.size());
    conn->Send(r);
    conn->Flush();
    return;
  }
  if (!conn->connected()) {
    conn->Close("a request before the connect handshake completed", false);
    return;
  }
  if (++conn->outstanding >= config_.max_outstanding_requests) conn->PauseReading();
  replica_->Submit(conn->session(), std::move(request), NowMs());
  // Submitted while Pump flushes (a request a wire held until its session existed): the reply
  // waits in the replica's output until the next pump, so pump once more.
  if (in_pump_) pump_again_ = true;
}

void Server::HandleConnect(Connection* conn, const ConnectRequest& request) {
  if (request.protocol_version != kClientProtocolVersion) {
    ConnectResponse r;
    r.code = Code::kBadArguments;
    r.message = "unsupported protocol version " + std::to_string(request.protocol_version);
    conn->Send(r);
    conn->Close(r.message);
    return;
  }
  if (!replica_->serving()) {
    // An ensemble member between leaders (or still syncing) serves nobody: the client tries
    // another member, or this one again later.
    ConnectResponse r;
    r.code = Code::kConnectionLoss;
    r.message = "member " + std::to_string(config_.cluster ? config_.cluster->member_id : 0) +
                " is not serving (no established leader)";
    conn->Send(r);
    conn->Close(r.message);
    return;
  }
  if (request.session_id == 0) {
    SessionId id = NewSessionId();
    conn->set_session(id);
    by_session_[id] = conn;
    replica_->CreateSession(id, RandomBytes(16), request.timeout_ms, NowMs());
    return;
  }
  ConnectResponse r = replica_->ResumeSession(request, NowMs());
  if (r.code != Code::kOk) {
    conn->Send(r);
    conn->Close("connect refused: " + std::string(CodeName(r.code)) + ": " + r.message);
    return;
  }
  auto previous = by_session_.find(request.session_id);
  if (previous != by_session_.end() && previous->second != conn) {
    Connection* old = previous->second;
    by_session_.erase(previous);
    old->set_session(0);
    old->Close("session " + std::to_string(request.session_id) + " moved to another connection");
  }
  conn->set_session(request.session_id);
  conn->set_connected();
  by_session_[request.session_id] = conn;
  replica_->Detach(request.session_id);  // watches are re-registered by the client
  replica_->SetBaseIdentity(request.session_id, {Identity{"ip", conn->peer_ip()}});
  conn->Send(r);
  conn->Flush();
}

// --- four-letter words (ZooKeeper's port) ------------------------------------------------------

std::string Server::FourLetterWord(Connection* conn, std::string_view word) {
  const bool allowed = std::find(config_.four_letter_words.begin(), config_.four_letter_words.end(),
                                 word) != config_.four_letter_words.end();
  LOG_INFO << "four-letter word " << word << " from " << conn->peer()
           << (allowed ? "" : " (not allowed)");
  if (!allowed) return FourLetterWordRefusal(word);
  ServerFacts f;
  f.version = std::string("coord ") + COORD_VERSION;
  f.serving = replica_->serving();
  ServerStatusResponse status = replica_->ServerStatus(connections_.size());
  f.mode = status.role;
  f.uptime_ms = NowMs() - started_ms_;
  f.zxid = replica_->tree().last_zxid();
  f.node_count = replica_->tree().node_count();
  f.watch_count = replica_->watches().size();
  f.ephemerals_count = replica_->tree().EphemeralCount();
  f.session_count = replica_->tree().Sessions().size();
  f.totals = totals_;
  for (const auto& [id, c] : connections_) {
    ConnectionFacts facts;
    facts.peer = c->peer();
    facts.id = id;
    facts.session = c->session();
    facts.session_timeout_ms = replica_->tree().SessionTimeout(c->session()).value_or(0);
    facts.outstanding = c->outstanding;
    facts.reading = c->reading();
    facts.established_ms = c->accepted_ms;
    facts.counters = c->counters();
    f.outstanding += c->outstanding;
    f.connections.push_back(std::move(facts));
  }
  std::sort(f.connections.begin(), f.connections.end(),
            [](const ConnectionFacts& a, const ConnectionFacts& b) { return a.id < b.id; });
  for (const MemberStatus& m : status.members) {
    ++f.followers;
    f.synced_followers += m.role != "syncing";
  }
  std::error_code ec;
  int64_t fds = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++fds;
  }
  if (!ec) f.open_fds = fds;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) f.max_fds = static_cast<int64_t>(limit.rlim_cur);
  const HostPort zookeeper = zookeeper_bound_.value_or(HostPort{});
  f.conf = {{"clientPort", std::to_string(zookeeper.port)},
            {"clientPortAddress", zookeeper.host},
            {"coordClientAddress", bound_.ToString()},
            {"dataDir", config_.data_dir},
            {"tickTime", std::to_string(config_.tick_ms)},
            {"maxClientCnxns", std::to_string(config_.max_connections_per_ip)},
            {"minSessionTimeout", std::to_string(config_.min_session_timeout_ms)},
            {"maxSessionTimeout", std::to_string(config_.max_session_timeout_ms)},
            {"serverId", std::to_string(config_.cluster ? config_.cluster->member_id : 0)}};
  if (config_.cluster) {
    f.conf.emplace_back("initLimit", std::to_string(config_.cluster->init_limit_ticks));
    f.conf.emplace_back("syncLimit", std::to_string(config_.cluster->sync_limit_ticks));
    for (const MemberConfig& m : config_.cluster->members) {
      f.conf.emplace_back("server." + std::to_string(m.id), m.peer_address.ToString() + ":" +
                                                                MemberRoleName(m.role) + ";" +
                                                                m.client_address.ToString());
    }
  }
  return FourLetterWordReply(word, f);
}

// --- the pump -----------------------------------------------------------------------------------

void Server::Pump() {
  if (!replica_) return;
  do {
    pump_again_ = false;
    in_pump_ = true;
    PumpOnce();
    in_pump_ = false;
  } while (pump_again_);
}

void Server::PumpOnce() {
  if (replica_->clustered()) {
    PumpCluster();
  } else {
    std::vector<storage::LogEntry> entries = replica_->TakeEntriesToPersist();
    txns_since_snapshot_ += entries.size();
    writer_->Append(std::move(entries));
  }

  std::vector<Connection*> dirty;
  for (Outbound& out : replica_->TakeOutput()) {
    auto it = by_session_.find(out.session);
    if (it == by_session_.end()) continue;
    Connection* conn = it->second;
    if (out.message) {
      if (auto* connect = std::get_if<ConnectResponse>(&*out.message)) {
        if (connect->code == Code::kOk) {
          conn->set_connected();
          replica_->SetBaseIdentity(out.session, {Identity{"ip", conn->peer_ip()}});
        }
      } else if (std::holds_alternative<ClientResponse>(*out.message)) {
        if (conn->outstanding > 0 && conn->outstanding-- == config_.max_outstanding_requests &&
            !shutting_down_) {
          conn->ResumeReading();
        }
      }
      conn->Send(*out.message);
      dirty.push_back(conn);
    }
    if (out.close) {
      by_session_.erase(it);
      conn->set_session(0);
      conn->Close("session " + std::to_string(out.session) + " closed");
    }
  }
  for (Connection* conn : dirty) conn->Flush();
  MaybeSnapshot();
  if (shutting_down_) MaybeFinishShutdown();
}

void Server::OnDurable(const Status& status, Zxid zxid) {
  if (!status.ok()) {
    // Zab rule 6: a member whose log write failed must not acknowledge anything more. It exits;
    // on restart it recovers from what is durable.
    LOG_ERROR << "log write failed, exiting: " << status.ToString();
    std::_Exit(70);
  }
  replica_->Persisted(zxid);
  Pump();
}

// --- timers, snapshots, shutdown -----------------------------------------------------------------

void Server::OnTick(uv_timer_t* timer) { static_cast<Server*>(timer->data)->Tick(); }

void Server::Tick() {
  int64_t now = NowMs();
  replica_->Tick(now);
  std::vector<Connection*> late;
  for (auto& [id, conn] : connections_) {
    if (!conn->connected() && !conn->closing() && conn->session() == 0 &&
        now - conn->accepted_ms > config_.connect_timeout_ms) {
      late.push_back(conn);
    }
  }
  for (Connection* conn : late) conn->Close("no connect request in time", false);
  PollSnapshot();
  Pump();
}

void Server::MaybeSnapshot() {
  if (snapshot_child_ || snapshot_finishing_ || shutting_down_ || installing_snapshot_) return;
  if (txns_since_snapshot_ < config_.snapshot_every_txns) return;
  // The tree holds only durable, applied transactions, so any moment is a valid snapshot point,
  // even with proposals in flight.
  Result<storage::SnapshotChild> child = StartSnapshot(*snapshots_, replica_->tree());
  txns_since_snapshot_ = 0;
  if (!child.ok()) {
    LOG_WARN << "cannot start a snapshot: " << child.status().ToString();
    return;
  }
  LOG_INFO << "writing snapshot at " << ZxidToString(child->zxid());
  snapshot_child_.emplace(std::move(child).value());
}

void Server::PollSnapshot() {
  if (!snapshot_child_) return;
  Status status;
  if (!snapshot_child_->Poll(&status)) return;
  Zxid zxid = snapshot_child_->zxid();
  snapshot_child_.reset();
  if (!status.ok()) {
    LOG_WARN << "snapshot at " << ZxidToString(zxid) << " failed: " << status.ToString();
    return;
  }
  snapshot_finishing_ = true;
  storage::SnapshotStore* store = &*snapshots_;
  writer_->RunTask([store, zxid](storage::Log& log) { return FinishSnapshot(*store, log, zxid); },
                   [this, zxid](const Status& s) {
                     snapshot_finishing_ = false;
                     if (s.ok()) {
                       LOG_INFO << "snapshot at " << ZxidToString(zxid) << " done";
                       // The core may now forget what the snapshot covers.
                       replica_->Compact(zxid);
                     } else {
                       LOG_WARN << "after snapshot " << ZxidToString(zxid) << ": " << s.ToString();
                     }
                   });
}

void Server::OnSignal(uv_signal_t* handle, int signum) {
  LOG_INFO << "received signal " << signum << ", shutting down";
  static_cast<Server*>(handle->data)->Shutdown();
}

void Server::Shutdown() {
  if (shutting_down_ || !started_) return;
  shutting_down_ = true;
  shutdown_deadline_ms_ = NowMs() + kShutdownGraceMs;
  uv_close(reinterpret_cast<uv_handle_t*>(&listener_), nullptr);
  if (zookeeper_bound_) uv_close(reinterpret_cast<uv_handle_t*>(&zookeeper_listener_), nullptr);
  for (auto& [id, conn] : connections_) conn->PauseReading();
  MaybeFinishShutdown();
}

void Server::MaybeFinishShutdown() {
  if (!started_) return;
  bool drained = replica_->pending_transactions() == 0 && writer_->idle() && !snapshot_finishing_;
  if (!drained && NowMs() < shutdown_deadline_ms_) return;  // the tick timer checks again
  if (!drained) LOG_WARN << "shutdown: giving up on in-flight transactions";
  started_ = false;
  if (snapshot_child_) {
    // Finish a snapshot in progress, and its retention and log purge, before the writer stops
    // (Stop() runs the queued task).
    Zxid zxid = snapshot_child_->zxid();
    Status written = snapshot_child_->Wait();
    snapshot_child_.reset();
    if (written.ok()) {
      storage::SnapshotStore* store = &*snapshots_;
      writer_->RunTask(
          [store, zxid](storage::Log& log) { return FinishSnapshot(*store, log, zxid); },
          [](const Status& s) {
            if (!s.ok()) LOG_WARN << "after the last snapshot: " << s.ToString();
          });
    }
  }
  std::vector<Connection*> all;
  for (auto& [id, conn] : connections_) all.push_back(conn);
  for (Connection* conn : all) conn->Close("server shutting down");
  writer_->Stop();
  if (transport_) transport_->Close();
  uv_timer_stop(&tick_timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(&tick_timer_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&sigterm_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&sigint_), nullptr);
  LOG_INFO << "coordd stopped at zxid " << ZxidToString(replica_->tree().last_zxid());
}

}  // namespace coord::server
