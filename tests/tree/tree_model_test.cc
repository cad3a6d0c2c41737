// Randomized test: seeded random write requests go through the Preparer (several at a time, so
// they validate against pending changes) into the DataTree, and into a small reference model of
// ZooKeeper's semantics written independently here. After every batch the outcomes and the whole
// state must agree. At a midpoint the tree is snapshotted; loading the snapshot and replaying the
// later transactions must reproduce the final digest.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "coord/base/prng.h"
#include "coord/tree/data_tree.h"
#include "coord/tree/preparer.h"
#include "coord/tree/tree_snapshot.h"
#include "tests/tree/tree_test_util.h"

namespace coord {
namespace {

using namespace testing_util;  // NOLINT: test helpers

constexpr uint32_t kMaxData = 16;

// --- the reference model ------------------------------------------------------------------------

struct ModelNode {
  std::string data;
  NodeKind kind = NodeKind::kPersistent;
  SessionId owner = 0;
  int64_t ttl_ms = 0;
  uint32_t perms = perm::kAll;  // every node's ACL is world:anyone with these permissions
  Stat stat;
  uint64_t next_sequence = 0;
};

struct Caller {
  SessionId session = 0;
  bool superuser = false;
  Zxid zxid = 0;
  int64_t time_ms = 0;
};

std::string ModelParent(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == 0 ? "/" : path.substr(0, slash);
}

// The path rules, for the ASCII paths this test generates.
bool ModelValidPath(const std::string& path) {
  if (path.empty() || path[0] != '/') return false;
  if (path == "/") return true;
  if (path.back() == '/') return false;
  for (char c : path) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  }
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    const std::string part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}

std::string ModelSuffix(uint64_t n) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%010llu", static_cast<unsigned long long>(n));
  return buf;
}

class Model {
 public:
  Model() { nodes_["/"] = ModelNode{}; }

  const std::map<std::string, ModelNode>& nodes() const { return nodes_; }
  const std::map<SessionId, int32_t>& sessions() const { return sessions_; }

  // Each returns the outcome code and changes the model only on success.
  Code Create(const CreateRequest& r, const Caller& c, std::string* created) {
    const std::string probe = r.sequential ? r.path + "0" : r.path;
    if (!ModelValidPath(probe) || probe == "/") {
      return probe == "/" ? Code::kNodeExists : Code::kInvalidPath;
    }
    auto parent = nodes_.find(ModelParent(probe));
    if (parent == nodes_.end()) return Code::kNoNode;
    if (!Allowed(parent->second, perm::kCreate, c)) return Code::kNoAuth;
    const std::string path =
        r.sequential ? r.path + ModelSuffix(parent->second.next_sequence) : r.path;
    if (r.kind == NodeKind::kEphemeral && c.session == 0) return Code::kBadArguments;
    if (r.kind == NodeKind::kTtl && (r.ttl_ms <= 0 || r.ttl_ms > kMaxTtlMs)) {
      return Code::kBadArguments;
    }
    if (r.kind != NodeKind::kTtl && r.ttl_ms != 0) return Code::kBadArguments;
    if (r.data.size() > kMaxData) return Code::kTooLarge;
    if (r.kind == NodeKind::kEphemeral && !sessions_.contains(c.session)) {
      return Code::kSessionExpired;
    }
    if (parent->second.kind == NodeKind::kEphemeral) return Code::kNoChildrenForEphemerals;
    if (nodes_.contains(path)) return Code::kNodeExists;

    ModelNode n;
    n.data = r.data;
    n.kind = r.kind;
    n.owner = r.kind == NodeKind::kEphemeral ? c.session : 0;
    n.ttl_ms = r.ttl_ms;
    n.perms = r.acl.at(0).perms;
    n.stat.czxid = n.stat.mzxid = n.stat.pzxid = c.zxid;
    n.stat.ctime_ms = n.stat.mtime_ms = c.time_ms;
    n.stat.ephemeral_owner = n.owner;
    n.stat.data_length = static_cast<int32_t>(r.data.size());
    nodes_[path] = n;
    ChildChanged(parent->second, +1, c.zxid);
    if (r.sequential) ++parent->second.next_sequence;
    *created = path;
    return Code::kOk;
  }

