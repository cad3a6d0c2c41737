// RawConnection: a blocking TCP connection that speaks coord's framing directly, for tests that
// must send exactly the bytes they choose (malformed frames, protocol violations).
#pragma once

#include <optional>
#include <string>

#include "protocol/client.h"

namespace coord::testing {

class RawConnection {
 public:
  explicit RawConnection(int port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  // Sends raw bytes; false if the peer already closed.
  bool SendBytes(const std::string& bytes);
  bool Send(const ClientMessage& message);
  // The next server message within `timeout_ms`; nullopt on timeout, close or a bad frame.
  std::optional<ServerMessage> Read(int timeout_ms = 5000);
  // True if the server closes the connection within `timeout_ms` (anything it sends first is
  // read and dropped).
  bool WaitClosed(int timeout_ms = 5000);

  // A connect handshake for a new session; returns the response (nullopt if none came).
  std::optional<ConnectResponse> Handshake(int32_t timeout_ms = 10000);
  // Sends one request and reads messages until its response arrives (events are skipped).
  std::optional<ClientResponse> Call(int64_t id, ClientOp op, int timeout_ms = 5000);

 private:
  int fd_ = -1;
  std::string buffer_;
};

}  // namespace coord::testing
