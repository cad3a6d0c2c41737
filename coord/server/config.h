// ServerConfig: coordd's settings, read from YAML (the only yaml-cpp user).
//
// Every key is optional and defaults to conf/coord.yaml's value (embedded at build time). An
// unknown key or a bad value is an error naming the key; coordd prints it and exits non-zero.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "coord/base/logging.h"
#include "coord/base/status.h"
#include "coord/server/cluster_config.h"
#include "coord/server/host_port.h"

namespace coord::server {

struct ServerConfig {
  HostPort client_address{"127.0.0.1", 2281};
  // Where Apache ZooKeeper's clients connect (its wire protocol); absent: not served. In an
  // ensemble it comes from this member's entry in cluster.members.
  std::optional<HostPort> zookeeper_address;
  // The four-letter words answered on zookeeper_address (a subset of kFourLetterWords).
  std::vector<std::string> four_letter_words = {"ruok", "srvr"};
  std::string data_dir = "./var/data";
  int64_t tick_ms = 100;
  int32_t min_session_timeout_ms = 2000;
  int32_t max_session_timeout_ms = 60000;
  int64_t connect_timeout_ms = 10000;
  uint32_t max_frame_bytes = 1114112;
  uint32_t max_data_bytes = 1 << 20;
  uint32_t max_connections = 4096;
  uint32_t max_connections_per_ip = 256;
  uint32_t max_outstanding_requests = 1024;
  uint64_t max_output_bytes = uint64_t{64} << 20;
  uint32_t max_watches_per_session = 100000;
  uint64_t snapshot_every_txns = 100000;
  uint32_t snapshots_to_keep = 3;
  uint64_t max_log_bytes = uint64_t{64} << 30;
  LogLevel log_level = LogLevel::kInfo;
  std::string super_digest;
  // Absent: standalone. Present: this process is cluster->member_id of the ensemble, and
  // client_address is that member's client_address (a top-level client_address must agree).
  std::optional<ClusterConfig> cluster;
};

// The four-letter words coord answers, each enabled by four_letter_words.
inline constexpr const char* kFourLetterWords[] = {"ruok", "srvr", "stat", "mntr", "conf", "cons"};

// Parses YAML text; `source` names it in error messages (a file name or "embedded default").
Result<ServerConfig> ParseConfig(const std::string& yaml, const std::string& source);
Result<ServerConfig> LoadConfigFile(const std::string& path);
// conf/coord.yaml as embedded at build time.
const char* EmbeddedDefaultConfig();

}  // namespace coord::server