  Code Delete(const DeleteRequest& r, const Caller& c) {
    if (!ModelValidPath(r.path)) return Code::kInvalidPath;
    if (r.path == "/") return Code::kBadArguments;
    auto parent = nodes_.find(ModelParent(r.path));
    if (parent == nodes_.end()) return Code::kNoNode;
    if (!Allowed(parent->second, perm::kDelete, c)) return Code::kNoAuth;
    auto node = nodes_.find(r.path);
    if (node == nodes_.end()) return Code::kNoNode;
    if (r.version != kAnyVersion && r.version != node->second.stat.version) {
      return Code::kBadVersion;
    }
    if (node->second.stat.num_children > 0) return Code::kNotEmpty;
    Remove(r.path, c.zxid);
    return Code::kOk;
  }

  Code SetData(const SetDataRequest& r, const Caller& c) {
    ModelNode* node = nullptr;
    if (Code code = Permitted(r.path, perm::kWrite, c, &node); code != Code::kOk) return code;
    if (r.data.size() > kMaxData) return Code::kTooLarge;
    if (r.version != kAnyVersion && r.version != node->stat.version) return Code::kBadVersion;
    node->data = r.data;
    node->stat.version += 1;
    node->stat.mzxid = c.zxid;
    node->stat.mtime_ms = c.time_ms;
    node->stat.data_length = static_cast<int32_t>(r.data.size());
    return Code::kOk;
  }

  Code SetAcl(const SetAclRequest& r, const Caller& c) {
    ModelNode* node = nullptr;
    if (Code code = Permitted(r.path, perm::kAdmin, c, &node); code != Code::kOk) return code;
    if (r.version != kAnyVersion && r.version != node->stat.aversion) return Code::kBadVersion;
    node->perms = r.acl.at(0).perms;
    node->stat.aversion += 1;
    return Code::kOk;
  }

  Code Check(const CheckRequest& r, const Caller& c) {
    ModelNode* node = nullptr;
    if (Code code = Permitted(r.path, perm::kRead, c, &node); code != Code::kOk) return code;
    if (r.version != kAnyVersion && r.version != node->stat.version) return Code::kBadVersion;
    return Code::kOk;
  }

  // All ops or none; `failed` is the index of the first failing op.
  Code Multi(const MultiRequest& r, const Caller& c, int* failed,
             std::vector<std::string>* created) {
    Model scratch = *this;
    for (size_t i = 0; i < r.ops.size(); ++i) {
      std::string path;
      Code code = std::visit([&](const auto& op) { return scratch.Op(op, c, &path); }, r.ops[i]);
      if (code != Code::kOk) {
        *failed = static_cast<int>(i);
        return code;
      }
      created->push_back(path);
    }
    *this = std::move(scratch);
    return Code::kOk;
  }

  Code CreateSession(const CreateSessionRequest& r) {
    if (r.session_id == 0 || r.timeout_ms <= 0 || sessions_.contains(r.session_id)) {
      return Code::kBadArguments;
    }
    sessions_[r.session_id] = r.timeout_ms;
    return Code::kOk;
  }

  Code CloseSession(const CloseSessionRequest& r, const Caller& c) {
    if (!sessions_.contains(r.session_id)) return Code::kSessionExpired;
    for (const std::string& path : EphemeralsOf(r.session_id)) Remove(path, c.zxid);
    sessions_.erase(r.session_id);
    return Code::kOk;
  }

  Code Reap(const ReapRequest& r, const Caller& c) {
    if (!ModelValidPath(r.path)) return Code::kInvalidPath;
    if (r.path == "/") return Code::kBadArguments;
    auto node = nodes_.find(r.path);
    if (node == nodes_.end()) return Code::kNoNode;
    if (node->second.stat.num_children > 0) return Code::kNotEmpty;
    if (!Due(node->second, c.time_ms)) return Code::kBadArguments;
    Remove(r.path, c.zxid);
    return Code::kOk;
  }

  std::vector<std::string> EphemeralsOf(SessionId session) const {
    std::vector<std::string> out;
    for (const auto& [path, node] : nodes_) {
      if (node.kind == NodeKind::kEphemeral && node.owner == session) out.push_back(path);
    }
    return out;
  }

