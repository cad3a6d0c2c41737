#include "clients/session_machine.h"

#include <algorithm>
#include <limits>

namespace coord::client {
namespace {

constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
// A connection attempt gets at least this long, however many servers share the timeout.
constexpr int64_t kMinAttemptMs = 50;

}  // namespace

SessionMachine::SessionMachine(SessionMachineOptions options, int64_t now_ms)
    : options_(std::move(options)), prng_(options_.seed) {
  CHECK_GT(options_.server_count, 0u);
  CHECK_GT(options_.session_timeout_ms, 0);
  order_.resize(options_.server_count);
  for (size_t i = 0; i < order_.size(); ++i) order_[i] = i;
  for (size_t i = order_.size(); i > 1; --i) std::swap(order_[i - 1], order_[prng_.Uniform(i)]);
  session_id_ = options_.session_id;
  password_ = options_.password;
  last_heard_ms_ = last_sent_ms_ = next_attempt_ms_ = now_ms;
}

int32_t SessionMachine::timeout_ms() const {
  return negotiated_timeout_ms_ > 0 ? negotiated_timeout_ms_ : options_.session_timeout_ms;
}

int64_t SessionMachine::AttemptTimeoutMs() const {
  return std::max<int64_t>(kMinAttemptMs,
                           timeout_ms() / static_cast<int64_t>(options_.server_count));
}

bool SessionMachine::CanExpireLocally() const {
  return options_.expire_when_disconnected && session_id_ != 0 &&
         (state_ == SessionState::kSuspended || state_ == SessionState::kConnecting);
}

void SessionMachine::Enter(SessionState state, const Status& reason, bool resumed) {
  state_ = state;
  SessionEvent event;
  event.state = state;
  event.session_id = session_id_;
  event.resumed = resumed;
  event.reason = reason;
  events_.push_back(std::move(event));
}

std::vector<SessionEvent> SessionMachine::TakeEvents() {
  std::vector<SessionEvent> out;
  out.swap(events_);
  return out;
}

// --- the link -----------------------------------------------------------------------------------

std::optional<size_t> SessionMachine::StartAttempt(int64_t now_ms) {
  if (link_ != Link::kIdle || IsFinal(state_) || now_ms < next_attempt_ms_) return std::nullopt;
  size_t server = order_[cursor_];
  cursor_ = (cursor_ + 1) % order_.size();
  link_ = Link::kConnecting;
  attempt_started_ms_ = now_ms;
  return server;
}

ConnectRequest SessionMachine::MakeConnectRequest() const {
  ConnectRequest request;
  request.session_id = session_id_;
  request.password = password_;
  request.timeout_ms = timeout_ms();
  request.last_zxid_seen = last_zxid_seen_;
  return request;
}

SessionMachine::ConnectOutcome SessionMachine::OnConnectResponse(const ConnectResponse& response,
                                                                 int64_t now_ms) {
  CHECK(link_ == Link::kConnecting) << "a connect reply without an attempt";
  if (response.code == Code::kSessionExpired || response.code == Code::kAuthFailed) {
    if (session_id_ != 0) {
      link_ = Link::kIdle;
      Enter(response.code == Code::kSessionExpired ? SessionState::kExpired
                                                   : SessionState::kAuthFailed,
            Status(response.code, response.message));
      return ConnectOutcome::kSessionEnded;
    }
  }
  const bool resuming = session_id_ != 0;
  if (response.code != Code::kOk || response.timeout_ms <= 0 || response.session_id == 0 ||
      (resuming && response.session_id != session_id_)) {
    return ConnectOutcome::kTryNext;  // the caller drops the link, which counts as a failure
  }
  const bool resumed = resuming;
  session_id_ = response.session_id;
  password_ = response.password;
  negotiated_timeout_ms_ = response.timeout_ms;
  link_ = Link::kOpen;
  last_heard_ms_ = last_sent_ms_ = now_ms;
  failures_in_round_ = 0;
  backoff_ms_ = 0;
  Enter(SessionState::kConnected, Status::Ok(), resumed);
  return ConnectOutcome::kConnected;
}

int64_t SessionMachine::NextBackoffMs() {
  backoff_ms_ = backoff_ms_ == 0 ? options_.min_backoff_ms
                                 : std::min(backoff_ms_ * 2, options_.max_backoff_ms);
  const int64_t half = backoff_ms_ / 2;
  return half + prng_.Range(0, backoff_ms_ - half);
}

void SessionMachine::OnLinkDown(const Status& reason, int64_t now_ms) {
  const Link was = link_;
  link_ = Link::kIdle;
  if (was == Link::kIdle) return;
  if (was == Link::kOpen) {
    // A working link broke: try the next server at once.
    failures_in_round_ = 0;
    next_attempt_ms_ = now_ms;
    if (state_ == SessionState::kConnected) Enter(SessionState::kSuspended, reason);
    return;
  }
  if (++failures_in_round_ >= order_.size()) {
    failures_in_round_ = 0;
    next_attempt_ms_ = now_ms + NextBackoffMs();
  } else {
    next_attempt_ms_ = now_ms;
  }
}

void SessionMachine::OnReceived(Zxid zxid, int64_t now_ms) {
  last_heard_ms_ = now_ms;
  last_zxid_seen_ = std::max(last_zxid_seen_, zxid);
}

// --- clocks -------------------------------------------------------------------------------------

bool SessionMachine::PingDue(int64_t now_ms) const {
  return link_ == Link::kOpen && state_ == SessionState::kConnected &&
         now_ms - last_sent_ms_ >= timeout_ms() / 3;
}

std::optional<Status> SessionMachine::LinkOverdue(int64_t now_ms) const {
  if (link_ == Link::kConnecting && now_ms - attempt_started_ms_ >= AttemptTimeoutMs()) {
    return Status(Code::kConnectionLoss,
                  "no connect reply within " + std::to_string(AttemptTimeoutMs()) + " ms");
  }
  const int64_t read_timeout = 2 * static_cast<int64_t>(timeout_ms()) / 3;
  if (link_ == Link::kOpen && now_ms - last_heard_ms_ >= read_timeout) {
    return Status(Code::kConnectionLoss,
                  "nothing heard from the server for " + std::to_string(now_ms - last_heard_ms_) +
                      " ms (read timeout " + std::to_string(read_timeout) + " ms)");
  }
  return std::nullopt;
}

bool SessionMachine::CheckLocalExpiry(int64_t now_ms) {
  if (!CanExpireLocally() || now_ms - last_heard_ms_ < timeout_ms()) return false;
  Enter(SessionState::kExpired,
        Status(Code::kSessionExpired,
               "no server heard from for " + std::to_string(now_ms - last_heard_ms_) +
                   " ms (session timeout " + std::to_string(timeout_ms()) + " ms)"));
  return true;
}

int64_t SessionMachine::NextDeadline(int64_t now_ms) const {
  if (IsFinal(state_)) return kNever;
  int64_t next = kNever;
  switch (link_) {
    case Link::kIdle:
      next = std::max(now_ms, next_attempt_ms_);
      break;
    case Link::kConnecting:
      next = attempt_started_ms_ + AttemptTimeoutMs();
      break;
    case Link::kOpen:
      next = std::min(last_sent_ms_ + timeout_ms() / 3,
                      last_heard_ms_ + 2 * static_cast<int64_t>(timeout_ms()) / 3);
      break;
  }
  if (CanExpireLocally()) next = std::min(next, last_heard_ms_ + timeout_ms());
  return next;
}

void SessionMachine::Close(const Status& reason) {
  if (IsFinal(state_)) return;
  link_ = Link::kIdle;
  Enter(SessionState::kClosed, reason);
}

}  // namespace coord::client
