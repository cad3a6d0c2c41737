#include "coord/recipes/lock.h"

#include <unistd.h>
#include <algorithm>

#include <chrono>

#include "clients/recipes/util.h"

namespace coord::recipes {
namespace {

constexpr char kMarker[] = "-lock-";

bool Retryable(const Status& s) {
  return s.code() == Code::kConnectionLoss || s.code() == Code::kOperationTimeout;
}

}  // namespace

const char* LockEventName(LockEvent event) {
  switch (event) {
    case LockEvent::kSuspended:
      return "suspended";
    case LockEvent::kResumed:
      return "resumed";
    case LockEvent::kLost:
      return "lost";
  }
  return "?";
}

Lock::Lock(Client* client, std::string path, std::string holder_data,
           std::function<void(LockEvent)> on_event)
    : client_(client),
      path_(std::move(path)),
      data_(std::move(holder_data)),
      guid_(internal::RandomGuid()),
      st_(std::make_shared<State>()) {
  st_->on_event = std::move(on_event);
  listener_ = client_->AddStateListener([weak = std::weak_ptr<State>(st_)](const SessionEvent& e) {
    if (std::shared_ptr<State> st = weak.lock()) st->OnSessionEvent(e);
  });
}

Lock::~Lock() {
  client_->RemoveStateListener(listener_);
  if (!client_->OnEventThread()) Release().IgnoreError();
}

std::optional<uint64_t> Lock::SequenceOf(const std::string& name) {
  return internal::DigitsAfter(name, kMarker);
}

std::string Lock::node() const {
  std::lock_guard<std::mutex> lock(st_->mu);
  return st_->held ? internal::Join(path_, st_->node) : std::string();
}

CheckRequest Lock::Fence() const {
  std::lock_guard<std::mutex> lock(st_->mu);
  // Not held: a path that cannot exist, so the multi fails instead of running unguarded.
  return CheckRequest{st_->held && !st_->node.empty() ? internal::Join(path_, st_->node)
                                                      : internal::Join(path_, "_not_held_" + guid_),
                      kAnyVersion};
}

void Lock::State::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu);
    ++wakeups;
  }
  changed.notify_all();
}

void Lock::State::OnSessionEvent(const SessionEvent& event) {
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
  }
  changed.notify_all();
  if (report && on_event) on_event(*report);
}

Result<std::optional<std::string>> Lock::FindOwnNode() {
  Result<std::vector<std::string>> children = client_->GetAllChildren(path_);
  if (!children.ok()) return children.status();
  const std::string prefix = "_c_" + guid_ + kMarker;
  for (const std::string& child : *children) {
    if (child.rfind(prefix, 0) == 0) return std::optional<std::string>(child);
  }
  return std::optional<std::string>();
}

Status Lock::EnsureNode() {
  {
    std::lock_guard<std::mutex> lock(st_->mu);
    if (!st_->node.empty()) return Status::Ok();
  }
  if (!path_ready_) {
    Status parent = internal::EnsurePath(client_, path_);
    if (!parent.ok()) return parent;
    path_ready_ = true;
  }
  CreateRequest create;
  create.path = internal::Join(path_, "_c_" + guid_ + kMarker);
  create.data = data_;
  create.kind = NodeKind::kEphemeral;
  create.sequential = true;
  for (int attempt = 0;; ++attempt) {
    Result<CreateResponse> created = client_->Create(create);
    if (created.ok()) {
      std::lock_guard<std::mutex> lock(st_->mu);
      st_->node = created->path.substr(created->path.rfind('/') + 1);
      return Status::Ok();
    }
    if (created.status().code() == Code::kNoNode) {
      path_ready_ = false;  // the lock's parent was removed meanwhile
      return created.status();
    }
    if (!Retryable(created.status()) || attempt >= 5) return created.status();
    // The create may have happened: look for our guid before creating again (protected mode).
    Result<std::optional<std::string>> found = FindOwnNode();
    if (found.ok() && found->has_value()) {
      std::lock_guard<std::mutex> lock(st_->mu);
      st_->node = **found;
      return Status::Ok();
    }
  }
}

