#include "clients/engine.h"

#include <chrono>
#include <limits>

#include "coord/base/logging.h"

namespace coord::client {
namespace {

// set_watches requests are split so that each stays far below any frame limit.
constexpr size_t kSetWatchesBytes = 128 * 1024;

ClientResponse ResponseOf(const Status& status) {
  ClientResponse r;
  r.code = status.code();
  r.message = status.message();
  return r;
}

}  // namespace

Engine::Engine(uv_loop_t* loop, EngineOptions options, EventThread* events, StateCallback on_state,
               SessionView* view)
    : loop_(loop),
      options_(std::move(options)),
      events_(events),
      on_state_(std::move(on_state)),
      view_(view),
      machine_(options_.machine, NowMs()) {
  uv_timer_init(loop_, &timer_);
  timer_.data = this;
  uv_check_init(loop_, &flush_check_);
  flush_check_.data = this;
}

int64_t Engine::NowMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void Engine::Start() { Poll(); }

// --- calls --------------------------------------------------------------------------------------

void Engine::Submit(Call call, std::optional<Status> failed) {
  // Closing a session that already ended (or is ending) is a no-op, in order.
  if (!failed && call.close && (closing_ || IsFinal(machine_.state()))) failed = Status::Ok();
  if (!failed && IsFinal(machine_.state())) failed = FinalStatus();
  if (!failed && closing_) failed = Status(Code::kConnectionLoss, "the client is closing");
  if (!failed && calls_.size() >= options_.max_pending_calls) {
    // Refused at once, outside the order: queueing the refusal would grow the queue.
    events_->Post([done = std::move(call.done), n = options_.max_pending_calls] {
      done(ResponseOf(Status(Code::kThrottled, "more than " + std::to_string(n) +
                                                   " calls pending (max_pending_calls)")));
    });
    return;
  }
  if (failed) {
    calls_.PushFailed(std::move(call), *failed);
    Deliver();
    return;
  }
  call.intent = IntentOf(call.op);
  if (const auto* auth = std::get_if<AddAuthRequest>(&call.op)) call.auth = *auth;
  if (call.close) {
    closing_ = true;
    if (machine_.session_id() == 0) {  // no session was ever opened: nothing to close remotely
      calls_.PushFailed(std::move(call), Status::Ok());
      Deliver();
      return;
    }
  }
  calls_.Push(std::move(call), NowMs() + options_.request_timeout_ms);
  if (machine_.link() == SessionMachine::Link::kOpen) SendUnsent();
  Reschedule();
}

void Engine::Send(const ClientRequest& request) { link_->Send(ClientMessage(request)); }

void Engine::SendUnsent() {
  if (!calls_.HasUnsent()) return;
  for (const ClientRequest& request : calls_.TakeUnsent()) Send(request);
  machine_.OnSent(NowMs());
  ScheduleFlush();
}

void Engine::SendPrelude() {
  for (const AddAuthRequest& auth : auths_) {
    Send(calls_.MakeInternal(CallQueue::Kind::kAuth, auth));
  }
  std::vector<SetWatchesRequest> sets = watches_.MakeSetWatches(watch_zxid_, kSetWatchesBytes);
  set_watches_pending_ = sets.size();
  for (SetWatchesRequest& set : sets) {
    Send(calls_.MakeInternal(CallQueue::Kind::kSetWatches, std::move(set)));
  }
  machine_.OnSent(NowMs());
  SendUnsent();
  ScheduleFlush();
}

void Engine::ScheduleFlush() {
  if (flush_scheduled_ || link_ == nullptr) return;
  flush_scheduled_ = true;
  uv_check_start(&flush_check_, &Engine::OnCheck);
}

void Engine::OnCheck(uv_check_t* check) {
  auto* self = static_cast<Engine*>(check->data);
  uv_check_stop(check);
  self->flush_scheduled_ = false;
  self->FlushLink();
  self->Deliver();
  self->Reschedule();
}

void Engine::FlushLink() {
  if (link_ == nullptr) return;
  Status status = link_->Flush();
  if (!status.ok()) DropLink(status);
}

// --- the link -----------------------------------------------------------------------------------

void Engine::StartAttempt(int64_t now_ms) {
  std::optional<size_t> server = machine_.StartAttempt(now_ms);
  if (!server) return;
  const HostPort& address = options_.servers[*server];
  LOG_DEBUG << "client: connecting to " << address.ToString();
  Result<Connection*> conn = Connection::Open(loop_, this, address, options_.max_frame_bytes);
  if (!conn.ok()) {
    machine_.OnLinkDown(conn.status(), now_ms);
    return;
  }
  link_ = *conn;
}

void Engine::OnConnected(Connection* conn) {
  if (conn != link_) return;
  link_->Send(ClientMessage(machine_.MakeConnectRequest()));
  machine_.OnSent(NowMs());
  FlushLink();
  Reschedule();
}

void Engine::OnMessage(Connection* conn, ServerMessage message) {
  if (conn != link_) return;
  if (machine_.link() == SessionMachine::Link::kConnecting) {
    if (const auto* connect = std::get_if<ConnectResponse>(&message)) {
      OnConnectResponse(*connect);
    } else {
      DropLink(Status(Code::kMarshallingError, "the server answered before the handshake"));
    }
  } else if (std::holds_alternative<ConnectResponse>(message)) {
    DropLink(Status(Code::kMarshallingError, "a second connect reply"));
  } else if (auto* response = std::get_if<ClientResponse>(&message)) {
    machine_.OnReceived(response->zxid, NowMs());
    OnReply(std::move(*response));
  } else {
    const auto& event = std::get<WatchEventMessage>(message);
    machine_.OnReceived(event.zxid, NowMs());
    OnWatchEvent(event);
  }
  if (link_ != nullptr && set_watches_pending_ == 0) watch_zxid_ = machine_.last_zxid_seen();
  Deliver();
  Reschedule();
}

void Engine::OnConnectResponse(const ConnectResponse& response) {
  switch (machine_.OnConnectResponse(response, NowMs())) {
    case SessionMachine::ConnectOutcome::kConnected:
      LOG_DEBUG << "client: session 0x" << std::hex << machine_.session_id() << std::dec
                << " connected to " << link_->server().ToString();
      SendPrelude();
      return;
    case SessionMachine::ConnectOutcome::kTryNext:
      DropLink(Status(response.code == Code::kOk ? Code::kMarshallingError : response.code,
                      link_->server().ToString() + " refused the connect: " + response.message));
      return;
    case SessionMachine::ConnectOutcome::kSessionEnded:
      EndSession();
      return;
  }
}

void Engine::OnReply(ClientResponse response) {
  Result<CallQueue::Replied> replied = calls_.OnReply(std::move(response));
  if (!replied.ok()) {
    DropLink(replied.status());
    return;
  }
  const ClientResponse& r = *replied->response;
  switch (replied->kind) {
    case CallQueue::Kind::kCall: {
      Call& call = *replied->call;
      ApplyIntent(call.intent, r.code, std::move(call.watcher), &watches_);
      if (call.auth && r.code == Code::kOk) {
        bool known = false;
        for (const AddAuthRequest& a : auths_) known = known || a == *call.auth;
        if (!known) auths_.push_back(*call.auth);
      }
      return;
    }
    case CallQueue::Kind::kPing:
      return;
    case CallQueue::Kind::kAuth:
      if (r.code != Code::kOk) {
        LOG_WARN << "client: re-sending credentials failed: " << CodeName(r.code) << ": "
                 << r.message;
      }
      return;
    case CallQueue::Kind::kSetWatches:
      if (r.code != Code::kOk) {
        LOG_WARN << "client: re-registering watches failed: " << CodeName(r.code) << ": "
                 << r.message;
      }
      if (set_watches_pending_ > 0) --set_watches_pending_;
      return;
  }
}

void Engine::OnWatchEvent(const WatchEventMessage& event) {
  for (Watcher& watcher : watches_.Trigger(event.type, event.path)) {
    WatchEvent e{event.type, event.path, event.zxid};
    events_->Post([watcher = std::move(watcher), e = std::move(e)] { watcher(e); });
  }
}

void Engine::OnClosed(Connection* conn, const Status& reason) {
  if (conn != link_) return;
  link_ = nullptr;
  LinkGone(reason);
  Deliver();
  Reschedule();
}

void Engine::DropLink(const Status& reason) {
  if (link_ == nullptr) return;
  Connection* conn = link_;
  link_ = nullptr;
  conn->Close();
  LinkGone(reason);
}

void Engine::LinkGone(const Status& reason) {
  LOG_DEBUG << "client: link down: " << reason.ToString();
  calls_.OnLinkDown(Status(
      Code::kConnectionLoss,
      "connection lost (" + reason.ToString() + "); the request may or may not have been applied"));
  set_watches_pending_ = 0;
  machine_.OnLinkDown(reason, NowMs());
}

// --- session end --------------------------------------------------------------------------------

Status Engine::FinalStatus() const {
  switch (machine_.state()) {
    case SessionState::kExpired:
      return Status(Code::kSessionExpired, "the session expired");
    case SessionState::kAuthFailed:
      return Status(Code::kAuthFailed, "the session was refused (auth_failed)");
    default:
      return Status(Code::kConnectionLoss, "the client is closed");
  }
}

void Engine::EndSession() {
  CHECK(IsFinal(machine_.state()));
  const Status status = FinalStatus();
  if (link_ != nullptr) {
    Connection* conn = link_;
    link_ = nullptr;
    conn->Close();
  }
  machine_.OnLinkDown(status, NowMs());
  calls_.FailAll(status);
  watches_.Clear();
  auths_.clear();
  set_watches_pending_ = 0;
}

void Engine::Shutdown() {
  shut_down_ = true;
  machine_.Close(Status(Code::kConnectionLoss, "the client was destroyed"));
  EndSession();
  Deliver();
  uv_timer_stop(&timer_);
  uv_check_stop(&flush_check_);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&flush_check_), nullptr);
}

