#include "clients/connection.h"

#include <cstring>

#include "protocol/client_codec.h"

namespace coord::client {

// A name being resolved. Outlives a Connection closed meanwhile: libuv still calls back (with
// UV_ECANCELED), and only then is it freed.
struct Connection::Resolve {
  uv_getaddrinfo_t req;
  Connection* conn;
};

namespace {

std::string UvError(const char* what, int rc) { return std::string(what) + ": " + uv_strerror(rc); }

}  // namespace

struct Connection::WriteReq {
  uv_write_t req;
  std::string bytes;
  Connection* conn;
};

Connection::Connection(uv_loop_t* loop, Listener* listener, HostPort server, size_t max_frame_bytes)
    : loop_(loop), listener_(listener), server_(std::move(server)), parser_(max_frame_bytes) {
  uv_tcp_init(loop_, &tcp_);
  tcp_.data = this;
  connect_req_.data = this;
}

Result<Connection*> Connection::Open(uv_loop_t* loop, Listener* listener, const HostPort& server,
                                     size_t max_frame_bytes) {
  // No listener until Open returns: a failure now is returned, not reported.
  auto* conn = new Connection(loop, nullptr, server, max_frame_bytes);
  sockaddr_in v4;
  sockaddr_in6 v6;
  int rc = 0;
  if (uv_ip4_addr(server.host.c_str(), server.port, &v4) == 0) {
    rc = conn->Connect(reinterpret_cast<const sockaddr*>(&v4));
  } else if (uv_ip6_addr(server.host.c_str(), server.port, &v6) == 0) {
    rc = conn->Connect(reinterpret_cast<const sockaddr*>(&v6));
  } else {
    auto* resolve = new Resolve{{}, conn};
    resolve->req.data = resolve;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    std::string port = std::to_string(server.port);
    rc = uv_getaddrinfo(loop, &resolve->req, &Connection::OnResolved, server.host.c_str(),
                        port.c_str(), &hints);
    if (rc == 0) {
      conn->resolve_ = resolve;
    } else {
      delete resolve;
    }
  }
  if (rc != 0) {
    conn->Close();
    return Status(Code::kConnectionLoss, UvError(("connect " + server.ToString()).c_str(), rc));
  }
  conn->listener_ = listener;
  return conn;
}

void Connection::OnResolved(uv_getaddrinfo_t* req, int status, addrinfo* result) {
  auto* resolve = static_cast<Resolve*>(req->data);
  Connection* conn = resolve->conn;
  delete resolve;
  if (conn == nullptr) {  // closed meanwhile
    if (result != nullptr) uv_freeaddrinfo(result);
    return;
  }
  conn->resolve_ = nullptr;
  if (status != 0 || result == nullptr) {
    if (result != nullptr) uv_freeaddrinfo(result);
    conn->Fail(Status(Code::kConnectionLoss, UvError(("resolve " + conn->server_.host).c_str(),
                                                     status != 0 ? status : UV_EAI_NONAME)));
    return;
  }
  int rc = conn->Connect(result->ai_addr);
  uv_freeaddrinfo(result);
  if (rc != 0) {
    conn->Fail(Status(Code::kConnectionLoss,
                      UvError(("connect " + conn->server_.ToString()).c_str(), rc)));
  }
}

int Connection::Connect(const sockaddr* addr) {
  return uv_tcp_connect(&connect_req_, &tcp_, addr, &Connection::OnConnect);
}

void Connection::OnConnect(uv_connect_t* req, int status) {
  auto* self = static_cast<Connection*>(req->data);
  if (self->closing_) return;
  if (status < 0) {
    self->Fail(Status(Code::kConnectionLoss,
                      UvError(("connect " + self->server_.ToString()).c_str(), status)));
    return;
  }
  uv_tcp_nodelay(&self->tcp_, 1);
  int rc = uv_read_start(reinterpret_cast<uv_stream_t*>(&self->tcp_), &Connection::OnAlloc,
                         &Connection::OnRead);
  if (rc != 0) {
    self->Fail(Status(Code::kConnectionLoss, UvError("read", rc)));
    return;
  }
  self->listener_->OnConnected(self);
}

void Connection::OnAlloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
  auto* self = static_cast<Connection*>(handle->data);
  *buf = uv_buf_init(self->read_buffer_, sizeof(self->read_buffer_));
}

void Connection::OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* self = static_cast<Connection*>(stream->data);
  if (self->closing_) return;
  if (nread < 0) {
    self->Fail(Status(Code::kConnectionLoss, nread == UV_EOF
                                                 ? "the server closed the connection"
                                                 : UvError("read", static_cast<int>(nread))));
    return;
  }
  if (nread > 0) self->HandleBytes(buf->base, static_cast<size_t>(nread));
}

void Connection::HandleBytes(const char* data, size_t size) {
  parser_.Feed(std::string_view(data, size));
  while (!closing_) {
    Result<std::optional<std::string>> frame = parser_.Next();
    if (!frame.ok()) {
      Fail(Status(Code::kMarshallingError,
                  "bad frame from the server: " + frame.status().ToString()));
      return;
    }
    if (!frame->has_value()) return;
    Result<ServerMessage> message = DecodeServerMessage(**frame);
    if (!message.ok()) {
      Fail(Status(Code::kMarshallingError,
                  "undecodable message from the server: " + message.status().ToString()));
      return;
    }
    listener_->OnMessage(this, std::move(message).value());
  }
}

void Connection::Send(const ClientMessage& message) {
  if (closing_) return;
  AppendFrame(&out_, EncodeClientMessage(message));
}

Status Connection::Flush() {
  if (closing_ || out_.empty()) return Status::Ok();
  auto* w = new WriteReq;
  w->bytes.swap(out_);
  w->req.data = w;
  w->conn = this;
  uv_buf_t buf = uv_buf_init(w->bytes.data(), static_cast<unsigned>(w->bytes.size()));
  int rc = uv_write(&w->req, reinterpret_cast<uv_stream_t*>(&tcp_), &buf, 1, &Connection::OnWrite);
  if (rc != 0) {
    delete w;
    return Status(Code::kConnectionLoss, UvError("write", rc));
  }
  return Status::Ok();
}

void Connection::OnWrite(uv_write_t* req, int status) {
  auto* w = static_cast<WriteReq*>(req->data);
  Connection* self = w->conn;
  delete w;
  if (status < 0 && !self->closing_)
    self->Fail(Status(Code::kConnectionLoss, UvError("write", status)));
}

void Connection::Fail(const Status& reason) {
  Listener* listener = listener_;
  Close();
  if (listener != nullptr) listener->OnClosed(this, reason);
}

void Connection::Close() {
  if (closing_) return;
  closing_ = true;
  listener_ = nullptr;
  if (resolve_ != nullptr) {
    resolve_->conn = nullptr;
    uv_cancel(reinterpret_cast<uv_req_t*>(&resolve_->req));
    resolve_ = nullptr;
  }
  // Pending connect and write requests complete (UV_ECANCELED) before the close callback.
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), &Connection::OnHandleClosed);
}

void Connection::OnHandleClosed(uv_handle_t* handle) {
  delete static_cast<Connection*>(handle->data);
}

}  // namespace coord::client
