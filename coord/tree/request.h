// Write requests as the Preparer receives them: what a client (or the server itself, for session
// and reap requests) asks for, before validation and before names and ACLs are resolved.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "coord/base/types.h"
#include "protocol/types.h"

namespace coord {

struct CreateRequest {
  std::string path;  // for a sequential create: the prefix the counter is appended to
  std::string data;
  AclList acl = OpenAcl();
  NodeKind kind = NodeKind::kPersistent;
  bool sequential = false;
  int64_t ttl_ms = 0;  // kTtl only
};
struct DeleteRequest {
  std::string path;
  int32_t version = kAnyVersion;
};
struct SetDataRequest {
  std::string path;
  std::string data;
  int32_t version = kAnyVersion;
};
struct SetAclRequest {
  std::string path;
  AclList acl;
  int32_t version = kAnyVersion;
};
struct CheckRequest {
  std::string path;
  int32_t version = kAnyVersion;
};
using MultiOpRequest =
    std::variant<CreateRequest, DeleteRequest, SetDataRequest, SetAclRequest, CheckRequest>;
struct MultiRequest {
  std::vector<MultiOpRequest> ops;
};
struct CreateSessionRequest {
  SessionId session_id = 0;
  int32_t timeout_ms = 0;
};
struct CloseSessionRequest {
  SessionId session_id = 0;
};
// Server-initiated removal of a container or TTL node found by DataTree::DueForRemoval.
struct ReapRequest {
  std::string path;
};

using WriteRequest =
    std::variant<CreateRequest, DeleteRequest, SetDataRequest, SetAclRequest, CheckRequest,
                 MultiRequest, CreateSessionRequest, CloseSessionRequest, ReapRequest>;

// The longest TTL accepted (ZooKeeper's limit: 2^40 - 1 ms, about 35 years).
constexpr int64_t kMaxTtlMs = (int64_t{1} << 40) - 1;

}  // namespace coord
