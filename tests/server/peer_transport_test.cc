#include "coord/server/peer_transport.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "coord/server/peer_messages.h"
#include "protocol/frame.h"
#include "protocol/peer_codec.h"

namespace coord::server {
namespace {

using zab::MemberId;

// One member: its transport and what its callbacks saw.
struct Member {
  std::unique_ptr<PeerTransport> transport;
  uint16_t port = 0;
  std::set<MemberId> knows;                            // configured members
  std::map<MemberId, std::vector<uint64_t>> received;  // per sender: Proposal zxids in order
  std::map<MemberId, int> connects, disconnects;
  // Per sender, every message in arrival order: "zab <zxid>" or the member message's wire bytes.
  std::map<MemberId, std::vector<std::string>> arrivals;
  int reads = 0;  // on_read_done calls
};

// A member message as comparable bytes: MemberMessage has no ==.
std::string Bytes(const MemberMessage& message) { return EncodePeerMessage(ToWire(message)); }

class PeerTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(uv_loop_init(&loop_), 0);
    // Wakes UV_RUN_ONCE regularly so RunUntil checks its deadline.
    uv_timer_init(&loop_, &guard_);
    uv_timer_start(
        &guard_, [](uv_timer_t*) {}, 5, 5);
  }

  void TearDown() override {
    for (auto& [id, m] : members_) Stop(*m);
    uv_close(reinterpret_cast<uv_handle_t*>(&guard_), nullptr);
    for (int i = 0; i < 100 && uv_loop_close(&loop_) == UV_EBUSY; ++i) {
      uv_run(&loop_, UV_RUN_NOWAIT);
    }
  }

  // Runs the loop until `done` or the deadline; false on timeout.
  bool RunUntil(const std::function<bool()>& done, uint64_t timeout_ms = 5000) {
    uint64_t deadline = uv_hrtime() + timeout_ms * 1000000;
    while (!done()) {
      if (uv_hrtime() > deadline) return false;
      uv_run(&loop_, UV_RUN_ONCE);
    }
    return true;
  }

  PeerTransportOptions Options(const std::string& cluster, MemberId self,
                               const std::vector<MemberId>& others) {
    PeerTransportOptions o;
    o.cluster_id = cluster;
    o.self = self;
    o.listen_address = HostPort{"127.0.0.1", 0};
    for (MemberId id : others) o.members[id] = HostPort{"127.0.0.1", 1};  // set once known
    o.reconnect_min_ms = 10;
    o.reconnect_max_ms = 80;
    o.handshake_timeout_ms = 2000;
    o.seed = static_cast<uint64_t>(self) * 7919;
    return o;
  }

  // Creates member `self` (listening on `port`, 0 for any) without starting it.
  Member& Add(PeerTransportOptions options, uint16_t port = 0) {
    MemberId self = options.self;
    auto& slot = members_[self];
    slot = std::make_unique<Member>();
    Member* m = slot.get();
    for (const auto& [id, address] : options.members) m->knows.insert(id);
    options.listen_address.port = port;
    PeerTransportCallbacks callbacks;
    callbacks.on_message = [m](MemberId from, zab::Message message) {
      auto* p = std::get_if<zab::Proposal>(&message);
      ASSERT_NE(p, nullptr) << zab::MessageName(message);
      m->received[from].push_back(p->entry.zxid);
      m->arrivals[from].push_back("zab " + std::to_string(p->entry.zxid));
    };
    callbacks.on_member_message = [m](MemberId from, MemberMessage message) {
      m->arrivals[from].push_back(Bytes(message));
    };
    callbacks.on_read_done = [m] { ++m->reads; };
    callbacks.on_connected = [m](MemberId peer) { ++m->connects[peer]; };
    callbacks.on_disconnected = [m](MemberId peer) { ++m->disconnects[peer]; };
    m->transport = std::make_unique<PeerTransport>(&loop_, std::move(options), callbacks);
    Result<uint16_t> bound = m->transport->Listen();
    EXPECT_TRUE(bound.ok()) << bound.status().ToString();
    m->port = bound.ok() ? *bound : 0;
    return *m;
  }

  // Tells every member the others' real ports, then starts those not started.
  void Wire(const std::vector<MemberId>& start) {
    for (auto& [id, m] : members_) {
      for (auto& [other, o] : members_) {
        if (m->knows.contains(other) && m->transport) {
          m->transport->SetMemberAddress(other, HostPort{"127.0.0.1", o->port});
        }
      }
    }
    for (MemberId id : start) members_[id]->transport->Start();
  }

