#include "coord/recipes/semaphore.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "clients/recipes/util.h"

namespace coord::recipes {
namespace {

constexpr char kMarker[] = "-lease-";

// A call that may succeed if repeated: the connection broke or was not there in time, and the
// session is not over.
bool Transient(Client* client, const Status& s) {
  return (s.code() == Code::kConnectionLoss || s.code() == Code::kOperationTimeout) &&
         !IsFinal(client->state());
}

}  // namespace

// What the semaphore shares with its watches and its session listener. Held by shared_ptr so that
// a watch firing after the object is gone touches nothing freed.
struct Semaphore::State {
  std::function<void(LockEvent)> on_event;

  std::mutex mu;
  std::condition_variable changed;
  uint64_t wakeups = 0;  // watch firings and session changes; guarded
  std::string node;      // our contender node's name (not path), empty when none; guarded
  bool held = false;     // guarded
  bool closed = false;   // the object is being destroyed: no more on_event calls; guarded
  int reporting = 0;     // on_event calls in progress; guarded

  void Wake() {
    {
      std::lock_guard<std::mutex> lock(mu);
      ++wakeups;
    }
    changed.notify_all();
  }

  void OnSessionEvent(const SessionEvent& event) {
    std::optional<LockEvent> report;
    {
      std::lock_guard<std::mutex> lock(mu);
      ++wakeups;
      if (event.state == SessionState::kSuspended && held) report = LockEvent::kSuspended;
      if (event.state == SessionState::kConnected && event.resumed && held) {
        report = LockEvent::kResumed;
      }
      if (IsFinal(event.state)) {
        if (held) report = LockEvent::kLost;  // the ephemeral node went with the session
        held = false;
        node.clear();
      }
      if (closed || !on_event) report.reset();
      if (report) ++reporting;
    }
    changed.notify_all();
    if (!report) return;
    on_event(*report);
    {
      std::lock_guard<std::mutex> lock(mu);
      --reporting;
    }
    changed.notify_all();
  }
};

std::optional<uint64_t> Semaphore::SequenceOf(const std::string& name) {
  return internal::DigitsAfter(name, kMarker);
}

Semaphore::Semaphore(Client* client, std::string path, int max_leases, std::string holder_data,
                     std::function<void(LockEvent)> on_event)
    : client_(client),
      path_(std::move(path)),
      max_leases_(max_leases),
      data_(std::move(holder_data)),
      guid_(internal::RandomGuid()),
      state_(std::make_shared<State>()) {
  CHECK(max_leases_ >= 1) << "a semaphore needs at least one lease";
  state_->on_event = std::move(on_event);
  listener_ = client_->AddStateListener(
      [state = state_](const SessionEvent& e) { state->OnSessionEvent(e); });
}

Semaphore::~Semaphore() {
  client_->RemoveStateListener(listener_);
  const bool on_event_thread = client_->OnEventThread();
  {
    // A delivery copied before the removal may still run: wait until no on_event call is in
    // progress, so none runs after the object is gone (unless we are that call).
    std::unique_lock<std::mutex> lock(state_->mu);
    state_->closed = true;
    if (!on_event_thread) state_->changed.wait(lock, [&] { return state_->reporting == 0; });
  }
  if (!on_event_thread) Release().IgnoreError();
}

bool Semaphore::held() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->held;
}

std::string Semaphore::node() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->held ? internal::Join(path_, state_->node) : std::string();
}

CheckRequest Semaphore::Fence() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  // Not held: a path that cannot exist, so the multi fails instead of running unguarded.
  return CheckRequest{state_->held ? internal::Join(path_, state_->node)
                                   : internal::Join(path_, "_not_held_" + guid_),
                      kAnyVersion};
}

Status Semaphore::EnsureSemaphoreNode() {
  if (checked_limit_) return Status::Ok();
  const std::string limit = std::to_string(max_leases_);
  const size_t slash = path_.rfind('/');
  COORD_RETURN_IF_ERROR(internal::EnsurePath(client_, path_.substr(0, slash)));
  CreateRequest create;
  create.path = path_;
  create.data = limit;
  Result<CreateResponse> created = client_->Create(create);
  if (!created.ok() && created.status().code() != Code::kNodeExists) return created.status();
  Result<GetDataResponse> stored = client_->GetData(path_);
  if (!stored.ok()) return stored.status();
  // Empty data: the node was made by someone else (e.g. an operator); accept it.
  if (!stored->data.empty() && stored->data != limit) {
    return Status(Code::kBadArguments, "semaphore " + path_ + " has " + stored->data +
                                           " leases; this contender asked for " + limit);
  }
  checked_limit_ = true;
  return Status::Ok();
}

