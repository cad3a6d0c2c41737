#include "clients/session_view.h"

#include <chrono>

namespace coord::client {

void SessionView::Set(Snapshot snapshot) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    snapshot_ = std::move(snapshot);
  }
  cv_.notify_all();
}

SessionView::Snapshot SessionView::Get() const {
  std::lock_guard<std::mutex> lock(mu_);
  return snapshot_;
}

Status SessionView::WaitConnected(int64_t timeout_ms) const {
  std::unique_lock<std::mutex> lock(mu_);
  bool done = cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [this] {
    return snapshot_.state == SessionState::kConnected || IsFinal(snapshot_.state);
  });
  if (!done) {
    return Status(Code::kOperationTimeout, "not connected within " + std::to_string(timeout_ms) +
                                               " ms (state " + SessionStateName(snapshot_.state) +
                                               ")");
  }
  if (snapshot_.state == SessionState::kConnected) return Status::Ok();
  if (!snapshot_.reason.ok()) return snapshot_.reason;
  return Status(Code::kConnectionLoss,
                std::string("the session is ") + SessionStateName(snapshot_.state));
}

}  // namespace coord::client
