// coord::recipes::NodeCache: a local copy of one node — its data and Stat, or its absence — kept
// current by a watch, with a listener told of every change.
//
//   NodeCache cache(client.get(), "/config/limits", [](const NodeCacheEvent& e) { ... });
//   cache.Start();
//   cache.WaitInitialized(5000);
//   std::optional<CachedNode> now = cache.current();
//
// ALGORITHM. Start() adds a persistent (non-recursive) watch on the path, then reads the node.
// Every event of the watch (created, deleted, data changed, children changed) triggers a new
// read, and the read's result replaces the copy. The client answers calls in the order they were
// made and delivers each watch event before the result of any call issued after the change
// (ZooKeeper's ordering), so every result applied is at least as new as everything applied
// before it, and a change made after a read is always followed by an event and another read: the
// copy converges to the node and never goes back in time. Because children changes also trigger a
// read, the whole Stat (cversion, num_children, pzxid included) stays current.
//
// RECONNECTS. A persistent watch is re-registered by the client after a reconnect, but changes
// made while the client was disconnected are not replayed to it. The cache therefore re-reads the
// node on every kConnected of a resumed session (whatever events_may_be_missed says), and re-adds
// its watch when the add itself was lost with the connection. The listener hears kSuspended when
// the connection is lost (the copy may be stale until the next kChanged or until the re-read
// confirms it; the copy is kept meanwhile). When the session ends (expired, closed, auth failed)
// the listener hears kSessionLost with the reason and the cache stops following the node (the
// last copy stays readable); Restart(new_client) starts over on a new Client.
//
// WATCH OWNERSHIP. The server keeps one persistent watch per session and path. Close() removes
// this client's persistent watches on the path, so two NodeCaches of one path sharing one Client
// should be closed together (or given different Clients).
//
// THREADS. current(), initialized(), Start(), Close() and Restart() are thread-safe.
// WaitInitialized() blocks: not from a client callback. The listener runs on the client's event
// thread, one event at a time; it may call current() and Close(), not the blocking client API.
// After Close() returns (on a thread other than the event thread) the listener is not running and
// will not be called again. The Client must outlive the cache (or be replaced by Restart before it
// is destroyed).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "coord/client.h"

namespace coord::recipes {

// One node as a cache holds it.
struct CachedNode {
  std::string data;
  Stat stat;
  friend bool operator==(const CachedNode&, const CachedNode&) = default;
};

enum class NodeCacheEventType : uint8_t {
  kChanged,      // the copy changed (the first read after Start always reports): see `node`
  kSuspended,    // the connection was lost; the copy may be stale until it is re-read
  kSessionLost,  // final for this Client: see `reason`; Restart with a new Client
  kError,        // a read or the watch failed for a reason a reconnect may not fix: `reason`
};
const char* NodeCacheEventTypeName(NodeCacheEventType type);

struct NodeCacheEvent {
  NodeCacheEventType type = NodeCacheEventType::kChanged;
  std::optional<CachedNode> node;  // kChanged: the node now (nullopt: it does not exist)
  Status reason;                   // kSessionLost, kError
};

class NodeCache {
 public:
  using Listener = std::function<void(const NodeCacheEvent&)>;

  NodeCache(Client* client, std::string path, Listener listener = {});
  // Close()s.
  ~NodeCache();
  NodeCache(const NodeCache&) = delete;
  NodeCache& operator=(const NodeCache&) = delete;

  // Starts following the node; returns at once (the first read completes on the event thread).
  // kBadArguments for a malformed path or a cache already started.
  Status Start();
  // Waits until the first read after Start completed and the listener was told (ok), the session
  // ended (its reason), or timeout_ms passed (kOperationTimeout). Not from a client callback
  // (kBadArguments).
  Status WaitInitialized(int64_t timeout_ms);
  // Stops following the node: removes the watch (best effort, asynchronous) and the session
  // listener. The last copy stays readable. Closing a closed cache is a no-op.
  void Close();
  // Close(), then Start() on `client` (e.g. a new Client after kSessionLost).
  Status Restart(Client* client);

  // The copy: the node's data and Stat, or nullopt when it does not exist (or before the first
  // read completed).
  std::optional<CachedNode> current() const;
  // The first read after the last Start completed.
  bool initialized() const;

  struct Core;  // internal; shared with the callbacks so they never outlive it

 private:
  std::shared_ptr<Core> core_;
};

}  // namespace coord::recipes
