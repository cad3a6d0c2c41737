#include "coord/recipes/queue.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "clients/recipes/util.h"

namespace coord::recipes {
namespace {

constexpr char kItemPrefix[] = "item-";
constexpr char kTakenNode[] = "_taken";
// Between two attempts to learn a claim's outcome while the connection is down.
constexpr useconds_t kResolveRetryUs = 20 * 1000;

bool Retryable(Code code) {
  return code == Code::kConnectionLoss || code == Code::kOperationTimeout;
}

}  // namespace

// Counts child-watch firings and session changes; Takes wait for it to move. Shared with the
// watchers and the state listener, which may run after the Queue is gone.
struct Queue::Wakeups {
  std::mutex mu;
  std::condition_variable changed;
  uint64_t count = 0;

  void Bump() {
    {
      std::lock_guard<std::mutex> lock(mu);
      ++count;
    }
    changed.notify_all();
  }
  uint64_t Now() {
    std::lock_guard<std::mutex> lock(mu);
    return count;
  }
  // True if the count moved past `seen` before `deadline_ms`.
  bool WaitPast(uint64_t seen, int64_t deadline_ms) {
    std::unique_lock<std::mutex> lock(mu);
    while (count == seen) {
      const int64_t left = deadline_ms - internal::SteadyNowMs();
      if (left <= 0) return false;
      changed.wait_for(lock, std::chrono::milliseconds(std::min<int64_t>(left, 1'000'000'000)));
    }
    return true;
  }
};

Queue::Queue(Client* client, std::string path)
    : client_(client),
      path_(std::move(path)),
      taken_path_(internal::Join(path_, kTakenNode)),
      guid_(internal::RandomGuid()),
      wakeups_(std::make_shared<Wakeups>()) {
  std::shared_ptr<Wakeups> wakeups = wakeups_;
  listener_ = client_->AddStateListener([wakeups](const SessionEvent&) { wakeups->Bump(); });
}

Queue::~Queue() { client_->RemoveStateListener(listener_); }

std::optional<uint64_t> Queue::SequenceOf(const std::string& name) {
  const size_t prefix = sizeof(kItemPrefix) - 1;
  if (name.compare(0, prefix, kItemPrefix) != 0) return std::nullopt;
  return internal::DigitsAfter(name, kItemPrefix);
}

Status Queue::EnsureQueue() {
  std::lock_guard<std::mutex> lock(ready_mu_);
  if (ready_) return Status::Ok();
  COORD_RETURN_IF_ERROR(internal::EnsurePath(client_, taken_path_));
  ready_ = true;
  return Status::Ok();
}

Result<std::string> Queue::Put(const std::string& data) {
  COORD_RETURN_IF_ERROR(EnsureQueue());
  CreateRequest create;
  create.path = internal::Join(path_, kItemPrefix);
  create.data = data;
  create.sequential = true;
  Result<CreateResponse> created = client_->Create(create);
  if (!created.ok()) return created.status();
  return created->path.substr(created->path.rfind('/') + 1);
}

Result<std::vector<std::string>> Queue::Items(bool watch) {
  Watcher watcher;
  if (watch) {
    std::shared_ptr<Wakeups> wakeups = wakeups_;
    watcher = [wakeups](const WatchEvent&) { wakeups->Bump(); };
  }
  Result<std::vector<std::string>> children = client_->GetAllChildren(path_, std::move(watcher));
  if (!children.ok()) return children.status();
  std::vector<std::pair<uint64_t, std::string>> items;
  for (std::string& child : *children) {
    if (std::optional<uint64_t> seq = SequenceOf(child)) items.emplace_back(*seq, std::move(child));
  }
  std::sort(items.begin(), items.end());
  std::vector<std::string> names;
  names.reserve(items.size());
  for (auto& item : items) names.push_back(std::move(item.second));
  return names;
}

// Reads the marker and the item at one point in time. Our marker: the claim was applied. Another
// consumer's marker, or neither marker nor item: another consumer took it (the delete and the
// marker are one transaction, so an item gone without our marker was not deleted by us). No
// marker but the item still there: nothing of ours was applied yet — but the lost multi might
// still be, later, so the caller claims again rather than walk away.
Result<Queue::Claim> Queue::ResolveClaim(const std::string& item) {
  const std::string marker = internal::Join(taken_path_, item);
  while (true) {
    std::vector<ReadOpRequest> reads;
    reads.emplace_back(GetDataRequest{marker, false});
    reads.emplace_back(ExistsRequest{internal::Join(path_, item), false});
    Result<MultiResponse> read = client_->MultiRead(std::move(reads));
    if (!read.ok()) {
      if (!Retryable(read.code())) {
        return Status(read.code(), "the claim of " + item + " may have been applied and the " +
                                       "item lost: " + read.status().message());
      }
      usleep(kResolveRetryUs);
      continue;
    }
    if (read->results.size() != 2) return Status(Code::kMarshallingError, "multi_read reply");
    const OpResponse& mark = read->results[0];
    const OpResponse& exists = read->results[1];
    if (mark.code == Code::kOk) {
      if (mark.data != guid_) return Claim::kLost;
      client_->DeleteAsync(marker, kAnyVersion, [](Status) {});
      return Claim::kMine;
    }
    if (mark.code != Code::kNoNode) return Status(mark.code, "reading claim marker " + marker);
    if (exists.code == Code::kNoNode) return Claim::kLost;
    if (exists.code != Code::kOk) return Status(exists.code, "reading queue item " + item);
    return Claim::kUnknown;
  }
}

Result<Queue::Claim> Queue::ClaimItem(const std::string& item, std::string* data) {
  const std::string item_path = internal::Join(path_, item);
  bool in_doubt = false;  // a multi of ours for this item was lost with the connection
  std::string last_data;  // the item's data as last read (items are not meant to change)
  while (true) {
    Result<GetDataResponse> got = client_->GetData(item_path);
    if (!got.ok()) {
      if (got.code() == Code::kNoNode) {
        if (!in_doubt) return Claim::kLost;
        Result<Claim> resolved = ResolveClaim(item);
        if (resolved.ok() && *resolved == Claim::kMine) *data = std::move(last_data);
        return resolved;
      }
      if (in_doubt && Retryable(got.code())) {
        usleep(kResolveRetryUs);
        continue;
      }
      return got.status();
    }
    last_data = got->data;
    CreateRequest mark;
    mark.path = internal::Join(taken_path_, item);
    mark.data = guid_;
    mark.kind = NodeKind::kEphemeral;
    Result<MultiResponse> claimed =
        client_->Multi({DeleteRequest{item_path, got->stat.version}, std::move(mark)});
    Result<Claim> outcome = Claim::kMine;
    if (!claimed.ok()) {
      switch (claimed.code()) {
        case Code::kNoNode:      // deleted first by another consumer (or by our lost multi)
        case Code::kNodeExists:  // a marker exists: the item was deleted with it
          outcome = in_doubt ? ResolveClaim(item) : Claim::kLost;
          break;
        case Code::kBadVersion:  // changed since read: our lost multi (same version) cannot apply
          outcome = in_doubt ? Claim::kUnknown : Claim::kLost;
          break;
        case Code::kConnectionLoss:
          in_doubt = true;
          outcome = ResolveClaim(item);
          break;
        default:  // kOperationTimeout: not sent
          if (in_doubt && Retryable(claimed.code())) {
            outcome = Claim::kUnknown;
            break;
          }
          return claimed.status();
      }
    } else {
      // The marker only matters while an outcome is unknown; it is ephemeral in any case.
      client_->DeleteAsync(internal::Join(taken_path_, item), kAnyVersion, [](Status) {});
    }
    if (!outcome.ok()) return outcome.status();
    if (*outcome == Claim::kMine) *data = std::move(last_data);
    if (*outcome != Claim::kUnknown) return *outcome;
    // Unknown: claim again; whichever of our multis applies leaves our marker.
  }
}

Result<std::optional<std::string>> Queue::ClaimFirst(const std::vector<std::string>& items) {
  for (const std::string& item : items) {
    std::string data;
    Result<Claim> claim = ClaimItem(item, &data);
    if (!claim.ok()) return claim.status();
    if (*claim == Claim::kMine) return std::optional<std::string>(std::move(data));
  }
  return std::optional<std::string>();
}

Result<std::string> Queue::Take(int64_t timeout_ms) {
  COORD_RETURN_IF_ERROR(EnsureQueue());
  const int64_t deadline = timeout_ms < 0 ? INT64_MAX : internal::SteadyNowMs() + timeout_ms;
  bool watch = false;  // set a child watch only when about to wait
  while (true) {
    const uint64_t seen = wakeups_->Now();
    Result<std::vector<std::string>> items = Items(watch);
    if (!items.ok()) return items.status();
    Result<std::optional<std::string>> taken = ClaimFirst(*items);
    if (!taken.ok()) return taken.status();
    if (taken->has_value()) return std::move(**taken);
    if (internal::SteadyNowMs() >= deadline) break;
    if (!items->empty() || !watch) {
      // Others took what we saw (list again), or we have no watch yet (list with one).
      watch = items->empty();
      continue;
    }
    if (!wakeups_->WaitPast(seen, deadline)) break;
  }
  return Status(Code::kOperationTimeout, "no item in queue " + path_ + " in time");
}

Result<std::optional<std::string>> Queue::TryTake() {
  COORD_RETURN_IF_ERROR(EnsureQueue());
  while (true) {
    Result<std::vector<std::string>> items = Items(/*watch=*/false);
    if (!items.ok()) return items.status();
    if (items->empty()) return std::optional<std::string>();
    Result<std::optional<std::string>> taken = ClaimFirst(*items);
    if (!taken.ok() || taken->has_value()) return taken;
    // Every item we saw went to others; there may be newer ones.
  }
}

Result<size_t> Queue::Size() {
  Result<std::vector<std::string>> items = Items(/*watch=*/false);
  if (!items.ok()) {
    if (items.code() == Code::kNoNode) return size_t{0};
    return items.status();
  }
  return items->size();
}

}  // namespace coord::recipes
