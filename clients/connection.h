// Connection: one TCP connection from the client to a server — name resolution, connect, frames
// out, frames in (protocol/frame.h, protocol/client_codec.h). It knows nothing of sessions.
//
// Threading: the client's I/O thread only (libuv is not thread-safe). Ownership: it owns itself.
// Open() creates it; after Close() (or a failure reported to the listener) it frees itself once
// libuv has closed its handle and finished its requests (libuv's rule: memory is freed in the close
// callback). The owner must drop its pointer when it calls Close() or hears OnClosed().
#pragma once

#include <uv.h>

#include <string>

#include "clients/connect_string.h"
#include "coord/base/status.h"
#include "protocol/client.h"
#include "protocol/frame.h"

namespace coord::client {

class Connection {
 public:
  class Listener {
   public:
    virtual ~Listener() = default;
    virtual void OnConnected(Connection* conn) = 0;
    virtual void OnMessage(Connection* conn, ServerMessage message) = 0;
    // The connection failed or the server closed it; called once, never after Close().
    virtual void OnClosed(Connection* conn, const Status& reason) = 0;
  };

  // Starts resolving and connecting. An error that shows at once (a bad address) is returned and
  // nothing is left behind; later ones reach the listener.
  static Result<Connection*> Open(uv_loop_t* loop, Listener* listener, const HostPort& server,
                                  size_t max_frame_bytes);

  // Queues a message; Flush() hands what is queued to the kernel (one write).
  void Send(const ClientMessage& message);
  // An error here is the caller's to handle (the listener is not called); Close() then.
  Status Flush();
  // Stops everything; the listener hears nothing more. Idempotent.
  void Close();

  const HostPort& server() const { return server_; }

 private:
  struct Resolve;
  struct WriteReq;
  Connection(uv_loop_t* loop, Listener* listener, HostPort server, size_t max_frame_bytes);
  ~Connection() = default;

  int Connect(const sockaddr* addr);  // a libuv error code
  // Closes and tells the listener why.
  void Fail(const Status& reason);
  void HandleBytes(const char* data, size_t size);
  static void OnResolved(uv_getaddrinfo_t* req, int status, addrinfo* result);
  static void OnConnect(uv_connect_t* req, int status);
  static void OnAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void OnWrite(uv_write_t* req, int status);
  static void OnHandleClosed(uv_handle_t* handle);

  uv_loop_t* loop_;
  Listener* listener_;
  HostPort server_;
  uv_tcp_t tcp_;
  uv_connect_t connect_req_;
  Resolve* resolve_ = nullptr;  // while a name is being resolved
  FrameParser parser_;
  std::string out_;  // frames not yet handed to uv_write
  bool closing_ = false;
  char read_buffer_[64 * 1024];
};

}  // namespace coord::client
