#include "coord/recipes/lock.h"

#include <unistd.h>
#include <algorithm>

#include <chrono>

#include "clients/recipes/util.h"

namespace coord::recipes {
namespace {

constexpr char kMarker[] = "-lock-";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

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
      on_event_(std::move(on_event)),
      guid_(internal::RandomGuid()) {
  listener_ = client_->AddStateListener([this](const SessionEvent& e) { OnSessionEvent(e); });
}

Lock::~Lock() {
  client_->RemoveStateListener(listener_);
  if (!client_->OnEventThread()) Release().IgnoreError();
}

std::optional<uint64_t> Lock::SequenceOf(const std::string& name) {
  const size_t at = name.rfind(kMarker);
  if (at == std::string::npos) return std::nullopt;
  const std::string digits = name.substr(at + sizeof(kMarker) - 1);
  if (digits.empty() || digits.size() > 19) return std::nullopt;
  uint64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  return value;
}

std::string Lock::node() const {
  std::lock_guard<std::mutex> lock(mu_);
  return held_ ? internal::Join(path_, node_) : std::string();
}

CheckRequest Lock::Fence() const {
  std::lock_guard<std::mutex> lock(mu_);
  // Not held: a path that cannot exist, so the multi fails instead of running unguarded.
  return CheckRequest{held_ && !node_.empty() ? internal::Join(path_, node_)
                                              : internal::Join(path_, "_not_held_" + guid_),
                      kAnyVersion};
}

void Lock::OnSessionEvent(const SessionEvent& event) {
  std::optional<LockEvent> report;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++wakeups_;
    if (event.state == SessionState::kSuspended && held_) report = LockEvent::kSuspended;
    if (event.state == SessionState::kConnected && event.resumed && held_) {
      report = LockEvent::kResumed;
    }
    if (IsFinal(event.state)) {
      // The session is gone, and with it the ephemeral node.
      if (held_) report = LockEvent::kLost;
      held_ = false;
      node_.clear();
    }
  }
  changed_.notify_all();
  if (report && on_event_) on_event_(*report);
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
    std::lock_guard<std::mutex> lock(mu_);
    if (!node_.empty()) return Status::Ok();
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
      std::lock_guard<std::mutex> lock(mu_);
      node_ = created->path.substr(created->path.rfind('/') + 1);
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
      std::lock_guard<std::mutex> lock(mu_);
      node_ = **found;
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
    std::lock_guard<std::mutex> lock(mu_);
    mine = node_;
  }
  auto it = std::find_if(contenders.begin(), contenders.end(),
                         [&](const auto& c) { return c.second == mine; });
  if (it == contenders.end()) {
    // Our node is gone (the session expired and a new one started): start over.
    std::lock_guard<std::mutex> lock(mu_);
    node_.clear();
    return Status(Code::kSessionExpired, "the lock node of this contender disappeared");
  }
  if (it == contenders.begin()) {
    Result<std::optional<Stat>> stat = client_->Exists(internal::Join(path_, mine));
    if (!stat.ok()) return stat.status();
    if (!stat->has_value()) return Status(Code::kSessionExpired, "the lock node disappeared");
    token_ = static_cast<uint64_t>((*stat)->czxid);
    held_ = true;
    return true;
  }
  if (!watch_predecessor) return false;
  const std::string predecessor = internal::Join(path_, std::prev(it)->second);
  Result<std::optional<Stat>> exists = client_->Exists(predecessor, [this](const WatchEvent&) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++wakeups_;
    }
    changed_.notify_all();
  });
  if (!exists.ok()) return exists.status();
  if (!exists->has_value()) {
    // Gone between the listing and the watch: look again at once.
    std::lock_guard<std::mutex> lock(mu_);
    ++wakeups_;
  }
  return false;
}

Result<uint64_t> Lock::Acquire(int64_t timeout_ms) {
  if (held_) return token_.load();
  const int64_t deadline = timeout_ms < 0 ? INT64_MAX : NowMs() + timeout_ms;
  // A connection loss fails the call in flight, not the session: retry until the deadline (the
  // reads are idempotent, and the create is made safe by the guid in the node name).
  auto retry = [&](const Status& s) {
    if (!Retryable(s) || IsFinal(client_->state()) || NowMs() >= deadline) return false;
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
      std::lock_guard<std::mutex> lock(mu_);
      seen = wakeups_;
    }
    Result<bool> position = CheckPosition(/*watch_predecessor=*/true);
    if (!position.ok()) {
      if (position.status().code() == Code::kSessionExpired &&
          client_->state() != SessionState::kExpired) {
        continue;  // our node vanished with an old session: create a new one
      }
      if (retry(position.status())) continue;
      return position.status();
    }
    if (*position) return token_.load();
    std::unique_lock<std::mutex> lock(mu_);
    const bool woke =
        changed_.wait_for(lock,
                          std::chrono::milliseconds(std::max<int64_t>(
                              0, std::min<int64_t>(deadline - NowMs(), 1'000'000'000))),
                          [&] { return wakeups_ != seen; });
    if (!woke && NowMs() >= deadline) {
      lock.unlock();
      Release().IgnoreError();  // give up our place in the queue
      return Status(Code::kOperationTimeout, "lock " + path_ + " not acquired in time");
    }
  }
}

Result<std::optional<uint64_t>> Lock::TryAcquire() {
  if (held_) return std::optional<uint64_t>(token_.load());
  Status ensured = EnsureNode();
  if (!ensured.ok()) return ensured;
  Result<bool> position = CheckPosition(/*watch_predecessor=*/false);
  if (!position.ok()) return position.status();
  if (*position) return std::optional<uint64_t>(token_.load());
  Status released = Release();
  if (!released.ok()) return released;
  return std::optional<uint64_t>();
}

Status Lock::Release() {
  std::string mine;
  {
    std::lock_guard<std::mutex> lock(mu_);
    mine = node_;
  }
  if (mine.empty()) {
    held_ = false;
    return Status::Ok();
  }
  Status deleted = client_->Delete(internal::Join(path_, mine));
  if (!deleted.ok() && deleted.code() != Code::kNoNode) return deleted;
  std::lock_guard<std::mutex> lock(mu_);
  node_.clear();
  held_ = false;
  return Status::Ok();
}

}  // namespace coord::recipes
