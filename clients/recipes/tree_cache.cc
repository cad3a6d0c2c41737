#include "coord/recipes/tree_cache.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <utility>

#include "clients/recipes/util.h"

namespace coord::recipes {
namespace {

using NodeMap = std::map<std::string, CachedNode>;
using Events = std::vector<TreeCacheEvent>;

// Failures explained by the connection or the session: a kSuspended / kConnected / final state
// event follows (or came first), and the resync it causes re-reads everything.
bool ConnectionTrouble(Code code) {
  return code == Code::kConnectionLoss || code == Code::kOperationTimeout ||
         code == Code::kSessionExpired || code == Code::kSessionMoved || code == Code::kAuthFailed;
}

bool ValidRoot(const std::string& path) {
  return !path.empty() && path[0] == '/' && (path.size() == 1 || path.back() != '/');
}

// Every path strictly below `path` starts with this.
std::string ChildPrefix(const std::string& path) { return path == "/" ? "/" : path + "/"; }

bool HasPrefix(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

std::string ParentOf(const std::string& path) {
  const size_t at = path.rfind('/');
  return at == 0 ? "/" : path.substr(0, at);
}

// Erases `path` and everything below it from `map`; returns what was erased, deepest first
// (descending path order puts every node before its ancestors).
std::vector<std::pair<std::string, CachedNode>> EraseSubtree(NodeMap* map,
                                                             const std::string& path) {
  std::vector<std::pair<std::string, CachedNode>> erased;
  const std::string prefix = ChildPrefix(path);
  auto first = map->lower_bound(prefix);
  auto last = first;
  while (last != map->end() && HasPrefix(last->first, prefix)) ++last;
  for (auto it = first; it != last; ++it) erased.emplace_back(it->first, std::move(it->second));
  map->erase(first, last);
  std::reverse(erased.begin(), erased.end());
  auto self = map->find(path);
  if (self != map->end()) {
    erased.emplace_back(self->first, std::move(self->second));
    map->erase(self);
  }
  return erased;
}

TreeCacheEvent NodeEvent(TreeCacheEventType type, std::string path, CachedNode node, Zxid zxid) {
  return TreeCacheEvent{type, std::move(path), std::move(node), Status::Ok(), zxid};
}

TreeCacheEvent StateEvent(TreeCacheEventType type, Status reason = Status::Ok(), Zxid zxid = 0) {
  return TreeCacheEvent{type, "", std::nullopt, std::move(reason), zxid};
}

// The events that turn `from` into `to`: removals deepest first, then additions and updates in
// path order (parents before children).
Events Diff(const NodeMap& from, const NodeMap& to, Zxid zxid) {
  Events removed;
  Events changed;
  for (const auto& [path, node] : from) {
    if (!to.contains(path)) {
      removed.push_back(NodeEvent(TreeCacheEventType::kNodeRemoved, path, node, zxid));
    }
  }
  std::reverse(removed.begin(), removed.end());
  for (const auto& [path, node] : to) {
    auto old = from.find(path);
    if (old == from.end()) {
      changed.push_back(NodeEvent(TreeCacheEventType::kNodeAdded, path, node, zxid));
    } else if (!(old->second == node)) {
      changed.push_back(NodeEvent(TreeCacheEventType::kNodeUpdated, path, node, zxid));
    }
  }
  removed.insert(removed.end(), std::make_move_iterator(changed.begin()),
                 std::make_move_iterator(changed.end()));
  return removed;
}

}  // namespace

const char* TreeCacheEventTypeName(TreeCacheEventType type) {
  switch (type) {
    case TreeCacheEventType::kNodeAdded:
      return "node_added";
    case TreeCacheEventType::kNodeUpdated:
      return "node_updated";
    case TreeCacheEventType::kNodeRemoved:
      return "node_removed";
    case TreeCacheEventType::kInitialized:
      return "initialized";
    case TreeCacheEventType::kSuspended:
      return "suspended";
    case TreeCacheEventType::kResynced:
      return "resynced";
    case TreeCacheEventType::kSessionLost:
      return "session_lost";
    case TreeCacheEventType::kError:
      return "error";
  }
  return "?";
}

// The shared state. Callbacks hold a shared_ptr to it plus the generation (Start / Close) and,
// for walk calls, the walk they belong to; a callback of an older generation or walk does
// nothing. Mutated only under `mu`, by callbacks on the event thread and by Start / Close.
struct TreeCache::Core : std::enable_shared_from_this<TreeCache::Core> {
  enum class WatchState : uint8_t { kNone, kAdding, kAdded };
  // One call of a walk: a node (data + first page of children), or a further page of children.
  struct Visit {
    std::string path;
    std::optional<std::string> after;  // set: the page of children after this name
  };

