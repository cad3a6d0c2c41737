// coord::recipes::TreeCache: a local copy of a whole subtree — every node's path, data and Stat —
// kept current, with a listener told of nodes added, updated and removed. What a service reading
// its configuration from coord uses.
//
//   TreeCache cache(client.get(), "/config", [](const TreeCacheEvent& e) { ... });
//   cache.Start();
//   cache.WaitInitialized(5000);
//   std::optional<CachedNode> limit = cache.Get("/config/limits/rps");
//
// ALGORITHM. Start() adds one persistent recursive watch on the root (it fires on created,
// deleted and data changed of the root and of every node below it), then walks the subtree: a
// multi_read of each node's data and children (one point in time per node), more pages of
// children when a node has more than a page, then the children, at most
// `max_walk_reads_in_flight` calls at a time. Watch events then keep the copy current; each one
// becomes reads, even a deletion:
//   - created / deleted P -> read P (no node: drop P and whatever the copy holds below it), and
//     read P's parent (its cversion, num_children and pzxid changed, which no event reports);
//   - data changed P      -> read P.
// The copy changes only when a read's result arrives. The client returns results in call order
// and delivers each watch event before the result of any call issued after the change
// (ZooKeeper's ordering); every read is one call issued on the client's event thread. So:
//   - each applied result is at least as new as everything applied before it, and a change made
//     after a node was read always arrives as an event followed by a fresh read: the copy
//     converges to the server's subtree and never goes back in time;
//   - THE ZXID CLAIM: when the listener hears of a node change caused by a watch event with zxid
//     z (TreeCacheEvent::zxid), the copy reflects every change that a transaction before z made
//     to the subtree — the events of those transactions came before, and their reads were
//     answered before this one. (A value may also be newer than z: a read returns the node as it
//     is when the server answers; the later change's own event and read follow.)
//
// RECONNECTS AND DOUBT. A persistent watch is re-registered after a reconnect, but the changes
// made while the client was disconnected are not replayed to it (events_may_be_missed). So:
//   - on kSuspended the cache enters RESYNC: the copy readers see is frozen (stale, but as it was
//     at one point of the stream) and the listener hears kSuspended;
//   - on the next kConnected it re-walks the whole subtree into a fresh, private copy; the reads
//     of events that arrive meanwhile go to the private copy too;
//   - when the walk's last result arrives, the fresh copy replaces the visible one in one step;
//     the listener hears the differences (removed deepest first, then added and updated in path
//     order), then kResynced (kInitialized after Start). Nodes deleted while disconnected
//     disappear here. These carry as zxid the last watch event received before the walk sent its
//     last read: the reads of every earlier event were answered by then, and the walk itself
//     reflects every change made before the reconnect.
// Readers therefore never see a mix of pre- and post-reconnect state, and nothing is reported
// between kSuspended and the reconciled copy, so the zxid claim holds across reconnects. The
// same resync runs after any failed read that a reconnect would not explain (reported as
// kError), and on every resumed kConnected, whatever events_may_be_missed says (any doubt →
// re-read).
//   When the session ends (expired, closed, auth failed) the listener hears kSessionLost; the copy
// stays readable (stale) and Restart(new_client) rebuilds it on a new Client (the differences to
// the old copy are reported, then kInitialized).
//
// WATCH OWNERSHIP. The server keeps one recursive watch per session and path: Close() removes
// this client's recursive watches on the root, so caches of the same root sharing one Client
// should be closed together (or use different Clients).
//
// THREADS. Get / Children / Snapshot / size / initialized / synced, Start, Close and Restart are
// thread-safe. WaitInitialized blocks: not from a client callback. The listener runs on the
// client's event thread, one event at a time; it may read the cache and call Close, not the
// blocking client API; while it runs the copy does not change. After Close() returns (on a thread
// other than the event thread) the listener is not running and will not be called again. The
// Client must outlive the cache (or be replaced by Restart before it is destroyed).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "coord/client.h"
#include "coord/recipes/node_cache.h"

namespace coord::recipes {

enum class TreeCacheEventType : uint8_t {
  kNodeAdded,    // `path` appeared; `node` is its state
  kNodeUpdated,  // `path`'s data or Stat changed; `node` is its new state
  kNodeRemoved,  // `path` is gone; `node` is its last state
  kInitialized,  // the first complete copy after Start / Restart is in place
  kSuspended,    // the connection was lost: the copy is frozen and may be stale until kResynced
  kResynced,     // after a reconnect or a doubt: the copy was re-read and reconciled (the
                 // differences were reported just before)
  kSessionLost,  // final for this Client: `reason`; Restart with a new Client
  kError,        // a read or the watch failed for a reason a reconnect may not fix: `reason`;
                 // the cache resyncs at the next event or reconnect
};
const char* TreeCacheEventTypeName(TreeCacheEventType type);

struct TreeCacheEvent {
  TreeCacheEventType type = TreeCacheEventType::kNodeAdded;
  std::string path;                // node events
  std::optional<CachedNode> node;  // node events
  Status reason;                   // kSuspended, kSessionLost, kError
  // Node events, kInitialized, kResynced: while the listener runs, the copy reflects every change
  // made to the subtree by a transaction before this zxid (0: no claim). See THE ZXID CLAIM.
  Zxid zxid = 0;
};

struct TreeCacheOptions {
  // Calls of a walk outstanding at once (a limit on everything: the client refuses more than
  // max_pending_calls).
  size_t max_walk_reads_in_flight = 64;
};

class TreeCache {
 public:
  using Listener = std::function<void(const TreeCacheEvent&)>;

  TreeCache(Client* client, std::string root, Listener listener = {},
            TreeCacheOptions options = {});
  // Close()s.
  ~TreeCache();
  TreeCache(const TreeCache&) = delete;
  TreeCache& operator=(const TreeCache&) = delete;

  // Starts following the subtree; returns at once. kBadArguments for a malformed root or a cache
  // already started.
  Status Start();
  // Waits until the first complete copy after Start is in place and the listener was told
  // (kInitialized) (ok), the session ended (its reason), or timeout_ms passed
  // (kOperationTimeout). Not from a client callback (kBadArguments).
  Status WaitInitialized(int64_t timeout_ms);
  // Stops following: removes the watch (best effort, asynchronous) and the session listener. The
  // copy stays readable. Closing a closed cache is a no-op.
  void Close();
  // Close(), then Start() on `client`.
  Status Restart(Client* client);

  // --- the visible copy (a point of the server's history, see above) ---
  // A node of the subtree, nullopt if the copy does not hold it.
  std::optional<CachedNode> Get(const std::string& path) const;
  // The names of a node's children in the copy, sorted; empty if none or unknown.
  std::vector<std::string> Children(const std::string& path) const;
  // The whole copy: path -> node (the root included when it exists).
  std::map<std::string, CachedNode> Snapshot() const;
  size_t size() const;
  // The first complete copy after the last Start is in place.
  bool initialized() const;
  // Initialized and not resyncing: the copy follows the server.
  bool synced() const;

  struct Core;  // internal; shared with the callbacks so they never outlive it

 private:
  std::shared_ptr<Core> core_;
};

}  // namespace coord::recipes
