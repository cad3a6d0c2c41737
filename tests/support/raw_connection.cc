#include "tests/support/raw_connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>

#include "protocol/client_codec.h"
#include "protocol/frame.h"

namespace coord::testing {

RawConnection::RawConnection(int port) {
  std::signal(SIGPIPE, SIG_IGN);
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd_);
    fd_ = -1;
    return;
  }
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) close(fd_);
}

bool RawConnection::SendBytes(const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

bool RawConnection::Send(const ClientMessage& message) {
  std::string frame;
  AppendFrame(&frame, EncodeClientMessage(message));
  return SendBytes(frame);
}

std::optional<ServerMessage> RawConnection::Read(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    if (buffer_.size() >= 4) {
      uint32_t len = (uint32_t{static_cast<uint8_t>(buffer_[0])} << 24) |
                     (uint32_t{static_cast<uint8_t>(buffer_[1])} << 16) |
                     (uint32_t{static_cast<uint8_t>(buffer_[2])} << 8) |
                     uint32_t{static_cast<uint8_t>(buffer_[3])};
      if (buffer_.size() >= 4 + size_t{len}) {
        std::string payload = buffer_.substr(4, len);
        buffer_.erase(0, 4 + size_t{len});
        Result<ServerMessage> message = DecodeServerMessage(payload);
        if (!message.ok()) return std::nullopt;
        return std::move(message).value();
      }
    }
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    deadline - std::chrono::steady_clock::now())
                                    .count());
    if (left <= 0) return std::nullopt;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, left) <= 0) continue;
    char buf[65536];
    ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) return std::nullopt;
    buffer_.append(buf, static_cast<size_t>(n));
  }
}

bool RawConnection::WaitClosed(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    deadline - std::chrono::steady_clock::now())
                                    .count());
    if (left <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, left) <= 0) continue;
    char buf[65536];
    ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) return true;  // EOF or reset
  }
}

std::optional<ConnectResponse> RawConnection::Handshake(int32_t timeout_ms) {
  ConnectRequest request;
  request.timeout_ms = timeout_ms;
  if (!Send(request)) return std::nullopt;
  std::optional<ServerMessage> reply = Read();
  if (!reply || !std::holds_alternative<ConnectResponse>(*reply)) return std::nullopt;
  return std::get<ConnectResponse>(*reply);
}

std::optional<ClientResponse> RawConnection::Call(int64_t id, ClientOp op, int timeout_ms) {
  if (!Send(ClientRequest{id, std::move(op)})) return std::nullopt;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    std::optional<ServerMessage> message = Read(timeout_ms);
    if (!message) return std::nullopt;
    if (auto* response = std::get_if<ClientResponse>(&*message); response && response->id == id) {
      return *response;
    }
  }
  return std::nullopt;
}

}  // namespace coord::testing