  // Containers that had a child and have none; TTL nodes unchanged for their TTL, childless.
  static bool Due(const ModelNode& n, int64_t time_ms) {
    if (n.stat.num_children > 0) return false;
    if (n.kind == NodeKind::kContainer) return n.stat.cversion > 0;
    if (n.kind == NodeKind::kTtl) return time_ms - n.stat.mtime_ms >= n.ttl_ms;
    return false;
  }

 private:
  Code Op(const CreateRequest& r, const Caller& c, std::string* path) { return Create(r, c, path); }
  Code Op(const DeleteRequest& r, const Caller& c, std::string*) { return Delete(r, c); }
  Code Op(const SetDataRequest& r, const Caller& c, std::string*) { return SetData(r, c); }
  Code Op(const SetAclRequest& r, const Caller& c, std::string*) { return SetAcl(r, c); }
  Code Op(const CheckRequest& r, const Caller& c, std::string*) { return Check(r, c); }

  static bool Allowed(const ModelNode& node, uint32_t permission, const Caller& c) {
    return c.superuser || (node.perms & permission) != 0;
  }

  Code Permitted(const std::string& path, uint32_t permission, const Caller& c, ModelNode** out) {
    if (!ModelValidPath(path)) return Code::kInvalidPath;
    auto it = nodes_.find(path);
    if (it == nodes_.end()) return Code::kNoNode;
    if (!Allowed(it->second, permission, c)) return Code::kNoAuth;
    *out = &it->second;
    return Code::kOk;
  }

  void ChildChanged(ModelNode& parent, int delta, Zxid zxid) {
    parent.stat.num_children += delta;
    parent.stat.cversion += 1;
    parent.stat.pzxid = zxid;
  }

  void Remove(const std::string& path, Zxid zxid) {
    nodes_.erase(path);
    ChildChanged(nodes_.at(ModelParent(path)), -1, zxid);
  }

  std::map<std::string, ModelNode> nodes_;
  std::map<SessionId, int32_t> sessions_;
};

// --- comparing the tree with the model ----------------------------------------------------------

// The first difference between the tree and the model, or "" when they agree.
std::string Diff(const DataTree& tree, const Model& model, int64_t time_ms) {
  std::map<std::string, std::vector<std::string>> children;
  for (const auto& [path, node] : model.nodes()) {
    if (path != "/") children[ModelParent(path)].push_back(path.substr(path.rfind('/') + 1));
  }
  for (const auto& [path, node] : model.nodes()) {
    std::string data;
    Stat stat;
    if (!tree.GetData(path, &data, &stat).ok()) return path + " is missing";
    if (data != node.data) return path + " data " + data + " != " + node.data;
    if (stat != node.stat) {
      return path + " stat differs: version " + std::to_string(stat.version) + "/" +
             std::to_string(node.stat.version) + " cversion " + std::to_string(stat.cversion) +
             "/" + std::to_string(node.stat.cversion) + " children " +
             std::to_string(stat.num_children) + "/" + std::to_string(node.stat.num_children) +
             " mzxid " + std::to_string(stat.mzxid) + "/" + std::to_string(node.stat.mzxid) +
             " pzxid " + std::to_string(stat.pzxid) + "/" + std::to_string(node.stat.pzxid) +
             " aversion " + std::to_string(stat.aversion) + "/" +
             std::to_string(node.stat.aversion);
    }
    AclList acl;
    if (!tree.GetAcl(path, &acl, nullptr).ok()) return path + " has no acl";
    if (acl != AclList{Acl{node.perms, "world", "anyone"}}) return path + " acl differs";
    std::optional<NodeView> view = tree.Find(path);
    if (!view || view->kind != node.kind || view->ttl_ms != node.ttl_ms) {
      return path + " kind or ttl differs";
    }
    if (view->next_sequence != node.next_sequence) return path + " sequence counter differs";
    std::vector<std::string> want = children[path];
    std::sort(want.begin(), want.end());
    if (ChildrenOf(tree, path) != want) return path + " children differ";
  }
  std::vector<std::string> paths = AllPaths(tree);
  std::sort(paths.begin(), paths.end());
  std::vector<std::string> model_paths;
  for (const auto& [path, node] : model.nodes()) model_paths.push_back(path);
  if (paths != model_paths) return "the tree has extra paths";

  std::vector<std::pair<SessionId, int32_t>> sessions(model.sessions().begin(),
                                                      model.sessions().end());
  if (tree.Sessions() != sessions) return "sessions differ";
  for (const auto& [session, timeout] : sessions) {
    if (tree.EphemeralPaths(session) != model.EphemeralsOf(session)) {
      return "ephemerals of session " + std::to_string(session) + " differ";
    }
  }
  std::vector<std::string> due;
  for (const auto& [path, node] : model.nodes()) {
    if (Model::Due(node, time_ms)) due.push_back(path);
  }
  if (tree.DueForRemoval(time_ms) != due) return "due-for-removal lists differ";
  if (tree.ComputeDigest() != tree.digest()) return "incremental digest differs";
  return "";
}

