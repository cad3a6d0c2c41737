// HostPort: a TCP address as written in the configuration ("HOST:PORT").
#pragma once

#include <cstdint>
#include <string>

#include "coord/base/status.h"

namespace coord::server {

struct HostPort {
  std::string host;
  uint16_t port = 0;
  std::string ToString() const { return host + ":" + std::to_string(port); }
  friend bool operator==(const HostPort&, const HostPort&) = default;
};

// "HOST:PORT" (HOST may be a name, an IPv4 address or a bracketed IPv6 address).
Result<HostPort> ParseHostPort(const std::string& text);

}  // namespace coord::server
