// coord::recipes::ReadWriteLock: a shared (read) / exclusive (write) lock on one path, with
// fencing tokens, built on a coord::Client. Writers are not starved by a stream of readers.
//
//   ReadWriteLock rw(client.get(), "/locks/catalog");
//   Result<uint64_t> token = rw.read_lock().Acquire(5000);   // many readers may hold at once
//   ...
//   rw.read_lock().Release();
//   if (rw.write_lock().Acquire(5000).ok()) {                // nobody else holds either side
//     client->Multi({rw.write_lock().Fence(), SetDataRequest{"/catalog", data, kAnyVersion}});
//     rw.write_lock().Release();
//   }
//
// ALGORITHM (ZooKeeper's shared-lock recipe). Each contender creates an ephemeral sequential node
// under the lock path, "_c_<guid>-read-<seq>" or "_c_<guid>-write-<seq>"; both kinds draw from
// the path's one sequence counter, so the nodes form a single queue in arrival order.
//   - A reader holds when no write node precedes its own. Otherwise it watches the nearest
//     preceding write node: when that writer leaves, every reader queued before the next writer
//     wakes and holds together.
//   - A writer holds when its node is the lowest. Otherwise it watches its immediate predecessor
//     (reader or writer), so a release wakes one writer, not a herd.
// NO WRITER STARVATION: a reader that arrives while a writer waits gets a node after the writer's
// and therefore waits for it; readers overtake nobody. Holders leave in any order.
// Contender nodes are created in ZooKeeper's "protected" mode (the guid lets a contender find its
// node after a create whose reply was lost), so no orphan node can block the lock.
//
// FENCING TOKEN. Acquire returns the czxid of the contender's node. A writer's token is greater
// than the token of every earlier holder (reader or writer); a reader's token is greater than the
// token of every writer that held before it. Concurrent readers' tokens are unordered. Fence() is
// a check op on the holder's node: a multi that starts with it commits only while that side is
// still held (a held node stays held until it is deleted).
//
// LOSS. As for Lock: on_event hears kSuspended / kResumed / kLost for a side that holds, with the
// side's mode.
//
// REENTRANCY. None: the two sides of one ReadWriteLock are independent contenders. A thread that
// holds write_lock() and asks for read_lock() queues behind its own writer and times out.
//
// THREADS. Acquire / TryAcquire / Release block: call them from application threads, never from a
// client callback. One side is one contender, meant for one thread at a time; the two sides of one
// ReadWriteLock may be used by two threads. on_event runs on the client's event thread. The
// ReadWriteLock must not outlive the Client; watches that fire after it is gone touch only state
// they own.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "coord/client.h"
#include "coord/recipes/lock.h"

namespace coord::recipes {

class ReadWriteLock {
 public:
  enum class Mode : uint8_t { kRead, kWrite };

  // One contender in one mode: read_lock() or write_lock() of a ReadWriteLock.
  class Side {
   public:
    // Releases the side if held (best effort).
    ~Side();
    Side(const Side&) = delete;
    Side& operator=(const Side&) = delete;

    // Waits up to timeout_ms (< 0: forever) for the side; returns the fencing token. Errors:
    // kOperationTimeout (not acquired in time; the contender's node is removed), kSessionExpired
    // / kConnectionLoss / ... from the client. Acquiring a held side returns its token.
    Result<uint64_t> Acquire(int64_t timeout_ms);
    // Acquires only if that needs no waiting: the token, or nullopt (no node is left behind).
    Result<std::optional<uint64_t>> TryAcquire();
    // Releases (deletes the node). Ok if not held.
    Status Release();

    Mode mode() const { return mode_; }
    bool held() const;
    uint64_t token() const;
    // The holder's node path (empty when not held).
    std::string node() const;
    // A check op that succeeds only while this side is held: put it first in a multi.
    CheckRequest Fence() const;

    struct State;  // internal: shared with this side's watches and session listener

   private:
    friend class ReadWriteLock;
    Side(Client* client, std::string path, Mode mode, std::string data,
         std::function<void(Mode, LockEvent)> on_event);

    Status EnsureNode();
    // One pass: Ok(true) when held; Ok(false) after a watch was set (if asked) on the blocker.
    Result<bool> CheckPosition(bool watch_blocker);

    Client* client_;
    std::string path_;
    Mode mode_;
    std::string data_;
    std::string guid_;
    uint64_t listener_ = 0;
    std::shared_ptr<State> state_;
  };

  // `path` is the lock's parent node (created if missing, with parents). `holder_data` is stored
  // in each contender node. `on_event` (may be empty) hears loss events of either side.
  ReadWriteLock(Client* client, std::string path, std::string holder_data = "",
                std::function<void(Mode, LockEvent)> on_event = {});

  Side& read_lock() { return read_; }
  Side& write_lock() { return write_; }

  // A contender node name parsed: "_c_<guid>-write-0000000007" -> {kWrite, 7}; nullopt if the name
  // is not a read or write node. Exposed for tests and tools.
  struct NodeName {
    Mode mode;
    uint64_t sequence;
  };
  static std::optional<NodeName> Parse(const std::string& name);

 private:
  Side read_;
  Side write_;
};

const char* ModeName(ReadWriteLock::Mode mode);

}  // namespace coord::recipes
