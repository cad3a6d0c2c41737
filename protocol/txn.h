// Transactions: the only way the tree changes. A leader prepares each client write into a Txn
// (coord/tree/preparer.h), the log stores it (storage/), every replica applies it at its zxid
// (coord/tree/data_tree.h). A Txn is fully resolved: sequential names, expanded ACLs and owners
// are decided before it is logged, so applying it is deterministic.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "coord/base/status.h"
#include "coord/base/types.h"
#include "protocol/types.h"

namespace coord {

struct CreateTxn {
  std::string path;  // final path, sequential suffix included
  std::string data;
  AclList acl;
  NodeKind kind = NodeKind::kPersistent;
  SessionId ephemeral_owner = 0;  // kEphemeral only
  int64_t ttl_ms = 0;             // kTtl only
  bool sequential = false;        // advances the parent's sequence counter
  friend bool operator==(const CreateTxn&, const CreateTxn&) = default;
};

struct DeleteTxn {
  std::string path;
  int32_t version = kAnyVersion;
  // Server-initiated removal of a container or TTL node: applies only if the node is still due at
  // the transaction's time (an empty container, or a TTL node unchanged for its TTL), so a reap
  // that races with a client's create or set loses harmlessly.
  bool reap = false;
  friend bool operator==(const DeleteTxn&, const DeleteTxn&) = default;
};

struct SetDataTxn {
  std::string path;
  std::string data;
  int32_t version = kAnyVersion;
  friend bool operator==(const SetDataTxn&, const SetDataTxn&) = default;
};

struct SetAclTxn {
  std::string path;
  AclList acl;
  int32_t version = kAnyVersion;  // compared with the node's aversion
  friend bool operator==(const SetAclTxn&, const SetAclTxn&) = default;
};

struct CheckTxn {
  std::string path;
  int32_t version = kAnyVersion;
  friend bool operator==(const CheckTxn&, const CheckTxn&) = default;
};

using MultiOpTxn = std::variant<CreateTxn, DeleteTxn, SetDataTxn, SetAclTxn, CheckTxn>;

// All ops or none.
struct MultiTxn {
  std::vector<MultiOpTxn> ops;
  friend bool operator==(const MultiTxn&, const MultiTxn&) = default;
};

struct CreateSessionTxn {
  SessionId session_id = 0;
  int32_t timeout_ms = 0;
  // The secret a client proves to resume the session, chosen randomly by the server that
  // created it; replicated so that any member, and a restarted one, can check it.
  std::string password;
  friend bool operator==(const CreateSessionTxn&, const CreateSessionTxn&) = default;
};

// Close or expiry: removes the session and every ephemeral it owns.
struct CloseSessionTxn {
  SessionId session_id = 0;
  friend bool operator==(const CloseSessionTxn&, const CloseSessionTxn&) = default;
};

// A request that failed preparation. It is still logged (as ZooKeeper does) so that the reply
// keeps its place in the session's order; applying it changes nothing.
struct ErrorTxn {
  Code code = Code::kOk;
  int32_t failed_op = -1;  // for a failed multi: the index of the op that failed
  friend bool operator==(const ErrorTxn&, const ErrorTxn&) = default;
};

using Txn = std::variant<CreateTxn, DeleteTxn, SetDataTxn, SetAclTxn, CheckTxn, MultiTxn,
                         CreateSessionTxn, CloseSessionTxn, ErrorTxn>;

// What the log stores at a zxid: the transaction and the context it was proposed in.
struct TxnRecord {
  int64_t time_ms = 0;       // the leader's clock when it prepared the txn; Apply uses it
  SessionId session_id = 0;  // the session that asked (0 for server-initiated txns)
  int64_t request_id = 0;    // that session's request id
  Txn txn;
  friend bool operator==(const TxnRecord&, const TxnRecord&) = default;
};

// "create", "delete", ... for logs and tools.
const char* TxnName(const Txn& txn);

}  // namespace coord
