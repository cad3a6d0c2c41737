#include "coord/recipes/node_cache.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace coord::recipes {
namespace {

bool ConnectionTrouble(Code code) {
  return code == Code::kConnectionLoss || code == Code::kOperationTimeout ||
         code == Code::kSessionExpired || code == Code::kSessionMoved || code == Code::kAuthFailed;
}

bool ValidRoot(const std::string& path) {
  return !path.empty() && path[0] == '/' && (path.size() == 1 || path.back() != '/');
}

}  // namespace

const char* NodeCacheEventTypeName(NodeCacheEventType type) {
  switch (type) {
    case NodeCacheEventType::kChanged:
      return "changed";
    case NodeCacheEventType::kSuspended:
      return "suspended";
    case NodeCacheEventType::kSessionLost:
      return "session_lost";
    case NodeCacheEventType::kError:
      return "error";
  }
  return "?";
}

// The shared state. Callbacks hold a shared_ptr to it and the generation they were issued in;
// Close and Restart bump the generation, so callbacks of an older one do nothing.
struct NodeCache::Core : std::enable_shared_from_this<NodeCache::Core> {
  enum class WatchState : uint8_t { kNone, kAdding, kAdded };

  Core(Client* c, std::string p, Listener l)
      : client(c), path(std::move(p)), listener(std::move(l)) {}

  // All guarded by mu.
  mutable std::mutex mu;
  std::condition_variable initialized_cv;
  Client* client;
  const std::string path;
  const Listener listener;
  uint64_t generation = 0;
  bool running = false;
  WatchState watch = WatchState::kNone;
  uint64_t state_listener = 0;
  std::optional<CachedNode> node;
  bool initialized = false;
  bool initial_reported = false;  // the listener has been told of the first read
  Status ended;                   // non-ok once the session ended (its reason)

  // Held while the listener runs, so Close can wait for a running call to finish.
  std::mutex listener_mu;

  // --- called with mu held ---
  void AddWatchLocked(uint64_t gen);
  void ReadLocked(uint64_t gen);

  // --- event thread ---
  void OnWatchAdded(uint64_t gen, const Status& status);
  void OnRead(uint64_t gen, Result<GetDataResponse> result);
  void OnSession(uint64_t gen, const SessionEvent& event);
  void Deliver(uint64_t gen, const NodeCacheEvent& event);
};

void NodeCache::Core::AddWatchLocked(uint64_t gen) {
  watch = WatchState::kAdding;
  std::shared_ptr<Core> self = shared_from_this();
  client->AddWatchAsync(
      path, AddWatchMode::kPersistent,
      [self, gen](const WatchEvent&) {
        std::lock_guard<std::mutex> lock(self->mu);
        if (gen == self->generation && self->running) self->ReadLocked(gen);
      },
      [self, gen](Status s) { self->OnWatchAdded(gen, s); });
}

void NodeCache::Core::ReadLocked(uint64_t gen) {
  std::shared_ptr<Core> self = shared_from_this();
  client->GetDataAsync(path,
                       [self, gen](Result<GetDataResponse> r) { self->OnRead(gen, std::move(r)); });
}

void NodeCache::Core::OnWatchAdded(uint64_t gen, const Status& status) {
  bool lost = false;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (gen != generation || !running) return;
    if (status.ok()) {
      watch = WatchState::kAdded;
      return;
    }
    watch = WatchState::kNone;
    if (ConnectionTrouble(status.code())) {
      // Re-added at the next kConnected; if the connection is already back, at once.
      if (client->state() == SessionState::kConnected) {
        AddWatchLocked(gen);
        ReadLocked(gen);
        return;
      }
      if (!IsFinal(client->state()) || !ended.ok()) return;
      // Started on a Client whose session had already ended: no state event will come.
      ended = status;
      initialized_cv.notify_all();
      lost = true;
    }
  }
  Deliver(gen, NodeCacheEvent{lost ? NodeCacheEventType::kSessionLost : NodeCacheEventType::kError,
                              std::nullopt, status});
}

void NodeCache::Core::OnRead(uint64_t gen, Result<GetDataResponse> result) {
  NodeCacheEvent report;
  bool first = false;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (gen != generation || !running) return;
    if (!result.ok() && result.code() != Code::kNoNode) {
      // A lost connection is followed by kConnected (a re-read) or a final state: nothing to do.
      if (ConnectionTrouble(result.code())) return;
      report = NodeCacheEvent{NodeCacheEventType::kError, std::nullopt, result.status()};
    } else {
      std::optional<CachedNode> now;
      if (result.ok()) now = CachedNode{std::move(result->data), result->stat};
      if (initialized && now == node) return;  // a re-read that found nothing new
      node = std::move(now);
      first = !initialized;
      initialized = true;
      report = NodeCacheEvent{NodeCacheEventType::kChanged, node, Status::Ok()};
    }
  }
  Deliver(gen, report);
  if (first) {
    // WaitInitialized returns once the listener has seen the first state.
    std::lock_guard<std::mutex> lock(mu);
    if (gen == generation) initial_reported = true;
    initialized_cv.notify_all();
  }
}

