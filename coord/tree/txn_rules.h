// The rules that decide whether a node transaction succeeds, and its effect on a view.
//
// One implementation serves three callers: DataTree::Apply (against the committed tree), the
// Preparer (against committed + pending changes) and multi (against its own earlier ops), so a
// transaction that prepares successfully applies successfully, by construction.
#pragma once

#include <cstdint>

#include "coord/base/status.h"
#include "coord/tree/tree_view.h"
#include "protocol/txn.h"

namespace coord {

struct TreeLimits {
  // Largest data of one node; ZooKeeper's jute.maxbuffer default is also 1 MiB.
  uint32_t max_data_bytes = 1 << 20;
};

// Ok if `op` would succeed against `view` at time `time_ms`; otherwise the ZooKeeper error code
// with a message: no_node, node_exists, bad_version, not_empty, no_children_for_ephemerals,
// invalid_path, invalid_acl, too_large, bad_arguments, session_expired.
Status CheckOp(const TreeView& view, const MultiOpTxn& op, int64_t time_ms,
               const TreeLimits& limits);
// The same, per transaction type (no copy into a MultiOpTxn).
Status CheckOp(const TreeView& view, const CreateTxn& t, int64_t time_ms, const TreeLimits& limits);
Status CheckOp(const TreeView& view, const DeleteTxn& t, int64_t time_ms, const TreeLimits& limits);
Status CheckOp(const TreeView& view, const SetDataTxn& t, int64_t time_ms,
               const TreeLimits& limits);
Status CheckOp(const TreeView& view, const SetAclTxn& t, int64_t time_ms, const TreeLimits& limits);
Status CheckOp(const TreeView& view, const CheckTxn& t, int64_t time_ms, const TreeLimits& limits);

// Records the effect of `op`, which CheckOp accepted against `overlay`, into `overlay`.
void StageOp(Overlay& overlay, const MultiOpTxn& op, int64_t time_ms, Zxid tag);

// kNoNode: "<path> does not exist" (the one wording every tree module uses).
Status NoNodeError(std::string_view path);

// True when a node is due for server-side removal at `time_ms`: an empty container that once
// had a child, or a childless TTL node whose data has not changed for its TTL.
bool IsDueForReap(const NodeView& node, int64_t time_ms);

}  // namespace coord
