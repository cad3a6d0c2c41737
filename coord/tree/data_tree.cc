#include "coord/tree/data_tree.h"

#include <algorithm>

#include "coord/base/hash.h"
#include "coord/tree/path.h"

namespace coord {
namespace {

constexpr uint64_t kPathSeed = 0x636f6f72642d7061ULL;  // "coord-pa"
constexpr uint64_t kDataSeed = 0x636f6f72642d6461ULL;  // "coord-da"

}  // namespace

DataTree::DataTree(TreeLimits limits) : limits_(limits), slab_(std::make_unique<NodeSlab>()) {
  NodeId root = slab_->Allocate();
  CHECK_EQ(root, kRootNodeId);
  Node& node = slab_->at(root);
  node.acl = acls_.Intern(OpenAcl());
  digest_ = HashOf("/", node);
}

// --- apply --------------------------------------------------------------------------------------

ApplyResult DataTree::Apply(const Txn& txn, Zxid zxid, int64_t time_ms) {
  CHECK_GT(zxid, last_zxid_) << "transactions must be applied in zxid order";
  last_zxid_ = zxid;
  return std::visit([&](const auto& t) { return ApplyOne(t, zxid, time_ms); }, txn);
}

template <typename T>
ApplyResult DataTree::ApplyOne(const T& t, Zxid zxid, int64_t time_ms) {
  ApplyResult r;
  r.status = CheckOp(*this, t, time_ms, limits_);
  if (!r.status.ok()) return r;
  OpResult out;
  Mutate(t, zxid, time_ms, &out, &r.triggers);
  r.path = std::move(out.path);
  r.stat = out.stat;
  return r;
}

ApplyResult DataTree::ApplyOne(const MultiTxn& t, Zxid zxid, int64_t time_ms) {
  return ApplyMulti(t, zxid, time_ms);
}
ApplyResult DataTree::ApplyOne(const CreateSessionTxn& t, Zxid, int64_t) {
  return ApplyCreateSession(t);
}
ApplyResult DataTree::ApplyOne(const CloseSessionTxn& t, Zxid zxid, int64_t) {
  return ApplyCloseSession(t, zxid);
}
ApplyResult DataTree::ApplyOne(const ErrorTxn& t, Zxid, int64_t) {
  ApplyResult r;
  r.status = Status(t.code, "the request failed before it was logged");
  return r;
}

ApplyResult DataTree::ApplyMulti(const MultiTxn& multi, Zxid zxid, int64_t time_ms) {
  ApplyResult r;
  // Validate every op against the tree as changed by the ops before it; change nothing unless
  // all pass.
  Overlay staged(this);
  for (size_t i = 0; i < multi.ops.size(); ++i) {
    Status s = CheckOp(staged, multi.ops[i], time_ms, limits_);
    if (!s.ok()) {
      r.ops.resize(multi.ops.size());
      for (size_t k = 0; k < multi.ops.size(); ++k) {
        r.ops[k].code = k < i ? Code::kOk : k == i ? s.code() : Code::kRuntimeInconsistency;
      }
      r.status = Status(s.code(), "multi op " + std::to_string(i) + ": " + s.message());
      return r;
    }
    StageOp(staged, multi.ops[i], time_ms, zxid);
  }
  r.ops.resize(multi.ops.size());
  for (size_t i = 0; i < multi.ops.size(); ++i) {
    Mutate(multi.ops[i], zxid, time_ms, &r.ops[i], &r.triggers);
  }
  return r;
}

ApplyResult DataTree::ApplyCreateSession(const CreateSessionTxn& t) {
  ApplyResult r;
  if (t.session_id == 0 || t.timeout_ms <= 0) {
    r.status = Status(Code::kBadArguments, "a session needs a non-zero id and a positive timeout");
  } else if (!sessions_.try_emplace(t.session_id, Session{t.timeout_ms, t.password, {}}).second) {
    r.status = Status(Code::kBadArguments, "session " + std::to_string(t.session_id) + " exists");
  }
  return r;
}

ApplyResult DataTree::ApplyCloseSession(const CloseSessionTxn& t, Zxid zxid) {
  ApplyResult r;
  if (!sessions_.contains(t.session_id)) {
    r.status = Status(Code::kSessionExpired,
                      "session " + std::to_string(t.session_id) + " does not exist");
    return r;
  }
  for (const std::string& path : EphemeralPaths(t.session_id)) DoDelete(path, zxid, &r.triggers);
  sessions_.erase(t.session_id);
  return r;
}

void DataTree::Mutate(const MultiOpTxn& op, Zxid zxid, int64_t time_ms, OpResult* out,
                      std::vector<WatchTrigger>* triggers) {
  std::visit([&](const auto& t) { Mutate(t, zxid, time_ms, out, triggers); }, op);
}
void DataTree::Mutate(const CreateTxn& t, Zxid zxid, int64_t time_ms, OpResult* out,
                      std::vector<WatchTrigger>* triggers) {
  DoCreate(t, zxid, time_ms, out, triggers);
}
void DataTree::Mutate(const DeleteTxn& t, Zxid zxid, int64_t, OpResult*,
                      std::vector<WatchTrigger>* triggers) {
  DoDelete(t.path, zxid, triggers);
}
void DataTree::Mutate(const SetDataTxn& t, Zxid zxid, int64_t time_ms, OpResult* out,
                      std::vector<WatchTrigger>* triggers) {
  DoSetData(t, zxid, time_ms, out, triggers);
}
void DataTree::Mutate(const SetAclTxn& t, Zxid, int64_t, OpResult* out,
                      std::vector<WatchTrigger>*) {
  DoSetAcl(t, out);
}
void DataTree::Mutate(const CheckTxn&, Zxid, int64_t, OpResult*, std::vector<WatchTrigger>*) {}

void DataTree::DoCreate(const CreateTxn& t, Zxid zxid, int64_t time_ms, OpResult* out,
                        std::vector<WatchTrigger>* triggers) {
  std::string_view parent_path = ParentPath(t.path);
  NodeId parent_id = Lookup(parent_path);
  CHECK_NE(parent_id, kInvalidNodeId) << parent_path;

  NodeId id = slab_->Allocate();
  Node& node = slab_->at(id);
  node.czxid = node.mzxid = zxid;
  node.ctime_ms = node.mtime_ms = time_ms;
  node.kind = t.kind;
  node.owner_or_ttl = t.kind == NodeKind::kEphemeral ? t.ephemeral_owner
                      : t.kind == NodeKind::kTtl     ? t.ttl_ms
                                                     : 0;
  node.parent = parent_id;
  node.acl = acls_.Intern(t.acl);
  node.SetBytes(BaseName(t.path), t.data);

  Node& parent = slab_->at(parent_id);
  digest_ -= HashOf(parent_path, parent);
  Children& children = ChildrenOf(parent);
  CHECK(children.index.insert(id).second) << t.path;
  children.cversion += 1;
  children.pzxid = zxid;
  if (t.sequential) children.next_sequence += 1;
  digest_ += HashOf(parent_path, parent);
  digest_ += HashOf(t.path, node);

  if (t.kind == NodeKind::kEphemeral) {
    auto session = sessions_.find(t.ephemeral_owner);
    CHECK(session != sessions_.end());
    session->second.ephemerals.insert(id);
  } else if (t.kind == NodeKind::kContainer || t.kind == NodeKind::kTtl) {
    reapable_.insert(id);
  }
  out->path = t.path;
  out->stat = StatOf(node);
  triggers->push_back({WatchEventType::kNodeCreated, t.path});
  triggers->push_back({WatchEventType::kNodeChildrenChanged, std::string(parent_path)});
}

void DataTree::DoDelete(std::string_view path, Zxid zxid, std::vector<WatchTrigger>* triggers) {
  NodeId id = Lookup(path);
  CHECK_NE(id, kInvalidNodeId) << path;
  Node& node = slab_->at(id);
  CHECK_EQ(node.num_children(), 0u) << path;
  std::string_view parent_path = ParentPath(path);
  Node& parent = slab_->at(node.parent);

  digest_ -= HashOf(path, node);
  digest_ -= HashOf(parent_path, parent);
  Children& children = *parent.children;
  CHECK_EQ(children.index.erase(id), 1u) << path;
  children.cversion += 1;
  children.pzxid = zxid;
  digest_ += HashOf(parent_path, parent);

  if (node.kind == NodeKind::kEphemeral) {
    auto session = sessions_.find(node.owner_or_ttl);
    if (session != sessions_.end()) session->second.ephemerals.erase(id);
  } else {
    reapable_.erase(id);
  }
  acls_.Release(node.acl);
  slab_->Free(id);
  triggers->push_back({WatchEventType::kNodeDeleted, std::string(path)});
  triggers->push_back({WatchEventType::kNodeChildrenChanged, std::string(parent_path)});
}

void DataTree::DoSetData(const SetDataTxn& t, Zxid zxid, int64_t time_ms, OpResult* out,
                         std::vector<WatchTrigger>* triggers) {
  NodeId id = Lookup(t.path);
  CHECK_NE(id, kInvalidNodeId) << t.path;
  Node& node = slab_->at(id);
  digest_ -= HashOf(t.path, node);
  node.SetData(t.data);
  node.version += 1;
  node.mzxid = zxid;
  node.mtime_ms = time_ms;
  digest_ += HashOf(t.path, node);
  out->stat = StatOf(node);
  triggers->push_back({WatchEventType::kNodeDataChanged, t.path});
}

void DataTree::DoSetAcl(const SetAclTxn& t, OpResult* out) {
  NodeId id = Lookup(t.path);
  CHECK_NE(id, kInvalidNodeId) << t.path;
  Node& node = slab_->at(id);
  digest_ -= HashOf(t.path, node);
  uint32_t old_acl = node.acl;
  node.acl = acls_.Intern(t.acl);
  acls_.Release(old_acl);
  node.aversion += 1;
  digest_ += HashOf(t.path, node);
  out->stat = StatOf(node);
}

// --- reads --------------------------------------------------------------------------------------

Status DataTree::GetStat(std::string_view path, Stat* stat) const {
  NodeId id = Lookup(path);
  if (id == kInvalidNodeId) return NoNodeError(path);
  *stat = StatOf(slab_->at(id));
  return Status::Ok();
}

Status DataTree::GetData(std::string_view path, std::string* data, Stat* stat) const {
  NodeId id = Lookup(path);
  if (id == kInvalidNodeId) return NoNodeError(path);
  const Node& node = slab_->at(id);
  data->assign(node.data());
  if (stat != nullptr) *stat = StatOf(node);
  return Status::Ok();
}

Status DataTree::GetAcl(std::string_view path, AclList* acl, Stat* stat) const {
  NodeId id = Lookup(path);
  if (id == kInvalidNodeId) return NoNodeError(path);
  const Node& node = slab_->at(id);
  *acl = *acls_.Get(node.acl);
  if (stat != nullptr) *stat = StatOf(node);
  return Status::Ok();
}

Status DataTree::GetChildren(std::string_view path, std::string_view after, size_t limit,
                             ChildPage* page, Stat* stat) const {
  NodeId id = Lookup(path);
  if (id == kInvalidNodeId) return NoNodeError(path);
  const Node& node = slab_->at(id);
  page->names.clear();
  page->more = false;
  if (stat != nullptr) *stat = StatOf(node);
  if (!node.children) return Status::Ok();
  const auto& index = node.children->index;
  auto it = after.empty() ? index.begin() : index.upper_bound(after);
  for (; it != index.end(); ++it) {
    if (limit != 0 && page->names.size() == limit) {
      page->more = true;
      break;
    }
    page->names.emplace_back(slab_->at(*it).name());
  }
  return Status::Ok();
}

Result<NodeKind> DataTree::GetKind(std::string_view path) const {
  NodeId id = Lookup(path);
  if (id == kInvalidNodeId) return NoNodeError(path);
  return slab_->at(id).kind;
}

// --- sessions -----------------------------------------------------------------------------------

bool DataTree::SessionExists(SessionId session) const { return sessions_.contains(session); }

std::optional<int32_t> DataTree::SessionTimeout(SessionId session) const {
  auto it = sessions_.find(session);
  if (it == sessions_.end()) return std::nullopt;
  return it->second.timeout_ms;
}

std::optional<std::string> DataTree::SessionPassword(SessionId session) const {
  auto it = sessions_.find(session);
  if (it == sessions_.end()) return std::nullopt;
  return it->second.password;
}

std::vector<std::pair<SessionId, int32_t>> DataTree::Sessions() const {
  std::vector<std::pair<SessionId, int32_t>> out;
  out.reserve(sessions_.size());
  for (const auto& [id, session] : sessions_) out.emplace_back(id, session.timeout_ms);
  std::sort(out.begin(), out.end());
  return out;
}

size_t DataTree::EphemeralCount() const {
  size_t n = 0;
  for (const auto& [id, session] : sessions_) n += session.ephemerals.size();
  return n;
}

std::vector<std::string> DataTree::EphemeralPaths(SessionId session) const {
  std::vector<std::string> out;
  auto it = sessions_.find(session);
  if (it == sessions_.end()) return out;
  for (NodeId id : it->second.ephemerals) out.push_back(PathOf(id));
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> DataTree::DueForRemoval(int64_t time_ms) const {
  std::vector<std::string> out;
  for (NodeId id : reapable_) {
    std::string path = PathOf(id);
    std::optional<NodeView> view = Find(path);
    if (view && IsDueForReap(*view, time_ms)) out.push_back(std::move(path));
  }
  std::sort(out.begin(), out.end());
  return out;
}

// --- views and helpers --------------------------------------------------------------------------

std::optional<NodeView> DataTree::Find(std::string_view path) const {
  NodeId id = Lookup(path);
  if (id == kInvalidNodeId) return std::nullopt;
  const Node& node = slab_->at(id);
  NodeView view;
  view.kind = node.kind;
  view.version = node.version;
  view.aversion = node.aversion;
  view.mtime_ms = node.mtime_ms;
  if (node.kind == NodeKind::kEphemeral) view.ephemeral_owner = node.owner_or_ttl;
  if (node.kind == NodeKind::kTtl) view.ttl_ms = node.owner_or_ttl;
  if (node.children) {
    view.cversion = node.children->cversion;
    view.num_children = static_cast<int64_t>(node.children->index.size());
    view.next_sequence = node.children->next_sequence;
  }
  view.acl = acls_.Get(node.acl);
  return view;
}

NodeId DataTree::Lookup(std::string_view path) const {
  if (path.empty() || path[0] != '/') return kInvalidNodeId;
  // "/a/" is not "/a": without this the loop below would find /a.
  if (path.size() > 1 && path.back() == '/') return kInvalidNodeId;
  NodeId current = kRootNodeId;
  size_t start = 1;
  while (start < path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const Node& node = slab_->at(current);
    if (!node.children) return kInvalidNodeId;
    auto it = node.children->index.find(path.substr(start, end - start));
    if (it == node.children->index.end()) return kInvalidNodeId;
    current = *it;
    start = end + 1;
  }
  return current;
}

std::string DataTree::PathOf(NodeId id) const {
  if (id == kRootNodeId) return "/";
  std::vector<std::string_view> names;
  for (NodeId at = id; at != kRootNodeId; at = slab_->at(at).parent) {
    names.push_back(slab_->at(at).name());
  }
  std::string path;
  for (auto it = names.rbegin(); it != names.rend(); ++it) {
    path += '/';
    path += *it;
  }
  return path;
}

Stat DataTree::StatOf(const Node& node) const {
  Stat s;
  s.czxid = node.czxid;
  s.mzxid = node.mzxid;
  s.pzxid = node.children ? node.children->pzxid : node.czxid;
  s.ctime_ms = node.ctime_ms;
  s.mtime_ms = node.mtime_ms;
  s.version = node.version;
  s.cversion = node.children ? node.children->cversion : 0;
  s.aversion = node.aversion;
  // Containers and TTL nodes show 0, as in ZooKeeper, which keeps its internal owner markers for
  // them out of the clients' Stat.
  s.ephemeral_owner = node.kind == NodeKind::kEphemeral ? node.owner_or_ttl : 0;
  s.data_length = static_cast<int32_t>(node.data_len);
  s.num_children = static_cast<int32_t>(node.num_children());
  return s;
}

uint64_t DataTree::HashOf(std::string_view path, const Node& node) const {
  uint64_t h = StableHash64(path, kPathSeed);
  h = MixHash64(h, StableHash64(node.data(), kDataSeed));
  const Children* c = node.children.get();
  for (uint64_t v :
       {node.czxid, node.mzxid, c ? c->pzxid : node.czxid, static_cast<uint64_t>(node.ctime_ms),
        static_cast<uint64_t>(node.mtime_ms), static_cast<uint64_t>(node.version),
        static_cast<uint64_t>(c ? c->cversion : 0), static_cast<uint64_t>(node.aversion),
        static_cast<uint64_t>(node.owner_or_ttl), static_cast<uint64_t>(node.kind),
        c ? c->next_sequence : 0}) {
    h = MixHash64(h, v);
  }
  return h;
}

Children& DataTree::ChildrenOf(Node& node) {
  if (!node.children) {
    node.children = std::make_unique<Children>(slab_.get());
    node.children->pzxid = node.czxid;
  }
  return *node.children;
}

uint64_t DataTree::ComputeDigest() const {
  uint64_t sum = 0;
  // Depth-first from the root, carrying paths.
  std::vector<std::pair<NodeId, std::string>> stack{{kRootNodeId, "/"}};
  while (!stack.empty()) {
    auto [id, path] = std::move(stack.back());
    stack.pop_back();
    const Node& node = slab_->at(id);
    sum += HashOf(path, node);
    if (!node.children) continue;
    for (NodeId child : node.children->index) {
      stack.emplace_back(child, JoinPath(path, slab_->at(child).name()));
    }
  }
  return sum;
}

}  // namespace coord