// --- delivery and clocks ------------------------------------------------------------------------

void Engine::PublishState(const SessionEvent& event) {
  view_->Set(SessionView::Snapshot{event.state, machine_.session_id(), machine_.password(),
                                   machine_.negotiated_timeout_ms(), event.reason});
  if (on_state_) {
    events_->Post([cb = on_state_, event] { cb(event); });
  }
}

void Engine::Deliver() {
  // Bounded: each round either ends or completes a close call, which happens once.
  for (int round = 0; round < 4; ++round) {
    for (SessionEvent& event : machine_.TakeEvents()) {
      if (event.state == SessionState::kConnected && event.resumed) {
        event.events_may_be_missed = watches_.HasPersistent();
      }
      PublishState(event);
    }
    bool closed_now = false;
    for (CallQueue::Completed& done : calls_.TakeCompleted()) {
      if (done.call.close && !IsFinal(machine_.state())) {
        machine_.Close(Status::Ok());
        closed_now = true;
        for (SessionEvent& event : machine_.TakeEvents()) PublishState(event);
      }
      events_->Post([fn = std::move(done.call.done), r = std::move(done.response)]() mutable {
        fn(std::move(r));
      });
    }
    if (!closed_now) return;
    EndSession();
  }
}

void Engine::Poll() {
  if (shut_down_) return;
  const int64_t now = NowMs();
  if (!IsFinal(machine_.state())) {
    calls_.ExpireUnsent(
        now, Status(Code::kOperationTimeout, "no connection within request_timeout_ms (" +
                                                 std::to_string(options_.request_timeout_ms) +
                                                 " ms); the request was not sent"));
    if (machine_.CheckLocalExpiry(now)) {
      EndSession();
    } else {
      if (std::optional<Status> overdue = machine_.LinkOverdue(now)) DropLink(*overdue);
      if (machine_.link() == SessionMachine::Link::kIdle) {
        StartAttempt(now);
      } else if (machine_.PingDue(now)) {
        Send(calls_.MakeInternal(CallQueue::Kind::kPing, PingRequest{}));
        machine_.OnSent(now);
        FlushLink();
      }
    }
  }
  Deliver();
  Reschedule();
}

void Engine::OnTimer(uv_timer_t* timer) { static_cast<Engine*>(timer->data)->Poll(); }

void Engine::Reschedule() {
  if (shut_down_) return;
  const int64_t now = NowMs();
  int64_t next = machine_.NextDeadline(now);
  if (std::optional<int64_t> deadline = calls_.NextDeadline()) next = std::min(next, *deadline);
  if (next == std::numeric_limits<int64_t>::max()) {
    uv_timer_stop(&timer_);
    return;
  }
  uv_update_time(loop_);
  uv_timer_start(&timer_, &Engine::OnTimer, static_cast<uint64_t>(std::max<int64_t>(0, next - now)),
                 0);
}

}  // namespace coord::client
