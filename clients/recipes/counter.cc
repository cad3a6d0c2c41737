#include "coord/recipes/counter.h"

#include <limits>

#include "clients/recipes/util.h"

namespace coord::recipes {

Counter::Counter(Client* client, std::string path) : client_(client), path_(std::move(path)) {}

std::optional<int64_t> Counter::Parse(const std::string& text) {
  size_t at = 0;
  const bool negative = !text.empty() && text[0] == '-';
  if (negative) at = 1;
  const size_t digits = text.size() - at;
  if (digits == 0 || digits > 19) return std::nullopt;
  // Accumulate negatively: the range of int64 is wider on that side.
  int64_t value = 0;
  for (; at < text.size(); ++at) {
    const char c = text[at];
    if (c < '0' || c > '9') return std::nullopt;
    const int64_t d = c - '0';
    if (value < (std::numeric_limits<int64_t>::min() + d) / 10) return std::nullopt;
    value = value * 10 - d;
  }
  if (negative) return value;
  if (value == std::numeric_limits<int64_t>::min()) return std::nullopt;
  return -value;
}

Status Counter::CreateWith(int64_t value) {
  const size_t slash = path_.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    COORD_RETURN_IF_ERROR(internal::EnsurePath(client_, path_.substr(0, slash)));
  }
  CreateRequest create;
  create.path = path_;
  create.data = std::to_string(value);
  Result<CreateResponse> created = client_->Create(create);
  return created.ok() ? Status::Ok() : created.status();
}

Result<int64_t> Counter::Get() {
  Result<GetDataResponse> got = client_->GetData(path_);
  if (!got.ok()) {
    if (got.code() == Code::kNoNode) return int64_t{0};
    return got.status();
  }
  std::optional<int64_t> value = Parse(got->data);
  if (!value) return Status(Code::kBadArguments, path_ + " does not hold a decimal integer");
  return *value;
}

Result<int64_t> Counter::Add(int64_t delta) {
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    Result<GetDataResponse> got = client_->GetData(path_);
    if (!got.ok() && got.code() != Code::kNoNode) return got.status();
    if (!got.ok()) {
      // No node: create it holding the delta. Someone else created it meanwhile: read again.
      Status created = CreateWith(delta);
      if (created.ok()) return delta;
      if (created.code() != Code::kNodeExists) return created;
      continue;
    }
    std::optional<int64_t> value = Parse(got->data);
    if (!value) return Status(Code::kBadArguments, path_ + " does not hold a decimal integer");
    int64_t sum = 0;
    if (__builtin_add_overflow(*value, delta, &sum)) {
      return Status(Code::kBadArguments, "adding " + std::to_string(delta) + " to " +
                                             std::to_string(*value) + " overflows int64");
    }
    Result<Stat> set = client_->SetData(path_, std::to_string(sum), got->stat.version);
    if (set.ok()) return sum;
    // kBadVersion: another writer won this round. kNoNode: deleted meanwhile. Both: again.
    if (set.code() != Code::kBadVersion && set.code() != Code::kNoNode) return set.status();
  }
  return Status(Code::kBadVersion, "counter " + path_ + ": gave up after " +
                                       std::to_string(kMaxAttempts) + " conflicting writes");
}

Status Counter::Set(int64_t value) {
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    Result<Stat> set = client_->SetData(path_, std::to_string(value), kAnyVersion);
    if (set.ok()) return Status::Ok();
    if (set.code() != Code::kNoNode) return set.status();
    Status created = CreateWith(value);
    if (created.code() != Code::kNodeExists) return created;
  }
  return Status(Code::kBadVersion, "counter " + path_ + ": created and deleted concurrently");
}

}  // namespace coord::recipes