void NodeCache::Core::OnSession(uint64_t gen, const SessionEvent& event) {
  std::optional<NodeCacheEvent> report;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (gen != generation || !running) return;
    switch (event.state) {
      case SessionState::kSuspended:
        report = NodeCacheEvent{NodeCacheEventType::kSuspended, std::nullopt, event.reason};
        break;
      case SessionState::kConnected:
        // Changes made while disconnected were not delivered to the persistent watch: re-read
        // (on every reconnect, not only when events_may_be_missed says so).
        if (watch == WatchState::kNone) AddWatchLocked(gen);
        ReadLocked(gen);
        break;
      case SessionState::kConnecting:
        break;
      default:                    // final
        if (!ended.ok()) return;  // reported already
        ended = event.reason.ok() ? Status(Code::kConnectionLoss, "the session was closed")
                                  : event.reason;
        watch = WatchState::kNone;
        initialized_cv.notify_all();
        report = NodeCacheEvent{NodeCacheEventType::kSessionLost, std::nullopt, ended};
        break;
    }
  }
  if (report) Deliver(gen, *report);
}

void NodeCache::Core::Deliver(uint64_t gen, const NodeCacheEvent& event) {
  if (!listener) return;
  std::lock_guard<std::mutex> serial(listener_mu);
  {
    std::lock_guard<std::mutex> lock(mu);
    if (gen != generation || !running) return;  // closed meanwhile
  }
  listener(event);
}

NodeCache::NodeCache(Client* client, std::string path, Listener listener)
    : core_(std::make_shared<Core>(client, std::move(path), std::move(listener))) {}

NodeCache::~NodeCache() { Close(); }

Status NodeCache::Start() {
  Core& c = *core_;
  std::lock_guard<std::mutex> lock(c.mu);
  if (!ValidRoot(c.path)) return Status(Code::kBadArguments, "bad node cache path: " + c.path);
  if (c.running) return Status(Code::kBadArguments, "the node cache is already started");
  const uint64_t gen = ++c.generation;
  c.running = true;
  c.initialized = false;
  c.initial_reported = false;
  c.ended = Status::Ok();
  std::shared_ptr<Core> self = core_;
  c.state_listener =
      c.client->AddStateListener([self, gen](const SessionEvent& e) { self->OnSession(gen, e); });
  // The watch first: a change after the read then always produces an event.
  c.AddWatchLocked(gen);
  c.ReadLocked(gen);
  return Status::Ok();
}

Status NodeCache::WaitInitialized(int64_t timeout_ms) {
  Core& c = *core_;
  std::unique_lock<std::mutex> lock(c.mu);
  if (c.client->OnEventThread()) {
    return Status(Code::kBadArguments, "WaitInitialized blocks: not from a client callback");
  }
  c.initialized_cv.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(0, timeout_ms)),
                            [&] { return c.initial_reported || !c.ended.ok() || !c.running; });
  if (c.initial_reported) return Status::Ok();
  if (!c.ended.ok()) return c.ended;
  if (!c.running) return Status(Code::kConnectionLoss, "the node cache is not running");
  return Status(Code::kOperationTimeout, "node cache of " + c.path + " not initialized in time");
}

void NodeCache::Close() {
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
      client->RemoveWatchesAsync(c.path, WatcherType::kPersistent, [](Status) {});
    }
    c.watch = Core::WatchState::kNone;
    c.initialized_cv.notify_all();
  }
  // Wait for a listener call in progress (unless we are that call).
  if (!client->OnEventThread()) {
    std::lock_guard<std::mutex> serial(c.listener_mu);
  }
}

Status NodeCache::Restart(Client* client) {
  Close();
  {
    std::lock_guard<std::mutex> lock(core_->mu);
    core_->client = client;
  }
  return Start();
}

std::optional<CachedNode> NodeCache::current() const {
  std::lock_guard<std::mutex> lock(core_->mu);
  return core_->node;
}

bool NodeCache::initialized() const {
  std::lock_guard<std::mutex> lock(core_->mu);
  return core_->initialized;
}

}  // namespace coord::recipes
