#include "coord/session/session_tracker.h"

#include <algorithm>

#include "coord/base/check.h"

namespace coord {

SessionTracker::SessionTracker(int64_t tick_ms) : tick_ms_(tick_ms) { CHECK_GT(tick_ms, 0); }

int64_t SessionTracker::DeadlineFor(int32_t timeout_ms, int64_t now_tick) const {
  // Round up: a session never expires before its full timeout has passed.
  return now_tick + (int64_t{timeout_ms} + tick_ms_ - 1) / tick_ms_;
}

void SessionTracker::Schedule(SessionId session, Entry& entry, int64_t deadline_tick) {
  if (entry.deadline_tick == deadline_tick) return;
  auto old = buckets_.find(entry.deadline_tick);
  if (old != buckets_.end()) {
    old->second.erase(session);
    if (old->second.empty()) buckets_.erase(old);
  }
  entry.deadline_tick = deadline_tick;
  buckets_[deadline_tick].insert(session);
}

void SessionTracker::Add(SessionId session, int32_t timeout_ms, int64_t now_tick) {
  auto [it, inserted] = sessions_.try_emplace(session);
  Entry& entry = it->second;
  entry.timeout_ms = timeout_ms;
  entry.expiring = false;
  if (inserted) entry.deadline_tick = -1;  // not in any bucket yet
  Schedule(session, entry, DeadlineFor(timeout_ms, now_tick));
}

bool SessionTracker::Touch(SessionId session, int64_t now_tick) {
  auto it = sessions_.find(session);
  if (it == sessions_.end() || it->second.expiring) return false;
  int64_t deadline = DeadlineFor(it->second.timeout_ms, now_tick);
  if (deadline > it->second.deadline_tick) Schedule(session, it->second, deadline);
  return true;
}

void SessionTracker::Remove(SessionId session) {
  auto it = sessions_.find(session);
  if (it == sessions_.end()) return;
  auto bucket = buckets_.find(it->second.deadline_tick);
  if (bucket != buckets_.end()) {
    bucket->second.erase(session);
    if (bucket->second.empty()) buckets_.erase(bucket);
  }
  sessions_.erase(it);
}

std::vector<SessionId> SessionTracker::Expire(int64_t now_tick) {
  std::vector<SessionId> expired;
  while (!buckets_.empty() && buckets_.begin()->first <= now_tick) {
    for (SessionId session : buckets_.begin()->second) {
      Entry& entry = sessions_.at(session);
      entry.expiring = true;
      entry.deadline_tick = -1;
      expired.push_back(session);
    }
    buckets_.erase(buckets_.begin());
  }
  std::sort(expired.begin(), expired.end());
  return expired;
}

void SessionTracker::RestartClocks(int64_t now_tick) {
  for (auto& [session, entry] : sessions_) {
    if (!entry.expiring) Schedule(session, entry, DeadlineFor(entry.timeout_ms, now_tick));
  }
}

bool SessionTracker::IsExpiring(SessionId session) const {
  auto it = sessions_.find(session);
  return it != sessions_.end() && it->second.expiring;
}

int64_t SessionTracker::DeadlineOf(SessionId session) const {
  auto it = sessions_.find(session);
  return it == sessions_.end() ? -1 : it->second.deadline_tick;
}

}  // namespace coord
