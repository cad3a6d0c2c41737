// coord::recipes::Lock: an exclusive lock with fencing tokens, built on a coord::Client.
//
//   Lock lock(client.get(), "/locks/printer");
//   Result<uint64_t> token = lock.Acquire(5000);       // blocks up to 5 s
//   if (token.ok()) {
//     client->Multi({lock.Fence(), SetDataRequest{"/printer/job", job, kAnyVersion}});
//     lock.Release();
//   }
//
// ALGORITHM. Each contender creates an ephemeral sequential node under the lock path; the lowest
// sequence number holds the lock. A waiter watches only the node just before its own
// (herd-free: a release wakes exactly one waiter). The node is named "_c_<guid>-lock-<seq>": if
// the connection breaks while the create is in flight, the contender finds its node again by the
// guid instead of creating a second one (ZooKeeper's "protected" mode), so no orphan node can
// block the lock until the session expires.
//
// FENCING TOKEN. Acquire returns the czxid of the holder's node. Holders acquire in node order and
// nodes are created in zxid order, so tokens strictly increase across successive holders of one
// lock. A resource can remember the highest token it has seen and refuse lower ones; a resource
// stored in coord needs no token bookkeeping: Fence() is a check op on the holder's node, and a
// multi that starts with it commits only while this holder still holds the lock (Chubby's
// sequencer), so a holder that paused until its session expired is refused by the server.
//
// LOSS. The lock lives as long as the session. With on_event set, the holder hears:
// kSuspended (the connection is lost: the lock may still be held, but the holder must stop acting
// as the owner until kResumed), kResumed (the session came back: still held), kLost (the session
// expired or was closed: the node is gone; another contender may hold the lock now).
//
// THREADS. Acquire / TryAcquire / Release block: call them from application threads, never from
// a client callback (the client refuses blocking calls there). One Lock object is one contender;
// it is not meant to be shared by threads (guard it yourself if you must). on_event runs on the
// client's event thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "coord/client.h"

namespace coord::recipes {

enum class LockEvent : uint8_t { kSuspended, kResumed, kLost };
const char* LockEventName(LockEvent event);

class Lock {
 public:
  // `path` is the lock's parent node (created if missing, with parents). `holder_data` is stored
  // in the contender's node (e.g. who holds it, for operators).
  Lock(Client* client, std::string path, std::string holder_data = "",
       std::function<void(LockEvent)> on_event = {});
  // Releases the lock if held (best effort).
  ~Lock();
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;

  // Waits up to timeout_ms (< 0: forever) for the lock; returns the fencing token. Errors:
  // kOperationTimeout (not acquired in time; the contender's node is removed), kSessionExpired /
  // kConnectionLoss / ... from the client. Acquiring a lock this object holds returns its token.
  Result<uint64_t> Acquire(int64_t timeout_ms);
  // Acquires only if nobody holds the lock or waits ahead: the token, or nullopt.
  Result<std::optional<uint64_t>> TryAcquire();
  // Releases the lock (deletes the node). Ok if it was not held.
  Status Release();

  bool held() const { return st_->held.load(); }
  uint64_t token() const { return st_->token.load(); }
  // The holder's node (empty when not held).
  std::string node() const;
  // A check op that succeeds only while this contender holds the lock: put it first in a multi.
  CheckRequest Fence() const;

  // The sequence number of a contender node name ("..-lock-0000000007" -> 7), nullopt if the name
  // is not a lock node. Exposed for tests and the other recipes.
  static std::optional<uint64_t> SequenceOf(const std::string& name);

 private:
  Status EnsureNode();
  Result<std::optional<std::string>> FindOwnNode();
  // One pass: Ok(true) when held; Ok(false) after a watch was set on the predecessor.
  Result<bool> CheckPosition(bool watch_predecessor);

  Client* client_;
  std::string path_;
  std::string data_;
  std::string guid_;
  uint64_t listener_ = 0;
  bool path_ready_ = false;  // the lock's parent is known to exist (skips a read per Acquire)

  // What the client's callbacks touch lives here, shared: a watch or a session event that
  // arrives after this Lock is gone finds the state expired and does nothing.
  struct State {
    std::mutex mu;
    std::condition_variable changed;
    std::string node;      // our contender node's name (not path), empty when none; guarded
    uint64_t wakeups = 0;  // predecessor watch firings and session changes; guarded
    std::atomic<bool> held{false};
    std::atomic<uint64_t> token{0};
    std::function<void(LockEvent)> on_event;
    void OnSessionEvent(const SessionEvent& event);
    void Wake();
  };
  std::shared_ptr<State> st_;
};

}  // namespace coord::recipes
