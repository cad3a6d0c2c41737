// Bad input never crashes coordd: a catalogue of named malformed frames and protocol violations,
// and 10 MB of random bytes, each on its own connection while a well-behaved client keeps
// working on another.
#include <gtest/gtest.h>

#include <functional>

#include "coord/base/prng.h"
#include "protocol/client_codec.h"
#include "protocol/frame.h"
#include "tests/support/coordd_process.h"
#include "tests/support/raw_connection.h"

namespace coord::testing {
namespace {

constexpr uint32_t kMaxFrame = 65536;

std::string Header(uint32_t length) {
  std::string h(4, '\0');
  h[0] = static_cast<char>(length >> 24);
  h[1] = static_cast<char>(length >> 16);
  h[2] = static_cast<char>(length >> 8);
  h[3] = static_cast<char>(length);
  return h;
}

std::string Frame(const std::string& payload) { return Header(payload.size()) + payload; }

std::string Encoded(ClientMessage message) { return EncodeClientMessage(message); }

std::string ValidRequest() {
  return Encoded(
      ClientRequest{1, CreateRequest{"/x", "data", OpenAcl(), NodeKind::kPersistent, false, 0}});
}

CreateRequest CreateOf(std::string path, std::string data = "") {
  CreateRequest r;
  r.path = std::move(path);
  r.data = std::move(data);
  return r;
}

class BadInputTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    CoorddOptions options;
    options.extra_config =
        "connect_timeout_ms: 500\n"
        "max_frame_bytes: 65536\n"
        "max_data_bytes: 32768\n"
        "max_connections_per_ip: 64\n";
    server_ = new CoorddProcess(options);
    server_->Start();
    good_ = new RawConnection(server_->port());
    ASSERT_TRUE(good_->Handshake().has_value());
  }
  static void TearDownTestSuite() {
    delete good_;
    delete server_;
  }

  // The well-behaved client still gets answers, and the server process is alive.
  void ExpectServerHealthy() {
    static int64_t id = 1000;
    std::optional<ClientResponse> r = good_->Call(++id, ExistsRequest{"/", false});
    ASSERT_TRUE(r.has_value()) << "the well-behaved client got no answer; server log:\n"
                               << server_->ServerLog();
    EXPECT_EQ(r->code, Code::kOk);
  }

  static CoorddProcess* server_;
  static RawConnection* good_;
};
CoorddProcess* BadInputTest::server_ = nullptr;
RawConnection* BadInputTest::good_ = nullptr;

// Frames that must make the server close the connection (after an optional good handshake).
struct ClosingCase {
  const char* name;
  bool handshake_first;
  std::function<std::string()> bytes;
};

std::vector<ClosingCase> ClosingCases() {
  std::string valid = ValidRequest();
  std::string connect = Encoded(ConnectRequest{});
  auto patched = [](std::string payload, size_t at, std::string with) {
    payload.replace(at, with.size(), with);
    return payload;
  };
  return {
      {"zero length", false, [] { return Header(0); }},
      {"zero length after connect", true, [] { return Header(0); }},
      {"negative length 0xFFFFFFFF", false, [] { return Header(0xffffffffu); }},
      {"length 0x80000000", true, [] { return Header(0x80000000u); }},
      {"length one above the maximum", true, [] { return Header(kMaxFrame + 1); }},
      {"length of 100 MB", false, [] { return Header(100u << 20); }},
      {"random payload", false, [] { return Frame("\x13\x37garbage-not-a-flatbuffer"); }},
      {"all-zero payload", true, [] { return Frame(std::string(64, '\0')); }},
      {"all-0xFF payload", true, [] { return Frame(std::string(64, '\xff')); }},
      {"one-byte payload", false, [] { return Frame("x"); }},
      {"four-byte payload", true, [] { return Frame("\x04\0\0\0"); }},
      {"root offset past the end", true,
       [=] { return Frame(patched(valid, 0, std::string("\xff\xff\0\0", 4))); }},
      {"root offset zero", true, [=] { return Frame(patched(valid, 0, std::string(4, '\0'))); }},
      {"request truncated to half", true, [=] { return Frame(valid.substr(0, valid.size() / 2)); }},
      {"request cut to its first 8 bytes", true, [=] { return Frame(valid.substr(0, 8)); }},
      {"connect truncated", false, [=] { return Frame(connect.substr(0, connect.size() / 2)); }},
      {"a server message sent by a client", false,
       [] { return Frame(EncodeServerMessage(ConnectResponse{})); }},
      {"request before connect", false, [=] { return Frame(valid); }},
      {"second connect", true, [=] { return Frame(connect); }},
      {"frame of maximum size full of garbage", true,
       [] { return Frame(std::string(kMaxFrame, '\x5a')); }},
      {"good frames then a bad one", true, [=] { return Frame(valid) + Frame(valid) + Header(0); }},
      {"unsupported protocol version", false,
       [] {
         ConnectRequest c;
         c.protocol_version = 99;
         return Frame(Encoded(c));
       }},
      {"resume of an unknown session", false,
       [] {
         ConnectRequest c;
         c.session_id = 0x7777;
         c.password = "nope";
         return Frame(Encoded(c));
       }},
      {"resume from the future (last zxid seen ahead of the server)", false,
       [] {
         ConnectRequest c;
         c.session_id = 1;
         c.last_zxid_seen = ~0ull;
         return Frame(Encoded(c));
       }},
      {"data larger than the frame limit", true,
       [] {
         return Frame(Encoded(ClientRequest{2, CreateOf("/big", std::string(kMaxFrame, 'd'))}));
       }},
  };
}

