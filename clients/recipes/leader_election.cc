#include "coord/recipes/leader_election.h"

#include <algorithm>
#include <vector>

#include "clients/recipes/util.h"

namespace coord::recipes {
namespace {

std::function<void(LockEvent)> Translate(std::function<void(ElectionEvent)> on_event) {
  if (!on_event) return {};
  return [on_event = std::move(on_event)](LockEvent e) {
    switch (e) {
      case LockEvent::kSuspended:
        on_event(ElectionEvent::kSuspended);
        break;
      case LockEvent::kResumed:
        on_event(ElectionEvent::kResumed);
        break;
      case LockEvent::kLost:
        on_event(ElectionEvent::kLost);
        break;
    }
  };
}

}  // namespace

const char* ElectionEventName(ElectionEvent event) {
  switch (event) {
    case ElectionEvent::kSuspended:
      return "suspended";
    case ElectionEvent::kResumed:
      return "resumed";
    case ElectionEvent::kLost:
      return "lost";
  }
  return "?";
}

LeaderElection::LeaderElection(Client* client, std::string path, std::string payload,
                               std::function<void(ElectionEvent)> on_event)
    : client_(client),
      path_(path),
      lock_(client, std::move(path), std::move(payload), Translate(std::move(on_event))) {}

Result<uint64_t> LeaderElection::Campaign(int64_t timeout_ms) { return lock_.Acquire(timeout_ms); }

Result<std::optional<LeaderInfo>> LeaderElection::Leader(Watcher on_change) {
  return CurrentLeader(client_, path_, std::move(on_change));
}

Result<std::optional<LeaderInfo>> LeaderElection::CurrentLeader(Client* client,
                                                                const std::string& path,
                                                                Watcher on_change) {
  // The lowest candidate leads; it may go between the listing and the read, so look again then.
  for (int attempt = 0; attempt < 16; ++attempt) {
    Result<std::vector<std::string>> children = on_change && attempt == 0
                                                    ? client->GetAllChildren(path, on_change)
                                                    : client->GetAllChildren(path);
    if (!children.ok()) {
      if (children.status().code() == Code::kNoNode) return std::optional<LeaderInfo>();
      return children.status();
    }
    std::optional<std::pair<uint64_t, std::string>> lowest;
    for (const std::string& child : *children) {
      std::optional<uint64_t> seq = Lock::SequenceOf(child);
      if (seq && (!lowest || *seq < lowest->first)) lowest.emplace(*seq, child);
    }
    if (!lowest) return std::optional<LeaderInfo>();
    Result<GetDataResponse> data = client->GetData(internal::Join(path, lowest->second));
    if (data.ok()) {
      return std::optional<LeaderInfo>(
          LeaderInfo{lowest->second, data->data, static_cast<uint64_t>(data->stat.czxid)});
    }
    if (data.status().code() != Code::kNoNode) return data.status();
  }
  return Status(Code::kOperationTimeout, "the leader of " + path + " kept changing");
}

}  // namespace coord::recipes
