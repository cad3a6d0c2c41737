// Engine: the client's session at work on its I/O thread. It connects and reconnects (as the
// SessionMachine decides), performs the handshake, re-sends credentials and re-registers watches
// after a resume (set_watches with the zxid up to which its watch table is known to match the
// server's), sends the application's calls in order, matches replies, fans watch events out to
// watchers, pings, and hands every result, event and state change to the event thread.
//
// Threading: every method runs on the I/O thread (the libuv loop's). Ownership: it owns its link
// (a Connection, which frees itself) and its timer; the client owns it and destroys it after the
// loop ended.
#pragma once

#include <uv.h>

#include <optional>
#include <string>
#include <vector>

#include "clients/call_queue.h"
#include "clients/connect_string.h"
#include "clients/connection.h"
#include "clients/event_thread.h"
#include "clients/session_machine.h"
#include "clients/session_view.h"
#include "clients/watch_table.h"

namespace coord::client {

struct EngineOptions {
  std::vector<HostPort> servers;
  SessionMachineOptions machine;
  int64_t request_timeout_ms = 10000;
  size_t max_pending_calls = 65536;
  size_t max_frame_bytes = 64 << 20;
};

class Engine : public Connection::Listener {
 public:
  Engine(uv_loop_t* loop, EngineOptions options, EventThread* events, StateCallback on_state,
         SessionView* view);
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Arms the timer and starts the first connection attempt.
  void Start();
  // A call from the application; `failed` if it failed before reaching here (a bad path).
  void Submit(Call call, std::optional<Status> failed);
  // The client is going away: the session is closed locally, every call fails, handles close.
  void Shutdown();

  void OnConnected(Connection* conn) override;
  void OnMessage(Connection* conn, ServerMessage message) override;
  void OnClosed(Connection* conn, const Status& reason) override;

 private:
  int64_t NowMs() const;
  // Runs the clocks: request deadlines, local expiry, overdue links, connection attempts, pings.
  void Poll();
  void StartAttempt(int64_t now_ms);
  void OnConnectResponse(const ConnectResponse& response);
  void OnReply(ClientResponse response);
  void OnWatchEvent(const WatchEventMessage& event);
  // After a connect: credentials, set_watches, then the calls that waited.
  void SendPrelude();
  void SendUnsent();
  void Send(const ClientRequest& request);
  void ScheduleFlush();
  void FlushLink();
  // Closes the link (if any) and fails what was on it.
  void DropLink(const Status& reason);
  void LinkGone(const Status& reason);
  // The machine reached a final state: fail everything, drop watches and the link.
  void EndSession();
  Status FinalStatus() const;
  // Posts state changes and completed calls to the event thread, in order.
  void Deliver();
  void PublishState(const SessionEvent& event);
  void Reschedule();
  static void OnTimer(uv_timer_t* timer);
  static void OnCheck(uv_check_t* check);

  uv_loop_t* loop_;
  EngineOptions options_;
  EventThread* events_;
  StateCallback on_state_;
  SessionView* view_;
  SessionMachine machine_;
  WatchTable watches_;
  CallQueue calls_;
  Connection* link_ = nullptr;
  uv_timer_t timer_;
  uv_check_t flush_check_;  // flushes the link once per loop iteration
  bool flush_scheduled_ = false;
  std::vector<AddAuthRequest> auths_;  // accepted credentials, re-sent after a reconnect
  // The server's watch registrations match watches_ for every change up to this zxid; the
  // relative zxid of the next set_watches. It stops advancing while set_watches is in flight.
  Zxid watch_zxid_ = 0;
  size_t set_watches_pending_ = 0;
  bool closing_ = false;  // the application asked to close: later calls fail
  bool shut_down_ = false;
};

}  // namespace coord::client
