// coord::recipes::Semaphore: at most N holders of leases on one path, built on a coord::Client.
//
//   Semaphore slots(client.get(), "/semaphores/encoders", /*max_leases=*/3);
//   if (slots.Acquire(5000).ok()) {   // blocks up to 5 s for one of the 3 leases
//     Encode();
//     slots.Release();
//   }
//
// ALGORITHM. Each contender creates an ephemeral sequential node "_c_<guid>-lease-<seq>" under the
// semaphore path; the contenders form one queue in sequence order, and a contender holds a lease
// when fewer than N contender nodes precede its own. Nodes only join at the end of the queue, so
// a lease once held stays held until its node is deleted (Release, or the session ends). Leases
// are granted first come, first served.
// A waiter watches the children of the path and re-reads them on every change. Unlike Lock's
// predecessor watch this wakes every waiter on every change (a herd): which waiter is let in by a
// release depends on how many nodes precede it, not on one predecessor, and N is usually small.
// Contender nodes are created in ZooKeeper's "protected" mode (see Lock), so a create whose reply
// was lost leaves no orphan lease behind.
//
// N. Every contender of a path must use the same N. The first contender stores N in the
// semaphore node's data; a contender created with another N gets kBadArguments.
//
// LOSS. As for Lock: on_event hears kSuspended / kResumed / kLost while a lease is held.
//
// THREADS. Acquire / TryAcquire / Release block: call them from application threads, never from a
// client callback. One Semaphore object is one contender holding at most one lease; use it from
// one thread at a time (one object per thread for several leases). on_event runs on the client's
// event thread. The Semaphore must not outlive the Client; watches that fire after it is gone
// touch only state they own.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "coord/client.h"
#include "coord/recipes/lock.h"

namespace coord::recipes {

class Semaphore {
 public:
  // `path` is the semaphore's node (created if missing, with parents); `max_leases` >= 1 is N.
  // `holder_data` is stored in the contender's node.
  Semaphore(Client* client, std::string path, int max_leases, std::string holder_data = "",
            std::function<void(LockEvent)> on_event = {});
  // Releases the lease if held (best effort).
  ~Semaphore();
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;

  // Waits up to timeout_ms (< 0: forever) for a lease. Errors: kOperationTimeout (none in time;
  // the contender's node is removed), kBadArguments (N differs from the path's), kSessionExpired
  // / kConnectionLoss / ... from the client. Ok at once if this object holds a lease.
  Status Acquire(int64_t timeout_ms);
  // Takes a lease only if one is free now: true, or false (no node is left behind).
  Result<bool> TryAcquire();
  // Returns the lease (deletes the node). Ok if none was held.
  Status Release();

  bool held() const;
  int max_leases() const { return max_leases_; }
  // The lease's node path (empty when not held).
  std::string node() const;
  // A check op that succeeds only while this lease is held: put it first in a multi.
  CheckRequest Fence() const;

  // "_c_<guid>-lease-0000000007" -> 7; nullopt if the name is not a lease node.
  static std::optional<uint64_t> SequenceOf(const std::string& name);

  struct State;  // internal: shared with the watches and the session listener

 private:
  Status EnsureSemaphoreNode();
  Status EnsureNode();
  // One pass: Ok(true) when held; Ok(false) after (if asked) a children watch was set.
  Result<bool> CheckPosition(bool watch);

  Client* client_;
  std::string path_;
  int max_leases_;
  std::string data_;
  std::string guid_;
  bool checked_limit_ = false;  // N was compared with the path's
  uint64_t listener_ = 0;
  std::shared_ptr<State> state_;
};

}  // namespace coord::recipes
