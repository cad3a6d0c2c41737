// Apache ZooKeeper's client protocol (jute records, as of 3.8/3.9) to and from the plain values of
// protocol/client.h: a second front door onto the same request path. Nothing here decides what a
// request means; a decoded request is a ClientOp like any other, answered by the Replica, and its
// reply is shaped back into ZooKeeper's record for that opcode.
//
// Wire: every packet is a 4-byte big-endian length and a payload (protocol/frame.h frames the
// same way). The first payload of a connection is a ConnectRequest; later ones start with a
// RequestHeader {xid, type}. Replies start with a ReplyHeader {xid, zxid, err}; a watch event is a
// reply with xid -1 and a WatcherEvent body. Errors: kMarshallingError for bytes that are not a
// well-formed record (the connection is closed); a well-formed request that coord does not
// support is not an error of the decoder but a Request with `error` set (it gets ZooKeeper's
// error reply, the connection stays).
//
// Pure; no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coord/base/status.h"
#include "protocol/client.h"

namespace coord::zk {

// ZooKeeper's OpCode values.
namespace op {
constexpr int32_t kNotification = 0;
constexpr int32_t kCreate = 1;
constexpr int32_t kDelete = 2;
constexpr int32_t kExists = 3;
constexpr int32_t kGetData = 4;
constexpr int32_t kSetData = 5;
constexpr int32_t kGetAcl = 6;
constexpr int32_t kSetAcl = 7;
constexpr int32_t kGetChildren = 8;
constexpr int32_t kSync = 9;
constexpr int32_t kPing = 11;
constexpr int32_t kGetChildren2 = 12;
constexpr int32_t kCheck = 13;
constexpr int32_t kMulti = 14;
constexpr int32_t kCreate2 = 15;
constexpr int32_t kReconfig = 16;
constexpr int32_t kCheckWatches = 17;
constexpr int32_t kRemoveWatches = 18;
constexpr int32_t kCreateContainer = 19;
constexpr int32_t kDeleteContainer = 20;
constexpr int32_t kCreateTtl = 21;
constexpr int32_t kMultiRead = 22;
constexpr int32_t kAuth = 100;
constexpr int32_t kSetWatches = 101;
constexpr int32_t kSasl = 102;
constexpr int32_t kGetEphemerals = 103;
constexpr int32_t kGetAllChildrenNumber = 104;
constexpr int32_t kSetWatches2 = 105;
constexpr int32_t kAddWatch = 106;
constexpr int32_t kWhoAmI = 107;
constexpr int32_t kCreateSession = -10;
constexpr int32_t kCloseSession = -11;
constexpr int32_t kError = -1;
}  // namespace op

// Special xids of ZooKeeper's client.
constexpr int32_t kNotificationXid = -1;
constexpr int32_t kPingXid = -2;
constexpr int32_t kAuthXid = -4;
constexpr int32_t kSetWatchesXid = -8;

// KeeperException.Code values.
namespace err {
constexpr int32_t kOk = 0;
constexpr int32_t kSystemError = -1;
constexpr int32_t kRuntimeInconsistency = -2;
constexpr int32_t kConnectionLoss = -4;
constexpr int32_t kMarshallingError = -5;
constexpr int32_t kUnimplemented = -6;
constexpr int32_t kOperationTimeout = -7;
constexpr int32_t kBadArguments = -8;
constexpr int32_t kNoNode = -101;
constexpr int32_t kNoAuth = -102;
constexpr int32_t kBadVersion = -103;
constexpr int32_t kNoChildrenForEphemerals = -108;
constexpr int32_t kNodeExists = -110;
constexpr int32_t kNotEmpty = -111;
constexpr int32_t kSessionExpired = -112;
constexpr int32_t kInvalidAcl = -114;
constexpr int32_t kAuthFailed = -115;
constexpr int32_t kSessionMoved = -118;
constexpr int32_t kNoWatcher = -121;
constexpr int32_t kThrottledOp = -127;
}  // namespace err

// The KeeperException code for a coord Code. Codes ZooKeeper has no word for map to its nearest:
// invalid_path and too_large to BADARGUMENTS (ZooKeeper's own answer to a bad path), internal
// codes to SYSTEMERROR.
int32_t ErrorCode(Code code);

// The largest TTL ZooKeeper accepts (EphemeralType.TTL's 40-bit field), in ms.
constexpr int64_t kMaxTtlMs = 0xffffffffffLL;

// WatcherEvent.state of a connected session (KeeperState.SyncConnected).
constexpr int32_t kStateSyncConnected = 3;

// --- connect ------------------------------------------------------------------------------------

struct Connect {
  ConnectRequest request;  // protocol_version is coord's, the handshake being understood
  bool read_only = false;  // the client accepts a read-only server (coord never is one)
};
Result<Connect> DecodeConnect(std::string_view payload);
// A refused connect (session_expired, auth_failed: ZooKeeper does not tell them apart) becomes
// ZooKeeper's expired-session reply: timeout 0, session 0, a zero password.
std::string EncodeConnectResponse(const ConnectResponse& response);

// --- requests and replies -----------------------------------------------------------------------

// What a reply needs from its request: ZooKeeper shapes a reply by the request's opcode, which a
// ClientResponse does not carry.
struct ReplyShape {
  int32_t xid = 0;
  int32_t opcode = 0;
  std::vector<int32_t> op_types;  // multi, multi_read: each op's opcode, in order
  std::string sync_path;          // sync: its reply names the path
};

struct Request {
  ReplyShape shape;
  // The request for the Replica; empty when the request is answered with `error` at once.
  std::optional<ClientOp> op;
  int32_t error = err::kOk;
  std::string reason;  // why `error` (for the log)
};
Result<Request> DecodeRequest(std::string_view payload);

std::string EncodeReply(const ReplyShape& shape, const ClientResponse& response);
std::string EncodeErrorReply(int32_t xid, Zxid zxid, int32_t error);
std::string EncodeWatchEvent(const WatchEventMessage& event);

// Stat in ZooKeeper's field order (czxid, mzxid, ctime, mtime, version, cversion, aversion,
// ephemeralOwner, dataLength, numChildren, pzxid): 68 bytes.
std::string EncodeStat(const Stat& stat);

}  // namespace coord::zk
