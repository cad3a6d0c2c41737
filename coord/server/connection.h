// Connection: one client's TCP connection — framing in, frames out, limits on both.
//
// It parses frames (protocol/frame.h) as bytes arrive, decodes each (the codec verifies it) and
// hands the message to its Server. A malformed frame closes this connection with a logged reason
// and affects nothing else. Output is bounded: a client that stops reading is disconnected once
// max_output_bytes are queued for it.
//
// Threading: loop thread only. Ownership: the Server creates it; it deletes itself in the close
// callback of its uv_tcp_t (libuv's rule: memory is freed only once the handle is closed).
#pragma once

#include <uv.h>

#include <string>

#include "coord/base/types.h"
#include "protocol/client.h"
#include "protocol/frame.h"

namespace coord::server {

class Server;

class Connection {
 public:
  Connection(Server* server, uint64_t id, size_t max_frame_bytes, uint64_t max_output_bytes);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  uv_tcp_t* tcp() { return &tcp_; }
  uint64_t id() const { return id_; }
  const std::string& peer_ip() const { return peer_ip_; }
  std::string peer() const { return peer_ip_ + ":" + std::to_string(peer_port_); }

  // Starts reading; call once accepted.
  void Start();
  // Queues one encoded ServerMessage as a frame.
  void Send(const ServerMessage& message);
  // Sends what is queued (one uv_write per call).
  void Flush();
  // Closes the connection, logging `reason`. Graceful: queued replies are sent first (e.g. the
  // answer to close_session); otherwise (errors, a client that does not read) at once.
  // Idempotent.
  void Close(const std::string& reason, bool graceful = true);
  bool closing() const { return closing_; }

  void PauseReading();
  void ResumeReading();

  SessionId session() const { return session_; }
  void set_session(SessionId session) { session_ = session; }
  bool connected() const { return connected_; }  // the connect handshake completed
  void set_connected() { connected_ = true; }
  uint64_t outstanding = 0;  // requests submitted and not yet answered
  int64_t accepted_ms = 0;   // when the connection was accepted (the connect deadline counts)

 private:
  static void OnAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void OnWrite(uv_write_t* req, int status);
  static void OnClosed(uv_handle_t* handle);
  void HandleBytes(const char* data, size_t size);

  Server* server_;
  uint64_t id_;
  uv_tcp_t tcp_;
  FrameParser parser_;
  uint64_t max_output_bytes_;
  std::string pending_out_;       // frames not yet handed to uv_write
  uint64_t in_flight_bytes_ = 0;  // handed to uv_write, not yet completed
  std::string peer_ip_;
  int peer_port_ = 0;
  char read_buffer_[64 * 1024];
  SessionId session_ = 0;
  bool connected_ = false;
  bool reading_ = false;
  bool closing_ = false;
};

}  // namespace coord::server
