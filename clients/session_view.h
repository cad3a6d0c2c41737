// SessionView: what other threads may read of the session — state, id, password, negotiated
// timeout — and a way to wait for a connection. The I/O thread writes it on every state change.
//
// Threading: any thread; a mutex and a condition variable.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

#include "coord/client.h"

namespace coord::client {

class SessionView {
 public:
  struct Snapshot {
    SessionState state = SessionState::kConnecting;
    SessionId session_id = 0;
    std::string password;
    int32_t timeout_ms = 0;
    Status reason;  // of the last change
  };

  void Set(Snapshot snapshot);
  Snapshot Get() const;
  // Ok once connected; the reason of a final state; kOperationTimeout after `timeout_ms`.
  Status WaitConnected(int64_t timeout_ms) const;

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  Snapshot snapshot_;
};

}  // namespace coord::client
