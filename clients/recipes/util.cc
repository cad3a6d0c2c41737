#include "clients/recipes/util.h"

#include <sys/random.h>

#include <chrono>
#include <cstdio>
#include <cstring>

namespace coord::recipes::internal {

Status EnsurePath(Client* client, const std::string& path) {
  if (path.empty() || path == "/") return Status::Ok();
  Result<std::optional<Stat>> exists = client->Exists(path);
  if (!exists.ok()) return exists.status();
  if (exists->has_value()) return Status::Ok();
  const size_t slash = path.rfind('/');
  if (slash != 0) {
    Status parent = EnsurePath(client, path.substr(0, slash));
    if (!parent.ok()) return parent;
  }
  CreateRequest create;
  create.path = path;
  Result<CreateResponse> created = client->Create(create);
  if (!created.ok() && created.status().code() != Code::kNodeExists) return created.status();
  return Status::Ok();
}

std::string RandomGuid() {
  unsigned char bytes[16];
  size_t got = 0;
  while (got < sizeof(bytes)) {
    ssize_t r = getrandom(bytes + got, sizeof(bytes) - got, 0);
    if (r > 0) got += static_cast<size_t>(r);
  }
  char out[33];
  for (size_t i = 0; i < sizeof(bytes); ++i) std::snprintf(out + 2 * i, 3, "%02x", bytes[i]);
  return std::string(out, 32);
}

std::optional<uint64_t> DigitsAfter(const std::string& name, const char* marker) {
  const size_t at = name.rfind(marker);
  if (at == std::string::npos) return std::nullopt;
  const std::string digits = name.substr(at + std::strlen(marker));
  if (digits.empty() || digits.size() > 19) return std::nullopt;
  uint64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  return value;
}

int64_t SteadyNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string Join(const std::string& parent, const std::string& name) {
  return parent == "/" ? "/" + name : parent + "/" + name;
}

}  // namespace coord::recipes::internal