  void Stop(Member& m) {
    if (!m.transport) return;
    m.transport->Close();
    EXPECT_TRUE(RunUntil([&] { return m.transport->closed(); }));
    m.transport.reset();
  }

  bool AllConnected(const std::vector<MemberId>& ids) {
    for (MemberId a : ids) {
      for (MemberId b : ids) {
        if (a != b && !members_[a]->transport->connected(b)) return false;
      }
    }
    return true;
  }

  static zab::Message Proposal(uint64_t n) {
    return zab::Proposal{7, zab::Entry{n, "payload-" + std::to_string(n)}};
  }

  uv_loop_t loop_;
  uv_timer_t guard_;
  std::map<MemberId, std::unique_ptr<Member>> members_;
};

std::vector<uint64_t> Sequence(uint64_t from, uint64_t to) {
  std::vector<uint64_t> out;
  for (uint64_t i = from; i < to; ++i) out.push_back(i);
  return out;
}

TEST_F(PeerTransportTest, ThreeMembersDeliverInOrderBetweenEveryPair) {
  for (MemberId id : {1, 2, 3}) {
    std::vector<MemberId> others;
    for (MemberId o : {1, 2, 3}) {
      if (o != id) others.push_back(o);
    }
    Add(Options("test", id, others));
  }
  // Sent before any connection exists: queued, then delivered in order.
  for (MemberId a : {1, 2, 3}) {
    for (MemberId b : {1, 2, 3}) {
      if (a == b) continue;
      for (uint64_t i = 0; i < 100; ++i) members_[a]->transport->Send(b, Proposal(i));
    }
  }
  Wire({1, 2, 3});
  ASSERT_TRUE(RunUntil([&] { return AllConnected({1, 2, 3}); }));
  for (MemberId a : {1, 2, 3}) {
    for (MemberId b : {1, 2, 3}) {
      if (a == b) continue;
      for (uint64_t i = 100; i < 300; ++i) members_[a]->transport->Send(b, Proposal(i));
    }
  }
  ASSERT_TRUE(RunUntil([&] {
    for (auto& [id, m] : members_) {
      for (auto& [from, got] : m->received) {
        if (got.size() < 300) return false;
      }
      if (m->received.size() < 2) return false;
    }
    return true;
  }));
  for (auto& [id, m] : members_) {
    for (auto& [from, got] : m->received) {
      EXPECT_EQ(got, Sequence(0, 300)) << from << " -> " << id;
    }
    for (MemberId o : {1, 2, 3}) {
      if (o != id) {
        EXPECT_EQ(m->connects[o], 1) << id << " saw " << o;
      }
    }
    EXPECT_EQ(m->transport->stats().refused_handshakes, 0u);
    EXPECT_EQ(m->transport->stats().dropped_messages, 0u);
  }
}

TEST_F(PeerTransportTest, MessagesOfOneLoopIterationLeaveTogether) {
  Add(Options("test", 1, {2}));
  Add(Options("test", 2, {1}));
  Wire({1, 2});
  ASSERT_TRUE(RunUntil([&] { return AllConnected({1, 2}); }));
  // Let the handshake's reads settle, then send 500 small messages in one go (as a leader does
  // for a batch of client requests): they must not cost one write, and so one read, each.
  ASSERT_TRUE(RunUntil([] { return false; }, 50) == false);
  const int reads_before = members_[2]->reads;
  const uint64_t writes_before = members_[1]->transport->stats().writes;
  for (uint64_t i = 0; i < 500; ++i) members_[1]->transport->Send(2, Proposal(i));
  ASSERT_TRUE(RunUntil([&] { return members_[2]->received[1].size() == 500; }));
  EXPECT_EQ(members_[2]->received[1], Sequence(0, 500));
  // ~10 KB of frames: one write; the reader sees it in a few reads, never hundreds.
  EXPECT_EQ(members_[1]->transport->stats().writes - writes_before, 1u);
  EXPECT_LE(members_[2]->reads - reads_before, 5);
}