TEST_F(BadInputTest, MalformedFramesCloseOnlyTheirConnection) {
  for (const ClosingCase& c : ClosingCases()) {
    SCOPED_TRACE(c.name);
    RawConnection conn(server_->port());
    ASSERT_TRUE(conn.connected());
    if (c.handshake_first) {
      ASSERT_TRUE(conn.Handshake().has_value());
    }
    conn.SendBytes(c.bytes());
    EXPECT_TRUE(conn.WaitClosed()) << "the server kept a connection that sent: " << c.name;
    ExpectServerHealthy();
  }
}

TEST_F(BadInputTest, HalfFramesAndSilenceAreClosed) {
  {
    SCOPED_TRACE("a header and no payload, before connect");
    RawConnection conn(server_->port());
    conn.SendBytes(Header(100));
    EXPECT_TRUE(conn.WaitClosed(5000)) << "connect_timeout_ms should close it";
  }
  {
    SCOPED_TRACE("two bytes of a header, then close");
    RawConnection conn(server_->port());
    conn.SendBytes("\0\0");
  }
  {
    SCOPED_TRACE("a truncated frame, then close");
    RawConnection conn(server_->port());
    ASSERT_TRUE(conn.Handshake().has_value());
    conn.SendBytes(Header(100) + "0123456789");
  }
  {
    SCOPED_TRACE("connected but never a connect frame");
    RawConnection conn(server_->port());
    EXPECT_TRUE(conn.WaitClosed(5000));
  }
  ExpectServerHealthy();
}

// Requests that are well-formed but wrong: answered with an error, the connection stays.
TEST_F(BadInputTest, InvalidRequestsGetClearErrors) {
  RawConnection conn(server_->port());
  ASSERT_TRUE(conn.Handshake().has_value());
  struct Case {
    const char* name;
    ClientOp op;
    Code code;
  };
  CreateRequest ttl = CreateOf("/ttl");
  ttl.kind = NodeKind::kTtl;
  CreateRequest bad_acl = CreateOf("/acl");
  bad_acl.acl = {Acl{perm::kAll, "kerberos", "x"}};
  CreateRequest no_acl = CreateOf("/noacl");
  no_acl.acl = {};
  CreateRequest ephemeral_parent_child = CreateOf("/eph/child");
  CreateRequest eph = CreateOf("/eph");
  eph.kind = NodeKind::kEphemeral;
  std::vector<Case> cases = {
      {"empty path", CreateOf(""), Code::kInvalidPath},
      {"relative path", CreateOf("a/b"), Code::kInvalidPath},
      {"trailing slash", CreateOf("/a/"), Code::kInvalidPath},
      {"double slash", CreateOf("/a//b"), Code::kInvalidPath},
      {"dot-dot", CreateOf("/a/../b"), Code::kInvalidPath},
      {"NUL in path", CreateOf(std::string("/a\0b", 4)), Code::kInvalidPath},
      {"control character", CreateOf("/a\x01"), Code::kInvalidPath},
      {"invalid UTF-8", CreateOf("/\xc3\x28"), Code::kInvalidPath},
      {"path too long", CreateOf("/" + std::string(2000, 'p')), Code::kInvalidPath},
      {"data too large", CreateOf("/big", std::string(40000, 'd')), Code::kTooLarge},
      {"ttl node without ttl", ttl, Code::kBadArguments},
      {"unknown acl scheme", bad_acl, Code::kInvalidAcl},
      {"empty acl", no_acl, Code::kInvalidAcl},
      {"missing parent", CreateOf("/no/such/parent"), Code::kNoNode},
      {"delete of the root", DeleteRequest{"/", -1}, Code::kBadArguments},
      {"delete missing", DeleteRequest{"/missing", -1}, Code::kNoNode},
      {"set_data bad version", SetDataRequest{"/", "x", 42}, Code::kBadVersion},
      {"get_data invalid path", GetDataRequest{"nope", false}, Code::kInvalidPath},
      {"get_children missing", GetChildrenRequest{"/missing", false, "", 0}, Code::kNoNode},
      {"remove_watches with none", RemoveWatchesRequest{"/", WatcherType::kAny}, Code::kNoWatcher},
      {"add_auth unknown scheme", AddAuthRequest{"kerberos", "x"}, Code::kAuthFailed},
      {"child of an ephemeral (create eph)", eph, Code::kOk},
      {"child of an ephemeral", ephemeral_parent_child, Code::kNoChildrenForEphemerals},
  };
  int64_t id = 0;
  for (Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::optional<ClientResponse> r = conn.Call(++id, std::move(c.op));
    ASSERT_TRUE(r.has_value()) << "no answer (connection closed?)";
    EXPECT_EQ(r->code, c.code) << CodeName(r->code) << ": " << r->message;
    if (c.code != Code::kOk) {
      EXPECT_FALSE(r->message.empty()) << "an error explains itself";
    }
  }
  ExpectServerHealthy();
}