// --- random requests ----------------------------------------------------------------------------

class RequestGenerator {
 public:
  RequestGenerator(Prng& prng, const Model& model) : prng_(prng), model_(model) {}

  WriteRequest Next() {
    // Right after a close, often reuse the last path: it may be an ephemeral the close removes
    // while both are still pending.
    if (std::exchange(after_close_, false) && !last_.empty() && prng_.Chance(1, 2)) {
      return CreateReq(last_);
    }
    const uint64_t roll = prng_.Uniform(100);
    if (roll < 28) return Create();
    if (roll < 43) return Delete();
    if (roll < 57) return SetData();
    if (roll < 61) return SetAcl();
    if (roll < 65) {
      std::string path = Path();
      return CheckReq(path, Version(path, false));
    }
    if (roll < 78) return Multi();
    if (roll < 83) {
      const SessionId id = prng_.Range(1, 4);
      return SessionReq(id, prng_.Chance(1, 15) ? 0 : 1000);
    }
    if (roll < 87) {
      after_close_ = true;
      // Mostly the session that sent the previous request, so its fresh ephemerals go too.
      return CloseReq(prng_.Chance(3, 5) ? last_session_ : prng_.Range(1, 5));
    }
    return Reap();
  }

  Caller NextCaller() {
    Caller c;
    c.session = prng_.Chance(1, 5) ? 0 : prng_.Range(1, 4);
    c.superuser = prng_.Chance(1, 10);
    if (c.session != 0) last_session_ = c.session;
    return c;
  }

 private:
  static constexpr const char* kNames[] = {"a", "b", "c"};

  std::string RandomPath() {
    std::string path;
    const int depth = 1 + static_cast<int>(prng_.Uniform(3));
    for (int i = 0; i < depth; ++i) path += std::string("/") + kNames[prng_.Uniform(3)];
    return path;
  }
  std::string ExistingPath() {
    const auto& nodes = model_.nodes();
    if (nodes.size() <= 1) return RandomPath();
    auto it = std::next(nodes.begin(), 1 + static_cast<int64_t>(prng_.Uniform(nodes.size() - 1)));
    return it->first;
  }
  // A path for any request: existing, random, related to the previous one, or invalid.
  std::string Path() {
    const uint64_t roll = prng_.Uniform(100);
    std::string path;
    if (roll < 3) {
      static const char* kInvalid[] = {"/a/", "a", "//a", "/a/./b", "/a/../b", "/a\x01", ""};
      path = kInvalid[prng_.Uniform(7)];
    } else if (roll < 50) {
      path = ExistingPath();
    } else if (roll < 65 && !last_.empty()) {
      path = prng_.Chance(1, 2) ? last_ : last_ + "/" + kNames[prng_.Uniform(3)];
    } else if (roll < 80) {
      path = ExistingPath() + "/" + kNames[prng_.Uniform(3)];
    } else {
      path = RandomPath();
    }
    if (ModelValidPath(path)) last_ = path;
    return path;
  }
  int32_t Version(const std::string& path, bool acl) {
    auto it = model_.nodes().find(path);
    const int32_t v =
        it == model_.nodes().end() ? 0 : (acl ? it->second.stat.aversion : it->second.stat.version);
    switch (prng_.Uniform(5)) {
      case 0:
      case 1:
        return kAnyVersion;
      case 2:
      case 3:
        return v;
      default:
        return prng_.Chance(1, 2) ? v + 1 : v - 1;
    }
  }
  std::string Data() {
    return std::string(prng_.Uniform(kMaxData + 3), static_cast<char>('a' + prng_.Uniform(26)));
  }
  AclList RandomAcl() {
    if (prng_.Chance(17, 20)) return OpenAcl();
    return {Acl{static_cast<uint32_t>(prng_.Range(1, perm::kAll)), "world", "anyone"}};
  }

