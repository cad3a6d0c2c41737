// coord::recipes::LeaderElection: leader election for the application's own services.
//
//   LeaderElection election(client.get(), "/services/indexer/leader", "host-a:8080",
//                           [](ElectionEvent e) { if (e != ElectionEvent::kResumed) StopLeading();
//                           });
//   Result<uint64_t> term = election.Campaign(-1);   // blocks until this candidate leads
//   ... lead, fencing writes with election.Fence() ...
//   election.Resign();                               // hand over to the next candidate
//
// A candidate is a contender of a Lock on the election path (lock.h): the lowest ephemeral
// sequential node leads, every other candidate watches only its predecessor, and the node's data
// is the candidate's payload (e.g. its address). So at most one candidate leads at a time while
// sessions are live, a leader whose process dies is replaced once its session expires, and the
// term returned by Campaign (the leader node's czxid) strictly increases from leader to leader:
// it is a fencing token (Fence() guards writes to coord itself).
//
// Anyone — candidates or mere observers — reads the current leader with Leader() and may pass a
// watcher that fires (once) when the set of candidates changes, to re-read it.
//
// EVENTS (on the client's event thread): kSuspended (connection lost: stop acting as leader until
// kResumed), kResumed, kLost (the session ended: leadership is gone).
//
// THREADS. Campaign, Resign and Leader block: call them from application threads, never from a
// client callback.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "coord/client.h"
#include "coord/recipes/lock.h"

namespace coord::recipes {

enum class ElectionEvent : uint8_t { kSuspended, kResumed, kLost };
const char* ElectionEventName(ElectionEvent event);

struct LeaderInfo {
  std::string node;     // the leader's candidate node (its name under the election path)
  std::string payload;  // what the leader passed to its LeaderElection
  uint64_t term = 0;    // the leader node's czxid: increases from leader to leader
};

class LeaderElection {
 public:
  LeaderElection(Client* client, std::string path, std::string payload,
                 std::function<void(ElectionEvent)> on_event = {});

  // Joins the election and waits up to timeout_ms (< 0: forever) to lead; returns the term.
  // kOperationTimeout: not elected in time (the candidacy is withdrawn).
  Result<uint64_t> Campaign(int64_t timeout_ms);
  bool leading() const { return lock_.held(); }
  // Steps down (or withdraws a candidacy): the next candidate leads.
  Status Resign() { return lock_.Release(); }
  // A check op that succeeds only while this candidate leads: put it first in a multi.
  CheckRequest Fence() const { return lock_.Fence(); }

  // The current leader, or nullopt when nobody campaigns. `on_change` (optional) fires once when
  // the candidates change.
  Result<std::optional<LeaderInfo>> Leader(Watcher on_change = {});
  // The same for observers that do not campaign.
  static Result<std::optional<LeaderInfo>> CurrentLeader(Client* client, const std::string& path,
                                                         Watcher on_change = {});

 private:
  Client* client_;
  std::string path_;
  Lock lock_;
};

}  // namespace coord::recipes
