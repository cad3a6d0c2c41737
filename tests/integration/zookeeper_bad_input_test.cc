// Bad input on coordd's ZooKeeper port gets the native port's treatment: a length beyond
// max_frame_bytes, a zero or negative length, a malformed connect or request, a connect that
// never completes, and random bytes each close only their own connection, with a logged reason,
// while a well-behaved ZooKeeper connection keeps working. Also: requests pipelined behind the
// connect, replies in request order (UNIMPLEMENTED in its place), and four-letter words allowed
// and not allowed.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>

#include "coord/base/prng.h"
#include "tests/protocol/zookeeper_samples.h"
#include "tests/support/coordd_process.h"
#include "tests/support/ensemble.h"

namespace coord::testing {
namespace {

using Clock = std::chrono::steady_clock;

int32_t Int32At(const std::string& s, size_t at) {
  const auto* b = reinterpret_cast<const unsigned char*>(s.data() + at);
  return static_cast<int32_t>((uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) |
                              (uint32_t{b[2]} << 8) | b[3]);
}

// A blocking loopback connection that sends exactly the bytes it is given.
class Socket {
 public:
  explicit Socket(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  }
  ~Socket() { close(fd_); }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  bool Send(const std::string& bytes) {
    size_t sent = 0;
    while (sent < bytes.size()) {
      ssize_t n = send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  }
  // Reads until `want` bytes are buffered; false on close or timeout.
  bool Fill(size_t want, int timeout_ms) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (buffer_.size() < want) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[65536];
      ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) return false;
      buffer_.append(buf, static_cast<size_t>(n));
    }
    return true;
  }
  // The next packet's payload.
  std::optional<std::string> Packet(int timeout_ms = 5000) {
    if (!Fill(4, timeout_ms)) return std::nullopt;
    const auto length = static_cast<size_t>(Int32At(buffer_, 0));
    if (!Fill(4 + length, timeout_ms)) return std::nullopt;
    std::string payload = buffer_.substr(4, length);
    buffer_.erase(0, 4 + length);
    return payload;
  }
  // Everything until the server closes (nullopt if it does not within the timeout).
  std::optional<std::string> UntilClosed(int timeout_ms = 5000) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (Clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      char buf[65536];
      ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) return std::move(buffer_);
      buffer_.append(buf, static_cast<size_t>(n));
    }
    return std::nullopt;
  }

 private:
  int fd_ = -1;
  std::string buffer_;
};

// A reply's header: xid, zxid, err.
struct Reply {
  int32_t xid = 0;
  int32_t err = 0;
};
Reply HeaderOf(const std::string& payload) {
  EXPECT_GE(payload.size(), 16u);
  return payload.size() < 16 ? Reply{} : Reply{Int32At(payload, 0), Int32At(payload, 12)};
}

std::string Ping() { return ZooKeeperPacket(JuteBytes().Header(-2, 11).str()); }
std::string Exists(int32_t xid, const std::string& path) {
  return ZooKeeperPacket(JuteBytes().Header(xid, 3).Str(path).Bool(false).str());
}

class ZooKeeperBadInputTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    zk_port_ = FreePort();
    CoorddOptions options;
    options.extra_config = "zookeeper_address: 127.0.0.1:" + std::to_string(zk_port_) +
                           "\n"
                           "four_letter_words: [ruok, srvr, mntr]\n"
                           "connect_timeout_ms: 500\n"
                           "max_frame_bytes: 65536\n"
                           "max_data_bytes: 32768\n"
                           "max_connections_per_ip: 64\n";
    server_ = new CoorddProcess(options);
    server_->Start();
    good_ = new Socket(zk_port_);
    ASSERT_TRUE(good_->Send(ZooKeeperPacket(ZooKeeperConnect())));
    std::optional<std::string> connected = good_->Packet();
    ASSERT_TRUE(connected.has_value());
    ASSERT_EQ(connected->size(), 4 + 4 + 8 + 4 + 16 + 1u);
  }
  static void TearDownTestSuite() {
    delete good_;
    delete server_;
  }

  // The well-behaved connection still gets its ping answered.
  void ExpectGoodStillServed() {
    ASSERT_TRUE(good_->Send(Ping()));
    std::optional<std::string> pong = good_->Packet();
    ASSERT_TRUE(pong.has_value()) << server_->ServerLog();
    EXPECT_EQ(HeaderOf(*pong).xid, -2);
  }

  // A fresh connection whose session is established.
  std::unique_ptr<Socket> Connected() {
    auto s = std::make_unique<Socket>(zk_port_);
    EXPECT_TRUE(s->Send(ZooKeeperPacket(ZooKeeperConnect())));
    EXPECT_TRUE(s->Packet().has_value());
    return s;
  }

  void ExpectClosedFor(const std::string& bytes, bool after_connect, const std::string& reason) {
    std::unique_ptr<Socket> s = after_connect ? Connected() : std::make_unique<Socket>(zk_port_);
    s->Send(bytes);
    EXPECT_TRUE(s->UntilClosed().has_value()) << "not closed: " << reason;
    ExpectGoodStillServed();
    EXPECT_NE(server_->ServerLog().find(reason), std::string::npos)
        << "no logged reason '" << reason << "'";
  }

  static int zk_port_;
  static CoorddProcess* server_;
  static Socket* good_;
};

int ZooKeeperBadInputTest::zk_port_ = 0;
CoorddProcess* ZooKeeperBadInputTest::server_ = nullptr;
Socket* ZooKeeperBadInputTest::good_ = nullptr;

TEST_F(ZooKeeperBadInputTest, BadLengthsClose) {
  ExpectClosedFor(JuteBytes().I32(65537).str(), false, "bad packet: too_large");
  ExpectClosedFor(JuteBytes().I32(-1).str(), false, "bad packet: too_large");
  ExpectClosedFor(JuteBytes().I32(0).str(), false, "bad packet: marshalling_error");
  ExpectClosedFor(JuteBytes().I32(0x7fffffff).str(), true, "bad packet: too_large");
}

TEST_F(ZooKeeperBadInputTest, MalformedPacketsClose) {
  // A connect with another protocol version; one cut short inside its password.
  ExpectClosedFor(ZooKeeperPacket(JuteBytes().I32(3).I64(0).I32(1000).I64(0).Str("").str()), false,
                  "bad connect");
  ExpectClosedFor(ZooKeeperPacket(JuteBytes().I32(0).I64(0).I32(1000).I64(0).I32(16).str()), false,
                  "bad connect");
  // After the handshake: a path longer than the packet, a negative length, a half header.
  ExpectClosedFor(ZooKeeperPacket(JuteBytes().Header(1, 4).I32(1000).Str("/").str()), true,
                  "bad request");
  ExpectClosedFor(ZooKeeperPacket(JuteBytes().Header(1, 4).I32(-7).Bool(false).str()), true,
                  "bad request");
  ExpectClosedFor(ZooKeeperPacket(JuteBytes().I32(1).str()), true, "bad request");
  // A multi whose op type no multi has.
  ExpectClosedFor(ZooKeeperPacket(JuteBytes().Header(1, 14).MultiHeader(11, false, -1).str()), true,
                  "bad request");
}

TEST_F(ZooKeeperBadInputTest, TruncatedConnectTimesOut) {
  Socket s(zk_port_);
  const std::string connect = ZooKeeperPacket(ZooKeeperConnect());
  s.Send(connect.substr(0, connect.size() / 2));
  EXPECT_TRUE(s.UntilClosed(5000).has_value());
  ExpectGoodStillServed();
}

