// Status and Result<T>: expected failures as values.
//
// A Status is a code plus a human-readable message. The codes are ZooKeeper's client error codes
// (they cross the wire unchanged, see protocol/) followed by the internal codes of storage and
// configuration. Bugs are not Statuses: they CHECK-fail (coord/base/check.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "coord/base/check.h"

namespace coord {

enum class Code : int {
  kOk = 0,
  // Client-visible codes, with Apache ZooKeeper's meanings.
  kNoNode,
  kNodeExists,
  kBadVersion,
  kNotEmpty,
  kNoChildrenForEphemerals,
  kInvalidPath,
  kBadArguments,
  kInvalidAcl,
  kNoAuth,
  kAuthFailed,
  kSessionExpired,
  kSessionMoved,
  kConnectionLoss,
  kOperationTimeout,
  kMarshallingError,
  kTooLarge,
  kThrottled,
  kUnimplemented,
  // A multi op that was not executed because an earlier op of the same multi failed.
  kRuntimeInconsistency,
  // remove_watches found no watch to remove.
  kNoWatcher,
  // Internal codes: storage, configuration, recovery.
  kIoError,     // a read, write or fsync failed; for the log this is fatal
  kCorruption,  // a checksum or format check failed
  kOutOfSpace,  // disk full, or the LMDB map reached its configured maximum
  kNotFound,    // a file, key or record that should exist does not
  kInvalidArgument,
  kInternal,
};

// The stable lower_snake_case name of a code, e.g. "no_node".
std::string_view CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "no_node: /a/b does not exist"
  std::string ToString() const;

  // Explicitly drops a status that the caller has decided not to handle.
  void IgnoreError() const {}

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

// A value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    CHECK(!status_.ok()) << "a Result without a value needs a non-ok Status";
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  Code code() const { return status_.code(); }

  T& value() & {
    CHECK(ok()) << status_.ToString();
    return *value_;
  }
  const T& value() const& {
    CHECK(ok()) << status_.ToString();
    return *value_;
  }
  T&& value() && {
    CHECK(ok()) << status_.ToString();
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace coord

// Returns from the current function when `expr` yields a non-ok Status.
#define COORD_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::coord::Status coord_status_ = (expr);        \
    if (!coord_status_.ok()) return coord_status_; \
  } while (0)

#define COORD_CONCAT_INNER(a, b) a##b
#define COORD_CONCAT(a, b) COORD_CONCAT_INNER(a, b)
#define COORD_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return tmp.status();               \
  lhs = std::move(tmp).value()
// `COORD_ASSIGN_OR_RETURN(auto x, MakeX());` declares x from a Result or returns its Status.
#define COORD_ASSIGN_OR_RETURN(lhs, expr) \
  COORD_ASSIGN_OR_RETURN_IMPL(COORD_CONCAT(coord_result_, __LINE__), lhs, expr)
