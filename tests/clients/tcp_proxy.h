// TcpProxy: a loopback TCP proxy in front of a server, for tests that must cut a client's
// connection while the server stays up (which neither kill -9 nor SIGSTOP can do). Cut() closes
// every proxied connection; Block() makes the proxy close new connections at once until
// Unblock(); MuteReplies() drops everything the server sends (the client's requests still reach
// it: a reply lost in flight) until UnmuteReplies().
//
// Threading: one accept thread and one thread per connection, all joined by the destructor. The
// methods may be called from any thread.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace coord::testing {

class TcpProxy {
 public:
  explicit TcpProxy(int upstream_port);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  void Cut();
  void Block() { blocked_ = true; }
  void Unblock() { blocked_ = false; }
  void MuteReplies() { muted_ = true; }
  void UnmuteReplies() { muted_ = false; }

 private:
  void AcceptLoop();
  void Pump(int client, int upstream);

  int upstream_port_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<bool> blocked_{false};
  std::atomic<bool> muted_{false};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::thread> pumps_;
  std::vector<int> open_fds_;  // of live proxied connections, for Cut()
};

}  // namespace coord::testing
