// ZkLock: the lock workload's contender on Apache ZooKeeper, the same algorithm as
// coord::recipes::Lock written with the ZooKeeper C API: an ephemeral sequential child of the lock
// node; the lowest sequence number holds the lock; a waiter sets a data watch on its predecessor
// only (no herd) and checks again when it fires.
//
// Threading: Acquire and Release block (synchronous C calls): call them from an application
// thread, never from a ZooKeeper callback. The watch's state is shared with the watcher through a
// heap token, so a watch that fires after this object is gone touches nothing freed.
#pragma once

#include <zookeeper/zookeeper.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "tools/coordbench/backend.h"

namespace coord::bench {

class ZkLock : public LockContender {
 public:
  ZkLock(zhandle_t* zh, std::string lock_path);
  ~ZkLock() override;

  Status Acquire(int64_t timeout_ms) override;
  Status Release() override;

  struct Wait {
    std::mutex mu;
    std::condition_variable changed;
    uint64_t wakeups = 0;
  };

 private:
  // Ok(true) when this contender holds the lock; Ok(false) after a watch was set on the
  // predecessor (wakeups counts its firing).
  Result<bool> CheckPosition();

  zhandle_t* zh_;
  std::string path_;
  std::string node_;  // our contender node's name; empty when none
  std::shared_ptr<Wait> wait_ = std::make_shared<Wait>();
};

}  // namespace coord::bench