TEST_F(ZooKeeperBadInputTest, PipelinedRequestsAreAnsweredInOrder) {
  // Requests right behind the connect (as ZooKeeper's clients send them), one unsupported
  // opcode among them: the replies keep the request order, UNIMPLEMENTED in its place.
  Socket s(zk_port_);
  std::string bytes = ZooKeeperPacket(ZooKeeperConnect());
  bytes += ZooKeeperPacket(JuteBytes().Header(1, 1).Str("/pipe").Str("x").OpenAcl().I32(1).str());
  bytes += Exists(2, "/pipe");
  bytes += ZooKeeperPacket(JuteBytes().Header(3, 4242).Str("?").str());
  bytes += Exists(4, "/nothing-here");
  bytes += ZooKeeperPacket(JuteBytes().Header(5, 102).Str("sasl").str());
  bytes += Ping();
  ASSERT_TRUE(s.Send(bytes));
  ASSERT_TRUE(s.Packet().has_value());  // the connect reply
  const std::vector<std::pair<int32_t, int32_t>> expected = {{1, 0},    {2, 0},  {3, -6},
                                                             {4, -101}, {5, -6}, {-2, 0}};
  for (const auto& [xid, err] : expected) {
    std::optional<std::string> reply = s.Packet();
    ASSERT_TRUE(reply.has_value()) << "no reply for xid " << xid;
    EXPECT_EQ(HeaderOf(*reply).xid, xid);
    EXPECT_EQ(HeaderOf(*reply).err, err) << "xid " << xid;
  }
}

TEST_F(ZooKeeperBadInputTest, ExpiredSessionReply) {
  Socket s(zk_port_);
  ASSERT_TRUE(s.Send(ZooKeeperPacket(ZooKeeperConnect(0x4242, "0123456789abcdef"))));
  std::optional<std::string> reply = s.UntilClosed();
  ASSERT_TRUE(reply.has_value());
  // ZooKeeper's invalid-session reply: timeout 0, session 0, 16 zero bytes, then the close.
  EXPECT_EQ(*reply,
            ZooKeeperPacket(
                JuteBytes().I32(0).I32(0).I64(0).Str(std::string(16, '\0')).Bool(false).str()));
}

TEST_F(ZooKeeperBadInputTest, FourLetterWords) {
  auto ask = [&](const std::string& word) {
    Socket s(zk_port_);
    s.Send(word);
    return s.UntilClosed().value_or("(not closed)");
  };
  EXPECT_EQ(ask("ruok"), "imok");
  const std::string srvr = ask("srvr");
  EXPECT_EQ(srvr.rfind("Zookeeper version: ", 0), 0u) << srvr;
  EXPECT_NE(srvr.find("\nMode: standalone\n"), std::string::npos) << srvr;
  EXPECT_NE(srvr.find("\nNode count: "), std::string::npos) << srvr;
  const std::string mntr = ask("mntr");
  EXPECT_NE(mntr.find("zk_server_state\tstandalone\n"), std::string::npos) << mntr;
  EXPECT_NE(mntr.find("zk_znode_count\t"), std::string::npos) << mntr;
  // At least the well-behaved connection and this one are alive.
  EXPECT_EQ(mntr.find("zk_num_alive_connections\t0\n"), std::string::npos) << mntr;
  for (const std::string word : {"stat", "cons", "conf", "envi", "dump"}) {
    EXPECT_EQ(ask(word), word + " is not executed because it is not in the whitelist.\n");
  }
  ExpectGoodStillServed();
}

TEST_F(ZooKeeperBadInputTest, RandomBytes) {
  // 300 connections of up to 4 KB of random bytes each, some after a good handshake.
  Prng prng(42);
  for (int i = 0; i < 300; ++i) {
    std::unique_ptr<Socket> s = i % 3 == 0 ? Connected() : std::make_unique<Socket>(zk_port_);
    std::string garbage(prng.Uniform(4096) + 1, '\0');
    for (char& c : garbage) c = static_cast<char>(prng.Next());
    s->Send(garbage);
  }
  ExpectGoodStillServed();
}

}  // namespace
}  // namespace coord::testing