TEST_F(PeerTransportTest, MemberMessagesArriveIntactAndInOrderWithZab) {
  Add(Options("test", 1, {2}));
  Add(Options("test", 2, {1}));
  AuthContext auth{{Identity{"digest", "alice:hash="}, Identity{"ip", "127.0.0.1"}}, true};
  std::vector<MemberMessage> member = {
      ForwardRequest{11, 1, auth, ClientOp(CreateRequest{"/a", "data", OpenAcl()})},
      ForwardRequest{11, 2, AuthContext{}, ClientOp(SyncRequest{"/a"})},
      ForwardRequest{12, 0, auth, CreateSessionRequest{12, 4000, "password"}},
      ForwardReply{11, 2, Code::kOk, "", MakeZxid(3, 4)},
      ForwardReply{11, 1, Code::kThrottled, "too many requests", 0},
      SessionTouches{{11, 12, 13}},
  };
  // Zab and member messages alternate; the first ones wait in the queue for the connection.
  std::vector<std::string> want;
  auto send = [&](MemberId from, MemberId to, size_t i) {
    members_[from]->transport->Send(to, Proposal(i));
    members_[from]->transport->Send(to, member[i]);
  };
  for (size_t i = 0; i < 3; ++i) send(1, 2, i);
  Wire({1, 2});
  ASSERT_TRUE(RunUntil([&] { return AllConnected({1, 2}); }));
  for (size_t i = 3; i < member.size(); ++i) send(1, 2, i);
  for (size_t i = 0; i < member.size(); ++i) send(2, 1, i);
  for (size_t i = 0; i < member.size(); ++i) {
    want.push_back("zab " + std::to_string(i));
    want.push_back(Bytes(member[i]));
  }
  ASSERT_TRUE(RunUntil([&] {
    return members_[2]->arrivals[1].size() == want.size() &&
           members_[1]->arrivals[2].size() == want.size();
  }));
  EXPECT_EQ(members_[2]->arrivals[1], want);
  EXPECT_EQ(members_[1]->arrivals[2], want);
  EXPECT_EQ(members_[2]->transport->stats().malformed, 0u);
}

TEST_F(PeerTransportTest, MemberOfAnotherClusterIsRefusedAndLogged) {
  Member& good = Add(Options("test", 2, {1}));
  Member& intruder = Add(Options("other", 1, {2}));
  testing::internal::CaptureStderr();
  Wire({1, 2});
  bool refused = RunUntil([&] { return good.transport->stats().refused_handshakes >= 2; });
  std::string log = testing::internal::GetCapturedStderr();
  ASSERT_TRUE(refused);  // and again after the intruder's backoff
  EXPECT_NE(log.find("member 1 is in cluster 'other', not 'test'"), std::string::npos) << log;
  EXPECT_FALSE(good.transport->connected(1));
  EXPECT_FALSE(intruder.transport->connected(2));
  EXPECT_EQ(good.connects[1], 0);
  EXPECT_EQ(intruder.connects[2], 0);
}

TEST_F(PeerTransportTest, UnknownMemberIdIsRefusedAndLogged) {
  Member& good = Add(Options("test", 6, {7}));
  Member& stranger = Add(Options("test", 5, {6}));
  testing::internal::CaptureStderr();
  Wire({5, 6});
  bool refused = RunUntil([&] { return good.transport->stats().refused_handshakes >= 1; });
  std::string log = testing::internal::GetCapturedStderr();
  ASSERT_TRUE(refused);
  EXPECT_NE(log.find("member 5 is not a configured member"), std::string::npos) << log;
  EXPECT_FALSE(stranger.transport->connected(6));
  EXPECT_EQ(stranger.connects[6], 0);
}

TEST_F(PeerTransportTest, RestartedMemberIsReconnectedAndTrafficResumes) {
  Add(Options("test", 1, {2, 3}));
  Add(Options("test", 2, {1, 3}));
  Add(Options("test", 3, {1, 2}));
  Wire({1, 2, 3});
  ASSERT_TRUE(RunUntil([&] { return AllConnected({1, 2, 3}); }));

  // Member 2 dials 3 and is dialed by 1: its restart exercises both directions.
  uint16_t port = members_[2]->port;
  Stop(*members_[2]);
  ASSERT_TRUE(RunUntil(
      [&] { return members_[1]->disconnects[2] == 1 && members_[3]->disconnects[2] == 1; }));
  members_[1]->transport->Send(2, Proposal(1));  // queued while 2 is down
  Add(Options("test", 2, {1, 3}), port);
  Wire({2});
  ASSERT_TRUE(RunUntil([&] { return AllConnected({1, 2, 3}); }));
  for (MemberId peer : {1, 3}) {
    members_[2]->transport->Send(peer, Proposal(10));
    members_[peer]->transport->Send(2, Proposal(20));
  }
  ASSERT_TRUE(RunUntil([&] {
    return members_[2]->received[1].size() == 2 && members_[2]->received[3].size() == 1 &&
           members_[1]->received[2].size() == 1 && members_[3]->received[2].size() == 1;
  }));
  EXPECT_EQ(members_[2]->received[1], (std::vector<uint64_t>{1, 20}));
  EXPECT_EQ(members_[2]->received[3], (std::vector<uint64_t>{20}));
  EXPECT_EQ(members_[1]->received[2], (std::vector<uint64_t>{10}));
  EXPECT_EQ(members_[1]->connects[2], 2);
  EXPECT_EQ(members_[3]->connects[2], 2);
}

