#include "coord/server/connection.h"

#include "coord/base/logging.h"
#include "coord/server/server.h"

namespace coord::server {

Connection::Connection(Server* server, uint64_t id, std::unique_ptr<Wire> wire,
                       uint64_t max_output_bytes, Counters* totals)
    : server_(server),
      id_(id),
      wire_(std::move(wire)),
      max_output_bytes_(max_output_bytes),
      totals_(totals) {
  tcp_.data = this;
}

int64_t Connection::LoopMs() const { return static_cast<int64_t>(uv_now(tcp_.loop)); }

void Connection::Start() {
  sockaddr_storage addr{};
  int len = sizeof(addr);
  if (uv_tcp_getpeername(&tcp_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    char ip[64] = {};
    if (addr.ss_family == AF_INET) {
      auto* in = reinterpret_cast<sockaddr_in*>(&addr);
      uv_ip4_name(in, ip, sizeof(ip));
      peer_port_ = ntohs(in->sin_port);
    } else if (addr.ss_family == AF_INET6) {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(&addr);
      uv_ip6_name(in6, ip, sizeof(ip));
      peer_port_ = ntohs(in6->sin6_port);
    }
    peer_ip_ = ip;
  }
  uv_tcp_nodelay(&tcp_, 1);
  uv_tcp_keepalive(&tcp_, 1, 30);
  ResumeReading();
}

void Connection::PauseReading() {
  if (!reading_ || closing_) return;
  uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp_));
  reading_ = false;
}

void Connection::ResumeReading() {
  if (reading_ || closing_) return;
  if (uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), &Connection::OnAlloc,
                    &Connection::OnRead) == 0) {
    reading_ = true;
  }
}

void Connection::OnAlloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
  auto* self = static_cast<Connection*>(handle->data);
  *buf = uv_buf_init(self->read_buffer_, sizeof(self->read_buffer_));
}

void Connection::OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* self = static_cast<Connection*>(stream->data);
  if (nread < 0) {
    self->Close(nread == UV_EOF
                    ? "peer closed"
                    : std::string("read error: ") + uv_strerror(static_cast<int>(nread)),
                /*graceful=*/false);
    return;
  }
  if (nread > 0) self->HandleBytes(buf->base, static_cast<size_t>(nread));
  self->server_->Pump();
}

void Connection::HandleBytes(const char* data, size_t size) {
  Status s = wire_->Feed(std::string_view(data, size), *this);
  if (!s.ok()) Close(s.message(), /*graceful=*/false);
}

bool Connection::Deliver(ClientMessage message) {
  if (closing_) return false;
  ++counters_.packets_received;
  ++totals_->packets_received;
  if (std::holds_alternative<ClientRequest>(message)) asked_ms_.push_back(LoopMs());
  server_->OnMessage(this, std::move(message));
  return !closing_;
}

void Connection::Write(std::string_view bytes) {
  if (closing_) return;
  ++counters_.packets_sent;
  ++totals_->packets_sent;
  pending_out_.append(bytes);
  WriteOut();
}

void Connection::FourLetterWord(std::string_view word) {
  pending_out_ += server_->FourLetterWord(this, word);
  Close("four-letter word " + std::string(word));
}

void Connection::Send(const ServerMessage& message) {
  if (closing_) return;
  if (std::holds_alternative<ClientResponse>(message) && !asked_ms_.empty()) {
    const int64_t latency = LoopMs() - asked_ms_.front();
    asked_ms_.pop_front();
    counters_.Answered(latency);
    totals_->Answered(latency);
  }
  ++counters_.packets_sent;
  ++totals_->packets_sent;
  if (!wire_->Encode(message, &pending_out_)) {
    close_after_flush_ = true;
    close_reason_ = "closed after the reply to a failed auth";
  }
}

void Connection::Flush() {
  if (closing_) return;
  if (close_after_flush_) {
    close_after_flush_ = false;
    Close(close_reason_);  // graceful: sends what is queued first
    return;
  }
  wire_->Release(*this);
  WriteOut();
}

void Connection::WriteOut() {
  if (pending_out_.empty() || closing_) return;
  if (in_flight_bytes_ + pending_out_.size() > max_output_bytes_) {
    Close("client is not reading: " + std::to_string(in_flight_bytes_ + pending_out_.size()) +
              " bytes of replies queued",
          /*graceful=*/false);
    return;
  }
  struct WriteReq {
    uv_write_t req;
    std::string bytes;
    Connection* conn;
  };
  auto* w = new WriteReq;
  w->bytes.swap(pending_out_);
  w->conn = this;
  w->req.data = w;
  in_flight_bytes_ += w->bytes.size();
  uv_buf_t buf = uv_buf_init(w->bytes.data(), static_cast<unsigned>(w->bytes.size()));
  int rc = uv_write(&w->req, reinterpret_cast<uv_stream_t*>(&tcp_), &buf, 1,
                    [](uv_write_t* req, int status) {
                      auto* w = static_cast<WriteReq*>(req->data);
                      w->conn->in_flight_bytes_ -= w->bytes.size();
                      if (status < 0 && !w->conn->closing_) {
                        w->conn->Close(std::string("write error: ") + uv_strerror(status),
                                       /*graceful=*/false);
                      }
                      delete w;
                    });
  if (rc != 0) {
    in_flight_bytes_ -= w->bytes.size();
    delete w;
    Close(std::string("write error: ") + uv_strerror(rc), /*graceful=*/false);
  }
}

void Connection::Close(const std::string& reason, bool graceful) {
  if (closing_) return;
  if (graceful) WriteOut();
  closing_ = true;
  if (reading_) uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp_));
  LOG_INFO << "connection " << id_ << " from " << peer() << " closed: " << reason;
  server_->OnConnectionClosed(this);
  if (graceful && in_flight_bytes_ > 0) {
    // Let queued replies reach the kernel first; then close.
    auto* req = new uv_shutdown_t;
    req->data = this;
    if (uv_shutdown(req, reinterpret_cast<uv_stream_t*>(&tcp_), [](uv_shutdown_t* req, int) {
          auto* self = static_cast<Connection*>(req->data);
          delete req;
          uv_close(reinterpret_cast<uv_handle_t*>(&self->tcp_), &Connection::OnClosed);
        }) == 0) {
      return;
    }
    delete req;
  }
  // Pending writes complete (with UV_ECANCELED if not sent) before the close callback runs.
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), &Connection::OnClosed);
}

void Connection::OnClosed(uv_handle_t* handle) { delete static_cast<Connection*>(handle->data); }

}  // namespace coord::server
