// WatchTable: the client's side of its watches — which watchers an event from the server calls,
// and what to re-register after a reconnect.
//
// The server sends a session at most one event per change however many of its watches match;
// the client fans it out to every local watcher that matches, with ZooKeeper's rules:
//   - kData (get_data, or exists on an existing node) and kExist (exists on a missing node):
//     one-shot; created, deleted, data changed of the path;
//   - kChild (get_children): one-shot; children changed and deleted of the path;
//   - kPersistent: stays; every event of the path;
//   - kPersistentRecursive: stays; created, deleted, data changed of the path and every path
//     below it (not children changed).
// A watcher is registered only once the server has accepted its watch (the reply), so the table
// always matches the server's registrations on a live connection. Paths are the server's
// (chroot included).
//
// Pure and single-threaded: owned by the client's I/O thread.
#pragma once

#include <array>
#include <map>
#include <string>
#include <vector>

#include "coord/client.h"

namespace coord::client {

enum class LocalWatchKind : uint8_t { kData, kExist, kChild, kPersistent, kPersistentRecursive };

class WatchTable {
 public:
  void Add(LocalWatchKind kind, const std::string& path, Watcher watcher);

  // The watchers an event calls, in a fixed order (data, exist, child, persistent, then
  // recursive from the path up to the root); the one-shot ones are removed.
  std::vector<Watcher> Trigger(WatchEventType type, const std::string& path);

  // After remove_watches(path, type): drops the matching watchers; returns how many.
  size_t Remove(const std::string& path, WatcherType type);

  // The set_watches requests that re-register every watch, each listing at most about
  // `max_bytes` of paths (a frame limit); empty when there is nothing to re-register.
  std::vector<SetWatchesRequest> MakeSetWatches(Zxid relative_zxid, size_t max_bytes) const;

  bool HasPersistent() const;
  bool empty() const;
  size_t size() const;  // watchers, not paths
  void Clear() { maps_ = {}; }

 private:
  using Map = std::map<std::string, std::vector<Watcher>>;
  Map& MapOf(LocalWatchKind kind) { return maps_[static_cast<size_t>(kind)]; }
  const Map& MapOf(LocalWatchKind kind) const { return maps_[static_cast<size_t>(kind)]; }
  // Appends the watchers of `kind` on `path` to `out`; removes them if `consume`.
  void Collect(LocalWatchKind kind, const std::string& path, bool consume,
               std::vector<Watcher>* out);

  std::array<Map, 5> maps_;
};

// What a call does to the watch table once its reply arrives.
struct WatchIntent {
  enum class Op : uint8_t { kNone, kExists, kGetData, kGetChildren, kAddWatch, kRemoveWatches };
  Op op = Op::kNone;
  std::string path;  // the server's
  AddWatchMode mode = AddWatchMode::kPersistent;
  WatcherType type = WatcherType::kAny;
};

// The intent of a request (a read's watch flag decides whether it registers anything).
WatchIntent IntentOf(const ClientOp& op);

// Applies `intent` given the reply's code, ZooKeeper's rules: exists registers on ok (kData) and
// on no_node (kExist); get_data and get_children on ok; add_watch on ok; remove_watches drops
// the local watchers on ok and on no_watcher. Returns whether the table changed.
bool ApplyIntent(const WatchIntent& intent, Code reply_code, Watcher watcher, WatchTable* table);

}  // namespace coord::client