  Core(Client* c, std::string r, Listener l, TreeCacheOptions o)
      : client(c), root(std::move(r)), listener(std::move(l)), options(o) {
    options.max_walk_reads_in_flight = std::max<size_t>(1, options.max_walk_reads_in_flight);
  }

  mutable std::mutex mu;
  std::condition_variable initialized_cv;
  Client* client;
  const std::string root;
  const Listener listener;
  TreeCacheOptions options;
  uint64_t generation = 0;
  bool running = false;
  WatchState watch = WatchState::kNone;
  uint64_t state_listener = 0;
  NodeMap visible;  // what readers see
  bool initialized = false;
  bool initial_reported = false;  // the listener has been told of kInitialized
  Status ended;                   // non-ok once the session ended (its reason)

  // RESYNC: while `syncing`, `visible` is frozen and changes go to `pending`; a walk fills
  // `pending` from scratch and, once complete, replaces `visible` with it.
  bool syncing = false;
  bool walking = false;
  uint64_t walk_id = 0;
  NodeMap pending;
  std::deque<Visit> to_visit;
  size_t in_flight = 0;
  // The zxid of the last watch event received, and its value when the walk sent its last read:
  // what a published walk can claim (every event before it had its read answered by then).
  Zxid last_event_zxid = 0;
  Zxid walk_claim_zxid = 0;

  // Held while the listener runs, so Close can wait for a running call to finish.
  std::mutex listener_mu;

  bool InSubtree(const std::string& path) const {
    return path == root || HasPrefix(path, ChildPrefix(root));
  }

  // --- with mu held ---
  void ResyncLocked(uint64_t gen);
  void EnterResyncLocked();
  void AddWatchLocked(uint64_t gen);
  void BeginWalkLocked(uint64_t gen);
  void PumpLocked(uint64_t gen);
  void WalkFailedLocked(const Status& status, Events* events);
  void MaybePublishLocked(Events* events);
  void ReadNodeLocked(uint64_t gen, const std::string& path, Zxid cause);
  void UpsertLocked(const std::string& path, CachedNode node, Zxid cause, Events* events);
  void RemoveLocked(const std::string& path, Zxid cause, Events* events);
  void EndLocked(const Status& reason, Events* events);
  bool Current(uint64_t gen) const { return gen == generation && running; }