  CreateRequest Create() {
    CreateRequest r;
    const uint64_t kind = prng_.Uniform(100);
    r.kind = kind < 45   ? NodeKind::kPersistent
             : kind < 65 ? NodeKind::kEphemeral
             : kind < 82 ? NodeKind::kContainer
                         : NodeKind::kTtl;
    if (r.kind == NodeKind::kTtl) r.ttl_ms = prng_.Chance(1, 20) ? 0 : prng_.Range(1, 60);
    r.sequential = prng_.Chance(1, 4);
    if (r.sequential) {
      std::string parent = prng_.Chance(1, 4) ? "/" : ExistingPath();
      if (parent != "/") parent += "/";
      r.path = prng_.Chance(1, 3) ? parent : parent + "s";
    } else {
      r.path = Path();
    }
    r.data = Data();
    r.acl = RandomAcl();
    return r;
  }
  WriteRequest Delete() {
    // Keep the tree small: when it grows, delete leaves.
    std::string path = model_.nodes().size() > 60 ? ExistingPath() : Path();
    return DeleteReq(path, Version(path, false));
  }
  SetDataRequest SetData() {
    std::string path = Path();
    std::string data = Data();
    return SetDataReq(path, std::move(data), Version(path, false));
  }
  SetAclRequest SetAcl() {
    std::string path = Path();
    AclList acl = RandomAcl();
    return SetAclReq(path, std::move(acl), Version(path, true));
  }
  MultiRequest Multi() {
    MultiRequest m;
    if (prng_.Chance(2, 5)) {
      // A chain: later ops use what the first op creates.
      std::string base = prng_.Chance(1, 2) ? ExistingPath() : std::string();
      base = base + "/" + kNames[prng_.Uniform(3)];
      const std::string child = base + "/" + kNames[prng_.Uniform(3)];
      std::string data = Data();
      m.ops.push_back(CreateReq(base, std::move(data)));
      const bool with_child = prng_.Chance(1, 2);
      if (with_child) m.ops.push_back(CreateReq(child));
      const bool set = prng_.Chance(1, 2);
      if (set) m.ops.push_back(SetDataReq(base, "v", 0));
      if (prng_.Chance(1, 2)) m.ops.push_back(CheckReq(base, set ? 1 : 0));
      if (with_child && prng_.Chance(1, 2)) m.ops.push_back(DeleteReq(child, 0));
      return m;
    }
    const int n = 1 + static_cast<int>(prng_.Uniform(4));
    for (int i = 0; i < n; ++i) {
      const uint64_t roll = prng_.Uniform(100);
      if (roll < 35) {
        m.ops.push_back(Create());
      } else if (roll < 55) {
        std::string path = Path();
        m.ops.push_back(DeleteReq(path, Version(path, false)));
      } else if (roll < 75) {
        m.ops.push_back(SetData());
      } else if (roll < 85) {
        m.ops.push_back(SetAcl());
      } else {
        std::string path = Path();
        m.ops.push_back(CheckReq(path, Version(path, false)));
      }
    }
    return m;
  }
  ReapRequest Reap() {
    std::vector<std::string> reapable;
    for (const auto& [path, node] : model_.nodes()) {
      if (node.kind == NodeKind::kContainer || node.kind == NodeKind::kTtl) {
        reapable.push_back(path);
      }
    }
    if (reapable.empty() || prng_.Chance(1, 5)) return ReapReq(Path());
    return ReapReq(reapable[prng_.Uniform(reapable.size())]);
  }

  Prng& prng_;
  const Model& model_;
  std::string last_;
  SessionId last_session_ = 1;
  bool after_close_ = false;
};

