#include "coord/tree/acl.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <string_view>

namespace coord {
namespace {

// An IPv4 or IPv6 address with an optional prefix length, parsed with inet_pton (pure).
struct IpPattern {
  int family = 0;
  unsigned char bytes[16] = {};
  int prefix_bits = 0;
};

bool ParseIp(const std::string& text, IpPattern* out) {
  std::string addr = text;
  int bits = -1;
  size_t slash = text.find('/');
  if (slash != std::string::npos) {
    addr = text.substr(0, slash);
    std::string digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3) return false;
    bits = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return false;
      bits = bits * 10 + (c - '0');
    }
  }
  if (inet_pton(AF_INET, addr.c_str(), out->bytes) == 1) {
    out->family = AF_INET;
    if (bits > 32) return false;
    out->prefix_bits = bits < 0 ? 32 : bits;
    return true;
  }
  if (inet_pton(AF_INET6, addr.c_str(), out->bytes) == 1) {
    out->family = AF_INET6;
    if (bits > 128) return false;
    out->prefix_bits = bits < 0 ? 128 : bits;
    return true;
  }
  return false;
}

bool IpMatches(const IpPattern& pattern, const IpPattern& addr) {
  if (pattern.family != addr.family) return false;
  int bits = pattern.prefix_bits;
  for (int i = 0; bits > 0; ++i, bits -= 8) {
    unsigned char mask = bits >= 8 ? 0xff : static_cast<unsigned char>(0xff << (8 - bits));
    if ((pattern.bytes[i] & mask) != (addr.bytes[i] & mask)) return false;
  }
  return true;
}

// "user:" + base64 of a 20-byte SHA-1 (27 characters and one '='). Requiring the hash form means
// a password written into an ACL by mistake is refused, so get_acl never shows one in clear.
bool ValidDigestId(const std::string& id) {
  size_t colon = id.find(':');
  if (colon == std::string::npos || colon == 0) return false;
  std::string_view hash = std::string_view(id).substr(colon + 1);
  if (hash.size() != 28 || hash.back() != '=') return false;
  for (char c : hash.substr(0, 27)) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/') return false;
  }
  return true;
}

Status Bad(const Acl& a, const std::string& why) {
  return Status(Code::kInvalidAcl, "acl entry " + a.scheme + ":" + a.id + ": " + why);
}

}  // namespace

Status ValidateAcl(const AclList& acl) {
  if (acl.empty()) return Status(Code::kInvalidAcl, "acl list is empty");
  for (const Acl& a : acl) {
    if (a.perms == 0) return Bad(a, "grants no permission");
    if ((a.perms & ~perm::kAll) != 0) return Bad(a, "has unknown permission bits");
    if (a.scheme == "world") {
      if (a.id != "anyone") return Bad(a, "the world scheme's only id is 'anyone'");
    } else if (a.scheme == "digest") {
      if (!ValidDigestId(a.id)) return Bad(a, "a digest id is 'user:base64(sha1(user:password))'");
    } else if (a.scheme == "ip") {
      IpPattern pattern;
      if (!ParseIp(a.id, &pattern)) return Bad(a, "not an IPv4/IPv6 address or prefix");
    } else if (a.scheme == "auth") {
      return Bad(a, "'auth' entries must be expanded before validation");
    } else {
      return Bad(a, "unknown scheme (known: world, auth, digest, ip)");
    }
  }
  return Status::Ok();
}

Result<AclList> ExpandAcl(const AclList& acl, const AuthContext& auth) {
  AclList out;
  for (const Acl& a : acl) {
    if (a.scheme != "auth") {
      out.push_back(a);
      continue;
    }
    bool expanded = false;
    for (const Identity& who : auth.identities) {
      if (who.scheme != "digest") continue;  // ip is not an authenticated identity
      out.push_back(Acl{a.perms, who.scheme, who.id});
      expanded = true;
    }
    if (!expanded) {
      return Status(Code::kInvalidAcl, "the auth scheme needs an authenticated (digest) identity");
    }
  }
  // Duplicate entries collapse to the first, as ZooKeeper's fixupACL does (an "auth" entry
  // often expands to an id the list already names).
  AclList unique;
  for (Acl& a : out) {
    if (std::find(unique.begin(), unique.end(), a) == unique.end()) unique.push_back(std::move(a));
  }
  COORD_RETURN_IF_ERROR(ValidateAcl(unique));
  return unique;
}

bool HasPermission(const AclList& acl, uint32_t permission, const AuthContext& auth) {
  if (auth.superuser || acl.empty()) return true;
  for (const Acl& a : acl) {
    if ((a.perms & permission) == 0) continue;
    if (a.scheme == "world" && a.id == "anyone") return true;
    for (const Identity& who : auth.identities) {
      if (who.scheme != a.scheme) continue;
      if (a.scheme == "ip") {
        IpPattern pattern, addr;
        if (ParseIp(a.id, &pattern) && ParseIp(who.id, &addr) && IpMatches(pattern, addr)) {
          return true;
        }
      } else if (who.id == a.id) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace coord
