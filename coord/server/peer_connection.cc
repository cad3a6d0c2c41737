#include "coord/server/peer_connection.h"

#include "coord/server/peer_transport.h"

namespace coord::server {
namespace {

std::string RemoteOf(uv_tcp_t* tcp) {
  sockaddr_storage addr{};
  int len = sizeof(addr);
  if (uv_tcp_getpeername(tcp, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return "?";
  char ip[64] = {};
  int port = 0;
  if (addr.ss_family == AF_INET) {
    auto* in = reinterpret_cast<sockaddr_in*>(&addr);
    uv_ip4_name(in, ip, sizeof(ip));
    port = ntohs(in->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&addr);
    uv_ip6_name(in6, ip, sizeof(ip));
    port = ntohs(in6->sin6_port);
  }
  return std::string(ip) + ":" + std::to_string(port);
}

struct WriteReq {
  uv_write_t req;
  std::string bytes;
  PeerConnection* conn;
};

}  // namespace

PeerConnection::PeerConnection(PeerTransport* transport, uint64_t id, peer::MemberId expected_peer,
                               size_t max_frame_bytes, uint64_t created_ms)
    : transport_(transport),
      id_(id),
      expected_peer_(expected_peer),
      created_ms_(created_ms),
      parser_(max_frame_bytes) {
  tcp_.data = this;
  connect_req_.data = this;
}

int PeerConnection::Connect(const sockaddr* addr) {
  return uv_tcp_connect(&connect_req_, &tcp_, addr, &PeerConnection::OnConnect);
}

void PeerConnection::OnConnect(uv_connect_t* req, int status) {
  auto* self = static_cast<PeerConnection*>(req->data);
  if (self->closing_) return;  // closed while connecting: status is UV_ECANCELED
  if (status < 0) {
    self->Close(std::string("connect failed: ") + uv_strerror(status));
    return;
  }
  self->Start();
  self->transport_->OnConnected(self);
}

void PeerConnection::Start() {
  remote_ = RemoteOf(&tcp_);
  uv_tcp_nodelay(&tcp_, 1);
  uv_tcp_keepalive(&tcp_, 1, 30);
  int rc = uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), &PeerConnection::OnAlloc,
                         &PeerConnection::OnRead);
  if (rc != 0) Close(std::string("read start failed: ") + uv_strerror(rc));
}

void PeerConnection::OnAlloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
  auto* self = static_cast<PeerConnection*>(handle->data);
  *buf = uv_buf_init(self->read_buffer_, sizeof(self->read_buffer_));
}

void PeerConnection::OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* self = static_cast<PeerConnection*>(stream->data);
  if (nread < 0) {
    self->Close(nread == UV_EOF
                    ? "peer closed"
                    : std::string("read error: ") + uv_strerror(static_cast<int>(nread)));
    return;
  }
  self->parser_.Feed(std::string_view(buf->base, static_cast<size_t>(nread)));
  while (!self->closing_) {
    Result<std::optional<std::string>> frame = self->parser_.Next();
    if (!frame.ok()) {
      self->transport_->OnMalformed(self, "bad frame: " + frame.status().ToString());
      return;
    }
    if (!frame->has_value()) break;
    self->transport_->OnFrame(self, **frame);
  }
  self->transport_->OnReadDone();
}

void PeerConnection::Write(std::string frame) {
  if (closing_) return;
  unsent_bytes_ += frame.size();
  if (pending_.empty()) {
    pending_ = std::move(frame);
    transport_->MarkDirty(this);
  } else {
    pending_ += frame;
  }
  if (pending_.size() >= kFlushBytes) Flush();
}

void PeerConnection::Flush() {
  if (closing_ || pending_.empty()) return;
  auto* w = new WriteReq;
  w->bytes = std::move(pending_);
  pending_.clear();
  w->conn = this;
  w->req.data = w;
  transport_->CountWrite();
  uv_buf_t buf = uv_buf_init(w->bytes.data(), static_cast<unsigned>(w->bytes.size()));
  int rc = uv_write(&w->req, reinterpret_cast<uv_stream_t*>(&tcp_), &buf, 1,
                    [](uv_write_t* req, int status) {
                      auto* w = static_cast<WriteReq*>(req->data);
                      PeerConnection* conn = w->conn;
                      conn->unsent_bytes_ -= w->bytes.size();
                      delete w;
                      if (status < 0 && !conn->closing_) {
                        conn->Close(std::string("write error: ") + uv_strerror(status));
                      }
                    });
  if (rc != 0) {
    unsent_bytes_ -= w->bytes.size();
    delete w;
    Close(std::string("write error: ") + uv_strerror(rc));
  }
}

void PeerConnection::Close(const std::string& reason) {
  if (closing_) return;
  closing_ = true;
  transport_->OnClosing(this, reason);
  // Pending writes and a pending connect complete (UV_ECANCELED) before the close callback.
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), &PeerConnection::OnClosed);
}

void PeerConnection::OnClosed(uv_handle_t* handle) {
  auto* self = static_cast<PeerConnection*>(handle->data);
  self->transport_->OnFreed(self);
  delete self;
}

}  // namespace coord::server
