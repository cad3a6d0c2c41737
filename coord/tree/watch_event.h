// What an applied transaction tells watchers: an event type and the path it happened to.
#pragma once

#include <string>

#include "coord/base/types.h"
#include "protocol/types.h"

namespace coord {

const char* WatchEventTypeName(WatchEventType type);

// One change caused by a transaction, before it is matched against registered watches.
struct WatchTrigger {
  WatchEventType type = WatchEventType::kNodeCreated;
  std::string path;
  friend bool operator==(const WatchTrigger&, const WatchTrigger&) = default;
};

}  // namespace coord
