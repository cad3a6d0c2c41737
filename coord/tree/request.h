// Write requests as the Preparer receives them: what a client asks for (the write requests of
// protocol/client.h) or the server itself (sessions, reaping), before validation and before names
// and ACLs are resolved.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "coord/base/types.h"
#include "protocol/client.h"
#include "protocol/types.h"

namespace coord {

struct CreateSessionRequest {
  SessionId session_id = 0;
  int32_t timeout_ms = 0;
  std::string password;
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
