// The snapshot body of a DataTree: nodes, sessions and ACLs at last_zxid(), streamed to a
// ByteSink (storage/ adds the file header, checksum and durability).
//
// Layout (little-endian, varints as in coord/base/bytes.h): magic "TREE", format version,
// last zxid, digest, counts; the ACL table; the sessions; the nodes in pre-order (root first,
// children in name order), each naming its parent by pre-order ordinal; an end marker. Loading
// rebuilds the tree in one pass (children arrive sorted, so B-tree inserts append) and then
// verifies that the recomputed digest equals the stored one.
#pragma once

#include <string_view>

#include "coord/base/bytes.h"
#include "coord/base/status.h"
#include "coord/tree/data_tree.h"

namespace coord {

struct TreeSnapshotSummary {
  Zxid last_zxid = 0;
  uint64_t digest = 0;
  uint64_t nodes = 0;
  uint64_t sessions = 0;
  uint64_t acls = 0;
};

class TreeSnapshotCodec {
 public:
  static Status Write(const DataTree& tree, ByteSink& sink);
  // kCorruption on any malformed input; never crashes on bad bytes.
  static Result<DataTree> Read(std::string_view body, TreeLimits limits = {});
  static Result<TreeSnapshotSummary> ReadSummary(std::string_view body);
};

}  // namespace coord
