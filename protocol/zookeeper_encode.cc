// Encoding half of the ZooKeeper codec (protocol/zookeeper_codec.h): replies, watch events, the
// connect reply, and the mapping of coord's codes to KeeperException codes.
#include <utility>

#include "protocol/jute.h"
#include "protocol/zookeeper_codec.h"

namespace coord::zk {
namespace {

// ZooKeeper's expired-session reply carries a password of 16 zero bytes.
constexpr size_t kPasswordBytes = 16;

void PutStat(jute::Writer& w, const Stat& s) {
  w.Long(static_cast<int64_t>(s.czxid));
  w.Long(static_cast<int64_t>(s.mzxid));
  w.Long(s.ctime_ms);
  w.Long(s.mtime_ms);
  w.Int(s.version);
  w.Int(s.cversion);
  w.Int(s.aversion);
  w.Long(s.ephemeral_owner);
  w.Int(s.data_length);
  w.Int(s.num_children);
  w.Long(static_cast<int64_t>(s.pzxid));
}

void PutAcl(jute::Writer& w, const AclList& acl) {
  w.Int(static_cast<int32_t>(acl.size()));
  for (const Acl& a : acl) {
    w.Int(static_cast<int32_t>(a.perms));
    w.String(a.scheme);
    w.String(a.id);
  }
}

void PutHeader(jute::Writer& w, int32_t xid, Zxid zxid, int32_t error) {
  w.Int(xid);
  w.Long(static_cast<int64_t>(zxid));
  w.Int(error);
}

void PutMultiHeader(jute::Writer& w, int32_t type, bool done, int32_t error) {
  w.Int(type);
  w.Bool(done);
  w.Int(error);
}

// A multi or multiRead reply: one result per op, then the closing header. A multi that failed
// reports every op as an ErrorResult (ok before the failing op, its error, runtime inconsistency
// after), as ZooKeeper does; a multiRead reports each op for itself.
void PutMulti(jute::Writer& w, const ReplyShape& shape, const ClientResponse& r) {
  const auto* multi = std::get_if<MultiResponse>(&r.body);
  const bool failed = r.code != Code::kOk;
  const size_t n = multi != nullptr ? multi->results.size() : 0;
  for (size_t i = 0; i < n; ++i) {
    const OpResponse& op = multi->results[i];
    const int32_t type = i < shape.op_types.size() ? shape.op_types[i] : op::kError;
    if (failed || op.code != Code::kOk) {
      const int32_t error = ErrorCode(op.code);
      PutMultiHeader(w, op::kError, false, error);
      w.Int(error);  // ErrorResponse
      continue;
    }
    switch (type) {
      case op::kCreate:
        PutMultiHeader(w, op::kCreate, false, 0);
        w.String(op.path);
        break;
      case op::kCreate2:
      case op::kCreateContainer:
      case op::kCreateTtl:
        // ZooKeeper answers every create with a stat as a create2 result.
        PutMultiHeader(w, op::kCreate2, false, 0);
        w.String(op.path);
        PutStat(w, op.stat);
        break;
      case op::kSetData:
        PutMultiHeader(w, type, false, 0);
        PutStat(w, op.stat);
        break;
      case op::kGetData:
        PutMultiHeader(w, type, false, 0);
        w.Buffer(op.data);
        PutStat(w, op.stat);
        break;
      case op::kGetChildren:
        PutMultiHeader(w, type, false, 0);
        w.Strings(op.names);
        break;
      default:  // delete, check: no body
        PutMultiHeader(w, type, false, 0);
        break;
    }
  }
  PutMultiHeader(w, -1, true, -1);
}

// whoAmI's ClientInfo names a digest identity by its user alone, as ZooKeeper does.
std::string UserOf(const ClientIdentity& identity) {
  if (identity.scheme != "digest") return identity.id;
  return identity.id.substr(0, identity.id.find(':'));
}

// The record after the header of a successful reply, by the request's opcode.
void PutBody(jute::Writer& w, const ReplyShape& shape, const ClientResponse& r) {
  const ResponseBody& body = r.body;
  switch (shape.opcode) {
    case op::kCreate:
      if (auto* c = std::get_if<CreateResponse>(&body)) w.String(c->path);
      return;
    case op::kCreate2:
    case op::kCreateContainer:
    case op::kCreateTtl:
      if (auto* c = std::get_if<CreateResponse>(&body)) {
        w.String(c->path);
        PutStat(w, c->stat);
      }
      return;
    case op::kExists:
    case op::kSetData:
    case op::kSetAcl:
      if (auto* s = std::get_if<StatResponse>(&body)) PutStat(w, s->stat);
      return;
    case op::kGetData:
      if (auto* d = std::get_if<GetDataResponse>(&body)) {
        w.Buffer(d->data);
        PutStat(w, d->stat);
      }
      return;
    case op::kGetAcl:
      if (auto* a = std::get_if<GetAclResponse>(&body)) {
        PutAcl(w, a->acl);
        PutStat(w, a->stat);
      }
      return;
    case op::kGetChildren:
    case op::kGetChildren2:
      if (auto* c = std::get_if<GetChildrenResponse>(&body)) {
        w.Strings(c->names);
        if (shape.opcode == op::kGetChildren2) PutStat(w, c->stat);
      }
      return;
    case op::kSync:
      w.String(shape.sync_path);
      return;
    case op::kGetEphemerals:
      if (auto* e = std::get_if<GetEphemeralsResponse>(&body)) w.Strings(e->paths);
      return;
    case op::kGetAllChildrenNumber:
      if (auto* c = std::get_if<CountDescendantsResponse>(&body)) {
        w.Int(static_cast<int32_t>(std::min<uint64_t>(c->count, INT32_MAX)));
      }
      return;
    case op::kWhoAmI:
      if (auto* who = std::get_if<WhoAmIResponse>(&body)) {
        w.Int(static_cast<int32_t>(who->identities.size()));
        for (const ClientIdentity& identity : who->identities) {
          w.String(identity.scheme);
          w.String(UserOf(identity));
        }
      }
      return;
    case op::kAddWatch:
      w.Int(err::kOk);  // ZooKeeper answers addWatch with an ErrorResponse(0)
      return;
    default:  // delete, check, ping, auth, setWatches, removeWatches, closeSession: no body
      return;
  }
}

}  // namespace

int32_t ErrorCode(Code code) {
  switch (code) {
    case Code::kOk:
      return err::kOk;
    case Code::kNoNode:
      return err::kNoNode;
    case Code::kNodeExists:
      return err::kNodeExists;
    case Code::kBadVersion:
      return err::kBadVersion;
    case Code::kNotEmpty:
      return err::kNotEmpty;
    case Code::kNoChildrenForEphemerals:
      return err::kNoChildrenForEphemerals;
    case Code::kInvalidPath:
    case Code::kBadArguments:
    case Code::kTooLarge:
      return err::kBadArguments;
    case Code::kInvalidAcl:
      return err::kInvalidAcl;
    case Code::kNoAuth:
      return err::kNoAuth;
    case Code::kAuthFailed:
      return err::kAuthFailed;
    case Code::kSessionExpired:
      return err::kSessionExpired;
    case Code::kSessionMoved:
      return err::kSessionMoved;
    case Code::kConnectionLoss:
      return err::kConnectionLoss;
    case Code::kOperationTimeout:
      return err::kOperationTimeout;
    case Code::kMarshallingError:
      return err::kMarshallingError;
    case Code::kThrottled:
      return err::kThrottledOp;
    case Code::kUnimplemented:
      return err::kUnimplemented;
    case Code::kRuntimeInconsistency:
      return err::kRuntimeInconsistency;
    case Code::kNoWatcher:
      return err::kNoWatcher;
    case Code::kIoError:
    case Code::kCorruption:
    case Code::kOutOfSpace:
    case Code::kNotFound:
    case Code::kInvalidArgument:
    case Code::kInternal:
      return err::kSystemError;
  }
  return err::kSystemError;
}

std::string EncodeConnectResponse(const ConnectResponse& r) {
  jute::Writer w;
  const bool ok = r.code == Code::kOk;
  w.Int(0);  // protocolVersion
  w.Int(ok ? r.timeout_ms : 0);
  w.Long(ok ? r.session_id : 0);
  w.Buffer(ok ? r.password : std::string(kPasswordBytes, '\0'));
  w.Bool(false);  // readOnly: coord has no read-only mode
  return w.Take();
}

std::string EncodeReply(const ReplyShape& shape, const ClientResponse& r) {
  jute::Writer w;
  if (shape.opcode == op::kMulti || shape.opcode == op::kMultiRead) {
    // A failed multi is told by its results; its header says ok (ZooKeeper's clients read the
    // results either way, and kazoo raises on a header error instead of reading them).
    const bool has_results = std::holds_alternative<MultiResponse>(r.body);
    PutHeader(w, shape.xid, r.zxid, has_results ? err::kOk : ErrorCode(r.code));
    if (has_results) PutMulti(w, shape, r);
    return w.Take();
  }
  PutHeader(w, shape.xid, r.zxid, ErrorCode(r.code));
  if (r.code == Code::kOk) PutBody(w, shape, r);
  return w.Take();
}

std::string EncodeErrorReply(int32_t xid, Zxid zxid, int32_t error) {
  jute::Writer w;
  PutHeader(w, xid, zxid, error);
  return w.Take();
}

std::string EncodeWatchEvent(const WatchEventMessage& event) {
  jute::Writer w;
  PutHeader(w, kNotificationXid, event.zxid, err::kOk);
  w.Int(static_cast<int32_t>(event.type));
  w.Int(kStateSyncConnected);
  w.String(event.path);
  return w.Take();
}

std::string EncodeStat(const Stat& stat) {
  jute::Writer w;
  PutStat(w, stat);
  return w.Take();
}

}  // namespace coord::zk
