#include "clients/connect_string.h"

#include "clients/chroot.h"

namespace coord::client {
namespace {

Status Bad(std::string_view entry, const std::string& why) {
  return Status(Code::kBadArguments, "connect string: '" + std::string(entry) + "': " + why);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Result<uint16_t> ParsePort(std::string_view entry, std::string_view digits) {
  if (digits.empty()) return Bad(entry, "missing port");
  if (digits.size() > 5) return Bad(entry, "port out of range");
  uint32_t port = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return Bad(entry, "port is not a number");
    port = port * 10 + static_cast<uint32_t>(c - '0');
  }
  if (port == 0 || port > 65535) return Bad(entry, "port out of range (1..65535)");
  return static_cast<uint16_t>(port);
}

Result<HostPort> ParseServer(std::string_view entry) {
  HostPort out;
  std::string_view rest;
  if (!entry.empty() && entry.front() == '[') {
    size_t close = entry.find(']');
    if (close == std::string_view::npos) return Bad(entry, "unclosed '['");
    out.host = std::string(entry.substr(1, close - 1));
    if (out.host.empty()) return Bad(entry, "empty host");
    if (out.host.find(':') == std::string::npos) return Bad(entry, "brackets hold an IPv6 address");
    rest = entry.substr(close + 1);
    if (rest.empty() || rest.front() != ':') return Bad(entry, "missing port");
    rest.remove_prefix(1);
  } else {
    size_t colon = entry.find(':');
    if (colon == std::string_view::npos) return Bad(entry, "missing port");
    if (entry.find(':', colon + 1) != std::string_view::npos) {
      return Bad(entry, "an IPv6 address needs brackets: [addr]:port");
    }
    out.host = std::string(entry.substr(0, colon));
    if (out.host.empty()) return Bad(entry, "empty host");
    rest = entry.substr(colon + 1);
  }
  for (char c : out.host) {
    if (c == ' ' || c == '[' || c == ']' || static_cast<unsigned char>(c) < 0x20) {
      return Bad(entry, "bad character in host");
    }
  }
  COORD_ASSIGN_OR_RETURN(out.port, ParsePort(entry, rest));
  return out;
}

}  // namespace

std::string HostPort::ToString() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<ConnectString> ParseConnectString(std::string_view text) {
  ConnectString out;
  std::string_view hosts = text;
  size_t slash = text.find('/');
  if (slash != std::string_view::npos) {
    hosts = text.substr(0, slash);
    std::string_view chroot = text.substr(slash);
    if (chroot != "/") {
      Status valid = ValidatePath(chroot, /*sequential=*/false);
      if (!valid.ok()) {
        return Status(Code::kBadArguments, "connect string: chroot: " + valid.message());
      }
      out.chroot = std::string(chroot);
    }
  }
  if (Trim(hosts).empty()) return Status(Code::kBadArguments, "connect string: no server");
  size_t start = 0;
  while (start <= hosts.size()) {
    size_t comma = hosts.find(',', start);
    if (comma == std::string_view::npos) comma = hosts.size();
    std::string_view entry = Trim(hosts.substr(start, comma - start));
    if (entry.empty()) return Status(Code::kBadArguments, "connect string: empty server entry");
    COORD_ASSIGN_OR_RETURN(HostPort server, ParseServer(entry));
    out.servers.push_back(std::move(server));
    if (out.servers.size() > kMaxServers) {
      return Status(Code::kBadArguments,
                    "connect string: more than " + std::to_string(kMaxServers) + " servers");
    }
    start = comma + 1;
  }
  return out;
}

}  // namespace coord::client
