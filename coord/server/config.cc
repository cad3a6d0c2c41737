#include "coord/server/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <sstream>

namespace coord::server {
namespace {

Status Bad(const std::string& source, const std::string& key, const std::string& why) {
  return Status(Code::kInvalidArgument, source + ": key '" + key + "': " + why);
}

Result<int64_t> Integer(const YAML::Node& node, int64_t min, int64_t max) {
  if (!node.IsScalar()) return Status(Code::kInvalidArgument, "expected an integer");
  const std::string& text = node.Scalar();
  size_t used = 0;
  long long value = 0;
  try {
    value = std::stoll(text, &used, 10);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size()) {
    return Status(Code::kInvalidArgument, "expected an integer, got '" + text + "'");
  }
  if (value < min || value > max) {
    return Status(Code::kInvalidArgument, std::to_string(value) + " is outside [" +
                                              std::to_string(min) + ", " + std::to_string(max) +
                                              "]");
  }
  return static_cast<int64_t>(value);
}

Result<std::string> String(const YAML::Node& node) {
  if (!node.IsScalar()) return Status(Code::kInvalidArgument, "expected a string");
  return node.Scalar();
}

using Setter = std::function<Status(const YAML::Node&, ServerConfig&)>;

template <typename T>
Setter IntSetter(T ServerConfig::*field, int64_t min, int64_t max) {
  return [=](const YAML::Node& node, ServerConfig& c) {
    COORD_ASSIGN_OR_RETURN(int64_t v, Integer(node, min, max));
    c.*field = static_cast<T>(v);
    return Status::Ok();
  };
}

const std::map<std::string, Setter>& Setters() {
  constexpr int64_t kMaxI32 = std::numeric_limits<int32_t>::max();
  constexpr int64_t kMaxU32 = std::numeric_limits<uint32_t>::max();
  constexpr int64_t kMaxI64 = std::numeric_limits<int64_t>::max();
  static const auto* setters = new std::map<std::string, Setter>{
      {"client_address",
       [](const YAML::Node& node, ServerConfig& c) {
         COORD_ASSIGN_OR_RETURN(std::string text, String(node));
         COORD_ASSIGN_OR_RETURN(c.client_address, ParseHostPort(text));
         return Status::Ok();
       }},
      {"zookeeper_address",
       [](const YAML::Node& node, ServerConfig& c) {
         COORD_ASSIGN_OR_RETURN(std::string text, String(node));
         COORD_ASSIGN_OR_RETURN(c.zookeeper_address, ParseHostPort(text));
         return Status::Ok();
       }},
      {"four_letter_words",
       [](const YAML::Node& node, ServerConfig& c) {
         if (!node.IsSequence()) return Status(Code::kInvalidArgument, "expected a list");
         c.four_letter_words.clear();
         for (const YAML::Node& item : node) {
           COORD_ASSIGN_OR_RETURN(std::string word, String(item));
           if (std::find_if(std::begin(kFourLetterWords), std::end(kFourLetterWords),
                            [&](const char* known) { return word == known; }) ==
               std::end(kFourLetterWords)) {
             return Status(Code::kInvalidArgument,
                           "unknown four-letter word '" + word +
                               "' (known: ruok, srvr, stat, mntr, conf, cons)");
           }
           if (std::find(c.four_letter_words.begin(), c.four_letter_words.end(), word) ==
               c.four_letter_words.end()) {
             c.four_letter_words.push_back(word);
           }
         }
         return Status::Ok();
       }},
      {"data_dir",
       [](const YAML::Node& node, ServerConfig& c) {
         COORD_ASSIGN_OR_RETURN(c.data_dir, String(node));
         if (c.data_dir.empty()) return Status(Code::kInvalidArgument, "must not be empty");
         return Status::Ok();
       }},
      {"tick_ms", IntSetter(&ServerConfig::tick_ms, 1, 60000)},
      {"min_session_timeout_ms", IntSetter(&ServerConfig::min_session_timeout_ms, 1, kMaxI32)},
      {"max_session_timeout_ms", IntSetter(&ServerConfig::max_session_timeout_ms, 1, kMaxI32)},
      {"connect_timeout_ms", IntSetter(&ServerConfig::connect_timeout_ms, 1, kMaxI32)},
      {"max_frame_bytes", IntSetter(&ServerConfig::max_frame_bytes, 1024, 256 << 20)},
      {"max_data_bytes", IntSetter(&ServerConfig::max_data_bytes, 0, 255 << 20)},
      {"max_connections", IntSetter(&ServerConfig::max_connections, 1, kMaxU32)},
      {"max_connections_per_ip", IntSetter(&ServerConfig::max_connections_per_ip, 1, kMaxU32)},
      {"max_outstanding_requests", IntSetter(&ServerConfig::max_outstanding_requests, 1, kMaxU32)},
      {"max_output_bytes", IntSetter(&ServerConfig::max_output_bytes, 1 << 16, kMaxI64)},
      {"max_watches_per_session", IntSetter(&ServerConfig::max_watches_per_session, 1, kMaxU32)},
      {"snapshot_every_txns", IntSetter(&ServerConfig::snapshot_every_txns, 1, kMaxI64)},
      {"snapshots_to_keep", IntSetter(&ServerConfig::snapshots_to_keep, 1, 1000)},
      {"max_log_bytes", IntSetter(&ServerConfig::max_log_bytes, 1 << 20, kMaxI64)},
      {"log_level",
       [](const YAML::Node& node, ServerConfig& c) {
         COORD_ASSIGN_OR_RETURN(std::string text, String(node));
         if (!ParseLogLevel(text, &c.log_level)) {
           return Status(Code::kInvalidArgument,
                         "expected debug, info, warn or error, got '" + text + "'");
         }
         return Status::Ok();
       }},
      {"super_digest",
       [](const YAML::Node& node, ServerConfig& c) {
         COORD_ASSIGN_OR_RETURN(c.super_digest, String(node));
         if (!c.super_digest.empty() && c.super_digest.find(':') == std::string::npos) {
           return Status(Code::kInvalidArgument, "expected 'super:<base64 sha1>'");
         }
         return Status::Ok();
       }},
  };
  return *setters;
}

std::string KnownKeys() {
  std::string keys = "cluster";
  for (const auto& [key, setter] : Setters()) keys += ", " + key;
  return keys;
}

// The cluster section decides client_address: this member's entry, which a top-level
// client_address must not contradict.
// Likewise zookeeper_address, which a member's entry may leave out (not served).
Status ApplyCluster(const std::string& source, bool has_client_address, ServerConfig* config) {
  const HostPort& mine = config->cluster->self().client_address;
  if (has_client_address && !(config->client_address == mine)) {
    return Bad(source, "client_address",
               config->client_address.ToString() + " differs from this member's " +
                   mine.ToString() + " in cluster.members");
  }
  config->client_address = mine;
  const HostPort& zookeeper = config->cluster->self().zookeeper_address;
  if (config->zookeeper_address && !(*config->zookeeper_address == zookeeper)) {
    return Bad(source, "zookeeper_address",
               config->zookeeper_address->ToString() + " differs from this member's " +
                   (zookeeper.port == 0 ? std::string("(none)") : zookeeper.ToString()) +
                   " in cluster.members");
  }
  if (zookeeper.port != 0) config->zookeeper_address = zookeeper;
  return Status::Ok();
}

}  // namespace

Result<HostPort> ParseHostPort(const std::string& text) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    return Status(Code::kInvalidArgument, "expected HOST:PORT, got '" + text + "'");
  }
  HostPort hp;
  hp.host = text.substr(0, colon);
  if (hp.host.size() >= 2 && hp.host.front() == '[' && hp.host.back() == ']') {
    hp.host = hp.host.substr(1, hp.host.size() - 2);
  }
  std::string port = text.substr(colon + 1);
  int value = 0;
  for (char ch : port) {
    if (ch < '0' || ch > '9' || value > 65535) {
      return Status(Code::kInvalidArgument, "bad port in '" + text + "'");
    }
    value = value * 10 + (ch - '0');
  }
  if (value > 65535) return Status(Code::kInvalidArgument, "bad port in '" + text + "'");
  hp.port = static_cast<uint16_t>(value);
  return hp;
}

