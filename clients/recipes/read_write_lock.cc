#include "coord/recipes/read_write_lock.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "clients/recipes/util.h"

namespace coord::recipes {
namespace {

constexpr char kReadMarker[] = "-read-";
constexpr char kWriteMarker[] = "-write-";

// A call that may succeed if repeated: the connection broke or was not there in time, and the
// session is not over.
bool Transient(Client* client, const Status& s) {
  return (s.code() == Code::kConnectionLoss || s.code() == Code::kOperationTimeout) &&
         !IsFinal(client->state());
}

const char* MarkerOf(ReadWriteLock::Mode mode) {
  return mode == ReadWriteLock::Mode::kRead ? kReadMarker : kWriteMarker;
}

}  // namespace

// What a side shares with its watches and its session listener. Held by shared_ptr so that a
// watch firing after the side is gone (a timed-out waiter's watch fires when its blocker leaves)
// touches nothing freed.
struct ReadWriteLock::Side::State {
  Mode mode;
  std::function<void(Mode, LockEvent)> on_event;

  std::mutex mu;
  std::condition_variable changed;
  uint64_t wakeups = 0;  // watch firings and session changes; guarded
  std::string node;      // our contender node's name (not path), empty when none; guarded
  uint64_t czxid = 0;    // of `node`; guarded
  bool held = false;     // guarded
  bool closed = false;   // the side is being destroyed: no more on_event calls; guarded
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
        // The session is gone, and with it the ephemeral node.
        if (held) report = LockEvent::kLost;
        held = false;
        node.clear();
      }
      if (closed || !on_event) report.reset();
      if (report) ++reporting;
    }
    changed.notify_all();
    if (!report) return;
    on_event(mode, *report);
    {
      std::lock_guard<std::mutex> lock(mu);
      --reporting;
    }
    changed.notify_all();
  }
};

const char* ModeName(ReadWriteLock::Mode mode) {
  return mode == ReadWriteLock::Mode::kRead ? "read" : "write";
}

std::optional<ReadWriteLock::NodeName> ReadWriteLock::Parse(const std::string& name) {
  // The guid is hex, so the markers can only occur once, just before the sequence number.
  if (std::optional<uint64_t> seq = internal::DigitsAfter(name, kReadMarker)) {
    return NodeName{Mode::kRead, *seq};
  }
  if (std::optional<uint64_t> seq = internal::DigitsAfter(name, kWriteMarker)) {
    return NodeName{Mode::kWrite, *seq};
  }
  return std::nullopt;
}

ReadWriteLock::ReadWriteLock(Client* client, std::string path, std::string holder_data,
                             std::function<void(Mode, LockEvent)> on_event)
    : read_(client, path, Mode::kRead, holder_data, on_event),
      write_(client, path, Mode::kWrite, holder_data, on_event) {}

ReadWriteLock::Side::Side(Client* client, std::string path, Mode mode, std::string data,
                          std::function<void(Mode, LockEvent)> on_event)
    : client_(client),
      path_(std::move(path)),
      mode_(mode),
      data_(std::move(data)),
      guid_(internal::RandomGuid()),
      state_(std::make_shared<State>()) {
  state_->mode = mode;
  state_->on_event = std::move(on_event);
  listener_ = client_->AddStateListener(
      [state = state_](const SessionEvent& e) { state->OnSessionEvent(e); });
}

ReadWriteLock::Side::~Side() {
  client_->RemoveStateListener(listener_);
  const bool on_event_thread = client_->OnEventThread();
  {
    // A delivery copied before the removal may still run: wait until no on_event call is in
    // progress, so none runs after the side is gone (unless we are that call).
    std::unique_lock<std::mutex> lock(state_->mu);
    state_->closed = true;
    if (!on_event_thread) state_->changed.wait(lock, [&] { return state_->reporting == 0; });
  }
  if (!on_event_thread) Release().IgnoreError();
}

bool ReadWriteLock::Side::held() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->held;
}

uint64_t ReadWriteLock::Side::token() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->held ? state_->czxid : 0;
}

std::string ReadWriteLock::Side::node() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->held ? internal::Join(path_, state_->node) : std::string();
}

CheckRequest ReadWriteLock::Side::Fence() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  // Not held: a path that cannot exist, so the multi fails instead of running unguarded.
  return CheckRequest{state_->held ? internal::Join(path_, state_->node)
                                   : internal::Join(path_, "_not_held_" + guid_),
                      kAnyVersion};
}