TEST_F(BadInputTest, TenMegabytesOfRandomBytes) {
  Prng prng(20261127);
  for (int round = 0; round < 10; ++round) {
    RawConnection conn(server_->port());
    if (round % 2 == 1) {
      ASSERT_TRUE(conn.Handshake().has_value());
    }
    std::string bytes(1 << 20, '\0');
    for (char& b : bytes) b = static_cast<char>(prng.Next());
    conn.SendBytes(bytes);  // the server may close part-way; that is fine
    EXPECT_TRUE(conn.WaitClosed()) << "round " << round;
  }
  ExpectServerHealthy();
}

// Random payloads in well-formed frames reach the decoder (raw random bytes mostly stop at the
// first header): 2,000 frames of 1 byte to 4 KiB.
TEST_F(BadInputTest, RandomPayloadsInValidFrames) {
  Prng prng(42);
  int answered = 0;
  for (int round = 0; round < 2000; ++round) {
    RawConnection conn(server_->port());
    // The decoder runs on every frame, connected or not; a handshake now and then covers the
    // connected path too (each one is a durable session creation).
    if (round % 20 == 0) {
      ASSERT_TRUE(conn.Handshake().has_value()) << "round " << round;
    }
    std::string payload(1 + prng.Uniform(4096), '\0');
    for (char& b : payload) b = static_cast<char>(prng.Next());
    conn.SendBytes(Frame(payload));
    if (!conn.WaitClosed(2000)) ++answered;
  }
  EXPECT_EQ(answered, 0) << "random payloads should not decode";
  ExpectServerHealthy();
}

TEST_F(BadInputTest, RandomlyCorruptedValidFrames) {
  Prng prng(7);
  std::string valid = ValidRequest();
  for (int round = 0; round < 300; ++round) {
    std::string payload = valid;
    int flips = 1 + static_cast<int>(prng.Uniform(4));
    for (int i = 0; i < flips; ++i) {
      payload[prng.Uniform(payload.size())] = static_cast<char>(prng.Next());
    }
    RawConnection conn(server_->port());
    ASSERT_TRUE(conn.Handshake().has_value());
    conn.SendBytes(Frame(payload));
    // Either a clean close (undecodable) or an answer (the flip hit a value); never a crash.
    std::optional<ServerMessage> reply = conn.Read(2000);
    (void)reply;
  }
  ExpectServerHealthy();
}

TEST_F(BadInputTest, TooManyConnectionsFromOneIpAreRefused) {
  std::vector<std::unique_ptr<RawConnection>> conns;
  for (int i = 0; i < 70; ++i) conns.push_back(std::make_unique<RawConnection>(server_->port()));
  int closed = 0;
  for (auto& c : conns) {
    if (c->WaitClosed(300)) ++closed;
  }
  // 64 per ip are allowed; the well-behaved client holds one.
  EXPECT_GE(closed, 6);
  conns.clear();
  ExpectServerHealthy();
}

TEST_F(BadInputTest, AClientThatNeverReadsIsDisconnected) {
  CoorddOptions options;
  options.extra_config = "max_output_bytes: 1048576\n";
  CoorddProcess server(options);
  server.Start();
  RawConnection slow(server.port());
  ASSERT_TRUE(slow.Handshake().has_value());
  RawConnection good(server.port());
  ASSERT_TRUE(good.Handshake().has_value());
  ASSERT_EQ(good.Call(1, CreateOf("/big", std::string(30000, 'b')))->code, Code::kOk);
  // Ask for the 30 KB node thousands of times and never read: replies pile up.
  std::string burst;
  for (int i = 0; i < 2000; ++i) {
    AppendFrame(&burst, EncodeClientMessage(ClientRequest{i + 1, GetDataRequest{"/big", false}}));
  }
  slow.SendBytes(burst);
  bool closed = false;
  for (int i = 0; i < 100 && !closed; ++i) {
    std::optional<ClientResponse> r = good.Call(10000 + i, ExistsRequest{"/", false});
    ASSERT_TRUE(r.has_value());
    closed = server.ServerLog().find("client is not reading") != std::string::npos;
  }
  EXPECT_TRUE(closed) << server.ServerLog();
}

}  // namespace
}  // namespace coord::testing