Result<ServerConfig> ParseConfig(const std::string& yaml, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    return Status(Code::kInvalidArgument, source + ": not valid YAML: " + e.what());
  }
  ServerConfig config;
  bool has_client_address = false;
  if (root.IsNull()) return config;
  if (!root.IsMap()) return Status(Code::kInvalidArgument, source + ": expected a map of keys");
  for (const auto& entry : root) {
    std::string key;
    try {
      key = entry.first.as<std::string>();
    } catch (const YAML::Exception&) {
      return Status(Code::kInvalidArgument, source + ": a key is not a string");
    }
    if (key == "cluster") {
      Result<ClusterConfig> cluster = ParseClusterConfig(entry.second);
      if (!cluster.ok()) {
        return Status(Code::kInvalidArgument, source + ": " + cluster.status().message());
      }
      config.cluster = std::move(cluster).value();
      continue;
    }
    has_client_address |= key == "client_address";
    auto setter = Setters().find(key);
    if (setter == Setters().end()) {
      return Bad(source, key, "unknown key (known: " + KnownKeys() + ")");
    }
    Status s = setter->second(entry.second, config);
    if (!s.ok()) return Bad(source, key, s.message());
  }
  if (config.min_session_timeout_ms > config.max_session_timeout_ms) {
    return Bad(source, "min_session_timeout_ms", "is above max_session_timeout_ms");
  }
  if (config.max_data_bytes + 4096 > config.max_frame_bytes) {
    return Bad(source, "max_frame_bytes", "must leave room for max_data_bytes plus 4096 bytes");
  }
  if (config.cluster) COORD_RETURN_IF_ERROR(ApplyCluster(source, has_client_address, &config));
  if (config.zookeeper_address && *config.zookeeper_address == config.client_address &&
      config.client_address.port != 0) {
    return Bad(source, "zookeeper_address", "must differ from client_address");
  }
  return config;
}

Result<ServerConfig> LoadConfigFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status(Code::kNotFound, "cannot read config file " + path);
  std::stringstream text;
  text << in.rdbuf();
  return ParseConfig(text.str(), path);
}

}  // namespace coord::server