// --- the test -----------------------------------------------------------------------------------

// What the model predicts for one request.
struct Expected {
  Code code = Code::kOk;
  int failed_op = -1;
  std::vector<std::string> created;  // create: the path; multi: per op ("" for non-creates)
};

Expected RunModel(Model& model, const WriteRequest& request, const Caller& c) {
  Expected e;
  std::string path;
  if (const auto* r = std::get_if<CreateRequest>(&request)) {
    e.code = model.Create(*r, c, &path);
    e.created.push_back(path);
  } else if (const auto* r = std::get_if<DeleteRequest>(&request)) {
    e.code = model.Delete(*r, c);
  } else if (const auto* r = std::get_if<SetDataRequest>(&request)) {
    e.code = model.SetData(*r, c);
  } else if (const auto* r = std::get_if<SetAclRequest>(&request)) {
    e.code = model.SetAcl(*r, c);
  } else if (const auto* r = std::get_if<CheckRequest>(&request)) {
    e.code = model.Check(*r, c);
  } else if (const auto* r = std::get_if<MultiRequest>(&request)) {
    e.code = model.Multi(*r, c, &e.failed_op, &e.created);
  } else if (const auto* r = std::get_if<CreateSessionRequest>(&request)) {
    e.code = model.CreateSession(*r);
  } else if (const auto* r = std::get_if<CloseSessionRequest>(&request)) {
    e.code = model.CloseSession(*r, c);
  } else {
    e.code = model.Reap(std::get<ReapRequest>(request), c);
  }
  return e;
}

// Outcome counts over all seeds, to check that the generator reaches every rule.
struct Coverage {
  std::map<Code, int> codes;
  int multi_ok = 0, multi_failed = 0, multi_dependent_ok = 0, pipelined = 0, sequential = 0;
  int reaped = 0, closed_with_ephemerals = 0;
};

void ExpectPreparedAsModeled(const Prepared& p, const Expected& e, const WriteRequest& request) {
  ASSERT_EQ(p.status.code(), e.code) << p.status.ToString();
  if (e.code != Code::kOk) {
    ASSERT_EQ(p.record.txn, Txn(Error(e.code, e.failed_op)));
    return;
  }
  if (const auto* create = std::get_if<CreateTxn>(&p.record.txn)) {
    ASSERT_EQ(create->path, e.created.at(0));
  }
  if (const auto* multi = std::get_if<MultiTxn>(&p.record.txn)) {
    ASSERT_EQ(multi->ops.size(), std::get<MultiRequest>(request).ops.size());
    for (size_t i = 0; i < multi->ops.size(); ++i) {
      if (const auto* create = std::get_if<CreateTxn>(&multi->ops[i])) {
        ASSERT_EQ(create->path, e.created.at(i));
      }
    }
  }
}

