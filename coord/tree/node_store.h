// NodeStore: the compact in-memory representation of znodes.
//
// Memory is the tree's main cost (a coordination service is sized by what it holds), so a node
// is a fixed 120-byte record in a slab, addressed by a 32-bit NodeId that stays valid for the
// node's lifetime:
//   - name and data share one buffer, inline when together they fit in kInlineBytes (typical
//     small znodes need no heap allocation), otherwise one heap block;
//   - child-related state (sorted child index, pzxid, cversion, sequence counter) lives in a
//     separate Children record that only nodes that ever had a child get;
//   - children are kept in a B-tree of NodeIds ordered by name (absl::btree_set with a
//     comparator that reads names from the slab): ~5 bytes per child instead of ~40 for
//     std::set<std::string>, sorted listing and cursor paging for free.
// Full paths are not stored; they are rebuilt by walking parents when needed.
//
// Threading: none; owned by one DataTree.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "absl/container/btree_set.h"
#include "coord/base/check.h"
#include "coord/base/types.h"
#include "protocol/types.h"

namespace coord {

using NodeId = uint32_t;
constexpr NodeId kInvalidNodeId = UINT32_MAX;
constexpr NodeId kRootNodeId = 0;

class NodeSlab;

// Orders child NodeIds by name; also compares against a name directly (heterogeneous lookup).
struct ChildNameLess {
  using is_transparent = void;
  const NodeSlab* slab = nullptr;
  bool operator()(NodeId a, NodeId b) const;
  bool operator()(NodeId a, std::string_view b) const;
  bool operator()(std::string_view a, NodeId b) const;
};

struct Children {
  explicit Children(const NodeSlab* slab) : index(ChildNameLess{slab}) {}
  absl::btree_set<NodeId, ChildNameLess> index;
  Zxid pzxid = 0;              // last zxid that created or deleted a child
  int32_t cversion = 0;        // number of child creations and deletions
  uint64_t next_sequence = 0;  // suffix of the next sequential child (64-bit: never wraps)
};

struct Node {
  static constexpr size_t kInlineBytes = 48;

  Zxid czxid = 0;
  Zxid mzxid = 0;
  int64_t ctime_ms = 0;
  int64_t mtime_ms = 0;
  int64_t owner_or_ttl = 0;  // kEphemeral: owning session; kTtl: ttl in ms; else 0
  int32_t version = 0;
  int32_t aversion = 0;
  NodeId parent = kInvalidNodeId;
  uint32_t acl = 0;  // index into the tree's AclTable
  uint32_t data_len = 0;
  uint16_t name_len = 0;
  NodeKind kind = NodeKind::kPersistent;
  bool in_use = false;
  std::unique_ptr<Children> children;  // null until the first child is created
  union {
    char small[kInlineBytes];
    char* large;
  } bytes{};

  bool IsInline() const { return size_t{name_len} + data_len <= kInlineBytes; }
  const char* Buffer() const { return IsInline() ? bytes.small : bytes.large; }
  std::string_view name() const { return {Buffer(), name_len}; }
  std::string_view data() const { return {Buffer() + name_len, data_len}; }
  size_t num_children() const { return children ? children->index.size() : 0; }

  // Replaces name and data (either may alias the current buffer).
  void SetBytes(std::string_view name, std::string_view data);
  void SetData(std::string_view data) { SetBytes(std::string(name()), data); }
  void FreeBytes();
};

// Stable storage for Nodes: chunks that never move, and a free list of ids.
class NodeSlab {
 public:
  static constexpr size_t kChunkNodes = 4096;

  NodeSlab() = default;
  NodeSlab(const NodeSlab&) = delete;
  NodeSlab& operator=(const NodeSlab&) = delete;
  ~NodeSlab();

  NodeId Allocate();
  void Free(NodeId id);

  Node& at(NodeId id) { return chunks_[id / kChunkNodes][id % kChunkNodes]; }
  const Node& at(NodeId id) const { return chunks_[id / kChunkNodes][id % kChunkNodes]; }
  size_t live() const { return live_; }
  size_t capacity() const { return chunks_.size() * kChunkNodes; }

 private:
  std::vector<std::unique_ptr<Node[]>> chunks_;
  std::vector<NodeId> free_;
  NodeId next_unused_ = 0;
  size_t live_ = 0;
};

inline bool ChildNameLess::operator()(NodeId a, NodeId b) const {
  return slab->at(a).name() < slab->at(b).name();
}
inline bool ChildNameLess::operator()(NodeId a, std::string_view b) const {
  return slab->at(a).name() < b;
}
inline bool ChildNameLess::operator()(std::string_view a, NodeId b) const {
  return a < slab->at(b).name();
}

}  // namespace coord
