#include "coord/tree/preparer.h"

#include <cstdio>

#include "coord/tree/path.h"
#include "coord/tree/txn_rules.h"

namespace coord {
namespace {

Status NoAuth(std::string_view path, const char* permission) {
  return Status(Code::kNoAuth,
                std::string("no ") + permission + " permission on " + std::string(path));
}

// The node at `path` must exist in `view` and grant `permission`.
Result<NodeView> Permitted(const TreeView& view, std::string_view path, uint32_t permission,
                           const char* name, const AuthContext& auth) {
  COORD_RETURN_IF_ERROR(ValidatePath(path));
  std::optional<NodeView> node = view.Find(path);
  if (!node) return NoNodeError(path);
  if (!HasPermission(*node->acl, permission, auth)) return NoAuth(path, name);
  return *node;
}

}  // namespace

std::string SequenceSuffix(uint64_t counter) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "%010llu", static_cast<unsigned long long>(counter));
  return buf;
}

Prepared Preparer::Prepare(const WriteRequest& request, SessionId session, int64_t request_id,
                           const AuthContext& auth, Zxid zxid, int64_t time_ms) {
  Prepared out;
  out.record.time_ms = time_ms;
  out.record.session_id = session;
  out.record.request_id = request_id;
  Context ctx{session, auth, zxid, time_ms};
  Overlay staged(&pending_);  // absorbed into pending_ only on success
  int32_t failed_op = -1;

  if (const auto* multi = std::get_if<MultiRequest>(&request)) {
    MultiTxn txn;
    txn.ops.resize(multi->ops.size());
    for (size_t i = 0; i < multi->ops.size() && out.status.ok(); ++i) {
      out.status = PrepareOp(multi->ops[i], ctx, staged, &txn.ops[i]);
      if (!out.status.ok()) {
        failed_op = static_cast<int32_t>(i);
        out.status = Status(out.status.code(),
                            "multi op " + std::to_string(i) + ": " + out.status.message());
      }
    }
    out.record.txn = std::move(txn);
  } else if (const auto* create = std::get_if<CreateSessionRequest>(&request)) {
    if (create->session_id == 0 || create->timeout_ms <= 0) {
      out.status = Status(Code::kBadArguments, "a session needs an id and a positive timeout");
    } else if (staged.SessionExists(create->session_id)) {
      out.status = Status(Code::kBadArguments, "session exists");
    } else {
      staged.PutSession(create->session_id, true, zxid);
      out.record.txn = CreateSessionTxn{create->session_id, create->timeout_ms, create->password};
    }
  } else if (const auto* close = std::get_if<CloseSessionRequest>(&request)) {
    Result<Txn> txn = PrepareCloseSession(*close, ctx, staged);
    if (txn.ok())
      out.record.txn = std::move(txn).value();
    else
      out.status = txn.status();
  } else if (const auto* reap = std::get_if<ReapRequest>(&request)) {
    DeleteTxn txn{reap->path, kAnyVersion, true};
    out.status = CheckOp(staged, txn, time_ms, tree_->limits());
    if (out.status.ok()) StageOp(staged, txn, time_ms, zxid);
    out.record.txn = std::move(txn);
  } else {
    MultiOpRequest op;
    std::visit(
        [&](const auto& r) {
          if constexpr (std::is_constructible_v<MultiOpRequest, decltype(r)>) op = r;
        },
        request);
    MultiOpTxn txn;
    out.status = PrepareOp(op, ctx, staged, &txn);
    std::visit([&](auto&& t) { out.record.txn = std::move(t); }, std::move(txn));
  }

  if (out.status.ok()) {
    pending_.Absorb(std::move(staged));
  } else {
    out.record.txn = ErrorTxn{out.status.code(), failed_op};
  }
  return out;
}

