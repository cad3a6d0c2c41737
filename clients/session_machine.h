// SessionMachine: the client's session state and its clocks — which server to try next, what
// to put in the connect request, what a connect reply means, when to ping, when a silent link is
// dead, when a session unheard-of for its timeout must be taken as expired.
//
//   connecting ──connect ok──▶ connected ──link down──▶ suspended ──resume ok──▶ connected
//        │                         │                       │
//        └──────── expired / auth_failed (a server says so; or silence for the timeout) ─┘
//   Close() from any non-final state ──▶ closed.
//
// Clocks, in terms of the session timeout T (negotiated, else requested): a ping when nothing was
// sent for T/3; an open link that delivered nothing for 2T/3 is dead; a connection attempt gets
// T / (number of servers); a session not heard of for T is expired (if the option says so).
// Servers are tried in an order shuffled once by the seeded PRNG, round-robin; after a round in
// which every server failed, the next attempt waits a backoff that doubles from min to max, with
// jitter.
//
// Pure: time comes in as arguments, randomness from the seeded PRNG. Single-threaded: owned by
// the client's I/O thread, which performs what it decides.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "coord/base/prng.h"
#include "coord/client.h"

namespace coord::client {

struct SessionMachineOptions {
  size_t server_count = 1;
  int32_t session_timeout_ms = 10000;  // requested
  bool expire_when_disconnected = true;
  SessionId session_id = 0;  // resume this session (with its password) instead of creating one
  std::string password;
  uint64_t seed = 1;
  int64_t min_backoff_ms = 10;
  int64_t max_backoff_ms = 1000;
};

class SessionMachine {
 public:
  enum class Link : uint8_t { kIdle, kConnecting, kOpen };
  enum class ConnectOutcome : uint8_t {
    kConnected,     // the session is open on this link
    kTryNext,       // this server cannot serve us (behind, throttled...): drop the link
    kSessionEnded,  // expired or auth_failed: final
  };

  SessionMachine(SessionMachineOptions options, int64_t now_ms);

  SessionState state() const { return state_; }
  Link link() const { return link_; }
  SessionId session_id() const { return session_id_; }
  const std::string& password() const { return password_; }
  int32_t negotiated_timeout_ms() const { return negotiated_timeout_ms_; }
  int32_t timeout_ms() const;  // negotiated, else requested
  Zxid last_zxid_seen() const { return last_zxid_seen_; }

  // --- the link ---
  // The server to connect to now (an index into the connect string's list), or nullopt: a link
  // exists, the state is final, or a backoff is running. The link becomes kConnecting.
  std::optional<size_t> StartAttempt(int64_t now_ms);
  ConnectRequest MakeConnectRequest() const;
  ConnectOutcome OnConnectResponse(const ConnectResponse& response, int64_t now_ms);
  // The link is gone (closed by either side, failed to connect, or dropped as overdue).
  void OnLinkDown(const Status& reason, int64_t now_ms);
  // A reply or event arrived on the open link; `zxid` is its zxid (0 if none).
  void OnReceived(Zxid zxid, int64_t now_ms);
  void OnSent(int64_t now_ms) { last_sent_ms_ = now_ms; }

  // --- clocks ---
  bool PingDue(int64_t now_ms) const;
  // Why the current link should be dropped now (an attempt or an open link past its deadline).
  std::optional<Status> LinkOverdue(int64_t now_ms) const;
  // A session unheard-of for its whole timeout: moves to kExpired and returns true.
  bool CheckLocalExpiry(int64_t now_ms);
  // The earliest time one of the above (or StartAttempt) changes its answer; INT64_MAX if none.
  int64_t NextDeadline(int64_t now_ms) const;

  // → kClosed, unless already final.
  void Close(const Status& reason);
  // State changes since the last call, in order.
  std::vector<SessionEvent> TakeEvents();

 private:
  void Enter(SessionState state, const Status& reason, bool resumed = false);
  int64_t AttemptTimeoutMs() const;
  bool CanExpireLocally() const;
  int64_t NextBackoffMs();

  SessionMachineOptions options_;
  Prng prng_;
  std::vector<size_t> order_;  // servers, shuffled once
  size_t cursor_ = 0;          // next index into order_
  size_t failures_in_round_ = 0;
  int64_t backoff_ms_ = 0;
  int64_t next_attempt_ms_ = 0;

  SessionState state_ = SessionState::kConnecting;
  Link link_ = Link::kIdle;
  SessionId session_id_ = 0;
  std::string password_;
  int32_t negotiated_timeout_ms_ = 0;
  Zxid last_zxid_seen_ = 0;
  int64_t attempt_started_ms_ = 0;
  int64_t last_heard_ms_ = 0;  // the last message from a server on an open link
  int64_t last_sent_ms_ = 0;
  std::vector<SessionEvent> events_;
};

}  // namespace coord::client
