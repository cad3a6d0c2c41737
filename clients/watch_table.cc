#include "clients/watch_table.h"

namespace coord::client {
namespace {

std::string Parent(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

}  // namespace

void WatchTable::Add(LocalWatchKind kind, const std::string& path, Watcher watcher) {
  MapOf(kind)[path].push_back(std::move(watcher));
}

void WatchTable::Collect(LocalWatchKind kind, const std::string& path, bool consume,
                         std::vector<Watcher>* out) {
  Map& map = MapOf(kind);
  auto it = map.find(path);
  if (it == map.end()) return;
  out->insert(out->end(), it->second.begin(), it->second.end());
  if (consume) map.erase(it);
}

std::vector<Watcher> WatchTable::Trigger(WatchEventType type, const std::string& path) {
  std::vector<Watcher> out;
  const bool children = type == WatchEventType::kNodeChildrenChanged;
  if (!children) {
    Collect(LocalWatchKind::kData, path, true, &out);
    Collect(LocalWatchKind::kExist, path, true, &out);
  }
  if (children || type == WatchEventType::kNodeDeleted) {
    Collect(LocalWatchKind::kChild, path, true, &out);
  }
  Collect(LocalWatchKind::kPersistent, path, false, &out);
  if (!children && !MapOf(LocalWatchKind::kPersistentRecursive).empty()) {
    std::string at = path;
    while (true) {
      Collect(LocalWatchKind::kPersistentRecursive, at, false, &out);
      if (at == "/" || at.empty()) break;
      at = Parent(at);
    }
  }
  return out;
}

size_t WatchTable::Remove(const std::string& path, WatcherType type) {
  std::vector<LocalWatchKind> kinds;
  switch (type) {
    case WatcherType::kChildren:
      kinds = {LocalWatchKind::kChild};
      break;
    case WatcherType::kData:
      kinds = {LocalWatchKind::kData, LocalWatchKind::kExist};
      break;
    case WatcherType::kPersistent:
      kinds = {LocalWatchKind::kPersistent};
      break;
    case WatcherType::kPersistentRecursive:
      kinds = {LocalWatchKind::kPersistentRecursive};
      break;
    case WatcherType::kAny:
      kinds = {LocalWatchKind::kData, LocalWatchKind::kExist, LocalWatchKind::kChild,
               LocalWatchKind::kPersistent, LocalWatchKind::kPersistentRecursive};
      break;
  }
  size_t removed = 0;
  for (LocalWatchKind kind : kinds) {
    auto it = MapOf(kind).find(path);
    if (it == MapOf(kind).end()) continue;
    removed += it->second.size();
    MapOf(kind).erase(it);
  }
  return removed;
}

std::vector<SetWatchesRequest> WatchTable::MakeSetWatches(Zxid relative_zxid,
                                                          size_t max_bytes) const {
  std::vector<SetWatchesRequest> out;
  size_t bytes = 0;
  auto list_of = [](SetWatchesRequest& r, LocalWatchKind kind) -> std::vector<std::string>& {
    switch (kind) {
      case LocalWatchKind::kData:
        return r.data;
      case LocalWatchKind::kExist:
        return r.exist;
      case LocalWatchKind::kChild:
        return r.child;
      case LocalWatchKind::kPersistent:
        return r.persistent;
      case LocalWatchKind::kPersistentRecursive:
        break;
    }
    return r.persistent_recursive;
  };
  for (size_t k = 0; k < maps_.size(); ++k) {
    for (const auto& [path, watchers] : maps_[k]) {
      if (watchers.empty()) continue;
      const size_t cost = path.size() + 16;
      if (out.empty() || (bytes > 0 && bytes + cost > max_bytes)) {
        out.emplace_back().relative_zxid = relative_zxid;
        bytes = 0;
      }
      list_of(out.back(), static_cast<LocalWatchKind>(k)).push_back(path);
      bytes += cost;
    }
  }
  return out;
}

bool WatchTable::HasPersistent() const {
  return !MapOf(LocalWatchKind::kPersistent).empty() ||
         !MapOf(LocalWatchKind::kPersistentRecursive).empty();
}

bool WatchTable::empty() const {
  for (const Map& map : maps_) {
    if (!map.empty()) return false;
  }
  return true;
}

size_t WatchTable::size() const {
  size_t n = 0;
  for (const Map& map : maps_) {
    for (const auto& [path, watchers] : map) n += watchers.size();
  }
  return n;
}

WatchIntent IntentOf(const ClientOp& op) {
  WatchIntent intent;
  if (const auto* r = std::get_if<ExistsRequest>(&op); r && r->watch) {
    intent.op = WatchIntent::Op::kExists;
    intent.path = r->path;
  } else if (const auto* r = std::get_if<GetDataRequest>(&op); r && r->watch) {
    intent.op = WatchIntent::Op::kGetData;
    intent.path = r->path;
  } else if (const auto* r = std::get_if<GetChildrenRequest>(&op); r && r->watch) {
    intent.op = WatchIntent::Op::kGetChildren;
    intent.path = r->path;
  } else if (const auto* r = std::get_if<AddWatchRequest>(&op)) {
    intent.op = WatchIntent::Op::kAddWatch;
    intent.path = r->path;
    intent.mode = r->mode;
  } else if (const auto* r = std::get_if<RemoveWatchesRequest>(&op)) {
    intent.op = WatchIntent::Op::kRemoveWatches;
    intent.path = r->path;
    intent.type = r->type;
  }
  return intent;
}

bool ApplyIntent(const WatchIntent& intent, Code code, Watcher watcher, WatchTable* table) {
  const bool ok = code == Code::kOk;
  if (!watcher && intent.op != WatchIntent::Op::kRemoveWatches) return false;
  switch (intent.op) {
    case WatchIntent::Op::kNone:
      return false;
    case WatchIntent::Op::kExists:
      if (!ok && code != Code::kNoNode) return false;
      table->Add(ok ? LocalWatchKind::kData : LocalWatchKind::kExist, intent.path,
                 std::move(watcher));
      return true;
    case WatchIntent::Op::kGetData:
      if (!ok) return false;
      table->Add(LocalWatchKind::kData, intent.path, std::move(watcher));
      return true;
    case WatchIntent::Op::kGetChildren:
      if (!ok) return false;
      table->Add(LocalWatchKind::kChild, intent.path, std::move(watcher));
      return true;
    case WatchIntent::Op::kAddWatch:
      if (!ok) return false;
      table->Add(intent.mode == AddWatchMode::kPersistent ? LocalWatchKind::kPersistent
                                                          : LocalWatchKind::kPersistentRecursive,
                 intent.path, std::move(watcher));
      return true;
    case WatchIntent::Op::kRemoveWatches:
      if (!ok && code != Code::kNoWatcher) return false;
      return table->Remove(intent.path, intent.type) > 0;
  }
  return false;
}

}  // namespace coord::client