// A raw socket that plays member 1, dialing `port` with a blocking connect.
int DialRaw(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  return fd;
}

void WriteAll(int fd, const std::string& bytes) {
  ASSERT_EQ(write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
}

TEST_F(PeerTransportTest, MalformedFrameClosesThatConnectionOnly) {
  Add(Options("test", 2, {1, 3}));
  Add(Options("test", 3, {1, 2}));
  Wire({2, 3});
  ASSERT_TRUE(RunUntil([&] { return AllConnected({2, 3}); }));

  // "Member 1" completes the handshake with member 3, then sends a frame that is no message.
  int fd = DialRaw(members_[3]->port);
  WriteAll(fd, EncodeFrame(EncodePeerMessage(peer::Hello{"test", 1, peer::kProtocolVersion})));
  ASSERT_TRUE(RunUntil([&] { return members_[3]->transport->connected(1); }));
  WriteAll(fd, EncodeFrame("this is not a flatbuffer at all"));
  ASSERT_TRUE(RunUntil([&] { return members_[3]->transport->stats().malformed == 1; }));
  EXPECT_FALSE(members_[3]->transport->connected(1));
  EXPECT_EQ(members_[3]->disconnects[1], 1);
  // The socket sees the Hello reply and then EOF.
  std::string got;
  ASSERT_TRUE(RunUntil([&] {
    char buf[4096];
    ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n > 0) got.append(buf, static_cast<size_t>(n));
    return n == 0;
  }));
  FrameParser parser;
  parser.Feed(got);
  Result<std::optional<std::string>> hello = parser.Next();
  ASSERT_TRUE(hello.ok() && hello->has_value());
  Result<peer::Message> reply = DecodePeerMessage(**hello);
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(std::get<peer::Hello>(*reply).member_id, 3);
  close(fd);

  // A length header past the maximum is also malformed; the pair 2-3 never noticed.
  fd = DialRaw(members_[3]->port);
  WriteAll(fd, std::string("\xff\xff\xff\xff", 4));
  ASSERT_TRUE(RunUntil([&] { return members_[3]->transport->stats().malformed == 2; }));
  close(fd);
  EXPECT_TRUE(AllConnected({2, 3}));
  members_[2]->transport->Send(3, Proposal(42));
  ASSERT_TRUE(RunUntil([&] { return members_[3]->received[2].size() == 1; }));
  EXPECT_EQ(members_[3]->connects[2], 1);
}

TEST_F(PeerTransportTest, FirstMessageMustBeHello) {
  Add(Options("test", 3, {1}));
  Wire({3});
  int fd = DialRaw(members_[3]->port);
  WriteAll(fd, EncodeFrame(EncodePeerMessage(peer::Ack{1, 2})));
  ASSERT_TRUE(RunUntil([&] { return members_[3]->transport->stats().refused_handshakes == 1; }));
  close(fd);
  EXPECT_FALSE(members_[3]->transport->connected(1));
}

TEST_F(PeerTransportTest, QueueWhileDisconnectedDropsOldest) {
  PeerTransportOptions o = Options("test", 1, {2});
  o.max_queued_messages = 5;
  Add(std::move(o));
  Add(Options("test", 2, {1}));
  for (uint64_t i = 0; i < 12; ++i) members_[1]->transport->Send(2, Proposal(i));
  EXPECT_EQ(members_[1]->transport->stats().dropped_messages, 7u);
  Wire({1, 2});
  ASSERT_TRUE(RunUntil([&] { return members_[2]->received[1].size() == 5; }));
  EXPECT_EQ(members_[2]->received[1], Sequence(7, 12));
}

}  // namespace
}  // namespace coord::server
