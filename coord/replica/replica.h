// Replica: the state machine of a coord server, driven by inputs and returning outputs.
//
// It owns the tree, the Preparer, the watch registry and the session tracker, and turns client
// requests into ordered replies and watch events:
//   Submit() a request  ->  writes are prepared at once into transactions (pipelined, validated
//   against pending changes) and handed out by TakeEntriesToPersist(); the caller makes them
//   durable (group commit, off the loop thread) and reports Persisted(zxid); the replica then
//   applies them and answers. Reads wait behind the same session's earlier writes, so a read
//   after a write sees it; every session's replies leave in request order; a watch event leaves
//   before any reply that could show the change that caused it.
// Sessions are transactions (create, close, expiry), so they survive restarts; Tick() expires
// silent sessions and reaps due containers and TTL nodes, also through transactions.
//
// This is the standalone form: a transaction is committed once it is durable on this member.
// [C] puts the Zab core between TakeEntriesToPersist/Persisted and the commit.
//
// Threading: none. Owned by the server's loop thread. Pure: time comes in as arguments.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "coord/replica/read_ops.h"
#include "coord/session/session_tracker.h"
#include "coord/tree/acl.h"
#include "coord/tree/data_tree.h"
#include "coord/tree/preparer.h"
#include "coord/tree/watch_registry.h"
#include "protocol/client.h"
#include "storage/log.h"

namespace coord {

struct ReplicaOptions {
  TreeLimits tree_limits;
  ReadLimits read_limits;
  int64_t tick_ms = 100;
  int32_t min_session_timeout_ms = 2000;
  int32_t max_session_timeout_ms = 60000;
  uint32_t max_watches_per_session = 100000;
  // Reaping of containers and TTL nodes runs every this many ticks.
  int64_t reap_every_ticks = 10;
  // "super:<base64 sha1>" or empty: the digest identity that bypasses ACLs.
  std::string super_digest;
  int32_t server_id = 1;
};

// Something to send to a session's connection, in order.
struct Outbound {
  SessionId session = 0;
  std::optional<ServerMessage> message;
  bool close = false;  // close the session's connection after sending `message` (if any)
};

class Replica {
 public:
  // `tree` is the recovered state; `epoch` the epoch of the transactions this run proposes
  // (above every epoch in the log).
  Replica(ReplicaOptions options, DataTree tree, Epoch epoch, int64_t now_ms);

  // --- sessions ---
  // Starts creating a session (a transaction). Its ConnectResponse comes out once applied.
  void CreateSession(SessionId id, std::string password, int32_t requested_timeout_ms,
                     int64_t now_ms);
  // Re-attaches a live session: ok, session_expired (gone or expiring) or auth_failed (wrong
  // password). `last_zxid_seen` above this member's last zxid is refused: the client would see
  // the past.
  ConnectResponse ResumeSession(const ConnectRequest& request, int64_t now_ms);
  // The session's connection is gone: its watches go (the client re-registers them); the
  // session lives until it expires or the client resumes it.
  void Detach(SessionId session);
  // The identities a session starts with (its connection's ip).
  void SetBaseIdentity(SessionId session, std::vector<Identity> identities);

  // --- requests ---
  void Submit(SessionId session, ClientRequest request, int64_t now_ms);
  void Tick(int64_t now_ms);

  // --- durability ---
  std::vector<storage::LogEntry> TakeEntriesToPersist();
  // Every entry up to `zxid` is durable: apply and answer.
  void Persisted(Zxid zxid);

  // --- outputs ---
  std::vector<Outbound> TakeOutput();

  const DataTree& tree() const { return tree_; }
  const WatchRegistry& watches() const { return watches_; }
  Zxid last_proposed_zxid() const { return last_proposed_; }
  size_t pending_transactions() const { return unpersisted_.size() + persisted_.size(); }
  bool SessionAlive(SessionId session) const;
  int32_t NegotiateTimeout(int32_t requested_ms) const;
  ServerStatusResponse ServerStatus(uint64_t connections) const;

 private:
  struct Pending {
    int64_t request_id = 0;
    enum class Kind { kWrite, kRead, kDone } kind = Kind::kDone;
    Zxid zxid = 0;            // kWrite: the transaction answering it
    ClientOp op;              // kWrite, kRead: what was asked
    Status prepared;          // kWrite: the Preparer's verdict (its message is kept for the reply)
    int32_t failed_op = -1;   // kWrite of a multi that failed preparation: the failing op
    ClientResponse response;  // kDone
    bool close_after = false;
  };
  struct SessionState {
    AuthContext auth;
    std::vector<Identity> base_identities;
    std::deque<Pending> queue;
    bool closing = false;
  };
  struct Proposal {
    Zxid zxid;
    TxnRecord record;
  };

  Zxid NextZxid();
  void Propose(const WriteRequest& request, SessionId session, int64_t request_id,
               const AuthContext& auth, int64_t now_ms, Pending* pending);
  void AddAuth(SessionState& state, const AddAuthRequest& request, Pending* pending);
  void Drain(SessionId session);
  void ApplyOne(const Proposal& proposal);
  ClientResponse WriteResponse(const Pending& pending, const ApplyResult& result) const;
  void Emit(SessionId session, std::optional<ServerMessage> message, bool close = false);
  void ForgetSession(SessionId session);

  ReplicaOptions options_;
  DataTree tree_;
  Preparer preparer_;
  WatchRegistry watches_;
  SessionTracker tracker_;
  Epoch epoch_;
  Zxid last_proposed_;
  int64_t last_tick_ = 0;
  absl::flat_hash_map<SessionId, SessionState> sessions_;
  // Sessions being created: their password and negotiated timeout until the txn applies.
  absl::flat_hash_map<SessionId, int32_t> creating_;
  absl::flat_hash_set<std::string> reaping_;             // reaps proposed, not yet applied
  absl::flat_hash_map<Zxid, std::string> reap_by_zxid_;  // the same, by their zxid
  std::vector<Proposal> unpersisted_;                    // proposed, not yet handed out
  std::deque<Proposal> persisted_;                       // handed out, waiting for Persisted()
  std::vector<Outbound> output_;
};

}  // namespace coord
