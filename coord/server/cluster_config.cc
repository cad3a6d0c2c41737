#include "coord/server/cluster_config.h"

#include <yaml-cpp/yaml.h>

#include <functional>
#include <limits>
#include <map>
#include <set>

#include "coord/base/check.h"

namespace coord::server {
namespace {

constexpr size_t kMaxClusterIdBytes = 128;
constexpr size_t kMaxMembers = 255;

Status Bad(const std::string& key, const std::string& why) {
  return Status(Code::kInvalidArgument, "key '" + key + "': " + why);
}

Status ExpectMap(const YAML::Node& node, const std::string& key) {
  if (!node.IsMap()) return Bad(key, "expected a map");
  return Status::Ok();
}

Result<int64_t> Int(const YAML::Node& node, const std::string& key, int64_t min, int64_t max) {
  if (!node.IsScalar()) return Bad(key, "expected an integer");
  const std::string& text = node.Scalar();
  size_t used = 0;
  long long value = 0;
  try {
    value = std::stoll(text, &used, 10);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size()) {
    return Bad(key, "expected an integer, got '" + text + "'");
  }
  if (value < min || value > max) {
    return Bad(key, std::to_string(value) + " is outside [" + std::to_string(min) + ", " +
                        std::to_string(max) + "]");
  }
  return static_cast<int64_t>(value);
}

Result<std::string> Str(const YAML::Node& node, const std::string& key) {
  if (!node.IsScalar()) return Bad(key, "expected a string");
  return node.Scalar();
}

Result<HostPort> Address(const YAML::Node& node, const std::string& key) {
  COORD_ASSIGN_OR_RETURN(std::string text, Str(node, key));
  Result<HostPort> hp = ParseHostPort(text);
  if (!hp.ok()) return Bad(key, hp.status().message());
  if (hp->port == 0) return Bad(key, "port 0 is not allowed in a member's address");
  return hp;
}

// Calls `each(key, value)` for every entry of `node`, refusing keys not in `known`.
Status ForEachKey(const YAML::Node& node, const std::string& prefix,
                  const std::set<std::string>& known,
                  const std::function<Status(const std::string&, const YAML::Node&)>& each) {
  for (const auto& entry : node) {
    if (!entry.first.IsScalar()) return Bad(prefix, "a key is not a string");
    const std::string key = entry.first.Scalar();
    if (!known.contains(key)) {
      std::string list;
      for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
      return Bad(prefix + "." + key, "unknown key (known: " + list + ")");
    }
    COORD_RETURN_IF_ERROR(each(prefix + "." + key, entry.second));
  }
  return Status::Ok();
}

Result<MemberConfig> ParseMember(const YAML::Node& node, const std::string& prefix) {
  COORD_RETURN_IF_ERROR(ExpectMap(node, prefix));
  MemberConfig m;
  bool has_id = false, has_peer = false, has_client = false;
  COORD_RETURN_IF_ERROR(ForEachKey(
      node, prefix, {"id", "peer_address", "client_address", "zookeeper_address", "role"},
      [&](const std::string& key, const YAML::Node& value) -> Status {
        if (key.ends_with(".id")) {
          COORD_ASSIGN_OR_RETURN(int64_t id,
                                 Int(value, key, 1, std::numeric_limits<int32_t>::max()));
          m.id = static_cast<int32_t>(id);
          has_id = true;
        } else if (key.ends_with(".peer_address")) {
          COORD_ASSIGN_OR_RETURN(m.peer_address, Address(value, key));
          has_peer = true;
        } else if (key.ends_with(".client_address")) {
          COORD_ASSIGN_OR_RETURN(m.client_address, Address(value, key));
          has_client = true;
        } else if (key.ends_with(".zookeeper_address")) {
          COORD_ASSIGN_OR_RETURN(m.zookeeper_address, Address(value, key));
        } else {
          COORD_ASSIGN_OR_RETURN(std::string role, Str(value, key));
          if (role == "voter") {
            m.role = MemberRole::kVoter;
          } else if (role == "observer") {
            m.role = MemberRole::kObserver;
          } else {
            return Bad(key, "expected voter or observer, got '" + role + "'");
          }
        }
        return Status::Ok();
      }));
  if (!has_id) return Bad(prefix + ".id", "missing");
  if (!has_peer) return Bad(prefix + ".peer_address", "missing");
  if (!has_client) return Bad(prefix + ".client_address", "missing");
  return m;
}

Status ParseMembers(const YAML::Node& node, ClusterConfig* c) {
  const std::string prefix = "cluster.members";
  if (!node.IsSequence() || node.size() == 0) return Bad(prefix, "expected a non-empty list");
  if (node.size() > kMaxMembers) {
    return Bad(prefix, "at most " + std::to_string(kMaxMembers) + " members");
  }
  std::set<int32_t> ids;
  std::set<std::string> addresses;
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string at = prefix + "[" + std::to_string(i) + "]";
    COORD_ASSIGN_OR_RETURN(MemberConfig m, ParseMember(node[i], at));
    if (!ids.insert(m.id).second) {
      return Bad(at + ".id", "duplicate member id " + std::to_string(m.id));
    }
    if (!addresses.insert(m.peer_address.ToString()).second) {
      return Bad(at + ".peer_address", "duplicate address " + m.peer_address.ToString());
    }
    if (!addresses.insert(m.client_address.ToString()).second) {
      return Bad(at + ".client_address", "duplicate address " + m.client_address.ToString());
    }
    if (m.zookeeper_address.port != 0 && !addresses.insert(m.zookeeper_address.ToString()).second) {
      return Bad(at + ".zookeeper_address", "duplicate address " + m.zookeeper_address.ToString());
    }
    c->members.push_back(std::move(m));
  }
  return Status::Ok();
}

Status Validate(const ClusterConfig& c, bool has_members) {
  if (c.cluster_id.empty()) return Bad("cluster.cluster_id", "missing or empty");
  if (c.member_id == 0) return Bad("cluster.member_id", "missing");
  if (!has_members) return Bad("cluster.members", "missing");
  bool found = false;
  for (const MemberConfig& m : c.members) found |= m.id == c.member_id;
  if (!found) {
    return Bad("cluster.member_id",
               std::to_string(c.member_id) + " is not one of cluster.members' ids");
  }
  if (c.voters() == 0) return Bad("cluster.members", "no member has role voter");
  if (c.heartbeat_ticks >= c.sync_limit_ticks) {
    return Bad("cluster.heartbeat_ticks", "must be below sync_limit_ticks");
  }
  if (c.sync_limit_ticks > c.init_limit_ticks) {
    return Bad("cluster.sync_limit_ticks", "must not exceed init_limit_ticks");
  }
  return Status::Ok();
}

}  // namespace

