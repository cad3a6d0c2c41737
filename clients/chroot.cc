#include "clients/chroot.h"

namespace coord::client {
namespace {

Status Bad(std::string_view path, const char* why) {
  return Status(Code::kBadArguments, "invalid path '" + std::string(path) + "': " + why);
}

}  // namespace

Status ValidatePath(std::string_view path, bool sequential) {
  if (path.empty()) return Bad(path, "empty");
  if (path.front() != '/') return Bad(path, "not absolute");
  if (path.size() == 1) return Status::Ok();
  if (path.back() == '/' && !sequential) return Bad(path, "ends with '/'");
  for (unsigned char c : path) {
    if (c < 0x20 || c == 0x7f) return Bad(path, "control character");
  }
  // Components between slashes; a sequential path's trailing empty component is its counter.
  size_t start = 1;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view component = path.substr(start, slash - start);
    bool last = slash == path.size();
    if (component.empty() && !(last && sequential)) return Bad(path, "empty component");
    if (component == "." || component == "..") return Bad(path, "relative component");
    start = slash + 1;
  }
  return Status::Ok();
}

Result<std::string> Chroot::ToServer(std::string_view path, bool sequential) const {
  COORD_RETURN_IF_ERROR(ValidatePath(path, sequential));
  if (prefix_.empty()) return std::string(path);
  if (path == "/") return prefix_;
  return prefix_ + std::string(path);
}

Result<std::string> Chroot::PrefixToServer(std::string_view prefix) const {
  if (prefix.empty() || prefix.front() != '/') return Bad(prefix, "not absolute");
  for (unsigned char c : prefix) {
    if (c < 0x20 || c == 0x7f) return Bad(prefix, "control character");
  }
  return prefix_ + std::string(prefix);
}

std::string Chroot::ToClient(std::string_view server_path) const {
  if (prefix_.empty()) return std::string(server_path);
  if (server_path.substr(0, prefix_.size()) != prefix_) return std::string(server_path);
  std::string_view rest = server_path.substr(prefix_.size());
  if (rest.empty()) return "/";
  if (rest.front() != '/') return std::string(server_path);  // "/approx" is not under "/app"
  return std::string(rest);
}

}  // namespace coord::client
