// Client: construction, destruction and the session accessors. The operations are in
// client_async.cc (the asynchronous API) and client_blocking.cc (the blocking API over it).
#include <random>

#include "clients/client_impl.h"
#include "clients/connect_string.h"

namespace coord {

const char* SessionStateName(SessionState state) {
  switch (state) {
    case SessionState::kConnecting:
      return "connecting";
    case SessionState::kConnected:
      return "connected";
    case SessionState::kSuspended:
      return "suspended";
    case SessionState::kExpired:
      return "expired";
    case SessionState::kClosed:
      return "closed";
    case SessionState::kAuthFailed:
      return "auth_failed";
  }
  return "unknown";
}

void Client::Impl::Submit(client::Call call, std::optional<Status> failed) {
  std::function<void(ClientResponse)> done = call.done;
  bool posted = loop.Post([this, call = std::move(call), failed]() mutable {
    engine->Submit(std::move(call), std::move(failed));
  });
  if (!posted) {
    events.Post([done = std::move(done)] {
      ClientResponse r;
      r.code = Code::kConnectionLoss;
      r.message = "the client is shutting down";
      done(std::move(r));
    });
  }
}

Watcher Client::Impl::WrapWatcher(Watcher watcher) const {
  if (!watcher) return {};
  return [watcher = std::move(watcher), chroot = &chroot](const WatchEvent& event) {
    WatchEvent local = event;
    local.path = chroot->ToClient(event.path);
    watcher(local);
  };
}

Result<std::unique_ptr<Client>> Client::Open(ClientOptions options) {
  COORD_ASSIGN_OR_RETURN(client::ConnectString cs,
                         client::ParseConnectString(options.connect_string));
  if (options.session_timeout_ms <= 0) {
    return Status(Code::kBadArguments, "session_timeout_ms must be positive");
  }
  if (options.request_timeout_ms < 0 || options.max_pending_calls == 0 ||
      options.max_frame_bytes < 1024 || options.min_backoff_ms <= 0 ||
      options.max_backoff_ms < options.min_backoff_ms) {
    return Status(Code::kBadArguments,
                  "bad client options (request_timeout_ms >= 0, max_pending_calls > 0, "
                  "max_frame_bytes >= 1024, 0 < min_backoff_ms <= max_backoff_ms)");
  }
  if (options.request_timeout_ms == 0) options.request_timeout_ms = options.session_timeout_ms;
  if (options.seed == 0)
    options.seed = (uint64_t{std::random_device{}()} << 32) | std::random_device{}();

  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->chroot = client::Chroot(cs.chroot);
  // Every call completes by itself (reply, connection loss, request timeout); this only guards
  // against a bug leaving a blocked thread forever.
  impl->blocking_limit_ms = std::max<int64_t>(
      60000, options.request_timeout_ms + 3 * int64_t{options.session_timeout_ms});

  client::EngineOptions engine;
  engine.servers = cs.servers;
  engine.machine.server_count = cs.servers.size();
  engine.machine.session_timeout_ms = options.session_timeout_ms;
  engine.machine.expire_when_disconnected = options.expire_when_disconnected;
  engine.machine.session_id = options.session_id;
  engine.machine.password = options.session_password;
  engine.machine.seed = options.seed;
  engine.machine.min_backoff_ms = options.min_backoff_ms;
  engine.machine.max_backoff_ms = options.max_backoff_ms;
  engine.request_timeout_ms = options.request_timeout_ms;
  engine.max_pending_calls = options.max_pending_calls;
  engine.max_frame_bytes = options.max_frame_bytes;

  Impl* raw = impl.get();
  raw->loop.Start([raw, engine = std::move(engine)](uv_loop_t* loop) mutable {
    raw->engine = std::make_unique<client::Engine>(
        loop, std::move(engine), &raw->events,
        [raw](const SessionEvent& event) { raw->NotifyState(event); }, &raw->view);
    raw->engine->Start();
  });
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

void Client::Impl::NotifyState(const SessionEvent& event) {
  if (options.on_state) options.on_state(event);
  std::vector<StateCallback> copy;
  {
    std::lock_guard<std::mutex> lock(listeners_mu);
    for (const auto& [id, cb] : listeners) copy.push_back(cb);
  }
  for (const StateCallback& cb : copy) cb(event);
}

uint64_t Client::AddStateListener(StateCallback listener) {
  std::lock_guard<std::mutex> lock(impl_->listeners_mu);
  const uint64_t id = impl_->next_listener++;
  impl_->listeners.emplace(id, std::move(listener));
  return id;
}

void Client::RemoveStateListener(uint64_t id) {
  std::lock_guard<std::mutex> lock(impl_->listeners_mu);
  impl_->listeners.erase(id);
}

Client::~Client() {
  CHECK(!impl_->events.OnThread()) << "a Client cannot be destroyed from its own callback";
  // A connected session is closed (its ephemerals go at once); one that is not connected is
  // abandoned rather than waited for, and the servers expire it after its timeout.
  if (state() == SessionState::kConnected) Close().IgnoreError();
  impl_->loop.Stop([impl = impl_.get()] { impl->engine->Shutdown(); });
  impl_->events.Stop();
}

Status Client::WaitConnected(int64_t timeout_ms) { return impl_->view.WaitConnected(timeout_ms); }
SessionState Client::state() const { return impl_->view.Get().state; }
SessionId Client::session_id() const { return impl_->view.Get().session_id; }
std::string Client::session_password() const { return impl_->view.Get().password; }
int32_t Client::negotiated_session_timeout_ms() const { return impl_->view.Get().timeout_ms; }
bool Client::OnEventThread() const { return impl_->events.OnThread(); }

}  // namespace coord
