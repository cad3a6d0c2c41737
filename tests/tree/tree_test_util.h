// Helpers shared by the coord/tree tests: transaction builders, a tree that assigns zxids, a
// prepare-then-apply pipeline that checks every prepared transaction applies as predicted, and
// whole-tree reads for comparisons.
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "coord/base/bytes.h"
#include "coord/tree/data_tree.h"
#include "coord/tree/preparer.h"
#include "protocol/txn.h"

namespace coord {

// gtest prints Codes by name.
inline void PrintTo(Code code, std::ostream* os) { *os << CodeName(code); }
inline void PrintTo(const WatchTrigger& t, std::ostream* os) {
  *os << "{" << WatchEventTypeName(t.type) << ", " << t.path << "}";
}

namespace testing_util {

// The transaction's kind, for failure messages (TxnName lives in the codec library, which the
// tree does not link).
inline const char* KindName(const Txn& txn) {
  static const char* const kNames[] = {"create",         "delete",        "set_data",
                                       "set_acl",        "check",         "multi",
                                       "create_session", "close_session", "error"};
  static_assert(std::variant_size_v<Txn> == 9);
  return kNames[txn.index()];
}

inline CreateTxn Create(std::string path, std::string data = "",
                        NodeKind kind = NodeKind::kPersistent) {
  CreateTxn t;
  t.path = std::move(path);
  t.data = std::move(data);
  t.acl = OpenAcl();
  t.kind = kind;
  return t;
}
inline CreateTxn Ephemeral(std::string path, SessionId owner, std::string data = "") {
  CreateTxn t = Create(std::move(path), std::move(data), NodeKind::kEphemeral);
  t.ephemeral_owner = owner;
  return t;
}
inline CreateTxn Container(std::string path) {
  return Create(std::move(path), "", NodeKind::kContainer);
}
inline CreateTxn Ttl(std::string path, int64_t ttl_ms) {
  CreateTxn t = Create(std::move(path), "", NodeKind::kTtl);
  t.ttl_ms = ttl_ms;
  return t;
}
inline CreateTxn Sequential(std::string path) {
  CreateTxn t = Create(std::move(path));
  t.sequential = true;
  return t;
}
inline DeleteTxn Delete(std::string path, int32_t version = kAnyVersion) {
  DeleteTxn t;
  t.path = std::move(path);
  t.version = version;
  return t;
}
inline DeleteTxn Reap(std::string path) {
  DeleteTxn t = Delete(std::move(path));
  t.reap = true;
  return t;
}
inline SetDataTxn SetData(std::string path, std::string data, int32_t version = kAnyVersion) {
  SetDataTxn t;
  t.path = std::move(path);
  t.data = std::move(data);
  t.version = version;
  return t;
}
inline SetAclTxn SetAcl(std::string path, AclList acl, int32_t version = kAnyVersion) {
  SetAclTxn t;
  t.path = std::move(path);
  t.acl = std::move(acl);
  t.version = version;
  return t;
}
inline CheckTxn Check(std::string path, int32_t version = kAnyVersion) {
  CheckTxn t;
  t.path = std::move(path);
  t.version = version;
  return t;
}

inline CreateSessionTxn SessionTxn(SessionId id, int32_t timeout_ms) {
  CreateSessionTxn r;
  r.session_id = id;
  r.timeout_ms = timeout_ms;
  return r;
}
inline CloseSessionTxn CloseTxn(SessionId id) {
  CloseSessionTxn r;
  r.session_id = id;
  return r;
}
inline ErrorTxn Error(Code code, int32_t failed_op = -1) {
  ErrorTxn r;
  r.code = code;
  r.failed_op = failed_op;
  return r;
}

// Requests, as a client (or the server) would send them to the Preparer.
inline CreateRequest CreateReq(std::string path, std::string data = "",
                               NodeKind kind = NodeKind::kPersistent) {
  CreateRequest r;
  r.path = std::move(path);
  r.data = std::move(data);
  r.kind = kind;
  return r;
}
inline CreateRequest SequentialReq(std::string prefix, NodeKind kind = NodeKind::kPersistent) {
  CreateRequest r = CreateReq(std::move(prefix), "", kind);
  r.sequential = true;
  return r;
}
inline DeleteRequest DeleteReq(std::string path, int32_t version = kAnyVersion) {
  DeleteRequest r;
  r.path = std::move(path);
  r.version = version;
  return r;
}
inline SetDataRequest SetDataReq(std::string path, std::string data,
                                 int32_t version = kAnyVersion) {
  SetDataRequest r;
  r.path = std::move(path);
  r.data = std::move(data);
  r.version = version;
  return r;
}
inline SetAclRequest SetAclReq(std::string path, AclList acl, int32_t version = kAnyVersion) {
  SetAclRequest r;
  r.path = std::move(path);
  r.acl = std::move(acl);
  r.version = version;
  return r;
}
inline CheckRequest CheckReq(std::string path, int32_t version = kAnyVersion) {
  CheckRequest r;
  r.path = std::move(path);
  r.version = version;
  return r;
}
inline CreateSessionRequest SessionReq(SessionId id, int32_t timeout_ms) {
  CreateSessionRequest r;
  r.session_id = id;
  r.timeout_ms = timeout_ms;
  return r;
}
inline CloseSessionRequest CloseReq(SessionId id) {
  CloseSessionRequest r;
  r.session_id = id;
  return r;
}
inline ReapRequest ReapReq(std::string path) {
  ReapRequest r;
  r.path = std::move(path);
  return r;
}

// A DataTree that numbers transactions itself: zxid 1, 2, ...; time is set by the test.
struct TreeHarness {
  explicit TreeHarness(TreeLimits limits = {}) : tree(limits) {}
  ApplyResult Apply(const Txn& txn) { return tree.Apply(txn, ++zxid, time_ms); }
  // Applies and expects success.
  ApplyResult Ok(const Txn& txn) {
    ApplyResult r = Apply(txn);
    EXPECT_TRUE(r.status.ok()) << KindName(txn) << ": " << r.status.ToString();
    return r;
  }

