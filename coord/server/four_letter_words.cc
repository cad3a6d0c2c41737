#include "coord/server/four_letter_words.h"

#include <cinttypes>
#include <cstdio>

#include "coord/base/check.h"

namespace coord::server {
namespace {

// What ZooKeeper answers srvr, stat, mntr and cons with while it serves no clients.
constexpr const char* kNotServing = "This ZooKeeper instance is not currently serving requests\n";

std::string Hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
  return buf;
}

std::string Avg(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.4f", v);
  return buf;
}

std::string Latency(const Counters& c) {
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%" PRId64 "/%.4f/%" PRId64, c.min_latency_ms, c.avg_latency_ms(),
                c.max_latency_ms);
  return buf;
}

// One line of cons / stat: ZooKeeper's " /ip:port[interest](key=value,...)".
std::string ConnectionLine(const ConnectionFacts& c, bool full) {
  std::string line = " /" + c.peer + (c.reading ? "[1]" : "[0]") +
                     "(queued=" + std::to_string(c.outstanding) +
                     ",recved=" + std::to_string(c.counters.packets_received) +
                     ",sent=" + std::to_string(c.counters.packets_sent);
  if (full) {
    line += ",sid=" + Hex(static_cast<uint64_t>(c.session)) +
            ",est=" + std::to_string(c.established_ms) +
            ",to=" + std::to_string(c.session_timeout_ms) +
            ",minlat=" + std::to_string(c.counters.min_latency_ms) +
            ",avglat=" + Avg(c.counters.avg_latency_ms()) +
            ",maxlat=" + std::to_string(c.counters.max_latency_ms);
  }
  return line + ")\n";
}

std::string Summary(const ServerFacts& f) {
  return "Latency min/avg/max: " + Latency(f.totals) + "\n" +
         "Received: " + std::to_string(f.totals.packets_received) + "\n" +
         "Sent: " + std::to_string(f.totals.packets_sent) + "\n" +
         "Connections: " + std::to_string(f.connections.size()) + "\n" +
         "Outstanding: " + std::to_string(f.outstanding) + "\n" + "Zxid: " + Hex(f.zxid) + "\n" +
         "Mode: " + f.mode + "\n" + "Node count: " + std::to_string(f.node_count) + "\n";
}

std::string Mntr(const ServerFacts& f) {
  std::vector<std::pair<std::string, std::string>> kv = {
      {"zk_version", f.version},
      {"zk_server_state", f.mode},
      {"zk_uptime", std::to_string(f.uptime_ms)},
      {"zk_avg_latency", Avg(f.totals.avg_latency_ms())},
      {"zk_max_latency", std::to_string(f.totals.max_latency_ms)},
      {"zk_min_latency", std::to_string(f.totals.min_latency_ms)},
      {"zk_packets_received", std::to_string(f.totals.packets_received)},
      {"zk_packets_sent", std::to_string(f.totals.packets_sent)},
      {"zk_num_alive_connections", std::to_string(f.connections.size())},
      {"zk_outstanding_requests", std::to_string(f.outstanding)},
      {"zk_znode_count", std::to_string(f.node_count)},
      {"zk_watch_count", std::to_string(f.watch_count)},
      {"zk_ephemerals_count", std::to_string(f.ephemerals_count)},
      {"zk_global_sessions", std::to_string(f.session_count)},
  };
  if (f.open_fds >= 0) kv.emplace_back("zk_open_file_descriptor_count", std::to_string(f.open_fds));
  if (f.max_fds >= 0) kv.emplace_back("zk_max_file_descriptor_count", std::to_string(f.max_fds));
  if (f.mode == "leader") {
    kv.emplace_back("zk_followers", std::to_string(f.followers));
    kv.emplace_back("zk_synced_followers", std::to_string(f.synced_followers));
  }
  std::string out;
  for (const auto& [key, value] : kv) out += key + "\t" + value + "\n";
  return out;
}

}  // namespace

std::string FourLetterWordReply(std::string_view word, const ServerFacts& f) {
  if (word == "ruok") return "imok";
  if (word == "conf") {
    std::string out;
    for (const auto& [key, value] : f.conf) out += key + "=" + value + "\n";
    return out;
  }
  CHECK(word == "srvr" || word == "stat" || word == "mntr" || word == "cons")
      << "not an answered four-letter word: " << word;
  if (!f.serving) return kNotServing;
  const std::string version = "Zookeeper version: " + f.version + "\n";
  if (word == "srvr") return version + Summary(f);
  if (word == "stat") {
    std::string out = version + "Clients:\n";
    for (const ConnectionFacts& c : f.connections) out += ConnectionLine(c, false);
    return out + "\n" + Summary(f);
  }
  if (word == "mntr") return Mntr(f);
  std::string out;
  for (const ConnectionFacts& c : f.connections) out += ConnectionLine(c, true);
  return out + "\n";
}

std::string FourLetterWordRefusal(std::string_view word) {
  return std::string(word) + " is not executed because it is not in the whitelist.\n";
}

}  // namespace coord::server
