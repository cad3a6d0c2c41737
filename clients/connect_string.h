// The connect string: `host:port[,host:port...][/chroot]`, ZooKeeper's form. An IPv6 address goes
// in brackets ("[::1]:2281"); the chroot, if any, is a path that prefixes every path the
// application uses ("/" means none).
//
// Pure: no I/O, no name resolution (the connection resolves names when it connects).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "coord/base/status.h"

namespace coord::client {

struct HostPort {
  std::string host;  // a name, an IPv4 address, or an IPv6 address without its brackets
  uint16_t port = 0;
  std::string ToString() const;  // brackets an IPv6 address again
  friend bool operator==(const HostPort&, const HostPort&) = default;
};

struct ConnectString {
  std::vector<HostPort> servers;  // in the order written; at least one
  std::string chroot;             // "" or a valid path other than "/"
};

// At most this many servers: a limit on everything.
constexpr size_t kMaxServers = 1024;

// kBadArguments with a message naming what is wrong.
Result<ConnectString> ParseConnectString(std::string_view text);

}  // namespace coord::client
