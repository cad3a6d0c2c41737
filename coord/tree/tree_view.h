// TreeView: what validating a transaction needs to know about nodes and sessions, and Overlay,
// a view with uncommitted changes layered over another view.
//
// The same rules (txn_rules.h) check a transaction against the committed tree (DataTree is a
// TreeView), against the committed tree plus proposed-but-uncommitted changes (the Preparer's
// pending Overlay), and against a multi's own earlier ops (a temporary Overlay), so pipelined
// and multi-op writes validate exactly as they will apply.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "coord/base/types.h"
#include "protocol/types.h"

namespace coord {

// The validation-relevant state of one node.
struct NodeView {
  NodeKind kind = NodeKind::kPersistent;
  int32_t version = 0;
  int32_t aversion = 0;
  int32_t cversion = 0;
  int64_t num_children = 0;
  SessionId ephemeral_owner = 0;
  int64_t ttl_ms = 0;
  int64_t mtime_ms = 0;
  uint64_t next_sequence = 0;
  std::shared_ptr<const AclList> acl;
};

class TreeView {
 public:
  virtual ~TreeView() = default;
  virtual std::optional<NodeView> Find(std::string_view path) const = 0;
  virtual bool SessionExists(SessionId session) const = 0;
};

// Changes over a base view. Each change carries a tag (the zxid of the transaction that made it)
// so that the changes of transactions that have since been applied can be retired.
//
// Threading: none. The base must outlive the overlay.
class Overlay : public TreeView {
 public:
  explicit Overlay(const TreeView* base) : base_(base) {}

  std::optional<NodeView> Find(std::string_view path) const override;
  bool SessionExists(SessionId session) const override;

  // Records that `path` now has state `node` (nullopt: deleted).
  void PutNode(std::string_view path, std::optional<NodeView> node, Zxid tag);
  void PutSession(SessionId session, bool exists, Zxid tag);

  // Moves every change of `other` (an overlay over this one) into this overlay.
  void Absorb(Overlay&& other);

  // Drops changes whose tag <= applied_zxid: the base now reflects them (or newer state).
  void Retire(Zxid applied_zxid);
  void Clear();
  bool empty() const { return nodes_.empty() && sessions_.empty(); }
  size_t size() const { return nodes_.size() + sessions_.size(); }

  // Existing nodes in this overlay that are ephemerals of `session` (not including the base's).
  std::vector<std::string> EphemeralsOf(SessionId session) const;
  // True when the overlay holds a change for `path` (existing or deleted).
  bool Changes(std::string_view path) const { return nodes_.find(path) != nodes_.end(); }

 private:
  struct NodeChange {
    std::optional<NodeView> node;
    Zxid tag = 0;
  };
  struct SessionChange {
    bool exists = false;
    Zxid tag = 0;
  };
  const TreeView* base_;
  std::map<std::string, NodeChange, std::less<>> nodes_;
  std::unordered_map<SessionId, SessionChange> sessions_;
};

}  // namespace coord