  DataTree tree;
  Zxid zxid = 0;
  int64_t time_ms = 1000;
};

// The Preparer in front of a DataTree, as on a leader: requests are prepared at increasing zxids
// and queued; Drain() applies the queue in order and checks that each transaction applies with
// exactly the outcome preparation predicted, then retires it from the Preparer.
struct Pipeline {
  explicit Pipeline(TreeLimits limits = {}) : tree(limits), prep(&tree) {}
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  Prepared Prepare(const WriteRequest& request, SessionId session = 0,
                   const AuthContext& auth = {}) {
    const Zxid zxid = ++last_prepared;
    Prepared p = prep.Prepare(request, session, ++request_id, auth, zxid, time_ms);
    EXPECT_EQ(p.record.session_id, session);
    EXPECT_EQ(p.record.request_id, request_id);
    EXPECT_EQ(p.record.time_ms, time_ms);
    EXPECT_EQ(p.status.ok(), !std::holds_alternative<ErrorTxn>(p.record.txn));
    queue.emplace_back(zxid, p);
    return p;
  }

  // Applies the oldest queued transaction; returns its result.
  ApplyResult ApplyNext() {
    EXPECT_FALSE(queue.empty());
    auto [zxid, p] = std::move(queue.front());
    queue.pop_front();
    ApplyResult r = tree.Apply(p.record, zxid);
    ExpectAppliedAsPrepared(p, r);
    prep.Applied(zxid);
    applied.push_back({zxid, p.record});
    return r;
  }

  // Applies everything queued; afterwards no change is pending.
  std::vector<ApplyResult> Drain() {
    std::vector<ApplyResult> results;
    while (!queue.empty()) results.push_back(ApplyNext());
    EXPECT_EQ(prep.pending_changes(), 0u);
    return results;
  }

  static void ExpectAppliedAsPrepared(const Prepared& p, const ApplyResult& r) {
    EXPECT_EQ(r.status.code(), p.status.code())
        << KindName(p.record.txn) << " prepared as " << p.status.ToString() << ", applied as "
        << r.status.ToString();
    if (const auto* multi = std::get_if<MultiTxn>(&p.record.txn)) {
      EXPECT_EQ(r.ops.size(), multi->ops.size());
      for (const OpResult& op : r.ops) EXPECT_EQ(op.code, Code::kOk);
    }
    if (const auto* create = std::get_if<CreateTxn>(&p.record.txn)) {
      EXPECT_EQ(r.path, create->path);
    }
  }

