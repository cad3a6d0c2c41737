// Small helpers shared by the recipes (internal to clients/recipes).
#pragma once

#include <string>

#include "coord/client.h"

namespace coord::recipes::internal {

// Creates `path` and its missing ancestors as persistent nodes; an existing node is fine.
Status EnsurePath(Client* client, const std::string& path);

// 32 hex digits from the system's random source: a name no other contender will pick.
std::string RandomGuid();

// "/a/b" + "c" -> "/a/b/c"; "/" + "c" -> "/c".
std::string Join(const std::string& parent, const std::string& name);

}  // namespace coord::recipes::internal