  // --- event thread ---
  void OnWatchAdded(uint64_t gen, const Status& status);
  void OnWatchEvent(uint64_t gen, const WatchEvent& event);
  void OnNodeRead(uint64_t gen, const std::string& path, Zxid cause,
                  Result<GetDataResponse> result);
  void OnVisited(uint64_t gen, uint64_t walk, const std::string& path,
                 Result<MultiResponse> result);
  void OnPage(uint64_t gen, uint64_t walk, const std::string& path,
              Result<GetChildrenResponse> result);
  void OnSession(uint64_t gen, const SessionEvent& event);
  void Deliver(uint64_t gen, const Events& events);
};

// --- resync -------------------------------------------------------------------------------------

void TreeCache::Core::EnterResyncLocked() {
  syncing = true;
  walking = false;
  ++walk_id;  // results of a walk under way are ignored
  pending.clear();
  to_visit.clear();
  in_flight = 0;
}

// The watch must be in place before the walk reads anything: then every change after a read
// produces an event.
void TreeCache::Core::ResyncLocked(uint64_t gen) {
  switch (watch) {
    case WatchState::kNone:
      AddWatchLocked(gen);  // its callback begins the walk
      break;
    case WatchState::kAdding:
      break;  // its callback begins the walk
    case WatchState::kAdded:
      BeginWalkLocked(gen);
      break;
  }
}

void TreeCache::Core::AddWatchLocked(uint64_t gen) {
  watch = WatchState::kAdding;
  std::shared_ptr<Core> self = shared_from_this();
  client->AddWatchAsync(
      root, AddWatchMode::kPersistentRecursive,
      [self, gen](const WatchEvent& e) { self->OnWatchEvent(gen, e); },
      [self, gen](Status s) { self->OnWatchAdded(gen, s); });
}

void TreeCache::Core::BeginWalkLocked(uint64_t gen) {
  EnterResyncLocked();
  walking = true;
  to_visit.push_back(Visit{root, std::nullopt});
  PumpLocked(gen);
}

void TreeCache::Core::PumpLocked(uint64_t gen) {
  std::shared_ptr<Core> self = shared_from_this();
  const uint64_t walk = walk_id;
  while (in_flight < options.max_walk_reads_in_flight && !to_visit.empty()) {
    Visit visit = std::move(to_visit.front());
    to_visit.pop_front();
    ++in_flight;
    walk_claim_zxid = last_event_zxid;
    if (!visit.after) {
      // Data and the first page of children at one point in time.
      std::vector<ReadOpRequest> ops;
      ops.emplace_back(GetDataRequest{visit.path, false});
      ops.emplace_back(GetChildrenRequest{visit.path, false, "", 0});
      client->MultiReadAsync(std::move(ops),
                             [self, gen, walk, path = visit.path](Result<MultiResponse> r) {
                               self->OnVisited(gen, walk, path, std::move(r));
                             });
    } else {
      client->GetChildrenAsync(GetChildrenRequest{visit.path, false, *visit.after, 0},
                               [self, gen, walk, path = visit.path](Result<GetChildrenResponse> r) {
                                 self->OnPage(gen, walk, path, std::move(r));
                               });
    }
  }
}

void TreeCache::Core::WalkFailedLocked(const Status& status, Events* events) {
  walking = false;
  ++walk_id;
  to_visit.clear();
  in_flight = 0;
  // Connection trouble: the next kConnected begins a new walk (or the session ended). Otherwise
  // report; the next watch event or reconnect begins a new walk.
  if (!ConnectionTrouble(status.code())) {
    events->push_back(StateEvent(TreeCacheEventType::kError, status));
  }
}

// A complete walk: `pending` holds everything read since it began (walk results and the reads
// of events that arrived meanwhile), each as of its read, all of them after the reconnect.
// Nodes of `visible` not in it are gone. It becomes the visible copy in one step.
void TreeCache::Core::MaybePublishLocked(Events* events) {
  if (!walking || in_flight > 0 || !to_visit.empty()) return;
  Events diff = Diff(visible, pending, walk_claim_zxid);
  visible.swap(pending);
  pending.clear();
  syncing = false;
  walking = false;
  events->insert(events->end(), std::make_move_iterator(diff.begin()),
                 std::make_move_iterator(diff.end()));
  events->push_back(
      StateEvent(initialized ? TreeCacheEventType::kResynced : TreeCacheEventType::kInitialized,
                 Status::Ok(), walk_claim_zxid));
  initialized = true;
}

void TreeCache::Core::OnVisited(uint64_t gen, uint64_t walk, const std::string& path,
                                Result<MultiResponse> result) {
  Events events;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (!Current(gen) || walk != walk_id || !walking) return;
    --in_flight;
    if (!result.ok()) {
      WalkFailedLocked(result.status(), &events);
    } else if (result->results.size() != 2) {
      WalkFailedLocked(Status(Code::kMarshallingError, "multi_read of " + path), &events);
    } else {
      const OpResponse& data = result->results[0];
      const OpResponse& kids = result->results[1];
      if (data.code == Code::kOk) {
        pending[path] = CachedNode{data.data, data.stat};
        if (kids.code == Code::kOk) {
          for (const std::string& name : kids.names) {
            to_visit.push_back(Visit{internal::Join(path, name), std::nullopt});
          }
          // multi_read does not say `more`: fewer names than children means more pages.
          if (!kids.names.empty() &&
              kids.names.size() < static_cast<size_t>(std::max(0, kids.stat.num_children))) {
            to_visit.push_back(Visit{path, kids.names.back()});
          }
        }
      } else if (data.code == Code::kNoNode || data.code == Code::kNoAuth) {
        EraseSubtree(&pending, path);  // gone (or not ours to see) at this point of the stream
      } else {
        WalkFailedLocked(Status(data.code, "reading " + path + " for the tree cache"), &events);
      }
      if (walking) {
        PumpLocked(gen);
        MaybePublishLocked(&events);
      }
    }
  }
  Deliver(gen, events);
}

void TreeCache::Core::OnPage(uint64_t gen, uint64_t walk, const std::string& path,
                             Result<GetChildrenResponse> result) {
  Events events;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (!Current(gen) || walk != walk_id || !walking) return;
    --in_flight;
    if (result.ok()) {
      for (const std::string& name : result->names) {
        to_visit.push_back(Visit{internal::Join(path, name), std::nullopt});
      }
      if (result->more && !result->names.empty()) {
        to_visit.push_back(Visit{path, result->names.back()});
      }
    } else if (result.code() != Code::kNoNode && result.code() != Code::kNoAuth) {
      WalkFailedLocked(result.status(), &events);
    }
    // kNoNode: deleted since its first page; its deletion event already dropped it.
    if (walking) {
      PumpLocked(gen);
      MaybePublishLocked(&events);
    }
  }
  Deliver(gen, events);
}

