// ZooKeeper's four-letter words (ruok, srvr, stat, mntr, conf, cons), modelled on ZooKeeper 3.8's
// output so that its tools and monitoring scripts read them, and filled only with figures the
// server really has. Pure formatting: the Server gathers ServerFacts, this file words them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "coord/base/types.h"
#include "coord/server/counters.h"

namespace coord::server {

struct ConnectionFacts {
  std::string peer;  // "127.0.0.1:40312"
  uint64_t id = 0;
  SessionId session = 0;
  int32_t session_timeout_ms = 0;
  uint64_t outstanding = 0;
  bool reading = true;         // ZooKeeper's interest set: [1] reading, [0] paused
  int64_t established_ms = 0;  // wall-clock ms when accepted
  Counters counters;
};

struct ServerFacts {
  std::string version;  // e.g. "coord 0.1.0"
  bool serving = true;
  std::string mode;  // ZooKeeper's Mode: standalone, leader, follower, observer
  Zxid zxid = 0;
  uint64_t node_count = 0;
  uint64_t watch_count = 0;
  uint64_t ephemerals_count = 0;
  uint64_t session_count = 0;
  uint64_t outstanding = 0;
  Counters totals;
  std::vector<ConnectionFacts> connections;
  // leader only: learners, and those synced
  uint64_t followers = 0;
  uint64_t synced_followers = 0;
  int64_t uptime_ms = 0;
  int64_t open_fds = -1;  // -1: unknown
  int64_t max_fds = -1;
  // conf: key=value lines, in order
  std::vector<std::pair<std::string, std::string>> conf;
};

// The reply to an allowed word; CHECKs that `word` is one of kFourLetterWords (config.h).
std::string FourLetterWordReply(std::string_view word, const ServerFacts& facts);
// ZooKeeper's reply to a word that is not allowed (or that coord does not answer).
std::string FourLetterWordRefusal(std::string_view word);

}  // namespace coord::server