void RunSeed(uint64_t seed, int ops, Coverage& coverage) {
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  Prng prng(seed);
  Pipeline pipe(TreeLimits{.max_data_bytes = kMaxData});
  Model model;
  RequestGenerator gen(prng, model);
  std::string snapshot;
  size_t snapshot_mark = 0;

  for (int done = 0; done < ops;) {
    const int batch = 1 + static_cast<int>(prng.Uniform(prng.Chance(1, 4) ? 10 : 4));
    if (batch > 1) ++coverage.pipelined;
    for (int i = 0; i < batch && done < ops; ++i, ++done) {
      SCOPED_TRACE(::testing::Message() << "op " << done);
      pipe.time_ms += static_cast<int64_t>(prng.Uniform(6));
      const WriteRequest request = gen.Next();
      Caller caller = gen.NextCaller();
      caller.zxid = pipe.last_prepared + 1;
      caller.time_ms = pipe.time_ms;
      const size_t ephemerals_before =
          std::holds_alternative<CloseSessionRequest>(request)
              ? model.EphemeralsOf(std::get<CloseSessionRequest>(request).session_id).size()
              : 0;
      const Expected expected = RunModel(model, request, caller);
      const AuthContext auth{{}, caller.superuser};
      const Prepared p = pipe.Prepare(request, caller.session, auth);
      ExpectPreparedAsModeled(p, expected, request);
      if (::testing::Test::HasFatalFailure()) return;

      ++coverage.codes[expected.code];
      if (const auto* m = std::get_if<MultiRequest>(&request)) {
        if (expected.code != Code::kOk) {
          ++coverage.multi_failed;
        } else {
          ++coverage.multi_ok;
          // A later op that names a path an earlier op of the same multi created.
          for (size_t k = 1; k < m->ops.size(); ++k) {
            const std::string later = std::visit([](const auto& op) { return op.path; }, m->ops[k]);
            for (size_t j = 0; j < k; ++j) {
              const std::string& made = expected.created[j];
              if (!made.empty() && (later == made || ModelParent(later) == made)) {
                ++coverage.multi_dependent_ok;
              }
            }
          }
        }
      }
      if (expected.code == Code::kOk) {
        if (const auto* c = std::get_if<CreateRequest>(&request); c && c->sequential) {
          ++coverage.sequential;
        }
        if (std::holds_alternative<ReapRequest>(request)) ++coverage.reaped;
        if (ephemerals_before > 0) ++coverage.closed_with_ephemerals;
      }
    }
    pipe.Drain();
    ASSERT_FALSE(::testing::Test::HasFailure()) << "prepared and applied outcomes differ";
    ASSERT_EQ(Diff(pipe.tree, model, pipe.time_ms), "") << "after op " << done;
    ASSERT_EQ(pipe.tree.last_zxid(), pipe.last_prepared);

    if (snapshot.empty() && done >= ops / 2) {
      StringSink sink;
      ASSERT_TRUE(TreeSnapshotCodec::Write(pipe.tree, sink).ok());
      snapshot = sink.data();
      snapshot_mark = pipe.applied.size();
    }
  }

  // Snapshot + replay of the later transactions gives the same tree.
  ASSERT_FALSE(snapshot.empty());
  Result<DataTree> restored = TreeSnapshotCodec::Read(snapshot, TreeLimits{kMaxData});
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  for (size_t i = snapshot_mark; i < pipe.applied.size(); ++i) {
    const auto& [zxid, record] = pipe.applied[i];
    restored->Apply(record, zxid).status.IgnoreError();
  }
  EXPECT_EQ(restored->digest(), pipe.tree.digest());
  EXPECT_EQ(restored->last_zxid(), pipe.tree.last_zxid());
  EXPECT_EQ(Dump(*restored), Dump(pipe.tree));
  EXPECT_EQ(Diff(*restored, model, pipe.time_ms), "");
}

TEST(TreeModelTest, RandomOperationsAgreeWithTheModel) {
  Coverage coverage;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    RunSeed(seed, 2000, coverage);
    if (HasFatalFailure()) return;
  }
  // The generator reached every rule (so agreement means something).
  for (Code code : {Code::kOk, Code::kNoNode, Code::kNodeExists, Code::kBadVersion, Code::kNotEmpty,
                    Code::kNoChildrenForEphemerals, Code::kInvalidPath, Code::kBadArguments,
                    Code::kNoAuth, Code::kSessionExpired, Code::kTooLarge}) {
    EXPECT_GT(coverage.codes[code], 20) << CodeName(code);
  }
  EXPECT_GT(coverage.multi_ok, 200);
  EXPECT_GT(coverage.multi_failed, 200);
  EXPECT_GT(coverage.multi_dependent_ok, 20);
  EXPECT_GT(coverage.pipelined, 5000);
  EXPECT_GT(coverage.sequential, 200);
  EXPECT_GT(coverage.reaped, 50);
  EXPECT_GT(coverage.closed_with_ephemerals, 50);
  for (const auto& [code, count] : coverage.codes) {
    RecordProperty(std::string(CodeName(code)), count);
  }
  RecordProperty("multi_ok", coverage.multi_ok);
  RecordProperty("multi_failed", coverage.multi_failed);
  RecordProperty("multi_dependent_ok", coverage.multi_dependent_ok);
  RecordProperty("pipelined_batches", coverage.pipelined);
  RecordProperty("sequential", coverage.sequential);
  RecordProperty("reaped", coverage.reaped);
  RecordProperty("closed_with_ephemerals", coverage.closed_with_ephemerals);
}

}  // namespace
}  // namespace coord
