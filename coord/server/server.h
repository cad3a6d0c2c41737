// Server: coordd's libuv shell around a Replica — the listener, the connections, the tick
// timer, the fsync thread (LogWriter), forked snapshots and signal handling; in an ensemble also
// the peer transport, the consensus core's batches on the LogWriter and the leader's snapshots
// (server_cluster.cc).
//
// Everything here is I/O plumbing; decisions (what a request means, its order, sessions,
// watches) are the Replica's. After every input (bytes read, a commit made durable, a tick) the
// server pumps: new transactions go to the LogWriter, outputs go to connections.
//
// Threading: the loop thread owns everything; the LogWriter's thread owns the log.
#pragma once

#include <uv.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "coord/replica/replica.h"
#include "coord/server/config.h"
#include "coord/server/counters.h"
#include "coord/server/log_writer.h"
#include "coord/server/peer_transport.h"
#include "storage/snapshot_store.h"

namespace coord::server {

class Connection;

class Server {
 public:
  explicit Server(ServerConfig config);
  ~Server();

  // Recovers the data dir and starts listening. Errors: bad address, unusable data dir, corrupt
  // state.
  Status Start();
  // Runs the loop until a graceful shutdown (SIGTERM/SIGINT or Shutdown()) completes.
  void Run();
  void Shutdown();

  // The address actually bound (the port is chosen by the OS when configured as 0).
  const HostPort& bound_address() const { return bound_; }
  // Likewise for zookeeper_address; nullopt when it is not configured.
  const std::optional<HostPort>& zookeeper_bound_address() const { return zookeeper_bound_; }

  // --- called by Connection ---
  void OnMessage(Connection* conn, ClientMessage message);
  void OnConnectionClosed(Connection* conn);
  void Pump();
  // The reply to a ZooKeeper four-letter word (four_letter_words.h), or ZooKeeper's refusal of
  // a word that is not allowed.
  std::string FourLetterWord(Connection* conn, std::string_view word);

 private:
  static void OnNewConnection(uv_stream_t* listener, int status);
  static void OnTick(uv_timer_t* timer);
  static void OnSignal(uv_signal_t* handle, int signum);
  Status Listen(const HostPort& address, uv_tcp_t* listener, HostPort* bound);
  void Accept(uv_stream_t* listener);
  void Tick();
  void PumpOnce();
  void HandleConnect(Connection* conn, const ConnectRequest& request);
  void OnDurable(const Status& status, Zxid zxid);
  Status StartStandalone(std::unique_ptr<storage::Log> log, const TreeLimits& limits);
  void RecordSnapshotDone(Zxid zxid);

  // server_cluster.cc
  Status StartMember(std::unique_ptr<storage::Log> log, const TreeLimits& limits);
  ReplicaOptions MakeReplicaOptions(const TreeLimits& limits) const;
  void PumpCluster();
  void Persist(zab::PersistBatch batch);
  void OnBatchDurable(const Status& status, uint64_t batch_id);
  void MaybeSnapshot();
  void PollSnapshot();
  void MaybeFinishShutdown();
  int64_t NowMs();
  SessionId NewSessionId();

  ServerConfig config_;
  HostPort bound_;
  uv_loop_t loop_;
  uv_tcp_t listener_;
  uv_tcp_t zookeeper_listener_;
  std::optional<HostPort> zookeeper_bound_;  // set once zookeeper_listener_ listens
  uv_timer_t tick_timer_;
  uv_signal_t sigterm_;
  uv_signal_t sigint_;
  std::unique_ptr<Replica> replica_;
  std::unique_ptr<LogWriter> writer_;
  std::unique_ptr<PeerTransport> transport_;  // ensemble only
  bool installing_snapshot_ = false;          // a leader's snapshot is being written
  std::optional<storage::SnapshotStore> snapshots_;
  std::optional<storage::SnapshotChild> snapshot_child_;
  uint64_t txns_since_snapshot_ = 0;
  bool snapshot_finishing_ = false;

  absl::flat_hash_map<uint64_t, Connection*> connections_;
  absl::flat_hash_map<SessionId, Connection*> by_session_;
  absl::flat_hash_map<std::string, uint32_t> per_ip_;
  uint64_t next_connection_id_ = 1;
  Counters totals_;  // every connection's packets and latencies, closed ones included
  int64_t started_ms_ = 0;
  bool in_pump_ = false;
  bool pump_again_ = false;  // a request was submitted during Pump (released by a wire)
  SessionId next_session_id_ = 0;
  int64_t last_now_ms_ = 0;
  bool shutting_down_ = false;
  int64_t shutdown_deadline_ms_ = 0;
  bool started_ = false;
};

}  // namespace coord::server
