// Read operations against the local tree, with ZooKeeper's semantics: ACL checks, watch
// registration, paging of children, multi_read, set_watches after a reconnect.
//
// Pure: the caller (Replica) decides when a read may run (after the session's earlier writes
// have been applied) and delivers what comes back.
#pragma once

#include <vector>

#include "coord/tree/acl.h"
#include "coord/tree/data_tree.h"
#include "coord/tree/watch_registry.h"
#include "protocol/client.h"

namespace coord {

struct ReadLimits {
  uint32_t max_children_per_page = 10000;
  // A page of names stops once their bytes reach this (keeps a reply under the frame limit).
  uint64_t max_page_bytes = 512 * 1024;
  // get_children with `all`: the names' bytes may reach this (the frame limit less header room);
  // more is too_large.
  uint64_t max_reply_bytes = 1 << 20;
};

struct ReadContext {
  const DataTree& tree;
  WatchRegistry& watches;
  SessionId session;
  const AuthContext& auth;
  const ReadLimits& limits;
};

// The response body and code for exists, get_data, get_children, get_acl, multi_read,
// get_ephemerals, add_watch, remove_watches and count_descendants. `events` receives what
// set_watches reports as missed.
ClientResponse ExecuteRead(const ReadContext& ctx, const ClientOp& op);

// Registers the watches of a reconnecting client and returns the events it missed since
// `request.relative_zxid` (ZooKeeper's setWatches).
std::vector<WatchEventMessage> RestoreWatches(const ReadContext& ctx,
                                              const SetWatchesRequest& request);

}  // namespace coord