  DataTree tree;
  Preparer prep;
  Zxid last_prepared = 0;
  int64_t request_id = 0;
  int64_t time_ms = 1000;
  std::deque<std::pair<Zxid, Prepared>> queue;
  std::vector<std::pair<Zxid, TxnRecord>> applied;
};

inline Stat StatOf(const DataTree& tree, std::string_view path) {
  Stat stat;
  Status s = tree.GetStat(path, &stat);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return stat;
}
inline std::string DataOf(const DataTree& tree, std::string_view path) {
  std::string data;
  Status s = tree.GetData(path, &data, nullptr);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return data;
}
inline std::vector<std::string> ChildrenOf(const DataTree& tree, std::string_view path) {
  ChildPage page;
  Status s = tree.GetChildren(path, "", 0, &page, nullptr);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_FALSE(page.more);
  return page.names;
}
inline bool Exists(const DataTree& tree, std::string_view path) {
  Stat stat;
  return tree.GetStat(path, &stat).ok();
}

// Every path in the tree, in pre-order (root first, children in name order).
inline std::vector<std::string> AllPaths(const DataTree& tree) {
  std::vector<std::string> out;
  std::vector<std::string> stack{"/"};
  while (!stack.empty()) {
    std::string path = std::move(stack.back());
    stack.pop_back();
    std::vector<std::string> children = ChildrenOf(tree, path);
    for (auto it = children.rbegin(); it != children.rend(); ++it) {
      stack.push_back(path == "/" ? "/" + *it : path + "/" + *it);
    }
    out.push_back(std::move(path));
  }
  return out;
}

// Everything a DataTree exposes, for comparing two trees field by field.
struct NodeDump {
  std::string data;
  Stat stat;
  AclList acl;
  NodeKind kind = NodeKind::kPersistent;
  int64_t ttl_ms = 0;
  uint64_t next_sequence = 0;
  std::vector<std::string> children;
  friend bool operator==(const NodeDump&, const NodeDump&) = default;
};
struct TreeDump {
  Zxid last_zxid = 0;
  uint64_t digest = 0;
  std::map<std::string, NodeDump> nodes;
  std::vector<std::pair<SessionId, int32_t>> sessions;
  std::map<SessionId, std::vector<std::string>> ephemerals;
  std::map<SessionId, std::string> passwords;
  friend bool operator==(const TreeDump&, const TreeDump&) = default;
};

inline TreeDump Dump(const DataTree& tree) {
  TreeDump d;
  d.last_zxid = tree.last_zxid();
  d.digest = tree.digest();
  for (const std::string& path : AllPaths(tree)) {
    NodeDump& n = d.nodes[path];
    EXPECT_TRUE(tree.GetData(path, &n.data, &n.stat).ok());
    Stat acl_stat;
    EXPECT_TRUE(tree.GetAcl(path, &n.acl, &acl_stat).ok());
    EXPECT_EQ(acl_stat, n.stat);
    std::optional<NodeView> view = tree.Find(path);
    EXPECT_TRUE(view.has_value());
    n.kind = view->kind;
    n.ttl_ms = view->ttl_ms;
    n.next_sequence = view->next_sequence;
    n.children = ChildrenOf(tree, path);
  }
  d.sessions = tree.Sessions();
  for (const auto& [session, timeout] : tree.Sessions()) {
    d.ephemerals[session] = tree.EphemeralPaths(session);
    d.passwords[session] = tree.SessionPassword(session).value_or("<none>");
  }
  return d;
}

// A ByteSink that keeps what it is given, in memory.
class StringSink : public ByteSink {
 public:
  Status Write(std::string_view bytes) override {
    ++writes_;
    if (!fail_with_.ok()) return fail_with_;
    data_.append(bytes);
    return Status::Ok();
  }
  void FailWith(Status s) { fail_with_ = std::move(s); }
  const std::string& data() const { return data_; }
  int writes() const { return writes_; }

 private:
  std::string data_;
  Status fail_with_;
  int writes_ = 0;
};

}  // namespace testing_util
}  // namespace coord