// --- steady state -------------------------------------------------------------------------------

void TreeCache::Core::ReadNodeLocked(uint64_t gen, const std::string& path, Zxid cause) {
  std::shared_ptr<Core> self = shared_from_this();
  client->GetDataAsync(path, [self, gen, path, cause](Result<GetDataResponse> r) {
    self->OnNodeRead(gen, path, cause, std::move(r));
  });
}

void TreeCache::Core::UpsertLocked(const std::string& path, CachedNode node, Zxid cause,
                                   Events* events) {
  if (syncing) {
    pending[path] = std::move(node);
    return;
  }
  auto it = visible.find(path);
  if (it == visible.end()) {
    visible.emplace(path, node);
    events->push_back(NodeEvent(TreeCacheEventType::kNodeAdded, path, std::move(node), cause));
  } else if (!(it->second == node)) {
    it->second = node;
    events->push_back(NodeEvent(TreeCacheEventType::kNodeUpdated, path, std::move(node), cause));
  }
}

void TreeCache::Core::RemoveLocked(const std::string& path, Zxid cause, Events* events) {
  if (syncing) {
    EraseSubtree(&pending, path);
    return;
  }
  for (auto& [p, node] : EraseSubtree(&visible, path)) {
    events->push_back(NodeEvent(TreeCacheEventType::kNodeRemoved, p, std::move(node), cause));
  }
}

// Every event becomes reads, a deletion too (applied when the read finds no node): the copy then
// changes only as results arrive, in call order, which is what makes the zxid claim of a node
// event hold — the reads of every earlier event were answered before.
void TreeCache::Core::OnWatchEvent(uint64_t gen, const WatchEvent& event) {
  Events events;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (!Current(gen) || !InSubtree(event.path)) return;
    last_event_zxid = std::max(last_event_zxid, event.zxid);
    ReadNodeLocked(gen, event.path, event.zxid);
    // A creation or deletion changed the parent's cversion, num_children and pzxid, which no
    // recursive watch event reports.
    if (event.path != root && (event.type == WatchEventType::kNodeCreated ||
                               event.type == WatchEventType::kNodeDeleted)) {
      ReadNodeLocked(gen, ParentOf(event.path), event.zxid);
    }
    // A walk that failed for a reason other than the connection is retried here.
    if (syncing && !walking && watch == WatchState::kAdded &&
        client->state() == SessionState::kConnected) {
      BeginWalkLocked(gen);
    }
  }
  Deliver(gen, events);
}