Result<ClusterConfig> ParseClusterConfig(const YAML::Node& node) {
  COORD_RETURN_IF_ERROR(ExpectMap(node, "cluster"));
  ClusterConfig c;
  bool has_members = false;
  constexpr int64_t kMaxTicks = 1000000;
  std::map<std::string, int32_t*> ticks = {
      {"cluster.election_timeout_ticks", &c.election_timeout_ticks},
      {"cluster.init_limit_ticks", &c.init_limit_ticks},
      {"cluster.sync_limit_ticks", &c.sync_limit_ticks},
      {"cluster.heartbeat_ticks", &c.heartbeat_ticks},
  };
  COORD_RETURN_IF_ERROR(ForEachKey(
      node, "cluster",
      {"cluster_id", "member_id", "members", "election_timeout_ticks", "init_limit_ticks",
       "sync_limit_ticks", "heartbeat_ticks"},
      [&](const std::string& key, const YAML::Node& value) -> Status {
        if (auto t = ticks.find(key); t != ticks.end()) {
          COORD_ASSIGN_OR_RETURN(int64_t v, Int(value, key, 1, kMaxTicks));
          *t->second = static_cast<int32_t>(v);
        } else if (key == "cluster.cluster_id") {
          COORD_ASSIGN_OR_RETURN(c.cluster_id, Str(value, key));
          if (c.cluster_id.size() > kMaxClusterIdBytes) {
            return Bad(key, "longer than " + std::to_string(kMaxClusterIdBytes) + " bytes");
          }
        } else if (key == "cluster.member_id") {
          COORD_ASSIGN_OR_RETURN(int64_t id,
                                 Int(value, key, 1, std::numeric_limits<int32_t>::max()));
          c.member_id = static_cast<int32_t>(id);
        } else {
          COORD_RETURN_IF_ERROR(ParseMembers(value, &c));
          has_members = true;
        }
        return Status::Ok();
      }));
  COORD_RETURN_IF_ERROR(Validate(c, has_members));
  return c;
}

const MemberConfig& ClusterConfig::self() const {
  for (const MemberConfig& m : members) {
    if (m.id == member_id) return m;
  }
  CHECK(false) << "member_id " << member_id << " is not in the member list";
  __builtin_unreachable();
}

int ClusterConfig::voters() const {
  int n = 0;
  for (const MemberConfig& m : members) n += m.role == MemberRole::kVoter;
  return n;
}

std::vector<std::string> ClusterConfig::Warnings() const {
  std::vector<std::string> out;
  if (voters() % 2 == 0) {
    out.push_back("cluster has " + std::to_string(voters()) + " voters, an even number: it " +
                  "tolerates no more failures than " + std::to_string(voters() - 1) + " voters");
  }
  return out;
}

const char* MemberRoleName(MemberRole role) {
  return role == MemberRole::kVoter ? "voter" : "observer";
}

}  // namespace coord::server
