// Connection: one client's TCP connection — bytes in, bytes out, limits on both.
//
// Its Wire (wire.h: coord's native protocol or ZooKeeper's) cuts the bytes into messages as they
// arrive, and the Connection hands each to its Server. A malformed packet closes this connection
// with a logged reason and affects nothing else. Output is bounded: a client that stops reading
// is disconnected once max_output_bytes are queued for it.
//
// Threading: loop thread only. Ownership: the Server creates it; it deletes itself in the close
// callback of its uv_tcp_t (libuv's rule: memory is freed only once the handle is closed).
#pragma once

#include <uv.h>

#include <deque>
#include <memory>
#include <string>

#include "coord/base/types.h"
#include "coord/server/counters.h"
#include "coord/server/wire.h"
#include "protocol/client.h"

namespace coord::server {

class Server;

class Connection final : private Wire::Sink {
 public:
  // `totals` (the server's) counts this connection's packets and latencies too.
  Connection(Server* server, uint64_t id, std::unique_ptr<Wire> wire, uint64_t max_output_bytes,
             Counters* totals);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  uv_tcp_t* tcp() { return &tcp_; }
  uint64_t id() const { return id_; }
  const std::string& peer_ip() const { return peer_ip_; }
  std::string peer() const { return peer_ip_ + ":" + std::to_string(peer_port_); }

  // Starts reading; call once accepted.
  void Start();
  // Queues one encoded ServerMessage.
  void Send(const ServerMessage& message);
  // Sends what is queued (one uv_write per call), then delivers what the wire released.
  void Flush();
  // Closes the connection, logging `reason`. Graceful: queued replies are sent first (e.g. the
  // answer to close_session); otherwise (errors, a client that does not read) at once.
  // Idempotent.
  void Close(const std::string& reason, bool graceful = true);
  bool closing() const { return closing_; }

  void PauseReading();
  void ResumeReading();
  bool reading() const { return reading_; }

  SessionId session() const { return session_; }
  void set_session(SessionId session) { session_ = session; }
  bool connected() const { return connected_; }  // the connect handshake completed
  void set_connected() { connected_ = true; }
  uint64_t outstanding = 0;  // requests submitted and not yet answered
  int64_t accepted_ms = 0;   // when the connection was accepted (the connect deadline counts)
  const Counters& counters() const { return counters_; }
  const Wire& wire() const { return *wire_; }

 private:
  static void OnAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void OnWrite(uv_write_t* req, int status);
  static void OnClosed(uv_handle_t* handle);
  void HandleBytes(const char* data, size_t size);
  void WriteOut();
  int64_t LoopMs() const;

  // Wire::Sink
  bool Deliver(ClientMessage message) override;
  void Write(std::string_view bytes) override;
  void FourLetterWord(std::string_view word) override;

  Server* server_;
  uint64_t id_;
  uv_tcp_t tcp_;
  std::unique_ptr<Wire> wire_;
  uint64_t max_output_bytes_;
  Counters counters_;
  Counters* totals_;
  std::deque<int64_t> asked_ms_;  // when each unanswered request was handed to the server
  bool close_after_flush_ = false;
  std::string close_reason_;
  std::string pending_out_;       // bytes not yet handed to uv_write
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