Status Semaphore::EnsureNode() {
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    if (!state_->node.empty()) return Status::Ok();
  }
  COORD_RETURN_IF_ERROR(EnsureSemaphoreNode());
  const std::string prefix = "_c_" + guid_ + kMarker;
  CreateRequest create;
  create.path = internal::Join(path_, prefix);
  create.data = data_;
  create.kind = NodeKind::kEphemeral;
  create.sequential = true;
  for (int attempt = 0;; ++attempt) {
    Result<CreateResponse> created = client_->Create(create);
    if (created.ok()) {
      std::lock_guard<std::mutex> lock(state_->mu);
      state_->node = created->path.substr(created->path.rfind('/') + 1);
      return Status::Ok();
    }
    if (!Transient(client_, created.status()) || attempt >= 5) return created.status();
    // The create may have happened: look for our guid before creating again (protected mode).
    Result<std::vector<std::string>> children = client_->GetAllChildren(path_);
    if (!children.ok()) continue;
    for (const std::string& child : *children) {
      if (child.rfind(prefix, 0) != 0) continue;
      std::lock_guard<std::mutex> lock(state_->mu);
      state_->node = child;
      return Status::Ok();
    }
  }
}

Result<bool> Semaphore::CheckPosition(bool watch) {
  Watcher watcher;
  if (watch) watcher = [state = state_](const WatchEvent&) { state->Wake(); };
  Result<std::vector<std::string>> children = client_->GetAllChildren(path_, std::move(watcher));
  if (!children.ok()) return children.status();
  std::vector<std::pair<uint64_t, std::string>> queue;
  for (const std::string& child : *children) {
    if (std::optional<uint64_t> seq = SequenceOf(child)) queue.emplace_back(*seq, child);
  }
  std::sort(queue.begin(), queue.end());
  std::lock_guard<std::mutex> lock(state_->mu);
  auto it = std::find_if(queue.begin(), queue.end(),
                         [&](const auto& c) { return c.second == state_->node; });
  if (it == queue.end()) {
    // Our node is gone (the session expired and a new one started, or someone deleted it).
    state_->node.clear();
    return Status(Code::kSessionExpired, "the lease node of this contender disappeared");
  }
  if (it - queue.begin() < max_leases_) state_->held = true;
  return state_->held;
}

Status Semaphore::Acquire(int64_t timeout_ms) {
  if (held()) return Status::Ok();
  const int64_t deadline = timeout_ms < 0 ? INT64_MAX : internal::SteadyNowMs() + timeout_ms;
  auto timed_out = [&] {
    Release().IgnoreError();  // give up our place in the queue
    return Status(Code::kOperationTimeout, "no lease of " + path_ + " in time");
  };
  while (true) {
    uint64_t seen;
    {
      std::lock_guard<std::mutex> lock(state_->mu);
      seen = state_->wakeups;
    }
    Status ensured = EnsureNode();
    Result<bool> position = ensured.ok() ? CheckPosition(/*watch=*/true) : ensured;
    if (position.ok() && *position) return Status::Ok();
    if (!position.ok()) {
      const Status& s = position.status();
      const bool vanished = s.code() == Code::kSessionExpired && !IsFinal(client_->state());
      if (!vanished && !Transient(client_, s)) {
        Release().IgnoreError();
        return s;
      }
      if (internal::SteadyNowMs() >= deadline) return timed_out();
      continue;  // a new node, or the same check once the session is back
    }
    std::unique_lock<std::mutex> lock(state_->mu);
    const bool woke = state_->changed.wait_for(
        lock,
        std::chrono::milliseconds(std::max<int64_t>(
            0, std::min<int64_t>(deadline - internal::SteadyNowMs(), 1'000'000'000))),
        [&] { return state_->wakeups != seen; });
    if (!woke && internal::SteadyNowMs() >= deadline) {
      lock.unlock();
      return timed_out();
    }
  }
}

Result<bool> Semaphore::TryAcquire() {
  if (held()) return true;
  COORD_RETURN_IF_ERROR(EnsureNode());
  Result<bool> position = CheckPosition(/*watch=*/false);
  if (position.ok() && *position) return true;
  Status released = Release();
  if (!position.ok()) return position.status();
  if (!released.ok()) return released;
  return false;
}

Status Semaphore::Release() {
  std::string mine;
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    mine = state_->node;
  }
  Status deleted = Status::Ok();
  for (int attempt = 0; !mine.empty() && attempt < 3; ++attempt) {
    // A delete whose reply was lost may have happened: the retry then finds no node.
    deleted = client_->Delete(internal::Join(path_, mine));
    if (deleted.code() == Code::kNoNode) deleted = Status::Ok();
    if (!Transient(client_, deleted)) break;
  }
  if (!deleted.ok()) return deleted;
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->node.clear();
  state_->held = false;
  return Status::Ok();
}

}  // namespace coord::recipes
