#include "coord/tree/tree_snapshot.h"

#include <string>
#include <vector>

namespace coord {
namespace {

constexpr uint32_t kMagic = 0x45455254;     // "TREE"
constexpr uint32_t kEndMagic = 0x444e4554;  // "TEND"
constexpr uint32_t kFormatVersion = 1;
constexpr size_t kFlushBytes = 1 << 20;

Status Corrupt(const std::string& what) {
  return Status(Code::kCorruption, "tree snapshot: " + what);
}

// Buffers small writes and hands them to the sink in large pieces.
class BufferedSink {
 public:
  explicit BufferedSink(ByteSink& sink) : sink_(sink) { buffer_.reserve(kFlushBytes + 4096); }
  ByteWriter& writer() { return writer_; }
  Status MaybeFlush() { return buffer_.size() >= kFlushBytes ? Flush() : Status::Ok(); }
  Status Flush() {
    Status s = sink_.Write(buffer_);
    buffer_.clear();
    return s;
  }

 private:
  ByteSink& sink_;
  std::string buffer_;
  ByteWriter writer_{&buffer_};
};

Status ReadHeader(ByteReader& r, TreeSnapshotSummary* s) {
  uint32_t magic = 0, version = 0;
  r.GetU32(&magic);
  r.GetU32(&version);
  r.GetU64(&s->last_zxid);
  r.GetU64(&s->digest);
  r.GetU64(&s->nodes);
  r.GetU64(&s->sessions);
  r.GetU64(&s->acls);
  if (!r.ok()) return Corrupt("truncated header");
  if (magic != kMagic) return Corrupt("bad magic");
  if (version != kFormatVersion)
    return Corrupt("unknown format version " + std::to_string(version));
  if (s->nodes == 0) return Corrupt("no root node");
  return Status::Ok();
}

}  // namespace

Status TreeSnapshotCodec::Write(const DataTree& tree, ByteSink& sink) {
  BufferedSink out(sink);
  ByteWriter& w = out.writer();
  w.PutU32(kMagic);
  w.PutU32(kFormatVersion);
  w.PutU64(tree.last_zxid_);
  w.PutU64(tree.digest_);
  w.PutU64(tree.slab_->live());
  w.PutU64(tree.sessions_.size());

  // ACLs: only those in use, renumbered densely.
  std::vector<std::pair<uint32_t, uint32_t>> acl_ids;  // (table index, snapshot index)
  absl::flat_hash_map<uint32_t, uint32_t> acl_remap;
  const NodeSlab& slab = *tree.slab_;
  for (NodeId id = 0; id < slab.capacity(); ++id) {
    const Node& node = slab.at(id);
    if (node.in_use && acl_remap.try_emplace(node.acl, acl_remap.size()).second) {
      acl_ids.emplace_back(node.acl, acl_remap[node.acl]);
    }
  }
  w.PutU64(acl_ids.size());
  for (const auto& [table_index, snapshot_index] : acl_ids) {
    const AclList& acl = *tree.acls_.Get(table_index);
    w.PutVarint(acl.size());
    for (const Acl& a : acl) {
      w.PutVarint(a.perms);
      w.PutBytes(a.scheme);
      w.PutBytes(a.id);
    }
  }
  for (const auto& [session, timeout_ms] : tree.Sessions()) {
    w.PutSignedVarint(session);
    w.PutSignedVarint(timeout_ms);
    w.PutBytes(tree.sessions_.at(session).password);
  }

  // Nodes in pre-order; the stack holds (node, parent ordinal).
  std::vector<std::pair<NodeId, uint64_t>> stack{{kRootNodeId, 0}};
  uint64_t ordinal = 0;
  while (!stack.empty()) {
    auto [id, parent_ordinal] = stack.back();
    stack.pop_back();
    const Node& node = slab.at(id);
    w.PutVarint(parent_ordinal);
    w.PutBytes(node.name());
    w.PutBytes(node.data());
    w.PutVarint(node.czxid);
    w.PutVarint(node.mzxid);
    w.PutSignedVarint(node.ctime_ms);
    w.PutSignedVarint(node.mtime_ms);
    w.PutSignedVarint(node.version);
    w.PutSignedVarint(node.aversion);
    w.PutU8(static_cast<uint8_t>(node.kind));
    w.PutSignedVarint(node.owner_or_ttl);
    w.PutVarint(acl_remap.at(node.acl));
    w.PutU8(node.children ? 1 : 0);
    if (node.children) {
      w.PutVarint(node.children->pzxid);
      w.PutSignedVarint(node.children->cversion);
      w.PutVarint(node.children->next_sequence);
      const auto& index = node.children->index;
      for (auto it = index.rbegin(); it != index.rend(); ++it) stack.emplace_back(*it, ordinal);
    }
    ++ordinal;
    COORD_RETURN_IF_ERROR(out.MaybeFlush());
  }
  w.PutU32(kEndMagic);
  return out.Flush();
}

Result<TreeSnapshotSummary> TreeSnapshotCodec::ReadSummary(std::string_view body) {
  ByteReader r(body);
  TreeSnapshotSummary s;
  COORD_RETURN_IF_ERROR(ReadHeader(r, &s));
  return s;
}

Result<DataTree> TreeSnapshotCodec::Read(std::string_view body, TreeLimits limits) {
  ByteReader r(body);
  TreeSnapshotSummary header;
  COORD_RETURN_IF_ERROR(ReadHeader(r, &header));
  // Every record takes at least a few bytes: reject counts the input cannot hold before
  // allocating for them.
  if (header.nodes > body.size() || header.sessions > body.size() || header.acls > body.size()) {
    return Corrupt("counts larger than the snapshot");
  }
  DataTree tree(limits);

  std::vector<uint32_t> acl_index(header.acls);
  for (uint64_t i = 0; i < header.acls; ++i) {
    uint64_t n = 0;
    if (!r.GetVarint(&n) || n > r.remaining()) return Corrupt("truncated acl");
    AclList acl(n);
    for (Acl& a : acl) {
      uint64_t perms = 0;
      std::string_view scheme, id;
      if (!r.GetVarint(&perms) || !r.GetBytes(&scheme) || !r.GetBytes(&id)) {
        return Corrupt("truncated acl entry");
      }
      a = Acl{static_cast<uint32_t>(perms), std::string(scheme), std::string(id)};
    }
    acl_index[i] = tree.acls_.Intern(acl);  // this reference is dropped at the end
  }

  for (uint64_t i = 0; i < header.sessions; ++i) {
    int64_t session = 0, timeout = 0;
    std::string_view password;
    if (!r.GetSignedVarint(&session) || !r.GetSignedVarint(&timeout) || !r.GetBytes(&password)) {
      return Corrupt("truncated session");
    }
    if (!tree.sessions_
             .try_emplace(
                 session,
                 DataTree::Session{static_cast<int32_t>(timeout), std::string(password), {}})
             .second) {
      return Corrupt("duplicate session");
    }
  }

  std::vector<NodeId> ids(header.nodes);
  for (uint64_t ordinal = 0; ordinal < header.nodes; ++ordinal) {
    uint64_t parent_ordinal = 0, czxid = 0, mzxid = 0, acl = 0;
    int64_t ctime = 0, mtime = 0, version = 0, aversion = 0, owner = 0;
    std::string_view name, data;
    uint8_t kind = 0, has_children = 0;
    r.GetVarint(&parent_ordinal);
    r.GetBytes(&name);
    r.GetBytes(&data);
    r.GetVarint(&czxid);
    r.GetVarint(&mzxid);
    r.GetSignedVarint(&ctime);
    r.GetSignedVarint(&mtime);
    r.GetSignedVarint(&version);
    r.GetSignedVarint(&aversion);
    r.GetU8(&kind);
    r.GetSignedVarint(&owner);
    r.GetVarint(&acl);
    r.GetU8(&has_children);
    if (!r.ok()) return Corrupt("truncated node " + std::to_string(ordinal));
    if (kind > static_cast<uint8_t>(NodeKind::kTtl) || acl >= header.acls) {
      return Corrupt("bad kind or acl in node " + std::to_string(ordinal));
    }
    const bool is_root = ordinal == 0;
    if (is_root != name.empty() || name.find('/') != std::string_view::npos ||
        name.size() > UINT16_MAX || (!is_root && parent_ordinal >= ordinal)) {
      return Corrupt("bad name or parent in node " + std::to_string(ordinal));
    }
    NodeId id = is_root ? kRootNodeId : tree.slab_->Allocate();
    Node& node = tree.slab_->at(id);
    if (is_root) tree.acls_.Release(node.acl);
    node.czxid = czxid;
    node.mzxid = mzxid;
    node.ctime_ms = ctime;
    node.mtime_ms = mtime;
    node.version = static_cast<int32_t>(version);
    node.aversion = static_cast<int32_t>(aversion);
    node.kind = static_cast<NodeKind>(kind);
    node.owner_or_ttl = owner;
    node.acl = acl_index[acl];
    tree.acls_.Ref(node.acl);
    node.SetBytes(name, data);
    ids[ordinal] = id;
    if (!is_root) {
      NodeId parent_id = ids[parent_ordinal];
      Node& parent = tree.slab_->at(parent_id);
      if (!parent.children || parent.kind == NodeKind::kEphemeral) {
        return Corrupt("node " + std::to_string(ordinal) + " under a childless parent");
      }
      node.parent = parent_id;
      auto& index = parent.children->index;
      if (!index.empty() && !(index.key_comp()(*index.rbegin(), id))) {
        return Corrupt("children out of order at node " + std::to_string(ordinal));
      }
      index.insert(index.end(), id);
    }
    if (has_children) {
      uint64_t pzxid = 0, next_sequence = 0;
      int64_t cversion = 0;
      if (!r.GetVarint(&pzxid) || !r.GetSignedVarint(&cversion) || !r.GetVarint(&next_sequence)) {
        return Corrupt("truncated children of node " + std::to_string(ordinal));
      }
      Children& children = tree.ChildrenOf(node);
      children.pzxid = pzxid;
      children.cversion = static_cast<int32_t>(cversion);
      children.next_sequence = next_sequence;
    }
    if (node.kind == NodeKind::kEphemeral) {
      auto session = tree.sessions_.find(owner);
      if (session == tree.sessions_.end()) return Corrupt("ephemeral of an unknown session");
      session->second.ephemerals.insert(id);
    } else if (node.kind == NodeKind::kContainer || node.kind == NodeKind::kTtl) {
      tree.reapable_.insert(id);
    }
  }
  uint32_t end = 0;
  if (!r.GetU32(&end) || end != kEndMagic || r.remaining() != 0) return Corrupt("bad end marker");
  for (uint32_t index : acl_index) tree.acls_.Release(index);

  tree.last_zxid_ = header.last_zxid;
  tree.digest_ = tree.ComputeDigest();
  if (tree.digest_ != header.digest) return Corrupt("digest mismatch");
  return tree;
}

}  // namespace coord
