// CallQueue: the application's calls in the order they were made, from submission to result, and
// the ids of every request on the wire.
//
// A call is unsent (waiting for a connection, until its deadline), sent (its id is on the wire),
// or done (it has its reply, or failed). Results leave the queue only from its front, so they are
// delivered in the order the calls were made, failed ones included. The client's own requests
// (ping, add_auth re-sent after a reconnect, set_watches) are tracked in the same wire order,
// since the server answers every request of a session in order.
//
// Pure and single-threaded: owned by the client's I/O thread.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <vector>

#include "clients/watch_table.h"
#include "coord/client.h"

namespace coord::client {

// One application call.
struct Call {
  ClientOp op;
  Watcher watcher;  // registered per `intent` when the reply allows it
  WatchIntent intent;
  // Receives the reply (or a local failure as a reply with its code); run on the event thread.
  std::function<void(ClientResponse)> done;
  bool close = false;                  // close_session: its completion ends the session
  std::optional<AddAuthRequest> auth;  // add_auth: remembered (and re-sent) once accepted
};

class CallQueue {
 public:
  enum class Kind : uint8_t { kCall, kPing, kAuth, kSetWatches };
  struct Completed {
    Call call;
    ClientResponse response;
  };
  struct Replied {
    Kind kind = Kind::kCall;
    Call* call = nullptr;  // kCall: still queued until TakeCompleted
    const ClientResponse* response = nullptr;
  };

  size_t size() const { return entries_.size(); }
  bool HasUnsent() const { return unsent_ > 0; }

  // A new call, sent later by TakeUnsent, or failed by ExpireUnsent after `deadline_ms`.
  void Push(Call call, int64_t deadline_ms);
  // A new call that already failed; its result keeps its place in the order.
  void PushFailed(Call call, const Status& status);

  // Every unsent call, in order, as requests with fresh ids; they are now sent.
  std::vector<ClientRequest> TakeUnsent();
  // One of the client's own requests, with a fresh id, tracked in wire order.
  ClientRequest MakeInternal(Kind kind, ClientOp op);

  // Matches a reply with the oldest request on the wire. kMarshallingError if its id is not that
  // one (the connection is out of step and must be dropped).
  Result<Replied> OnReply(ClientResponse response);
  // The connection is gone: every sent call completes with `status`; the client's own requests
  // are forgotten.
  void OnLinkDown(const Status& status);
  // Unsent calls past their deadline complete with `status`.
  void ExpireUnsent(int64_t now_ms, const Status& status);
  // Every call not done yet completes with `status` (the session ended).
  void FailAll(const Status& status);
  // The done calls at the front, in order.
  std::vector<Completed> TakeCompleted();

  // The earliest deadline of an unsent call.
  std::optional<int64_t> NextDeadline() const;
  size_t outstanding() const { return wire_.size(); }

 private:
  enum class State : uint8_t { kUnsent, kSent, kDone };
  struct Entry {
    Call call;
    State state = State::kUnsent;
    int64_t id = 0;
    int64_t deadline_ms = 0;
    ClientResponse response;
  };
  struct OnWire {
    int64_t id;
    Kind kind;
    Entry* entry;  // kCall; deque elements do not move on push_back / pop_front
  };
  void Finish(Entry* entry, const Status& status);
  // The entries not yet passed to TakeUnsent: a suffix of entries_ (unsent, or failed locally).
  size_t TailStart() const { return entries_.size() - tail_; }

  std::deque<Entry> entries_;
  std::deque<OnWire> wire_;
  ClientResponse scratch_;  // the last reply to one of the client's own requests
  size_t tail_ = 0;         // entries at the back not yet seen by TakeUnsent
  size_t unsent_ = 0;       // entries in state kUnsent
  int64_t next_id_ = 1;
};

}  // namespace coord::client
