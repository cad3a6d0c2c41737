// WatchRegistry: which sessions watch what, and who is told when a transaction changes a node.
//
// Kinds, with ZooKeeper's semantics:
//   - kData (getData / exists): one-shot; fires on created, deleted, data changed of the path.
//   - kChildren (getChildren): one-shot; fires on children changed of the path and on its
//     deletion.
//   - kPersistent (addWatch PERSISTENT): stays; fires on created, deleted, data changed and
//     children changed of the path.
//   - kPersistentRecursive (addWatch PERSISTENT_RECURSIVE): stays; fires on created, deleted and
//     data changed of the path and every path below it (not on children changed).
// A session receives at most one event per trigger, however many of its watches match. Events of
// one trigger are ordered by session id, so the output is deterministic.
//
// Threading: none; owned by the server's loop thread. Pure: the server delivers the events.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "coord/base/status.h"
#include "coord/tree/watch_event.h"

namespace coord {

enum class WatchKind : uint8_t { kData, kChildren, kPersistent, kPersistentRecursive };

struct WatchEvent {
  SessionId session = 0;
  WatchEventType type = WatchEventType::kNodeCreated;
  std::string path;
  friend bool operator==(const WatchEvent&, const WatchEvent&) = default;
};

class WatchRegistry {
 public:
  // At most `max_watches_per_session` watches per session (a limit on everything).
  explicit WatchRegistry(size_t max_watches_per_session = 1 << 20)
      : max_per_session_(max_watches_per_session) {}

  // Registers a watch; registering the same one twice is a no-op. kThrottled past the limit.
  Status Add(SessionId session, std::string_view path, WatchKind kind);

  // Removes one watch; returns whether it existed.
  bool Remove(SessionId session, std::string_view path, WatchKind kind);

  // The events the triggers of one transaction cause, in trigger order; one-shot watches that
  // fired are removed.
  std::vector<WatchEvent> Trigger(const std::vector<WatchTrigger>& triggers);

  // Drops every watch of a closed or expired session.
  void RemoveSession(SessionId session);

  size_t CountFor(SessionId session) const;
  size_t size() const { return total_; }
  bool Has(SessionId session, std::string_view path, WatchKind kind) const;

 private:
  using Sessions = absl::flat_hash_set<SessionId>;
  using PathMap = absl::flat_hash_map<std::string, Sessions>;
  struct Key {
    std::string path;
    WatchKind kind;
    template <typename H>
    friend H AbslHashValue(H h, const Key& k) {
      return H::combine(std::move(h), k.path, k.kind);
    }
    friend bool operator==(const Key&, const Key&) = default;
  };

  PathMap& MapOf(WatchKind kind) { return maps_[static_cast<int>(kind)]; }
  const PathMap& MapOf(WatchKind kind) const { return maps_[static_cast<int>(kind)]; }
  // Collects the sessions of `kind` watches on `path` into `out`; removes them if `consume`.
  void Collect(WatchKind kind, const std::string& path, bool consume, std::vector<SessionId>* out);

  size_t max_per_session_;
  size_t total_ = 0;
  PathMap maps_[4];
  absl::flat_hash_map<SessionId, absl::flat_hash_set<Key>> by_session_;
};

}  // namespace coord