void TreeCache::Core::OnNodeRead(uint64_t gen, const std::string& path, Zxid cause,
                                 Result<GetDataResponse> result) {
  Events events;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (!Current(gen)) return;
    if (result.ok()) {
      UpsertLocked(path, CachedNode{std::move(result->data), result->stat}, cause, &events);
    } else if (result.code() == Code::kNoNode || result.code() == Code::kNoAuth) {
      RemoveLocked(path, cause, &events);
    } else if (!ConnectionTrouble(result.code())) {
      // This node may now be stale and nothing will tell: re-read everything.
      events.push_back(StateEvent(TreeCacheEventType::kError, result.status()));
      EnterResyncLocked();
      ResyncLocked(gen);
    }
    // Connection trouble: the resync that kSuspended / kConnected causes re-reads this node.
  }
  Deliver(gen, events);
}

void TreeCache::Core::OnWatchAdded(uint64_t gen, const Status& status) {
  Events events;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (!Current(gen)) return;
    if (status.ok()) {
      watch = WatchState::kAdded;
      if (syncing && !walking) BeginWalkLocked(gen);
    } else {
      watch = WatchState::kNone;
      if (!ConnectionTrouble(status.code())) {
        events.push_back(StateEvent(TreeCacheEventType::kError, status));
      } else if (client->state() == SessionState::kConnected) {
        AddWatchLocked(gen);  // the connection is back already: no kConnected will come
      } else if (IsFinal(client->state())) {
        EndLocked(status, &events);  // started on a Client whose session had already ended
      }
      // Otherwise the next kConnected adds it again.
    }
  }
  Deliver(gen, events);
}

void TreeCache::Core::OnSession(uint64_t gen, const SessionEvent& event) {
  Events events;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (!Current(gen)) return;
    switch (event.state) {
      case SessionState::kSuspended:
        // Freeze the visible copy: from here on nothing is known to be current.
        EnterResyncLocked();
        events.push_back(StateEvent(TreeCacheEventType::kSuspended, event.reason));
        break;
      case SessionState::kConnected:
        // Any doubt → re-read: every resumed session, whatever events_may_be_missed says.
        if (!syncing && (event.resumed || event.events_may_be_missed)) EnterResyncLocked();
        if (syncing && !walking) ResyncLocked(gen);
        break;
      case SessionState::kConnecting:
        break;
      default:  // final
        EndLocked(event.reason.ok() ? Status(Code::kConnectionLoss, "the session was closed")
                                    : event.reason,
                  &events);
        break;
    }
  }
  Deliver(gen, events);
}

void TreeCache::Core::EndLocked(const Status& reason, Events* events) {
  if (!ended.ok()) return;  // reported already
  ended = reason;
  EnterResyncLocked();
  watch = WatchState::kNone;
  initialized_cv.notify_all();
  events->push_back(StateEvent(TreeCacheEventType::kSessionLost, ended));
}

void TreeCache::Core::Deliver(uint64_t gen, const Events& events) {
  if (listener && !events.empty()) {
    std::lock_guard<std::mutex> serial(listener_mu);
    for (const TreeCacheEvent& event : events) {
      {
        std::lock_guard<std::mutex> lock(mu);
        if (!Current(gen)) return;  // closed meanwhile (perhaps by the listener itself)
      }
      listener(event);
    }
  }
  // WaitInitialized returns once the listener has seen kInitialized (and what came before it).
  for (const TreeCacheEvent& event : events) {
    if (event.type != TreeCacheEventType::kInitialized) continue;
    std::lock_guard<std::mutex> lock(mu);
    if (Current(gen)) initial_reported = true;
    initialized_cv.notify_all();
  }
}

// --- public -------------------------------------------------------------------------------------

TreeCache::TreeCache(Client* client, std::string root, Listener listener, TreeCacheOptions options)
    : core_(std::make_shared<Core>(client, std::move(root), std::move(listener), options)) {}

