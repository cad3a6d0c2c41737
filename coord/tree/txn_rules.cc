#include "coord/tree/txn_rules.h"

#include <string>

#include "coord/tree/acl.h"
#include "coord/tree/path.h"

namespace coord {
namespace {

Status CheckVersion(std::string_view path, int32_t expected, int32_t actual, const char* what) {
  if (expected == kAnyVersion || expected == actual) return Status::Ok();
  return Status(Code::kBadVersion, std::string(path) + ": expected " + what + " " +
                                       std::to_string(expected) + ", found " +
                                       std::to_string(actual));
}

Status CheckData(std::string_view path, const std::string& data, const TreeLimits& limits) {
  if (data.size() <= limits.max_data_bytes) return Status::Ok();
  return Status(Code::kTooLarge, std::string(path) + ": data of " + std::to_string(data.size()) +
                                     " bytes exceeds the limit of " +
                                     std::to_string(limits.max_data_bytes));
}

Status Check(const TreeView& view, const CreateTxn& t, int64_t, const TreeLimits& limits) {
  COORD_RETURN_IF_ERROR(ValidatePath(t.path));
  if (t.path == "/") return Status(Code::kNodeExists, "/ always exists");
  COORD_RETURN_IF_ERROR(CheckData(t.path, t.data, limits));
  COORD_RETURN_IF_ERROR(ValidateAcl(t.acl));
  switch (t.kind) {
    case NodeKind::kEphemeral:
      if (t.ephemeral_owner == 0 || !view.SessionExists(t.ephemeral_owner)) {
        return Status(Code::kSessionExpired, t.path + ": the owning session does not exist");
      }
      break;
    case NodeKind::kTtl:
      if (t.ttl_ms <= 0) return Status(Code::kBadArguments, t.path + ": a TTL must be positive");
      [[fallthrough]];
    default:
      if (t.ephemeral_owner != 0) {
        return Status(Code::kBadArguments, t.path + ": only ephemeral nodes have an owner");
      }
  }
  if (t.kind != NodeKind::kTtl && t.ttl_ms != 0) {
    return Status(Code::kBadArguments, t.path + ": only TTL nodes have a TTL");
  }
  std::string_view parent_path = ParentPath(t.path);
  std::optional<NodeView> parent = view.Find(parent_path);
  if (!parent) return NoNodeError(parent_path);
  if (parent->kind == NodeKind::kEphemeral) {
    return Status(Code::kNoChildrenForEphemerals,
                  std::string(parent_path) + " is ephemeral and cannot have children");
  }
  if (view.Find(t.path)) return Status(Code::kNodeExists, t.path + " already exists");
  return Status::Ok();
}

Status Check(const TreeView& view, const DeleteTxn& t, int64_t time_ms, const TreeLimits&) {
  COORD_RETURN_IF_ERROR(ValidatePath(t.path));
  if (t.path == "/") return Status(Code::kBadArguments, "/ cannot be deleted");
  std::optional<NodeView> node = view.Find(t.path);
  if (!node) return NoNodeError(t.path);
  COORD_RETURN_IF_ERROR(CheckVersion(t.path, t.version, node->version, "version"));
  if (node->num_children > 0) {
    return Status(Code::kNotEmpty,
                  t.path + " has " + std::to_string(node->num_children) + " children");
  }
  if (t.reap && !IsDueForReap(*node, time_ms)) {
    return Status(Code::kBadArguments, t.path + " is not due for removal");
  }
  return Status::Ok();
}

Status Check(const TreeView& view, const SetDataTxn& t, int64_t, const TreeLimits& limits) {
  COORD_RETURN_IF_ERROR(ValidatePath(t.path));
  COORD_RETURN_IF_ERROR(CheckData(t.path, t.data, limits));
  std::optional<NodeView> node = view.Find(t.path);
  if (!node) return NoNodeError(t.path);
  return CheckVersion(t.path, t.version, node->version, "version");
}

Status Check(const TreeView& view, const SetAclTxn& t, int64_t, const TreeLimits&) {
  COORD_RETURN_IF_ERROR(ValidatePath(t.path));
  COORD_RETURN_IF_ERROR(ValidateAcl(t.acl));
  std::optional<NodeView> node = view.Find(t.path);
  if (!node) return NoNodeError(t.path);
  return CheckVersion(t.path, t.version, node->aversion, "acl version");
}

Status Check(const TreeView& view, const CheckTxn& t, int64_t, const TreeLimits&) {
  COORD_RETURN_IF_ERROR(ValidatePath(t.path));
  std::optional<NodeView> node = view.Find(t.path);
  if (!node) return NoNodeError(t.path);
  return CheckVersion(t.path, t.version, node->version, "version");
}

// The parent of `path` after one of its children was created or deleted.
void StageParent(Overlay& ov, std::string_view path, int delta, bool sequential, Zxid tag) {
  std::string_view parent_path = ParentPath(path);
  std::optional<NodeView> parent = ov.Find(parent_path);
  CHECK(parent) << parent_path;
  parent->num_children += delta;
  parent->cversion += 1;
  if (sequential) parent->next_sequence += 1;
  ov.PutNode(parent_path, std::move(parent), tag);
}

void Stage(Overlay& ov, const CreateTxn& t, int64_t time_ms, Zxid tag) {
  NodeView node;
  node.kind = t.kind;
  node.ephemeral_owner = t.ephemeral_owner;
  node.ttl_ms = t.ttl_ms;
  node.mtime_ms = time_ms;
  node.acl = std::make_shared<const AclList>(t.acl);
  ov.PutNode(t.path, std::move(node), tag);
  StageParent(ov, t.path, +1, t.sequential, tag);
}

void Stage(Overlay& ov, const DeleteTxn& t, int64_t, Zxid tag) {
  ov.PutNode(t.path, std::nullopt, tag);
  StageParent(ov, t.path, -1, false, tag);
}

void Stage(Overlay& ov, const SetDataTxn& t, int64_t time_ms, Zxid tag) {
  std::optional<NodeView> node = ov.Find(t.path);
  CHECK(node) << t.path;
  node->version += 1;
  node->mtime_ms = time_ms;
  ov.PutNode(t.path, std::move(node), tag);
}

void Stage(Overlay& ov, const SetAclTxn& t, int64_t, Zxid tag) {
  std::optional<NodeView> node = ov.Find(t.path);
  CHECK(node) << t.path;
  node->aversion += 1;
  node->acl = std::make_shared<const AclList>(t.acl);
  ov.PutNode(t.path, std::move(node), tag);
}

void Stage(Overlay&, const CheckTxn&, int64_t, Zxid) {}

}  // namespace

Status NoNodeError(std::string_view path) {
  return Status(Code::kNoNode, std::string(path) + " does not exist");
}

#define COORD_CHECK_OP(T)                                                                       \
  Status CheckOp(const TreeView& view, const T& t, int64_t time_ms, const TreeLimits& limits) { \
    return Check(view, t, time_ms, limits);                                                     \
  }
COORD_CHECK_OP(CreateTxn)
COORD_CHECK_OP(DeleteTxn)
COORD_CHECK_OP(SetDataTxn)
COORD_CHECK_OP(SetAclTxn)
COORD_CHECK_OP(CheckTxn)
#undef COORD_CHECK_OP

Status CheckOp(const TreeView& view, const MultiOpTxn& op, int64_t time_ms,
               const TreeLimits& limits) {
  return std::visit([&](const auto& t) { return Check(view, t, time_ms, limits); }, op);
}

void StageOp(Overlay& overlay, const MultiOpTxn& op, int64_t time_ms, Zxid tag) {
  std::visit([&](const auto& t) { Stage(overlay, t, time_ms, tag); }, op);
}

bool IsDueForReap(const NodeView& node, int64_t time_ms) {
  if (node.num_children > 0) return false;
  if (node.kind == NodeKind::kContainer) return node.cversion > 0;
  if (node.kind == NodeKind::kTtl) return time_ms - node.mtime_ms >= node.ttl_ms;
  return false;
}

}  // namespace coord
