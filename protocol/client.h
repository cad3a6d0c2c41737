// The client protocol as plain C++ values: what a client sends (a connect, then requests) and
// what the server sends back (a connect reply, responses, watch events). protocol/client_codec.h
// converts these to and from FlatBuffers frames (protocol/client.fbs); nothing else sees the wire
// format. Semantics follow Apache ZooKeeper 3.8/3.9 unless a comment says otherwise.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "coord/base/status.h"
#include "coord/base/types.h"
#include "protocol/types.h"

namespace coord {

// The version of this protocol; a connect with another major version is refused.
constexpr uint32_t kClientProtocolVersion = 1;

// --- connect ------------------------------------------------------------------------------------

// The first frame on a connection. session_id 0 asks for a new session; otherwise the client
// resumes that session and must prove it with the password the server gave it.
struct ConnectRequest {
  uint32_t protocol_version = kClientProtocolVersion;
  SessionId session_id = 0;
  std::string password;
  int32_t timeout_ms = 0;   // requested; the server clamps it to [min, max]
  Zxid last_zxid_seen = 0;  // a server that has not applied this zxid refuses the connect
  friend bool operator==(const ConnectRequest&, const ConnectRequest&) = default;
};

struct ConnectResponse {
  uint32_t protocol_version = kClientProtocolVersion;
  Code code = Code::kOk;  // ok, session_expired, auth_failed, bad_arguments, throttled...
  std::string message;
  SessionId session_id = 0;
  std::string password;
  int32_t timeout_ms = 0;  // negotiated
  Zxid last_zxid = 0;      // the server's last applied zxid
  friend bool operator==(const ConnectResponse&, const ConnectResponse&) = default;
};

// --- requests -----------------------------------------------------------------------------------

struct CreateRequest {
  std::string path;  // for a sequential create: the prefix the counter is appended to
  std::string data;
  AclList acl = OpenAcl();
  NodeKind kind = NodeKind::kPersistent;
  bool sequential = false;
  int64_t ttl_ms = 0;  // kTtl only
  friend bool operator==(const CreateRequest&, const CreateRequest&) = default;
};
struct DeleteRequest {
  std::string path;
  int32_t version = kAnyVersion;
  friend bool operator==(const DeleteRequest&, const DeleteRequest&) = default;
};
struct SetDataRequest {
  std::string path;
  std::string data;
  int32_t version = kAnyVersion;
  friend bool operator==(const SetDataRequest&, const SetDataRequest&) = default;
};
struct SetAclRequest {
  std::string path;
  AclList acl;
  int32_t version = kAnyVersion;  // compared with the node's aversion
  friend bool operator==(const SetAclRequest&, const SetAclRequest&) = default;
};
struct CheckRequest {
  std::string path;
  int32_t version = kAnyVersion;
  friend bool operator==(const CheckRequest&, const CheckRequest&) = default;
};
using MultiOpRequest =
    std::variant<CreateRequest, DeleteRequest, SetDataRequest, SetAclRequest, CheckRequest>;
struct MultiRequest {
  std::vector<MultiOpRequest> ops;
  friend bool operator==(const MultiRequest&, const MultiRequest&) = default;
};

struct ExistsRequest {
  std::string path;
  bool watch = false;  // a data watch, set whether or not the node exists
  friend bool operator==(const ExistsRequest&, const ExistsRequest&) = default;
};
struct GetDataRequest {
  std::string path;
  bool watch = false;
  friend bool operator==(const GetDataRequest&, const GetDataRequest&) = default;
};
// Children in byte order of their names, paged: names after `after` ("" = from the start), at
// most `limit` (0 = the server's maximum page). `more` in the reply says whether to ask again.
struct GetChildrenRequest {
  std::string path;
  bool watch = false;  // a child watch (set on the first page only is the caller's business)
  std::string after;
  uint32_t limit = 0;
  // Every child in one reply, never a page (ZooKeeper's getChildren cannot page): `after` and
  // `limit` are ignored, and a list too large for one reply fails with too_large rather than
  // being cut short.
  bool all = false;
  friend bool operator==(const GetChildrenRequest&, const GetChildrenRequest&) = default;
};
struct GetAclRequest {
  std::string path;
  friend bool operator==(const GetAclRequest&, const GetAclRequest&) = default;
};
// The number of nodes below `path`, at any depth, the node itself not counted (ZooKeeper's
// getAllChildrenNumber). Needs read permission on `path`.
struct CountDescendantsRequest {
  std::string path;
  friend bool operator==(const CountDescendantsRequest&, const CountDescendantsRequest&) = default;
};
using ReadOpRequest = std::variant<GetDataRequest, GetChildrenRequest, ExistsRequest>;
struct MultiReadRequest {
  std::vector<ReadOpRequest> ops;  // watches are not set by multi_read
  friend bool operator==(const MultiReadRequest&, const MultiReadRequest&) = default;
};
// Waits until this server has applied everything committed when the sync arrived.
struct SyncRequest {
  std::string path;
  friend bool operator==(const SyncRequest&, const SyncRequest&) = default;
};

enum class AddWatchMode : uint8_t { kPersistent = 0, kPersistentRecursive = 1 };
struct AddWatchRequest {
  std::string path;
  AddWatchMode mode = AddWatchMode::kPersistent;
  friend bool operator==(const AddWatchRequest&, const AddWatchRequest&) = default;
};
// ZooKeeper's WatcherType values.
enum class WatcherType : uint8_t {
  kChildren = 1,
  kData = 2,
  kAny = 3,
  kPersistent = 4,
  kPersistentRecursive = 5
};
struct RemoveWatchesRequest {
  std::string path;
  WatcherType type = WatcherType::kAny;
  // Only reports whether such a watch exists (no_watcher if not), removing nothing: ZooKeeper's
  // checkWatches.
  bool check_only = false;
  friend bool operator==(const RemoveWatchesRequest&, const RemoveWatchesRequest&) = default;
};
// After a reconnect: re-registers the client's watches. Events the client missed since
// `relative_zxid` are delivered at once (ZooKeeper's setWatches semantics).
struct SetWatchesRequest {
  Zxid relative_zxid = 0;
  std::vector<std::string> data;
  std::vector<std::string> exist;
  std::vector<std::string> child;
  std::vector<std::string> persistent;
  std::vector<std::string> persistent_recursive;
  friend bool operator==(const SetWatchesRequest&, const SetWatchesRequest&) = default;
};
struct GetEphemeralsRequest {
  std::string prefix;  // paths starting with this ("/" = all of the session's ephemerals)
  friend bool operator==(const GetEphemeralsRequest&, const GetEphemeralsRequest&) = default;
};
struct AddAuthRequest {
  std::string scheme;  // "digest"
  std::string auth;    // "user:password"
  friend bool operator==(const AddAuthRequest&, const AddAuthRequest&) = default;
};
struct WhoAmIRequest {
  friend bool operator==(const WhoAmIRequest&, const WhoAmIRequest&) = default;
};
struct ServerStatusRequest {
  friend bool operator==(const ServerStatusRequest&, const ServerStatusRequest&) = default;
};
struct PingRequest {
  friend bool operator==(const PingRequest&, const PingRequest&) = default;
};
struct CloseSessionClientRequest {
  friend bool operator==(const CloseSessionClientRequest&,
                         const CloseSessionClientRequest&) = default;
};

using ClientOp =
    std::variant<CreateRequest, DeleteRequest, SetDataRequest, SetAclRequest, CheckRequest,
                 MultiRequest, ExistsRequest, GetDataRequest, GetChildrenRequest, GetAclRequest,
                 MultiReadRequest, SyncRequest, AddWatchRequest, RemoveWatchesRequest,
                 SetWatchesRequest, GetEphemeralsRequest, AddAuthRequest, WhoAmIRequest,
                 ServerStatusRequest, PingRequest, CloseSessionClientRequest,
                 CountDescendantsRequest>;

struct ClientRequest {
  int64_t id = 0;  // chosen by the client; echoed in the response
  ClientOp op;
  friend bool operator==(const ClientRequest&, const ClientRequest&) = default;
};

using ClientMessage = std::variant<ConnectRequest, ClientRequest>;

// "create", "get_data", ... for logs and tools.
const char* ClientOpName(const ClientOp& op);

// --- responses ----------------------------------------------------------------------------------

struct CreateResponse {
  std::string path;
  Stat stat;
  friend bool operator==(const CreateResponse&, const CreateResponse&) = default;
};
// exists, set_data, set_acl.
struct StatResponse {
  Stat stat;
  friend bool operator==(const StatResponse&, const StatResponse&) = default;
};
struct GetDataResponse {
  std::string data;
  Stat stat;
  friend bool operator==(const GetDataResponse&, const GetDataResponse&) = default;
};
struct GetChildrenResponse {
  std::vector<std::string> names;
  Stat stat;
  bool more = false;
  friend bool operator==(const GetChildrenResponse&, const GetChildrenResponse&) = default;
};
struct GetAclResponse {
  AclList acl;
  Stat stat;
  friend bool operator==(const GetAclResponse&, const GetAclResponse&) = default;
};
// One op of a multi or multi_read: its code and, on success, what that op returns.
struct OpResponse {
  Code code = Code::kOk;
  std::string path;                // create
  Stat stat;                       // create, set_data, set_acl, get_data, exists, get_children
  std::string data;                // get_data
  std::vector<std::string> names;  // get_children
  friend bool operator==(const OpResponse&, const OpResponse&) = default;
};
struct MultiResponse {
  std::vector<OpResponse> results;
  friend bool operator==(const MultiResponse&, const MultiResponse&) = default;
};
struct GetEphemeralsResponse {
  std::vector<std::string> paths;
  friend bool operator==(const GetEphemeralsResponse&, const GetEphemeralsResponse&) = default;
};
struct ClientIdentity {
  std::string scheme;
  std::string id;
  friend bool operator==(const ClientIdentity&, const ClientIdentity&) = default;
};
struct WhoAmIResponse {
  std::vector<ClientIdentity> identities;
  friend bool operator==(const WhoAmIResponse&, const WhoAmIResponse&) = default;
};
struct MemberStatus {
  int32_t id = 0;
  std::string role;
  Zxid last_zxid = 0;
  int64_t lag = 0;  // transactions behind the leader
  friend bool operator==(const MemberStatus&, const MemberStatus&) = default;
};
struct ServerStatusResponse {
  std::string role;  // "standalone", "leader", "follower", "observer", "looking"
  int32_t server_id = 0;
  int32_t leader_id = 0;
  Epoch epoch = 0;
  Zxid last_zxid = 0;
  Zxid committed_zxid = 0;
  uint64_t node_count = 0;
  uint64_t session_count = 0;
  uint64_t watch_count = 0;
  uint64_t connection_count = 0;
  uint64_t digest = 0;
  std::vector<MemberStatus> members;
  friend bool operator==(const ServerStatusResponse&, const ServerStatusResponse&) = default;
};

struct CountDescendantsResponse {
  uint64_t count = 0;
  friend bool operator==(const CountDescendantsResponse&,
                         const CountDescendantsResponse&) = default;
};

using ResponseBody =
    std::variant<std::monostate, CreateResponse, StatResponse, GetDataResponse, GetChildrenResponse,
                 GetAclResponse, MultiResponse, GetEphemeralsResponse, WhoAmIResponse,
                 ServerStatusResponse, CountDescendantsResponse>;

struct ClientResponse {
  int64_t id = 0;  // the request's id; responses come in request order per session
  Zxid zxid = 0;   // the server's last applied zxid when it answered
  Code code = Code::kOk;
  std::string message;  // a human-readable reason when code is not ok
  ResponseBody body;
  friend bool operator==(const ClientResponse&, const ClientResponse&) = default;
};

struct WatchEventMessage {
  WatchEventType type = WatchEventType::kNodeCreated;
  std::string path;
  Zxid zxid = 0;  // the transaction that caused it
  friend bool operator==(const WatchEventMessage&, const WatchEventMessage&) = default;
};

using ServerMessage = std::variant<ConnectResponse, ClientResponse, WatchEventMessage>;

}  // namespace coord
