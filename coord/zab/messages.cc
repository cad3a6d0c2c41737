#include "coord/zab/messages.h"

namespace coord::zab {

std::string_view MessageName(const Message& message) {
  static constexpr std::string_view kNames[] = {
      "Notification", "FollowerInfo", "LeaderInfo",   "AckEpoch", "Trunc",    "Snap",
      "Diff",         "NewLeader",    "AckNewLeader", "UpToDate", "Proposal", "Ack",
      "Commit",       "Inform",       "Ping",         "PingAck"};
  static_assert(std::size(kNames) == std::variant_size_v<Message>);
  return kNames[message.index()];
}

}  // namespace coord::zab
