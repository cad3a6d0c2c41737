// coord::recipes::Counter: a shared 64-bit integer stored as decimal text in one node's data.
//
//   Counter hits(client.get(), "/stats/hits");
//   Result<int64_t> now = hits.Add(1);
//
// ALGORITHM. Add reads the value and its version, then writes value + delta with a set_data
// conditioned on that version (compare-and-set). If another writer got in between, the server
// refuses with kBadVersion and Add reads again; every failed attempt means another Add or Set
// succeeded, so the counter as a whole always progresses (lock-free). A missing node counts as 0
// and is created by the first Add or Set (with its parents).
//
// GUARANTEES. Concurrent Adds from any number of clients are all applied exactly once while no
// connection breaks: the final value is the sum of the deltas. Like any write, an Add or Set that
// fails with kConnectionLoss may or may not have been applied (the caller decides whether to
// retry); kOperationTimeout means it was not sent. A node whose data is not a decimal int64 is
// an error (kBadArguments), never overwritten by Add; an Add that would overflow int64 fails with
// kBadArguments.
//
// THREADS. Every method blocks: call them from application threads, never from a client callback.
// A Counter object may be shared by threads. The Client must outlive it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "coord/client.h"

namespace coord::recipes {

class Counter {
 public:
  // `path` is the counter's node.
  Counter(Client* client, std::string path);

  // The current value (0 if the node does not exist).
  Result<int64_t> Get();
  // Adds `delta` atomically; returns the new value. kBadVersion only after kMaxAttempts
  // conflicting writers in a row (a limit on everything).
  Result<int64_t> Add(int64_t delta);
  // Sets the value unconditionally.
  Status Set(int64_t value);

  // "42" -> 42; nullopt for anything but an optional '-' and 1..19 digits within int64.
  static std::optional<int64_t> Parse(const std::string& text);

  static constexpr int kMaxAttempts = 10000;

 private:
  // Creates the node (and parents) holding `value`; kNodeExists if it appeared meanwhile.
  Status CreateWith(int64_t value);

  Client* client_;
  std::string path_;
};

}  // namespace coord::recipes