Status ReadWriteLock::Side::EnsureNode() {
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    if (!state_->node.empty()) return Status::Ok();
  }
  COORD_RETURN_IF_ERROR(internal::EnsurePath(client_, path_));
  const std::string prefix = "_c_" + guid_ + MarkerOf(mode_);
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
      state_->czxid = static_cast<uint64_t>(created->stat.czxid);
      return Status::Ok();
    }
    if (!Transient(client_, created.status()) || attempt >= 5) return created.status();
    // The create may have happened: look for our guid before creating again (protected mode).
    Result<std::vector<std::string>> children = client_->GetAllChildren(path_);
    if (!children.ok()) continue;
    for (const std::string& child : *children) {
      if (child.rfind(prefix, 0) != 0) continue;
      Result<std::optional<Stat>> stat = client_->Exists(internal::Join(path_, child));
      if (!stat.ok() || !stat->has_value()) break;
      std::lock_guard<std::mutex> lock(state_->mu);
      state_->node = child;
      state_->czxid = static_cast<uint64_t>((*stat)->czxid);
      return Status::Ok();
    }
  }
}

Result<bool> ReadWriteLock::Side::CheckPosition(bool watch_blocker) {
  Result<std::vector<std::string>> children = client_->GetAllChildren(path_);
  if (!children.ok()) return children.status();
  struct Contender {
    uint64_t sequence;
    Mode mode;
    std::string name;
  };
  std::vector<Contender> queue;
  for (const std::string& child : *children) {
    if (std::optional<NodeName> parsed = Parse(child)) {
      queue.push_back({parsed->sequence, parsed->mode, child});
    }
  }
  std::sort(queue.begin(), queue.end(),
            [](const Contender& a, const Contender& b) { return a.sequence < b.sequence; });
  std::unique_lock<std::mutex> lock(state_->mu);
  const std::string mine = state_->node;
  auto it =
      std::find_if(queue.begin(), queue.end(), [&](const Contender& c) { return c.name == mine; });
  if (it == queue.end()) {
    // Our node is gone (the session expired and a new one started, or someone deleted it).
    state_->node.clear();
    return Status(Code::kSessionExpired, "the lock node of this contender disappeared");
  }
  // The node this contender waits for: for a writer its predecessor, for a reader the nearest
  // preceding writer.
  auto blocker = queue.end();
  for (auto p = it; p != queue.begin();) {
    --p;
    if (mode_ == Mode::kWrite || p->mode == Mode::kWrite) {
      blocker = p;
      break;
    }
  }
  if (blocker == queue.end()) {
    state_->held = true;
    return true;
  }
  lock.unlock();
  if (!watch_blocker) return false;
  // GetData, not Exists: on a node that is already gone it sets no watch (an exists watch on a
  // sequential name that never comes back would stay registered for the session's life).
  Result<GetDataResponse> watched = client_->GetData(
      internal::Join(path_, blocker->name), [state = state_](const WatchEvent&) { state->Wake(); });
  if (!watched.ok()) {
    if (watched.status().code() != Code::kNoNode) return watched.status();
    state_->Wake();  // gone between the listing and the watch: look again at once
  }
  return false;
}

Result<uint64_t> ReadWriteLock::Side::Acquire(int64_t timeout_ms) {
  if (held()) return token();
  const int64_t deadline = timeout_ms < 0 ? INT64_MAX : internal::SteadyNowMs() + timeout_ms;
  auto timed_out = [&]() -> Result<uint64_t> {
    Release().IgnoreError();  // give up our place in the queue
    return Status(Code::kOperationTimeout,
                  std::string(ModeName(mode_)) + " lock " + path_ + " not acquired in time");
  };
  while (true) {
    uint64_t seen;
    {
      std::lock_guard<std::mutex> lock(state_->mu);
      seen = state_->wakeups;
    }
    Status ensured = EnsureNode();
    Result<bool> position = ensured.ok() ? CheckPosition(/*watch_blocker=*/true) : ensured;
    if (position.ok() && *position) {
      std::lock_guard<std::mutex> lock(state_->mu);
      if (state_->held) return state_->czxid;
      return Status(Code::kSessionExpired, "the session ended as the lock was acquired");
    }
    if (!position.ok()) {
      const Status& s = position.status();
      const bool vanished = s.code() == Code::kSessionExpired && !IsFinal(client_->state());
      if (!vanished && !Transient(client_, s)) {
        Release().IgnoreError();
        return s;
      }
      // A new node, or the same check once the session is back: go round again (bounded by the
      // deadline; a transient failure already waited for a connection).
      if (internal::SteadyNowMs() >= deadline) return timed_out();
      continue;
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

Result<std::optional<uint64_t>> ReadWriteLock::Side::TryAcquire() {
  if (held()) return std::optional<uint64_t>(token());
  COORD_RETURN_IF_ERROR(EnsureNode());
  Result<bool> position = CheckPosition(/*watch_blocker=*/false);
  if (position.ok() && *position) return std::optional<uint64_t>(token());
  Status released = Release();
  if (!position.ok()) return position.status();
  if (!released.ok()) return released;
  return std::optional<uint64_t>();
}

Status ReadWriteLock::Side::Release() {
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
