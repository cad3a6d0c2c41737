// coord::recipes::Queue: a distributed FIFO queue of byte strings, built on a coord::Client.
//
//   Queue queue(client.get(), "/jobs");
//   queue.Put("resize img-17");                   // any producer
//   Result<std::string> job = queue.Take(5000);   // any consumer; blocks up to 5 s
//
// ALGORITHM. Each item is a persistent sequential node "<path>/item-<seq>"; the server's counter
// orders items by creation. A consumer lists the items, sorts them by sequence number and claims
// the lowest: it reads the item, then deletes it in a multi that also creates a claim marker
// "<path>/_taken/item-<seq>" (ephemeral, holding the consumer's guid). The multi is atomic, so
// exactly one consumer's delete succeeds: that consumer owns the item; a consumer whose multi
// fails with kNoNode lost the race and tries the next item. When there are no items, Take waits
// for a child watch on the queue (or a session change), then lists again.
//
// GUARANTEES. Every item is taken exactly once while consumers keep taking, never twice, and
// in sequence order: one consumer sees the items of one producer in the order they were put.
// When the connection breaks while a claim is in flight (the multi's outcome is unknown), the
// consumer reads its marker and the item at one point in time once the connection is back: its
// own marker means the claim was applied and the item is returned; another consumer's marker, or
// neither marker nor item, means another consumer took it (delete and marker are one
// transaction); the item still there means nothing was applied yet, and the consumer claims it
// again (the lost multi may still apply later: whichever of its claims wins leaves its marker).
// Markers are deleted right after (and, being ephemeral, go with the session anyway). The one
// loss: a session that expires while a claim's outcome is unknown — Take then fails with
// kSessionExpired and the item, if that claim was applied, is gone (ZooKeeper's queue recipe has
// the same window).
//   Put is one create: like any write, a kConnectionLoss result means it may or may not have been
// applied (a retry may enqueue the item twice); kOperationTimeout means it was not sent.
//
// THREADS. Every method blocks: call them from application threads, never from a client callback
// (the client refuses blocking calls there). A Queue object may be shared by threads (each call
// is independent). The Client must outlive the Queue.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "coord/client.h"

namespace coord::recipes {

class Queue {
 public:
  // `path` is the queue's node (created with its parents if missing).
  Queue(Client* client, std::string path);
  ~Queue();
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;

  // Appends an item; returns its node name ("item-0000000042").
  Result<std::string> Put(const std::string& data);
  // Removes and returns the oldest item, waiting up to timeout_ms (< 0: forever) for one.
  // kOperationTimeout when none came in time; client errors otherwise (then nothing was taken,
  // unless the session ended while a claim's outcome was unknown, see GUARANTEES). A claim whose
  // outcome was lost with the connection is resolved before Take returns, even past timeout_ms.
  Result<std::string> Take(int64_t timeout_ms);
  // Removes and returns the oldest item if there is one; nullopt when the queue is empty.
  Result<std::optional<std::string>> TryTake();
  // The number of items now.
  Result<size_t> Size();

  // The sequence number of an item name ("item-0000000007" -> 7); nullopt for other names.
  static std::optional<uint64_t> SequenceOf(const std::string& name);

  struct Wakeups;  // internal: shared with watchers, which may outlive the Queue

 private:
  // kUnknown: none of our claims is applied yet, but one lost with the connection may still be.
  enum class Claim : uint8_t { kMine, kLost, kUnknown };
  Status EnsureQueue();
  // The items' names, oldest first; with `watch`, a child watch that wakes waiting Takes.
  Result<std::vector<std::string>> Items(bool watch);
  // One pass over `items`: the data of the first one claimed, nullopt if others took them all.
  Result<std::optional<std::string>> ClaimFirst(const std::vector<std::string>& items);
  Result<Claim> ClaimItem(const std::string& item, std::string* data);
  // After a claim's outcome was lost with the connection: was it applied? Retries while the
  // connection is down; fails only when the session ends.
  Result<Claim> ResolveClaim(const std::string& item);

  Client* client_;
  std::string path_;
  std::string taken_path_;
  std::string guid_;
  std::shared_ptr<Wakeups> wakeups_;
  uint64_t listener_ = 0;
  std::mutex ready_mu_;
  bool ready_ = false;  // the queue and marker nodes exist; guarded by ready_mu_
};

}  // namespace coord::recipes
