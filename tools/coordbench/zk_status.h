// ZooKeeper C client return codes as coord Statuses (the codes share their meanings).
#pragma once

#include "coord/base/status.h"

namespace coord::bench {

Status ZkStatus(int rc, const char* what);

}  // namespace coord::bench
