// ACL rules: which ACL lists are valid, how "auth" entries are expanded at create, and whether a
// set of identities holds a permission. Pure functions; the server authenticates identities.
#pragma once

#include <string>
#include <vector>

#include "coord/base/status.h"
#include "protocol/types.h"

namespace coord {

// Who a session is: every identity it has proven (add_auth digest, its connection's ip).
struct Identity {
  std::string scheme;  // "digest", "ip", "super"
  std::string id;      // "user:base64(sha1(user:password))", "127.0.0.1", ...
  friend bool operator==(const Identity&, const Identity&) = default;
};

struct AuthContext {
  std::vector<Identity> identities;
  bool superuser = false;  // bypasses every ACL check (ZooKeeper's super digest)
};

// Ok, or kInvalidAcl naming the bad entry: empty list, unknown scheme, bad id for its scheme,
// no or unknown permission bits. "auth" entries must be expanded first.
Status ValidateAcl(const AclList& acl);

// Replaces each "auth" entry by one entry per authenticated (digest) identity of `auth` with the
// same permissions, drops duplicate entries (keeping the first, as ZooKeeper does), then
// validates. kInvalidAcl when "auth" is used without such an identity.
Result<AclList> ExpandAcl(const AclList& acl, const AuthContext& auth);

// True when `auth` holds `permission` on a node with `acl`. An empty ACL allows everything
// (ZooKeeper's rule for nodes created without one).
bool HasPermission(const AclList& acl, uint32_t permission, const AuthContext& auth);

}  // namespace coord
