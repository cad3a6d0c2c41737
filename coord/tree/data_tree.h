// DataTree: the replicated state of coord — the znode hierarchy and the table of live sessions.
//
// It changes only through Apply(txn, zxid, time), which is deterministic: the same transactions
// at the same zxids give the same tree and the same digest on every replica. Apply validates
// every transaction with the rules of txn_rules.h (so a multi is all-or-nothing even if it was
// prepared against a different state) and returns the watch triggers it caused. Reads return
// Status values with ZooKeeper's codes.
//
// The digest is the wrapping sum of a stable hash of every node (path, data and stat), updated
// incrementally on each change, so replicas compare their state at equal zxid in O(1).
//
// Threading: none. Owned by the server's loop thread (or a test); pure — no I/O, clock or
// threads.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "coord/base/status.h"
#include "coord/tree/acl_table.h"
#include "coord/tree/node_store.h"
#include "coord/tree/tree_view.h"
#include "coord/tree/txn_rules.h"
#include "coord/tree/watch_event.h"
#include "protocol/txn.h"

namespace coord {

// The outcome of one op of a multi.
struct OpResult {
  Code code = Code::kOk;
  std::string path;  // create: the created path
  Stat stat;         // create, set_data, set_acl: the node's new stat
};

struct ApplyResult {
  Status status;                       // ok, or why the transaction changed nothing
  std::string path;                    // create: the created path
  Stat stat;                           // create, set_data, set_acl: the node's new stat
  std::vector<OpResult> ops;           // multi: one result per op
  std::vector<WatchTrigger> triggers;  // in the order the changes happened
};

// One page of a node's children, in byte order of their names.
struct ChildPage {
  std::vector<std::string> names;
  bool more = false;  // there are children after the last name returned
};

class DataTree : public TreeView {
 public:
  explicit DataTree(TreeLimits limits = {});
  DataTree(DataTree&&) noexcept = default;
  DataTree& operator=(DataTree&&) noexcept = default;

  // Applies the transaction at `zxid` (strictly greater than last_zxid()).
  ApplyResult Apply(const Txn& txn, Zxid zxid, int64_t time_ms);
  ApplyResult Apply(const TxnRecord& record, Zxid zxid) {
    return Apply(record.txn, zxid, record.time_ms);
  }

  // --- reads ---
  Status GetStat(std::string_view path, Stat* stat) const;
  Status GetData(std::string_view path, std::string* data, Stat* stat) const;
  Status GetAcl(std::string_view path, AclList* acl, Stat* stat) const;
  // Children whose names sort after `after` ("" = from the first), at most `limit` (0 = all).
  Status GetChildren(std::string_view path, std::string_view after, size_t limit, ChildPage* page,
                     Stat* stat) const;
  // Kind and TTL of a node; kNoNode if absent.
  Result<NodeKind> GetKind(std::string_view path) const;

  // --- sessions ---
  bool SessionExists(SessionId session) const override;
  std::optional<int32_t> SessionTimeout(SessionId session) const;
  std::optional<std::string> SessionPassword(SessionId session) const;
  // All live sessions with their timeouts, sorted by id.
  std::vector<std::pair<SessionId, int32_t>> Sessions() const;
  // Paths of the session's ephemeral nodes, sorted.
  std::vector<std::string> EphemeralPaths(SessionId session) const;
  // Ephemeral nodes of every session (O(sessions)).
  size_t EphemeralCount() const;

  // --- server-side removal ---
  // Containers and TTL nodes due for removal at `time_ms`, sorted. The removal itself is a
  // DeleteTxn with reap = true.
  std::vector<std::string> DueForRemoval(int64_t time_ms) const;

  // --- TreeView ---
  std::optional<NodeView> Find(std::string_view path) const override;

  Zxid last_zxid() const { return last_zxid_; }
  uint64_t digest() const { return digest_; }
  size_t node_count() const { return slab_->live(); }
  const TreeLimits& limits() const { return limits_; }

  // Recomputes the digest from scratch (tests and snapshot verification compare it with the
  // incremental one).
  uint64_t ComputeDigest() const;

 private:
  friend class TreeSnapshotCodec;

  struct Session {
    int32_t timeout_ms = 0;
    std::string password;
    absl::flat_hash_set<NodeId> ephemerals;
  };

  template <typename T>
  ApplyResult ApplyOne(const T& t, Zxid zxid, int64_t time_ms);
  ApplyResult ApplyOne(const MultiTxn& t, Zxid zxid, int64_t time_ms);
  ApplyResult ApplyOne(const CreateSessionTxn& t, Zxid zxid, int64_t time_ms);
  ApplyResult ApplyOne(const CloseSessionTxn& t, Zxid zxid, int64_t time_ms);
  ApplyResult ApplyOne(const ErrorTxn& t, Zxid zxid, int64_t time_ms);
  ApplyResult ApplyMulti(const MultiTxn& multi, Zxid zxid, int64_t time_ms);
  ApplyResult ApplyCreateSession(const CreateSessionTxn& t);
  ApplyResult ApplyCloseSession(const CloseSessionTxn& t, Zxid zxid);

  // Mutations of ops that CheckOp accepted. Each appends its triggers and fills path/stat.
  void Mutate(const MultiOpTxn& op, Zxid zxid, int64_t time_ms, OpResult* out,
              std::vector<WatchTrigger>* triggers);
  void Mutate(const CreateTxn& t, Zxid zxid, int64_t time_ms, OpResult* out,
              std::vector<WatchTrigger>* triggers);
  void Mutate(const DeleteTxn& t, Zxid zxid, int64_t time_ms, OpResult* out,
              std::vector<WatchTrigger>* triggers);
  void Mutate(const SetDataTxn& t, Zxid zxid, int64_t time_ms, OpResult* out,
              std::vector<WatchTrigger>* triggers);
  void Mutate(const SetAclTxn& t, Zxid zxid, int64_t time_ms, OpResult* out,
              std::vector<WatchTrigger>* triggers);
  void Mutate(const CheckTxn& t, Zxid zxid, int64_t time_ms, OpResult* out,
              std::vector<WatchTrigger>* triggers);
  void DoCreate(const CreateTxn& t, Zxid zxid, int64_t time_ms, OpResult* out,
                std::vector<WatchTrigger>* triggers);
  void DoDelete(std::string_view path, Zxid zxid, std::vector<WatchTrigger>* triggers);
  void DoSetData(const SetDataTxn& t, Zxid zxid, int64_t time_ms, OpResult* out,
                 std::vector<WatchTrigger>* triggers);
  void DoSetAcl(const SetAclTxn& t, OpResult* out);

  NodeId Lookup(std::string_view path) const;
  std::string PathOf(NodeId id) const;
  Stat StatOf(const Node& node) const;
  uint64_t HashOf(std::string_view path, const Node& node) const;
  Children& ChildrenOf(Node& node);

  TreeLimits limits_;
  std::unique_ptr<NodeSlab> slab_;  // heap-allocated: child comparators point to it
  AclTable acls_;
  absl::flat_hash_map<SessionId, Session> sessions_;
  absl::flat_hash_set<NodeId> reapable_;  // containers and TTL nodes
  Zxid last_zxid_ = 0;
  uint64_t digest_ = 0;
};

}  // namespace coord