Result<bool> Lock::CheckPosition(bool watch_predecessor) {
  Result<std::vector<std::string>> children = client_->GetAllChildren(path_);
  if (!children.ok()) return children.status();
  std::vector<std::pair<uint64_t, std::string>> contenders;
  for (const std::string& child : *children) {
    if (std::optional<uint64_t> seq = SequenceOf(child)) contenders.emplace_back(*seq, child);
  }
  std::sort(contenders.begin(), contenders.end());
  std::string mine;
  {
    std::lock_guard<std::mutex> lock(st_->mu);
    mine = st_->node;
  }
  auto it = std::find_if(contenders.begin(), contenders.end(),
                         [&](const auto& c) { return c.second == mine; });
  if (it == contenders.end()) {
    // Our node is gone (the session expired and a new one started): start over.
    std::lock_guard<std::mutex> lock(st_->mu);
    st_->node.clear();
    return Status(Code::kSessionExpired, "the lock node of this contender disappeared");
  }
  if (it == contenders.begin()) {
    Result<std::optional<Stat>> stat = client_->Exists(internal::Join(path_, mine));
    if (!stat.ok()) return stat.status();
    if (!stat->has_value()) return Status(Code::kSessionExpired, "the lock node disappeared");
    st_->token = static_cast<uint64_t>((*stat)->czxid);
    st_->held = true;
    return true;
  }
  if (!watch_predecessor) return false;
  const std::string predecessor = internal::Join(path_, std::prev(it)->second);
  // GetData, not Exists: on a node that is already gone it sets no watch (an exists-watch on a
  // sequential name that never comes back would stay registered for the whole session).
  Result<GetDataResponse> watched =
      client_->GetData(predecessor, [weak = std::weak_ptr<State>(st_)](const WatchEvent&) {
        if (std::shared_ptr<State> st = weak.lock()) st->Wake();
      });
  if (!watched.ok()) {
    if (watched.status().code() != Code::kNoNode) return watched.status();
    // Gone between the listing and the watch: look again at once.
    std::lock_guard<std::mutex> lock(st_->mu);
    ++st_->wakeups;
  }
  return false;
}

Result<uint64_t> Lock::Acquire(int64_t timeout_ms) {
  if (st_->held) return st_->token.load();
  const int64_t deadline = timeout_ms < 0 ? INT64_MAX : internal::SteadyNowMs() + timeout_ms;
  // A connection loss fails the call in flight, not the session: retry until the deadline (the
  // reads are idempotent, and the create is made safe by the guid in the node name).
  auto retry = [&](const Status& s) {
    if (!Retryable(s) || IsFinal(client_->state()) || internal::SteadyNowMs() >= deadline)
      return false;
    usleep(10 * 1000);
    return true;
  };
  while (true) {
    Status ensured = EnsureNode();
    if (!ensured.ok()) {
      if (retry(ensured)) continue;
      return ensured;
    }
    uint64_t seen;
    {
      std::lock_guard<std::mutex> lock(st_->mu);
      seen = st_->wakeups;
    }
    Result<bool> position = CheckPosition(/*watch_predecessor=*/true);
    if (!position.ok()) {
      if (position.status().code() == Code::kSessionExpired &&
          client_->state() != SessionState::kExpired) {
        continue;  // our node vanished with an old session: create a new one
      }
      if (retry(position.status())) continue;
      // Not acquired: do not leave our node queued, blocking the others (best effort).
      if (!IsFinal(client_->state())) Release().IgnoreError();
      return position.status();
    }
    if (*position) return st_->token.load();
    std::unique_lock<std::mutex> lock(st_->mu);
    const bool woke = st_->changed.wait_for(
        lock,
        std::chrono::milliseconds(std::max<int64_t>(
            0, std::min<int64_t>(deadline - internal::SteadyNowMs(), 1'000'000'000))),
        [&] { return st_->wakeups != seen; });
    if (!woke && internal::SteadyNowMs() >= deadline) {
      lock.unlock();
      Release().IgnoreError();  // give up our place in the queue
      return Status(Code::kOperationTimeout, "lock " + path_ + " not acquired in time");
    }
  }
}

Result<std::optional<uint64_t>> Lock::TryAcquire() {
  if (st_->held) return std::optional<uint64_t>(st_->token.load());
  Status ensured = EnsureNode();
  if (!ensured.ok()) return ensured;
  Result<bool> position = CheckPosition(/*watch_predecessor=*/false);
  if (!position.ok()) return position.status();
  if (*position) return std::optional<uint64_t>(st_->token.load());
  Status released = Release();
  if (!released.ok()) return released;
  return std::optional<uint64_t>();
}

Status Lock::Release() {
  std::string mine;
  {
    std::lock_guard<std::mutex> lock(st_->mu);
    mine = st_->node;
  }
  if (mine.empty()) {
    st_->held = false;
    return Status::Ok();
  }
  Status deleted = client_->Delete(internal::Join(path_, mine));
  if (!deleted.ok() && deleted.code() != Code::kNoNode) return deleted;
  std::lock_guard<std::mutex> lock(st_->mu);
  st_->node.clear();
  st_->held = false;
  return Status::Ok();
}

}  // namespace coord::recipes
