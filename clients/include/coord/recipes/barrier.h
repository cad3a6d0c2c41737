// coord::recipes::Barrier and DoubleBarrier, built on a coord::Client.
//
// BARRIER (ZooKeeper's barrier recipe): a node that holds waiters back while it exists.
//
//   Barrier gate(client.get(), "/barriers/deploy");
//   gate.SetBarrier();            // the coordinator closes the gate
//   ...                           // workers: gate.WaitOnBarrier(60000) blocks
//   gate.RemoveBarrier();         // every waiter returns
//
// WaitOnBarrier reads the node with a data watch (GetData: on a missing node it returns at once
// and leaves no watch) and waits for the watch. A session that is suspended while waiting re-sets
// the watch on reconnect and the server reports a removal it missed, so no removal is lost.
//
// DOUBLE BARRIER (ZooKeeper's double barrier recipe): N participants enter together and leave
// together.
//
//   DoubleBarrier round(client.get(), "/barriers/round-7", /*participants=*/5);
//   round.Enter(30000);   // returns once 5 participants have entered
//   Compute();
//   round.Leave(30000);   // returns once every participant has left
//
// ENTER. A participant creates an ephemeral sequential node "_c_<guid>-member-<seq>" under the
// barrier path and lists the members. With fewer than N it waits for a "ready" node (an exists
// watch set before its own node is created, as in the recipe). The one that sees N creates
// "ready" in a multi that also checks the N member nodes it counted, so a member that gave up
// meanwhile is not counted. A participant whose Enter times out removes its node in a multi that
// creates and deletes "ready" in the same step: it fails if "ready" exists (the participant was
// let in at the deadline, and Enter returns ok), so nobody is counted who then leaves.
// LEAVE. Members leave in node order: the lowest member waits for the highest to go; every other
// member deletes its node and waits for the lowest to go; each repeats until it sees no member, or
// only itself (it then deletes its node). The last to leave deletes "ready", so the path can serve
// another round once every Leave of this one has returned.
// GUARANTEES. No Enter returns ok before N member nodes existed together; no Leave returns ok
// while another member node exists. A Leave that times out has still removed the participant's
// node (it left; it just did not see the others leave). Member nodes are ephemeral: a participant
// whose session ends is gone from the barrier.
//
// THREADS. Every call blocks: call them from application threads, never from a client callback.
// A Barrier keeps no state between calls and may be shared by threads. A DoubleBarrier object is
// one participant, meant for one thread at a time. Neither may outlive the Client; watches that
// fire after they are gone touch only state they own.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "coord/client.h"

namespace coord::recipes {

class Barrier {
 public:
  // `path` is the barrier node; its parents are created when it is set.
  Barrier(Client* client, std::string path);

  // Creates the barrier node (and missing parents). Ok if it is set already.
  Status SetBarrier();
  // Deletes the barrier node, releasing every waiter. Ok if it is not set.
  Status RemoveBarrier();
  // Returns ok once the barrier node does not exist (at once if it is not set). Errors:
  // kOperationTimeout after timeout_ms (< 0: forever), kSessionExpired / ... from the client.
  Status WaitOnBarrier(int64_t timeout_ms);

 private:
  Client* client_;
  std::string path_;
};

class DoubleBarrier {
 public:
  // `path` is the barrier's node (created if missing, with parents); `participants` >= 1 is N.
  // `data` is stored in this participant's node.
  DoubleBarrier(Client* client, std::string path, int participants, std::string data = "");
  // Removes this participant's node if it is still there (best effort).
  ~DoubleBarrier();
  DoubleBarrier(const DoubleBarrier&) = delete;
  DoubleBarrier& operator=(const DoubleBarrier&) = delete;

  // Joins and blocks until N participants have joined. Errors: kOperationTimeout after
  // timeout_ms (< 0: forever; this participant's node is removed), errors of the client.
  Status Enter(int64_t timeout_ms);
  // Leaves and blocks until every participant has left. Errors: kOperationTimeout after timeout_ms
  // (this participant's node is removed nevertheless), errors of the client.
  Status Leave(int64_t timeout_ms);

  // This participant's node path (empty when it has none).
  std::string node() const;

  // "_c_<guid>-member-0000000007" -> 7; nullopt if the name is not a member node.
  static std::optional<uint64_t> SequenceOf(const std::string& name);

  struct State;  // internal: shared with the watches and the session listener

 private:
  Status EnsureNode();
  // The member nodes in node order.
  Result<std::vector<std::string>> Members();
  // One pass of Enter: Ok(true) when entered; Ok(false) when waiting for "ready".
  Result<bool> TryEnter();
  // Enter's deadline: removes our node unless "ready" exists. Ok(true) when entered after all.
  Result<bool> GiveUpEntering();
  // One pass of Leave: Ok(true) when everyone left; Ok(false) after a watch was set.
  Result<bool> TryLeave();
  Status DeleteOwnNode();

  Client* client_;
  std::string path_;
  int participants_;
  std::string data_;
  std::string guid_;
  std::string ready_path_;
  uint64_t listener_ = 0;
  std::shared_ptr<State> state_;
};

}  // namespace coord::recipes
