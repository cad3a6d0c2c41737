// SessionTracker: when each session expires, in ticks.
//
// Deadlines are rounded up to whole ticks and kept in buckets, one per tick (ZooKeeper's
// ExpiryQueue): touching a session moves it to a later bucket, and Expire(now) pops the buckets
// that are due. A session stays tracked until Remove(): Expire() returns it once, marks it
// expiring, and later touches do not revive it (its close is a transaction in flight).
//
// Threading: none; owned by the loop thread. Pure: the caller passes the current tick.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "coord/base/types.h"

namespace coord {

class SessionTracker {
 public:
  explicit SessionTracker(int64_t tick_ms);

  // Starts tracking `session` (or refreshes it): it expires timeout_ms after `now_tick`.
  void Add(SessionId session, int32_t timeout_ms, int64_t now_tick);
  // The session showed life (a request or a ping): push its deadline out. Returns false if it is
  // unknown or already expiring.
  bool Touch(SessionId session, int64_t now_tick);
  void Remove(SessionId session);

  // Sessions whose deadline is at or before `now_tick`, sorted; each is returned once.
  std::vector<SessionId> Expire(int64_t now_tick);

  // Gives every tracked, non-expiring session a full timeout from `now_tick` (after a restart or
  // a leader change: a member never expires a session for silence it did not observe).
  void RestartClocks(int64_t now_tick);

  bool Contains(SessionId session) const { return sessions_.contains(session); }
  bool IsExpiring(SessionId session) const;
  size_t size() const { return sessions_.size(); }
  int64_t tick_ms() const { return tick_ms_; }
  // The tick at which `session` expires, or -1 if untracked.
  int64_t DeadlineOf(SessionId session) const;

 private:
  struct Entry {
    int32_t timeout_ms = 0;
    int64_t deadline_tick = 0;
    bool expiring = false;
  };
  int64_t DeadlineFor(int32_t timeout_ms, int64_t now_tick) const;
  void Schedule(SessionId session, Entry& entry, int64_t deadline_tick);

  int64_t tick_ms_;
  absl::flat_hash_map<SessionId, Entry> sessions_;
  std::map<int64_t, absl::flat_hash_set<SessionId>> buckets_;  // deadline tick -> sessions
};

}  // namespace coord
