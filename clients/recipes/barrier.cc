#include "coord/recipes/barrier.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <utility>

#include "clients/recipes/util.h"

namespace coord::recipes {
namespace {

constexpr char kMarker[] = "-member-";
constexpr char kReady[] = "ready";

// A call that may succeed if repeated: the connection broke or was not there in time, and the
// session is not over.
bool Transient(Client* client, const Status& s) {
  return (s.code() == Code::kConnectionLoss || s.code() == Code::kOperationTimeout) &&
         !IsFinal(client->state());
}

Status TimedOut(const std::string& what) { return Status(Code::kOperationTimeout, what); }

// What a waiting call shares with its watches and the session listener: a count of wakeups.
// Held by shared_ptr so that a watch firing after the waiter is gone touches nothing freed.
struct Signal {
  std::mutex mu;
  std::condition_variable changed;
  uint64_t wakeups = 0;  // watch firings and session changes; guarded

  void Wake() {
    {
      std::lock_guard<std::mutex> lock(mu);
      ++wakeups;
    }
    changed.notify_all();
  }
  uint64_t Seen() {
    std::lock_guard<std::mutex> lock(mu);
    return wakeups;
  }
  // Waits for a wakeup after `seen`; false once the deadline passed without one.
  bool WaitForChange(uint64_t seen, int64_t deadline_ms) {
    std::unique_lock<std::mutex> lock(mu);
    const bool woke = changed.wait_for(
        lock,
        std::chrono::milliseconds(std::max<int64_t>(
            0, std::min<int64_t>(deadline_ms - internal::SteadyNowMs(), 1'000'000'000))),
        [&] { return wakeups != seen; });
    return woke || internal::SteadyNowMs() < deadline_ms;
  }
};

}  // namespace

struct DoubleBarrier::State : Signal {
  std::string node;  // this participant's node name (not path), empty when none; guarded by mu
};

// --- Barrier ---

Barrier::Barrier(Client* client, std::string path) : client_(client), path_(std::move(path)) {}

Status Barrier::SetBarrier() {
  // EnsurePath creates the node itself too; an existing one is fine.
  return internal::EnsurePath(client_, path_);
}

Status Barrier::RemoveBarrier() {
  Status deleted = client_->Delete(path_);
  if (deleted.code() == Code::kNoNode) return Status::Ok();
  return deleted;
}

Status Barrier::WaitOnBarrier(int64_t timeout_ms) {
  const int64_t deadline = timeout_ms < 0 ? INT64_MAX : internal::SteadyNowMs() + timeout_ms;
  auto signal = std::make_shared<Signal>();
  // Session changes wake the wait too: a final state ends it with the client's error.
  const uint64_t listener =
      client_->AddStateListener([signal](const SessionEvent&) { signal->Wake(); });
  Status result;
  while (true) {
    const uint64_t seen = signal->Seen();
    Result<GetDataResponse> read =
        client_->GetData(path_, [signal](const WatchEvent&) { signal->Wake(); });
    if (!read.ok()) {
      if (read.status().code() == Code::kNoNode) break;  // removed (or never set)
      if (!Transient(client_, read.status())) {
        result = read.status();
        break;
      }
      if (internal::SteadyNowMs() >= deadline) {
        result = TimedOut("barrier " + path_ + " still set");
        break;
      }
      continue;  // the next call waits for the connection
    }
    if (!signal->WaitForChange(seen, deadline)) {
      result = TimedOut("barrier " + path_ + " still set");
      break;
    }
  }
  client_->RemoveStateListener(listener);
  return result;
}

// --- DoubleBarrier ---

std::optional<uint64_t> DoubleBarrier::SequenceOf(const std::string& name) {
  return internal::DigitsAfter(name, kMarker);
}

DoubleBarrier::DoubleBarrier(Client* client, std::string path, int participants, std::string data)
    : client_(client),
      path_(std::move(path)),
      participants_(participants),
      data_(std::move(data)),
      guid_(internal::RandomGuid()),
      ready_path_(internal::Join(path_, kReady)),
      state_(std::make_shared<State>()) {
  CHECK(participants_ >= 1) << "a double barrier needs at least one participant";
  listener_ = client_->AddStateListener([state = state_](const SessionEvent& e) {
    if (IsFinal(e.state)) {
      std::lock_guard<std::mutex> lock(state->mu);
      state->node.clear();  // the ephemeral node went with the session
    }
    state->Wake();
  });
}

DoubleBarrier::~DoubleBarrier() {
  client_->RemoveStateListener(listener_);
  if (!client_->OnEventThread()) DeleteOwnNode().IgnoreError();
}

std::string DoubleBarrier::node() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->node.empty() ? std::string() : internal::Join(path_, state_->node);
}

Status DoubleBarrier::EnsureNode() {
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    if (!state_->node.empty()) return Status::Ok();
  }
  COORD_RETURN_IF_ERROR(internal::EnsurePath(client_, path_));
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

Result<std::vector<std::string>> DoubleBarrier::Members() {
  Result<std::vector<std::string>> children = client_->GetAllChildren(path_);
  if (!children.ok()) return children.status();
  std::vector<std::pair<uint64_t, std::string>> members;
  for (const std::string& child : *children) {
    if (std::optional<uint64_t> seq = SequenceOf(child)) members.emplace_back(*seq, child);
  }
  std::sort(members.begin(), members.end());
  std::vector<std::string> names;
  names.reserve(members.size());
  for (auto& member : members) names.push_back(std::move(member.second));
  return names;
}

Status DoubleBarrier::DeleteOwnNode() {
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
  return Status::Ok();
}

Result<bool> DoubleBarrier::TryEnter() {
  // The recipe's order: watch "ready" before our node counts, so its creation cannot be missed.
  Result<std::optional<Stat>> ready =
      client_->Exists(ready_path_, [state = state_](const WatchEvent&) { state->Wake(); });
  if (!ready.ok()) return ready.status();
  if (ready->has_value()) return true;
  COORD_RETURN_IF_ERROR(EnsureNode());
  Result<std::vector<std::string>> members = Members();
  if (!members.ok()) return members.status();
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    if (std::find(members->begin(), members->end(), state_->node) == members->end()) {
      state_->node.clear();
      return Status(Code::kSessionExpired, "the member node of this participant disappeared");
    }
  }
  if (members->size() < static_cast<size_t>(participants_)) return false;
  // Open the barrier only if the N members counted are all still there: one that gave up in the
  // meantime fails the check and we count again.
  std::vector<MultiOpRequest> ops;
  for (int i = 0; i < participants_; ++i) {
    ops.push_back(CheckRequest{internal::Join(path_, (*members)[i]), kAnyVersion});
  }
  CreateRequest create;
  create.path = ready_path_;
  ops.push_back(create);
  Result<MultiResponse> opened = client_->Multi(std::move(ops));
  if (opened.ok() || opened.code() == Code::kNodeExists) return true;
  if (opened.code() != Code::kNoNode) return opened.status();
  state_->Wake();  // a member left: count again at once
  return false;
}

Result<bool> DoubleBarrier::GiveUpEntering() {
  std::string mine;
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    mine = state_->node;
  }
  if (mine.empty()) return false;
  // Creating and deleting "ready" in the same multi fails if it exists: then the barrier opened
  // (counting us) before we could leave, and we are in. Otherwise our node goes atomically with
  // the proof that nobody counted it.
  CreateRequest create;
  create.path = ready_path_;
  std::vector<MultiOpRequest> ops = {create, DeleteRequest{ready_path_, kAnyVersion},
                                     DeleteRequest{internal::Join(path_, mine), kAnyVersion}};
  Result<MultiResponse> gone = Status(Code::kConnectionLoss, "not tried");
  for (int attempt = 0; attempt < 3; ++attempt) {
    gone = client_->Multi(ops);
    if (gone.ok() || gone.code() == Code::kNodeExists || !Transient(client_, gone.status())) {
      break;
    }
  }
  if (gone.code() == Code::kNodeExists) return true;
  if (gone.ok() || gone.code() == Code::kNoNode) {
    // kNoNode: our node was gone already (an earlier attempt applied, or the session lost it).
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->node.clear();
    return false;
  }
  return gone.status();
}

Status DoubleBarrier::Enter(int64_t timeout_ms) {
  const int64_t deadline = timeout_ms < 0 ? INT64_MAX : internal::SteadyNowMs() + timeout_ms;
  while (true) {
    const uint64_t seen = state_->Seen();
    Result<bool> entered = TryEnter();
    if (entered.ok() && *entered) return Status::Ok();
    bool waited = false;
    if (entered.ok()) {
      waited = state_->WaitForChange(seen, deadline);
    } else {
      const Status& s = entered.status();
      const bool vanished = s.code() == Code::kSessionExpired && !IsFinal(client_->state());
      if (!vanished && !Transient(client_, s)) {
        DeleteOwnNode().IgnoreError();
        return s;
      }
      waited =
          internal::SteadyNowMs() < deadline;  // go round again: a new node, or the session is back
    }
    if (waited) continue;
    Result<bool> in_after_all = GiveUpEntering();
    if (!in_after_all.ok()) return in_after_all.status();
    if (*in_after_all) return Status::Ok();
    return TimedOut("double barrier " + path_ + ": fewer than " + std::to_string(participants_) +
                    " participants entered in time");
  }
}

Result<bool> DoubleBarrier::TryLeave() {
  Result<std::vector<std::string>> members = Members();
  if (!members.ok()) return members.status();
  std::string mine;
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    mine = state_->node;
  }
  const bool listed = std::find(members->begin(), members->end(), mine) != members->end();
  if (members->empty() || (members->size() == 1 && listed)) {
    // The last one out: remove our node, then "ready" so the path can serve another round.
    COORD_RETURN_IF_ERROR(DeleteOwnNode());
    Status deleted = client_->Delete(ready_path_);
    if (!deleted.ok() && deleted.code() != Code::kNoNode) return deleted;
    return true;
  }
  std::string target;
  if (listed && mine == members->front()) {
    target = members->back();  // the lowest leaves last: wait for the highest
  } else {
    if (!listed) {
      std::lock_guard<std::mutex> lock(state_->mu);
      state_->node.clear();  // gone already (with an earlier session): nothing to delete
    }
    COORD_RETURN_IF_ERROR(DeleteOwnNode());
    target = members->front();  // wait for the lowest, which leaves last
  }
  Result<GetDataResponse> watched = client_->GetData(
      internal::Join(path_, target), [state = state_](const WatchEvent&) { state->Wake(); });
  if (!watched.ok()) {
    if (watched.code() != Code::kNoNode) return watched.status();
    state_->Wake();  // gone between the listing and the watch: look again at once
  }
  return false;
}

Status DoubleBarrier::Leave(int64_t timeout_ms) {
  const int64_t deadline = timeout_ms < 0 ? INT64_MAX : internal::SteadyNowMs() + timeout_ms;
  while (true) {
    const uint64_t seen = state_->Seen();
    Result<bool> left = TryLeave();
    if (left.ok() && *left) return Status::Ok();
    if (!left.ok() && !Transient(client_, left.status())) {
      DeleteOwnNode().IgnoreError();
      return left.status();
    }
    const bool waited =
        left.ok() ? state_->WaitForChange(seen, deadline) : internal::SteadyNowMs() < deadline;
    if (waited) continue;
    // We leave all the same; the others just did not all leave in time.
    DeleteOwnNode().IgnoreError();
    return TimedOut("double barrier " + path_ + ": not every participant left in time");
  }
}

}  // namespace coord::recipes
