// The seam between coordbench's workloads and a server: a Backend opens Sessions; a Session
// issues the few operations the workloads need, asynchronously, each completing once with a
// Status through its callback. Two thin adapters implement it — coord (coord::Client) and
// zookeeper (Apache ZooKeeper's C client) — so every workload is written once.
//
// Threading: a Session's calls may be made from any thread, including from inside one of its own
// callbacks (the workloads issue the next request from the completion of the previous one).
// Callbacks run on the backend's callback thread (coord: the client's event thread; ZooKeeper: its
// completion thread), one at a time per Session. Connect, Close and the LockContender calls block
// and must not run on a callback thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "coord/base/status.h"
#include "tools/coordbench/options.h"

namespace coord::bench {

using Done = std::function<void(Status)>;
using ChildrenDone = std::function<void(Status, std::vector<std::string>)>;

// One contender for an exclusive lock: an ephemeral sequential child of the lock node; the lowest
// holds it, the others watch their predecessor. Blocking calls.
class LockContender {
 public:
  virtual ~LockContender() = default;
  virtual Status Acquire(int64_t timeout_ms) = 0;
  virtual Status Release() = 0;
};

class Session {
 public:
  virtual ~Session() = default;

  virtual void Create(const std::string& path, std::string data, Done done) = 0;
  virtual void Set(const std::string& path, std::string data, Done done) = 0;
  // With on_change: a one-shot data watch; on_change runs once, at the node's next change.
  virtual void Get(const std::string& path, Done done, std::function<void()> on_change = {}) = 0;
  // Every child's name.
  virtual void Children(const std::string& path, ChildrenDone done) = 0;
  virtual void Delete(const std::string& path, Done done) = 0;
  // One atomic multi of set_data ops (any version).
  virtual void MultiSet(const std::vector<std::pair<std::string, std::string>>& sets,
                        Done done) = 0;

  // A contender for the lock whose parent node is lock_path (created by the workload).
  virtual std::unique_ptr<LockContender> NewLock(const std::string& lock_path) = 0;
  // Ends the session (blocking, bounded).
  virtual Status Close() = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  // A new session, connected (blocking, bounded by the session timeout); kConnectionLoss with
  // the servers named when none answers.
  virtual Result<std::unique_ptr<Session>> Connect() = 0;
};

std::unique_ptr<Backend> MakeCoordBackend(const Options& options);
std::unique_ptr<Backend> MakeZooKeeperBackend(const Options& options);

}  // namespace coord::bench