TreeCache::~TreeCache() { Close(); }

Status TreeCache::Start() {
  Core& c = *core_;
  std::lock_guard<std::mutex> lock(c.mu);
  if (!ValidRoot(c.root)) return Status(Code::kBadArguments, "bad tree cache root: " + c.root);
  if (c.running) return Status(Code::kBadArguments, "the tree cache is already started");
  const uint64_t gen = ++c.generation;
  c.running = true;
  c.initialized = false;
  c.initial_reported = false;
  c.ended = Status::Ok();
  c.watch = Core::WatchState::kNone;
  c.EnterResyncLocked();
  std::shared_ptr<Core> self = core_;
  c.state_listener =
      c.client->AddStateListener([self, gen](const SessionEvent& e) { self->OnSession(gen, e); });
  c.ResyncLocked(gen);
  return Status::Ok();
}

Status TreeCache::WaitInitialized(int64_t timeout_ms) {
  Core& c = *core_;
  std::unique_lock<std::mutex> lock(c.mu);
  if (c.client->OnEventThread()) {
    return Status(Code::kBadArguments, "WaitInitialized blocks: not from a client callback");
  }
  c.initialized_cv.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(0, timeout_ms)),
                            [&] { return c.initial_reported || !c.ended.ok() || !c.running; });
  if (c.initial_reported) return Status::Ok();
  if (!c.ended.ok()) return c.ended;
  if (!c.running) return Status(Code::kConnectionLoss, "the tree cache is not running");
  return Status(Code::kOperationTimeout, "tree cache of " + c.root + " not initialized in time");
}

void TreeCache::Close() {
  Core& c = *core_;
  Client* client;
  {
    std::lock_guard<std::mutex> lock(c.mu);
    if (!c.running) return;
    ++c.generation;
    c.running = false;
    client = c.client;
    client->RemoveStateListener(c.state_listener);
    c.state_listener = 0;
    if (c.watch != Core::WatchState::kNone && c.ended.ok()) {
      client->RemoveWatchesAsync(c.root, WatcherType::kPersistentRecursive, [](Status) {});
    }
    c.watch = Core::WatchState::kNone;
    c.EnterResyncLocked();
    c.syncing = false;
    c.initialized_cv.notify_all();
  }
  // Wait for a listener call in progress (unless we are that call).
  if (!client->OnEventThread()) {
    std::lock_guard<std::mutex> serial(c.listener_mu);
  }
}

Status TreeCache::Restart(Client* client) {
  Close();
  {
    std::lock_guard<std::mutex> lock(core_->mu);
    core_->client = client;
  }
  return Start();
}

std::optional<CachedNode> TreeCache::Get(const std::string& path) const {
  std::lock_guard<std::mutex> lock(core_->mu);
  auto it = core_->visible.find(path);
  if (it == core_->visible.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> TreeCache::Children(const std::string& path) const {
  std::lock_guard<std::mutex> lock(core_->mu);
  std::vector<std::string> names;
  const std::string prefix = ChildPrefix(path);
  for (auto it = core_->visible.lower_bound(prefix);
       it != core_->visible.end() && HasPrefix(it->first, prefix); ++it) {
    if (it->first.size() == prefix.size()) continue;  // "/" itself under root "/"
    if (it->first.find('/', prefix.size()) == std::string::npos) {
      names.push_back(it->first.substr(prefix.size()));
    }
  }
  return names;
}

std::map<std::string, CachedNode> TreeCache::Snapshot() const {
  std::lock_guard<std::mutex> lock(core_->mu);
  return core_->visible;
}

size_t TreeCache::size() const {
  std::lock_guard<std::mutex> lock(core_->mu);
  return core_->visible.size();
}

bool TreeCache::initialized() const {
  std::lock_guard<std::mutex> lock(core_->mu);
  return core_->initialized;
}

bool TreeCache::synced() const {
  std::lock_guard<std::mutex> lock(core_->mu);
  return core_->running && core_->initialized && !core_->syncing;
}

}  // namespace coord::recipes