Status Preparer::PrepareOp(const MultiOpRequest& op, const Context& ctx, Overlay& view,
                           MultiOpTxn* out) {
  const TreeLimits& limits = tree_->limits();
  Status status;
  switch (op.index()) {
    case 0: {
      CreateTxn txn;
      status = PrepareCreate(std::get<CreateRequest>(op), ctx, view, &txn);
      *out = std::move(txn);
      break;
    }
    case 1: {
      const auto& r = std::get<DeleteRequest>(op);
      COORD_RETURN_IF_ERROR(ValidatePath(r.path));
      if (r.path == "/") return Status(Code::kBadArguments, "/ cannot be deleted");
      auto parent = Permitted(view, ParentPath(r.path), perm::kDelete, "delete", ctx.auth);
      if (!parent.ok()) return parent.status();
      *out = DeleteTxn{r.path, r.version, false};
      break;
    }
    case 2: {
      const auto& r = std::get<SetDataRequest>(op);
      auto node = Permitted(view, r.path, perm::kWrite, "write", ctx.auth);
      if (!node.ok()) return node.status();
      *out = SetDataTxn{r.path, r.data, r.version};
      break;
    }
    case 3: {
      const auto& r = std::get<SetAclRequest>(op);
      auto node = Permitted(view, r.path, perm::kAdmin, "admin", ctx.auth);
      if (!node.ok()) return node.status();
      COORD_ASSIGN_OR_RETURN(AclList acl, ExpandAcl(r.acl, ctx.auth));
      *out = SetAclTxn{r.path, std::move(acl), r.version};
      break;
    }
    default: {
      const auto& r = std::get<CheckRequest>(op);
      auto node = Permitted(view, r.path, perm::kRead, "read", ctx.auth);
      if (!node.ok()) return node.status();
      *out = CheckTxn{r.path, r.version};
      break;
    }
  }
  COORD_RETURN_IF_ERROR(status);
  COORD_RETURN_IF_ERROR(CheckOp(view, *out, ctx.time_ms, limits));
  StageOp(view, *out, ctx.time_ms, ctx.zxid);
  return Status::Ok();
}

Status Preparer::PrepareCreate(const CreateRequest& r, const Context& ctx, const TreeView& view,
                               CreateTxn* out) {
  if (r.path.empty() || r.path[0] != '/') return ValidatePath(r.path);
  // A sequential prefix may end in '/' ("/queue/" gives "/queue/0000000000"), so the parent is
  // found from the final path; validating "<prefix>0" first catches every other path error.
  const std::string probe = r.sequential ? r.path + "0" : r.path;
  COORD_RETURN_IF_ERROR(ValidatePath(probe));
  auto parent = Permitted(view, ParentPath(probe), perm::kCreate, "create", ctx.auth);
  if (!parent.ok()) return parent.status();
  out->path = r.sequential ? r.path + SequenceSuffix(parent->next_sequence) : r.path;
  COORD_RETURN_IF_ERROR(ValidatePath(out->path));
  COORD_ASSIGN_OR_RETURN(out->acl, ExpandAcl(r.acl, ctx.auth));
  out->data = r.data;
  out->kind = r.kind;
  out->sequential = r.sequential;
  if (r.kind == NodeKind::kEphemeral) {
    if (ctx.session == 0) return Status(Code::kBadArguments, "an ephemeral node needs a session");
    out->ephemeral_owner = ctx.session;
  }
  if (r.kind == NodeKind::kTtl) {
    if (r.ttl_ms <= 0 || r.ttl_ms > kMaxTtlMs) {
      return Status(Code::kBadArguments,
                    "ttl_ms must be in (0, " + std::to_string(kMaxTtlMs) + "]");
    }
    out->ttl_ms = r.ttl_ms;
  } else if (r.ttl_ms != 0) {
    return Status(Code::kBadArguments, "only TTL nodes take a ttl");
  }
  return Status::Ok();
}

Result<Txn> Preparer::PrepareCloseSession(const CloseSessionRequest& r, const Context& ctx,
                                          Overlay& view) {
  if (!view.SessionExists(r.session_id)) {
    return Status(Code::kSessionExpired, "session " + std::to_string(r.session_id) + " is gone");
  }
  // The session's ephemerals as they will be when this applies: committed ones not deleted by a
  // pending change, plus pending creates.
  std::vector<std::string> paths = pending_.EphemeralsOf(r.session_id);
  for (std::string& path : tree_->EphemeralPaths(r.session_id)) {
    if (!pending_.Changes(path)) paths.push_back(std::move(path));
  }
  for (const std::string& path : paths) {
    DeleteTxn txn{path, kAnyVersion, false};
    Status s = CheckOp(view, txn, ctx.time_ms, tree_->limits());
    CHECK(s.ok()) << s.ToString();  // an ephemeral has no children
    StageOp(view, txn, ctx.time_ms, ctx.zxid);
  }
  view.PutSession(r.session_id, false, ctx.zxid);
  return Txn(CloseSessionTxn{r.session_id});
}

}  // namespace coord
