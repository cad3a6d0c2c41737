#include "coord/base/status.h"

namespace coord {

std::string_view CodeName(Code code) {
  switch (code) {
    case Code::kOk:
      return "ok";
    case Code::kNoNode:
      return "no_node";
    case Code::kNodeExists:
      return "node_exists";
    case Code::kBadVersion:
      return "bad_version";
    case Code::kNotEmpty:
      return "not_empty";
    case Code::kNoChildrenForEphemerals:
      return "no_children_for_ephemerals";
    case Code::kInvalidPath:
      return "invalid_path";
    case Code::kBadArguments:
      return "bad_arguments";
    case Code::kInvalidAcl:
      return "invalid_acl";
    case Code::kNoAuth:
      return "no_auth";
    case Code::kAuthFailed:
      return "auth_failed";
    case Code::kSessionExpired:
      return "session_expired";
    case Code::kSessionMoved:
      return "session_moved";
    case Code::kConnectionLoss:
      return "connection_loss";
    case Code::kOperationTimeout:
      return "operation_timeout";
    case Code::kMarshallingError:
      return "marshalling_error";
    case Code::kTooLarge:
      return "too_large";
    case Code::kThrottled:
      return "throttled";
    case Code::kUnimplemented:
      return "unimplemented";
    case Code::kRuntimeInconsistency:
      return "runtime_inconsistency";
    case Code::kNoWatcher:
      return "no_watcher";
    case Code::kIoError:
      return "io_error";
    case Code::kCorruption:
      return "corruption";
    case Code::kOutOfSpace:
      return "out_of_space";
    case Code::kNotFound:
      return "not_found";
    case Code::kInvalidArgument:
      return "invalid_argument";
    case Code::kInternal:
      return "internal";
  }
  return "unknown";
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string s(CodeName(code_));
  if (!message_.empty()) {
    s += ": ";
    s += message_;
  }
  return s;
}

}  // namespace coord
