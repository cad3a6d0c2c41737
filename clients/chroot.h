// Paths as the application sees them and as the server sees them.
//
// With a chroot "/app", the application's "/x" is the server's "/app/x" and its "/" is "/app";
// every path the server returns (created names, ephemerals, watch events) is mapped back. The
// client checks paths with ZooKeeper's rules before sending, so a bad path never becomes a valid
// one by prefixing (e.g. "" under "/app").
//
// Pure; immutable after construction, so safe to share between threads.
#pragma once

#include <string>
#include <string_view>

#include "coord/base/status.h"

namespace coord::client {

// ZooKeeper's path rules: absolute, no empty, "." or ".." component, no trailing '/' (allowed for
// a sequential create, whose counter completes the name), no NUL or control characters.
// kBadArguments naming the rule otherwise.
Status ValidatePath(std::string_view path, bool sequential);

class Chroot {
 public:
  // `prefix`: "" (none) or a valid path other than "/".
  explicit Chroot(std::string prefix = "") : prefix_(std::move(prefix)) {}

  // Validates `path` and maps it to the server's path.
  Result<std::string> ToServer(std::string_view path, bool sequential = false) const;
  // A prefix for get_ephemerals: not a path to validate beyond starting with '/'.
  Result<std::string> PrefixToServer(std::string_view prefix) const;
  // The application's view of a server path. A path outside the chroot (which the server does
  // not send for a chrooted client) is returned unchanged.
  std::string ToClient(std::string_view server_path) const;

  const std::string& prefix() const { return prefix_; }

 private:
  std::string prefix_;
};

}  // namespace coord::client
