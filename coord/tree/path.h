// Znode paths: validation and the small string operations the tree needs.
//
// A valid path is absolute, "/" is the root, components are separated by single slashes, there
// is no trailing slash, no "." or ".." component, no NUL or other control character, the bytes
// are valid UTF-8, and the whole path is at most kMaxPathBytes. Each violation has its own
// message, so a client learns exactly what is wrong.
#pragma once

#include <string_view>

#include "coord/base/status.h"

namespace coord {

// The longest path accepted, in bytes, including the sequential suffix of a sequential create.
constexpr size_t kMaxPathBytes = 1024;

// Ok, or kInvalidPath with a message naming the rule that `path` breaks.
Status ValidatePath(std::string_view path);

// "/a/b" -> "/a"; "/a" -> "/". `path` must be valid and not the root.
std::string_view ParentPath(std::string_view path);
// "/a/b" -> "b". `path` must be valid and not the root.
std::string_view BaseName(std::string_view path);
// "/a" + "b" -> "/a/b"; "/" + "b" -> "/b".
std::string JoinPath(std::string_view parent, std::string_view name);
// True when `path` is `ancestor` or lies below it ("/a" is below "/", "/ab" is not below "/a").
bool IsAtOrBelow(std::string_view path, std::string_view ancestor);

}  // namespace coord
