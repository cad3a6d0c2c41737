// Small helpers shared by the recipes (internal to clients/recipes).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "coord/client.h"

namespace coord::recipes::internal {

// Creates `path` and its missing ancestors as persistent nodes; an existing node is fine.
Status EnsurePath(Client* client, const std::string& path);

// 32 hex digits from the system's random source: a name no other contender will pick.
std::string RandomGuid();

// The number after the last `marker` in a node name ("x-lock-0000000007", "-lock-" -> 7): all
// digits, at most 19 of them; nullopt otherwise.
std::optional<uint64_t> DigitsAfter(const std::string& name, const char* marker);

// Milliseconds of a monotonic clock, for deadlines.
int64_t SteadyNowMs();

// "/a/b" + "c" -> "/a/b/c"; "/" + "c" -> "/c".
std::string Join(const std::string& parent, const std::string& name);

}  // namespace coord::recipes::internal
