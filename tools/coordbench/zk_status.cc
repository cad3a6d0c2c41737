#include "tools/coordbench/zk_status.h"

#include <zookeeper/zookeeper.h>

#include <string>

namespace coord::bench {

Status ZkStatus(int rc, const char* what) {
  if (rc == ZOK) return Status::Ok();
  Code code = Code::kInternal;
  switch (rc) {
    case ZNONODE:
      code = Code::kNoNode;
      break;
    case ZNODEEXISTS:
      code = Code::kNodeExists;
      break;
    case ZBADVERSION:
      code = Code::kBadVersion;
      break;
    case ZNOTEMPTY:
      code = Code::kNotEmpty;
      break;
    case ZNOAUTH:
      code = Code::kNoAuth;
      break;
    case ZAUTHFAILED:
      code = Code::kAuthFailed;
      break;
    case ZBADARGUMENTS:
      code = Code::kBadArguments;
      break;
    case ZINVALIDSTATE:  // the handle's session is over
    case ZSESSIONEXPIRED:
      code = Code::kSessionExpired;
      break;
    case ZCONNECTIONLOSS:
    case ZCLOSING:
      code = Code::kConnectionLoss;
      break;
    case ZOPERATIONTIMEOUT:
      code = Code::kOperationTimeout;
      break;
    case ZMARSHALLINGERROR:
      code = Code::kMarshallingError;
      break;
    case ZNOWATCHER:
      code = Code::kNoWatcher;
      break;
    default:
      break;
  }
  return Status(code, std::string(what) + ": " + zerror(rc));
}

}  // namespace coord::bench
