// Decoding half of the ZooKeeper codec (protocol/zookeeper_codec.h): connect and request records.
#include <utility>

#include "protocol/jute.h"
#include "protocol/zookeeper_codec.h"

namespace coord::zk {
namespace {

// A well-formed request that cannot be served: answered with `error`, the connection stays.
struct Refusal {
  int32_t error = err::kOk;
  std::string reason;
};

Status ReadAcl(jute::Reader& r, AclList* out) {
  int32_t n = 0;
  // An ACL entry is at least perms + two empty strings: 12 bytes.
  COORD_RETURN_IF_ERROR(r.Count(&n, 12, "acl"));
  out->clear();
  for (int32_t i = 0; i < n; ++i) {
    Acl acl;
    int32_t perms = 0;
    COORD_RETURN_IF_ERROR(r.Int(&perms, "acl.perms"));
    acl.perms = static_cast<uint32_t>(perms);
    COORD_RETURN_IF_ERROR(r.String(&acl.scheme, "acl.id.scheme"));
    COORD_RETURN_IF_ERROR(r.String(&acl.id, "acl.id.id"));
    out->push_back(std::move(acl));
  }
  return Status::Ok();
}

// CreateMode flags: PERSISTENT 0, EPHEMERAL 1, PERSISTENT_SEQUENTIAL 2, EPHEMERAL_SEQUENTIAL 3,
// CONTAINER 4, PERSISTENT_WITH_TTL 5, PERSISTENT_SEQUENTIAL_WITH_TTL 6.
bool ApplyFlags(int32_t flags, CreateRequest* out) {
  switch (flags) {
    case 0:
    case 2:
      out->kind = NodeKind::kPersistent;
      break;
    case 1:
    case 3:
      out->kind = NodeKind::kEphemeral;
      break;
    case 4:
      out->kind = NodeKind::kContainer;
      break;
    case 5:
    case 6:
      out->kind = NodeKind::kTtl;
      break;
    default:
      return false;
  }
  out->sequential = flags == 2 || flags == 3 || flags == 6;
  return true;
}

// CreateRequest {path, data, acl, flags} and CreateTTLRequest {..., ttl}.
Status ReadCreate(jute::Reader& r, int32_t opcode, CreateRequest* out, Refusal* refusal) {
  int32_t flags = 0;
  COORD_RETURN_IF_ERROR(r.String(&out->path, "create.path"));
  COORD_RETURN_IF_ERROR(r.Buffer(&out->data, "create.data"));
  COORD_RETURN_IF_ERROR(ReadAcl(r, &out->acl));
  COORD_RETURN_IF_ERROR(r.Int(&flags, "create.flags"));
  int64_t ttl = -1;
  if (opcode == op::kCreateTtl) COORD_RETURN_IF_ERROR(r.Long(&ttl, "create.ttl"));
  if (!ApplyFlags(flags, out)) {
    *refusal = {err::kBadArguments, "unknown create flags " + std::to_string(flags)};
  } else if (opcode == op::kCreateContainer && out->kind != NodeKind::kContainer) {
    *refusal = {err::kBadArguments, "createContainer without the container flag"};
  } else if ((opcode == op::kCreateTtl) != (out->kind == NodeKind::kTtl)) {
    *refusal = {err::kBadArguments, "a TTL node needs createTTL and createTTL a TTL mode"};
  } else if (out->kind == NodeKind::kTtl && (ttl <= 0 || ttl > kMaxTtlMs)) {
    *refusal = {err::kBadArguments, "ttl " + std::to_string(ttl) + " out of range"};
  }
  if (out->kind == NodeKind::kTtl) out->ttl_ms = ttl;
  return Status::Ok();
}

Status ReadPathVersion(jute::Reader& r, std::string* path, int32_t* version, const char* what) {
  COORD_RETURN_IF_ERROR(r.String(path, what));
  return r.Int(version, what);
}

Status ReadPathWatch(jute::Reader& r, std::string* path, bool* watch, const char* what) {
  COORD_RETURN_IF_ERROR(r.String(path, what));
  return r.Bool(watch, what);
}

// One op of a multi (writes) or multiRead (reads), after its MultiHeader.
Status ReadMultiOp(jute::Reader& r, int32_t type, bool read, std::vector<MultiOpRequest>* writes,
                   std::vector<ReadOpRequest>* reads, Refusal* refusal) {
  const bool is_read = type == op::kGetData || type == op::kGetChildren;
  switch (type) {
    case op::kCreate:
    case op::kCreate2:
    case op::kCreateContainer:
    case op::kCreateTtl: {
      CreateRequest c;
      COORD_RETURN_IF_ERROR(ReadCreate(r, type, &c, refusal));
      writes->push_back(std::move(c));
      break;
    }
    case op::kDelete: {
      DeleteRequest d;
      COORD_RETURN_IF_ERROR(ReadPathVersion(r, &d.path, &d.version, "delete"));
      writes->push_back(std::move(d));
      break;
    }
    case op::kSetData: {
      SetDataRequest s;
      COORD_RETURN_IF_ERROR(r.String(&s.path, "setData.path"));
      COORD_RETURN_IF_ERROR(r.Buffer(&s.data, "setData.data"));
      COORD_RETURN_IF_ERROR(r.Int(&s.version, "setData.version"));
      writes->push_back(std::move(s));
      break;
    }
    case op::kCheck: {
      CheckRequest c;
      COORD_RETURN_IF_ERROR(ReadPathVersion(r, &c.path, &c.version, "check"));
      writes->push_back(std::move(c));
      break;
    }
    case op::kGetData: {
      GetDataRequest g;
      COORD_RETURN_IF_ERROR(ReadPathWatch(r, &g.path, &g.watch, "getData"));
      reads->push_back(std::move(g));
      break;
    }
    case op::kGetChildren: {
      GetChildrenRequest g;
      COORD_RETURN_IF_ERROR(ReadPathWatch(r, &g.path, &g.watch, "getChildren"));
      g.all = true;
      reads->push_back(std::move(g));
      break;
    }
    default:
      return Status(Code::kMarshallingError, "multi: unknown op type " + std::to_string(type));
  }
  if (is_read != read && refusal->error == err::kOk) {
    *refusal = {err::kBadArguments, read ? "multiRead with a write op" : "multi with a read op"};
  }
  return Status::Ok();
}

// MultiOperationRecord: {MultiHeader{type, done, err}, record}* then MultiHeader{-1, true, -1}.
Status ReadMulti(jute::Reader& r, bool read, Request* out, Refusal* refusal) {
  MultiRequest multi;
  MultiReadRequest multi_read;
  while (true) {
    int32_t type = 0, error = 0;
    bool done = false;
    COORD_RETURN_IF_ERROR(r.Int(&type, "multi.header.type"));
    COORD_RETURN_IF_ERROR(r.Bool(&done, "multi.header.done"));
    COORD_RETURN_IF_ERROR(r.Int(&error, "multi.header.err"));
    if (done) break;
    COORD_RETURN_IF_ERROR(ReadMultiOp(r, type, read, &multi.ops, &multi_read.ops, refusal));
    out->shape.op_types.push_back(type);
  }
  if (read) {
    out->op = std::move(multi_read);
  } else {
    out->op = std::move(multi);
  }
  return Status::Ok();
}

// The request record after the header; sets out->op (or leaves it empty with a refusal).
Status ReadBody(jute::Reader& r, Request* out, Refusal* refusal) {
  const int32_t opcode = out->shape.opcode;
  switch (opcode) {
    case op::kCreate:
    case op::kCreate2:
    case op::kCreateContainer:
    case op::kCreateTtl: {
      CreateRequest c;
      COORD_RETURN_IF_ERROR(ReadCreate(r, opcode, &c, refusal));
      out->op = std::move(c);
      return Status::Ok();
    }
    case op::kDelete: {
      DeleteRequest d;
      COORD_RETURN_IF_ERROR(ReadPathVersion(r, &d.path, &d.version, "delete"));
      out->op = std::move(d);
      return Status::Ok();
    }
    case op::kExists: {
      ExistsRequest e;
      COORD_RETURN_IF_ERROR(ReadPathWatch(r, &e.path, &e.watch, "exists"));
      out->op = std::move(e);
      return Status::Ok();
    }
    case op::kGetData: {
      GetDataRequest g;
      COORD_RETURN_IF_ERROR(ReadPathWatch(r, &g.path, &g.watch, "getData"));
      out->op = std::move(g);
      return Status::Ok();
    }
    case op::kSetData: {
      SetDataRequest s;
      COORD_RETURN_IF_ERROR(r.String(&s.path, "setData.path"));
      COORD_RETURN_IF_ERROR(r.Buffer(&s.data, "setData.data"));
      COORD_RETURN_IF_ERROR(r.Int(&s.version, "setData.version"));
      out->op = std::move(s);
      return Status::Ok();
    }
    case op::kGetAcl: {
      GetAclRequest g;
      COORD_RETURN_IF_ERROR(r.String(&g.path, "getACL.path"));
      out->op = std::move(g);
      return Status::Ok();
    }
    case op::kSetAcl: {
      SetAclRequest s;
      COORD_RETURN_IF_ERROR(r.String(&s.path, "setACL.path"));
      COORD_RETURN_IF_ERROR(ReadAcl(r, &s.acl));
      COORD_RETURN_IF_ERROR(r.Int(&s.version, "setACL.version"));
      out->op = std::move(s);
      return Status::Ok();
    }
    case op::kGetChildren:
    case op::kGetChildren2: {
      GetChildrenRequest g;
      COORD_RETURN_IF_ERROR(ReadPathWatch(r, &g.path, &g.watch, "getChildren"));
      g.all = true;  // ZooKeeper's clients cannot page
      out->op = std::move(g);
      return Status::Ok();
    }
    case op::kSync: {
      SyncRequest s;
      COORD_RETURN_IF_ERROR(r.String(&s.path, "sync.path"));
      out->shape.sync_path = s.path;
      out->op = std::move(s);
      return Status::Ok();
    }
    case op::kPing:
      out->op = PingRequest{};
      return Status::Ok();
    case op::kCheck: {
      CheckRequest c;
      COORD_RETURN_IF_ERROR(ReadPathVersion(r, &c.path, &c.version, "check"));
      out->op = std::move(c);
      return Status::Ok();
    }
    case op::kMulti:
    case op::kMultiRead:
      return ReadMulti(r, opcode == op::kMultiRead, out, refusal);
    case op::kCheckWatches:
    case op::kRemoveWatches: {
      RemoveWatchesRequest w;
      int32_t type = 0;
      COORD_RETURN_IF_ERROR(r.String(&w.path, "removeWatches.path"));
      COORD_RETURN_IF_ERROR(r.Int(&type, "removeWatches.type"));
      if (type < static_cast<int32_t>(WatcherType::kChildren) ||
          type > static_cast<int32_t>(WatcherType::kPersistentRecursive)) {
        *refusal = {err::kBadArguments, "unknown watcher type " + std::to_string(type)};
      }
      w.type = static_cast<WatcherType>(type);
      w.check_only = opcode == op::kCheckWatches;
      out->op = std::move(w);
      return Status::Ok();
    }
    case op::kAuth: {
      AddAuthRequest a;
      int32_t type = 0;
      COORD_RETURN_IF_ERROR(r.Int(&type, "auth.type"));
      COORD_RETURN_IF_ERROR(r.String(&a.scheme, "auth.scheme"));
      COORD_RETURN_IF_ERROR(r.Buffer(&a.auth, "auth.auth"));
      out->op = std::move(a);
      return Status::Ok();
    }
    case op::kSetWatches:
    case op::kSetWatches2: {
      SetWatchesRequest w;
      int64_t zxid = 0;
      COORD_RETURN_IF_ERROR(r.Long(&zxid, "setWatches.relativeZxid"));
      w.relative_zxid = static_cast<Zxid>(zxid);
      COORD_RETURN_IF_ERROR(r.Strings(&w.data, "setWatches.dataWatches"));
      COORD_RETURN_IF_ERROR(r.Strings(&w.exist, "setWatches.existWatches"));
      COORD_RETURN_IF_ERROR(r.Strings(&w.child, "setWatches.childWatches"));
      if (opcode == op::kSetWatches2) {
        COORD_RETURN_IF_ERROR(r.Strings(&w.persistent, "setWatches2.persistentWatches"));
        COORD_RETURN_IF_ERROR(
            r.Strings(&w.persistent_recursive, "setWatches2.persistentRecursiveWatches"));
      }
      out->op = std::move(w);
      return Status::Ok();
    }
    case op::kGetEphemerals: {
      GetEphemeralsRequest g;
      COORD_RETURN_IF_ERROR(r.String(&g.prefix, "getEphemerals.prefixPath"));
      out->op = std::move(g);
      return Status::Ok();
    }
    case op::kGetAllChildrenNumber: {
      CountDescendantsRequest c;
      COORD_RETURN_IF_ERROR(r.String(&c.path, "getAllChildrenNumber.path"));
      out->op = std::move(c);
      return Status::Ok();
    }
    case op::kAddWatch: {
      AddWatchRequest a;
      int32_t mode = 0;
      COORD_RETURN_IF_ERROR(r.String(&a.path, "addWatch.path"));
      COORD_RETURN_IF_ERROR(r.Int(&mode, "addWatch.mode"));
      if (mode != 0 && mode != 1) {
        *refusal = {err::kBadArguments, "unknown addWatch mode " + std::to_string(mode)};
      }
      a.mode = mode == 1 ? AddWatchMode::kPersistentRecursive : AddWatchMode::kPersistent;
      out->op = std::move(a);
      return Status::Ok();
    }
    case op::kWhoAmI:
      out->op = WhoAmIRequest{};
      return Status::Ok();
    case op::kCloseSession:
      out->op = CloseSessionClientRequest{};
      return Status::Ok();
    default:
      // reconfig, SASL, deleteContainer (a server-internal op) and opcodes coord does not know:
      // the record is skipped whole (the frame delimits it) and answered UNIMPLEMENTED.
      *refusal = {err::kUnimplemented, "opcode " + std::to_string(opcode) + " is not supported"};
      return Status::Ok();
  }
}

}  // namespace

Result<Connect> DecodeConnect(std::string_view payload) {
  jute::Reader r(payload);
  Connect out;
  int32_t version = 0, timeout = 0;
  int64_t zxid = 0, session = 0;
  COORD_RETURN_IF_ERROR(r.Int(&version, "connect.protocolVersion"));
  COORD_RETURN_IF_ERROR(r.Long(&zxid, "connect.lastZxidSeen"));
  COORD_RETURN_IF_ERROR(r.Int(&timeout, "connect.timeOut"));
  COORD_RETURN_IF_ERROR(r.Long(&session, "connect.sessionId"));
  COORD_RETURN_IF_ERROR(r.Buffer(&out.request.password, "connect.passwd"));
  // Clients before 3.3 end here; later ones add readOnly. Anything after it is ignored, as
  // ZooKeeper's server ignores it.
  if (!r.done()) COORD_RETURN_IF_ERROR(r.Bool(&out.read_only, "connect.readOnly"));
  if (version != 0) {
    return Status(Code::kMarshallingError,
                  "connect.protocolVersion " + std::to_string(version) + " is not 0");
  }
  out.request.protocol_version = kClientProtocolVersion;
  out.request.last_zxid_seen = static_cast<Zxid>(zxid);
  out.request.timeout_ms = timeout;
  out.request.session_id = session;
  // A new session's client sends 16 zero bytes; coord's password check wants none for it.
  if (session == 0) out.request.password.clear();
  return out;
}

Result<Request> DecodeRequest(std::string_view payload) {
  jute::Reader r(payload);
  Request out;
  COORD_RETURN_IF_ERROR(r.Int(&out.shape.xid, "header.xid"));
  COORD_RETURN_IF_ERROR(r.Int(&out.shape.opcode, "header.type"));
  Refusal refusal;
  COORD_RETURN_IF_ERROR(ReadBody(r, &out, &refusal));
  // Bytes after the record are ignored, as ZooKeeper's server ignores them.
  if (refusal.error != err::kOk) {
    out.op.reset();
    out.error = refusal.error;
    out.reason = std::move(refusal.reason);
  }
  return out;
}

}  // namespace coord::zk
