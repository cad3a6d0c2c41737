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
// Two forms share every rule above:
//  - standalone: a transaction is committed once it is durable on this member
//    (TakeEntriesToPersist / Persisted(zxid));
//  - a member of an ensemble: a consensus core (coord/zab) orders the transactions. The leader
//    prepares writes (its own clients' and those other members forward to it) and proposes them;
//    every member applies what the core commits. The caller persists the core's batches
//    (TakePersistBatches / PersistedBatch) and carries the peer messages (TakePeerMessages /
//    Step). Reads are answered locally, FIFO per session; `sync` waits until this member applied
//    what the leader had committed when the sync reached it (rule 8, on the leader too). Sessions
//    are global and only an established leader expires them (rule 7); other members relay the
//    sessions they heard from. A member serves clients only while it is an established leader or
//    an up-to-date learner; when that ends, every client connection is closed (the client
//    reconnects, to this member or another, and keeps its session).
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
#include "coord/replica/member_messages.h"
#include "coord/replica/read_ops.h"
#include "coord/session/session_tracker.h"
#include "coord/tree/acl.h"
#include "coord/tree/data_tree.h"
#include "coord/tree/preparer.h"
#include "coord/tree/watch_registry.h"
#include "coord/zab/node.h"
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
  // Ensemble: a request forwarded to the leader and not answered within this many ticks closes
  // its session's connection (the answer was lost with a broken peer connection; the client
  // retries, as after any connection loss).
  int64_t forward_timeout_ticks = 50;
  // "super:<base64 sha1>" or empty: the digest identity that bypasses ACLs.
  std::string super_digest;
  int32_t server_id = 1;
};

// What the caller must carry to another member: a message of the consensus core or of the
// replicas themselves (member_messages.h).
struct PeerOutbound {
  zab::MemberId to = 0;
  std::variant<zab::Message, MemberMessage> message;
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
  // A member of an ensemble. `tree` is the state at `durable.snapshot_zxid` (the snapshot only:
  // the core hands the log's entries out again once it knows they are committed).
  // zab_options.snapshot_source is set here.
  Replica(ReplicaOptions options, DataTree tree, zab::Options zab_options,
          zab::DurableState durable, int64_t now_ms);
  ~Replica();

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

  // --- the ensemble (clustered form only) ---
  // A message from another member.
  void Step(zab::MemberId from, const zab::Message& message);
  void StepMember(zab::MemberId from, MemberMessage message);
  // The connection to `member` closed (see zab::Node::PeerLost).
  void PeerLost(zab::MemberId member);
  // Batches to make durable, in order, each atomically: a snapshot (write it first), a
  // truncation, entries, hard state. Report each with PersistedBatch(id) once durable, in order.
  std::vector<zab::PersistBatch> TakePersistBatches();
  void PersistedBatch(uint64_t batch_id);
  // A batch could not be made durable: the member stops (it must exit, rule 6).
  void PersistFailed();
  std::vector<PeerOutbound> TakePeerMessages();
  // A snapshot at `zxid` (<= the applied zxid) is durable: the core may forget what it covers.
  void Compact(Zxid zxid);

  // --- outputs ---
  std::vector<Outbound> TakeOutput();

  bool clustered() const { return node_ != nullptr; }
  // Accepting clients: always standalone; in an ensemble, an established leader that applied
  // its synced history, or an up-to-date learner.
  bool serving() const;
  const zab::Node* node() const { return node_.get(); }
  const DataTree& tree() const { return tree_; }
  const WatchRegistry& watches() const { return watches_; }
  Zxid last_proposed_zxid() const { return last_proposed_; }
  size_t pending_transactions() const { return unpersisted_.size() + persisted_.size(); }
  bool SessionAlive(SessionId session) const;
  int32_t NegotiateTimeout(int32_t requested_ms) const;
  ServerStatusResponse ServerStatus(uint64_t connections) const;

 private:
  static constexpr Zxid kSyncUnknown = ~Zxid{0};
  struct Pending {
    int64_t request_id = 0;
    // kSync: answered once the tree reached sync_zxid (kSyncUnknown until the leader said).
    enum class Kind { kWrite, kRead, kSync, kDone } kind = Kind::kDone;
    Zxid zxid = 0;            // kWrite: the transaction answering it (0: forwarded, not known)
    Zxid sync_zxid = 0;       // kSync
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

  // replica_cluster.cc: the clustered form.
  void ClusterSubmitWrite(SessionId session, SessionState& state, WriteRequest request,
                          int64_t now_ms, Pending* pending);
  Result<Zxid> ProposeToCore(const WriteRequest& request, SessionId session, int64_t request_id,
                             const AuthContext& auth, int64_t now_ms, Pending* pending);
  void ForwardToLeader(ForwardRequest request);
  void OnForwardRequest(zab::MemberId from, ForwardRequest request);
  void OnForwardReply(const ForwardReply& reply);
  void PumpCore();
  void TakeReadys();
  void CompleteReadys();
  void ApplyCommitted(const zab::Entry& entry);
  void InstallSnapshot(const zab::SnapshotData& snapshot);
  void OnRoleChange(const zab::RoleState& role);
  void DropClients();
  void ClusterTick(int64_t tick, int64_t now_ms);
  void DrainSyncs();
  void ExpireForwards();
  void MaybeCaughtUp();
  bool leader() const;
  bool learner() const;
  std::string EncodeTree() const;

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

  // --- the clustered form ---
  std::unique_ptr<zab::Node> node_;
  zab::RoleState role_;
  bool caught_up_ = false;  // leader: its synced history is applied (it may prepare)
  Zxid catch_up_zxid_ = 0;  // leader: the commit point when it was established
  struct HeldReady {
    uint64_t id = 0;  // the persist batch it waits for, 0: none
    zab::Ready ready;
  };
  std::deque<HeldReady> readys_;  // in order; the head completes once its batch is durable
  uint64_t durable_batch_ = 0;
  std::vector<zab::PersistBatch> to_persist_;
  std::vector<PeerOutbound> peer_out_;
  absl::flat_hash_map<Zxid, TxnRecord> own_;  // leader: proposed here, not yet applied
  std::deque<std::pair<zab::MemberId, ForwardRequest>> held_forwards_;  // leader catching up
  absl::flat_hash_set<SessionId> touched_;  // learner: sessions to relay to the leader
  absl::flat_hash_set<SessionId> syncing_;  // sessions with a kSync in their queue
  struct Forwarded {
    int64_t tick;
    SessionId session;
    int64_t request_id;
  };
  std::deque<Forwarded> forwarded_;  // in the order sent, for forward_timeout_ticks
  bool in_complete_ = false;
};

}  // namespace coord
