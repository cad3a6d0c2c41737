#include "coord/tree/watch_registry.h"

#include <algorithm>

#include "coord/tree/path.h"

namespace coord {

const char* WatchEventTypeName(WatchEventType type) {
  switch (type) {
    case WatchEventType::kNodeCreated:
      return "node_created";
    case WatchEventType::kNodeDeleted:
      return "node_deleted";
    case WatchEventType::kNodeDataChanged:
      return "node_data_changed";
    case WatchEventType::kNodeChildrenChanged:
      return "node_children_changed";
  }
  return "unknown";
}

Status WatchRegistry::Add(SessionId session, std::string_view path, WatchKind kind) {
  auto& keys = by_session_[session];
  Key key{std::string(path), kind};
  if (keys.contains(key)) return Status::Ok();
  if (keys.size() >= max_per_session_) {
    return Status(Code::kThrottled,
                  "session has " + std::to_string(keys.size()) + " watches, the limit");
  }
  keys.insert(key);
  MapOf(kind)[key.path].insert(session);
  ++total_;
  return Status::Ok();
}

bool WatchRegistry::Remove(SessionId session, std::string_view path, WatchKind kind) {
  auto keys = by_session_.find(session);
  if (keys == by_session_.end()) return false;
  Key key{std::string(path), kind};
  if (keys->second.erase(key) == 0) return false;
  if (keys->second.empty()) by_session_.erase(keys);
  PathMap& map = MapOf(kind);
  auto it = map.find(key.path);
  it->second.erase(session);
  if (it->second.empty()) map.erase(it);
  --total_;
  return true;
}

void WatchRegistry::Collect(WatchKind kind, const std::string& path, bool consume,
                            std::vector<SessionId>* out) {
  PathMap& map = MapOf(kind);
  auto it = map.find(path);
  if (it == map.end()) return;
  out->insert(out->end(), it->second.begin(), it->second.end());
  if (!consume) return;
  for (SessionId session : it->second) {
    auto keys = by_session_.find(session);
    keys->second.erase(Key{path, kind});
    if (keys->second.empty()) by_session_.erase(keys);
    --total_;
  }
  map.erase(it);
}

std::vector<WatchEvent> WatchRegistry::Trigger(const std::vector<WatchTrigger>& triggers) {
  std::vector<WatchEvent> events;
  std::vector<SessionId> sessions;
  for (const WatchTrigger& trigger : triggers) {
    sessions.clear();
    const bool children_changed = trigger.type == WatchEventType::kNodeChildrenChanged;
    if (children_changed) {
      Collect(WatchKind::kChildren, trigger.path, true, &sessions);
    } else {
      Collect(WatchKind::kData, trigger.path, true, &sessions);
      if (trigger.type == WatchEventType::kNodeDeleted) {
        Collect(WatchKind::kChildren, trigger.path, true, &sessions);
      }
    }
    Collect(WatchKind::kPersistent, trigger.path, false, &sessions);
    if (!children_changed && !MapOf(WatchKind::kPersistentRecursive).empty()) {
      // The path itself and each ancestor up to the root.
      std::string at = trigger.path;
      while (true) {
        Collect(WatchKind::kPersistentRecursive, at, false, &sessions);
        if (at == "/") break;
        at = std::string(ParentPath(at));
      }
    }
    std::sort(sessions.begin(), sessions.end());
    sessions.erase(std::unique(sessions.begin(), sessions.end()), sessions.end());
    for (SessionId session : sessions) events.push_back({session, trigger.type, trigger.path});
  }
  return events;
}

void WatchRegistry::RemoveSession(SessionId session) {
  auto keys = by_session_.find(session);
  if (keys == by_session_.end()) return;
  for (const Key& key : keys->second) {
    PathMap& map = MapOf(key.kind);
    auto it = map.find(key.path);
    it->second.erase(session);
    if (it->second.empty()) map.erase(it);
    --total_;
  }
  by_session_.erase(keys);
}

size_t WatchRegistry::CountFor(SessionId session) const {
  auto keys = by_session_.find(session);
  return keys == by_session_.end() ? 0 : keys->second.size();
}

bool WatchRegistry::Has(SessionId session, std::string_view path, WatchKind kind) const {
  auto keys = by_session_.find(session);
  return keys != by_session_.end() && keys->second.contains(Key{std::string(path), kind});
}

}  // namespace coord
