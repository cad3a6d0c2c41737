#include "coord/server/peer_messages.h"

#include <gtest/gtest.h>

#include "protocol/client_codec.h"
#include "protocol/peer_codec.h"

namespace coord::server {
namespace {

// One message of every zab type, every field away from its default, through the wire and back.
TEST(PeerMessagesTest, EveryZabMessageSurvivesTheWire) {
  zab::Entry e{MakeZxid(3, 4), std::string("\0entry", 6)};
  std::vector<zab::Message> all = {
      zab::Notification{zab::Vote{2, MakeZxid(1, 2), 3}, 4, zab::ServerState::kFollowing},
      zab::FollowerInfo{5, MakeZxid(5, 6)},
      zab::LeaderInfo{7},
      zab::AckEpoch{8, 7, MakeZxid(7, 1)},
      zab::Trunc{9, MakeZxid(8, 2)},
      zab::Snap{10, zab::SnapshotData{MakeZxid(9, 3), "snapshot bytes"}},
      zab::Diff{11, {e, zab::Entry{MakeZxid(3, 5), "x"}}, MakeZxid(3, 4), MakeZxid(3, 3)},
      zab::NewLeader{12, MakeZxid(11, 0)},
      zab::AckNewLeader{13, MakeZxid(12, 0)},
      zab::UpToDate{14, MakeZxid(13, 9)},
      zab::Proposal{15, e},
      zab::Ack{16, MakeZxid(15, 1)},
      zab::Commit{17, MakeZxid(16, 1)},
      zab::Inform{18, e},
      zab::Ping{19, MakeZxid(18, 7)},
      zab::PingAck{20},
  };
  ASSERT_EQ(all.size(), std::variant_size_v<zab::Message>);
  for (size_t i = 0; i < all.size(); ++i) {
    ASSERT_EQ(all[i].index(), i);
    Result<peer::Message> wire = DecodePeerMessage(EncodePeerMessage(ToWire(all[i])));
    ASSERT_TRUE(wire.ok()) << wire.status().ToString();
    Result<zab::Message> back = FromWire(std::move(wire).value());
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    // Compare by re-encoding: zab's messages do not all define ==.
    EXPECT_EQ(EncodePeerMessage(ToWire(*back)), EncodePeerMessage(ToWire(all[i])))
        << zab::MessageName(all[i]);
  }
  // Named results: a reference into a temporary Result would dangle.
  Result<zab::Message> notification = FromWire(ToWire(all[0]));
  ASSERT_TRUE(notification.ok());
  const auto& n = std::get<zab::Notification>(*notification);
  EXPECT_EQ(n.vote, (zab::Vote{2, MakeZxid(1, 2), 3}));
  EXPECT_EQ(n.round, 4u);
  EXPECT_EQ(n.state, zab::ServerState::kFollowing);
  Result<zab::Message> snap_message = FromWire(ToWire(all[5]));
  ASSERT_TRUE(snap_message.ok());
  const auto& snap = std::get<zab::Snap>(*snap_message);
  Result<zab::Message> diff = FromWire(ToWire(all[6]));
  ASSERT_TRUE(diff.ok());
  EXPECT_EQ(std::get<zab::Diff>(*diff).after, MakeZxid(3, 3));
  EXPECT_EQ(snap.snapshot, (zab::SnapshotData{MakeZxid(9, 3), "snapshot bytes"}));
}

TEST(PeerMessagesTest, HelloIsNotAZabMessage) {
  Result<zab::Message> r = FromWire(peer::Hello{"c", 1, 1});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kMarshallingError);
}

// --- member messages ----------------------------------------------------------------------------

AuthContext SomeAuth(bool superuser) {
  return AuthContext{{Identity{"digest", "alice:hash="}, Identity{"ip", "10.0.0.7"}}, superuser};
}

// A member message through the encoded wire and back.
Result<MemberMessage> ThroughTheWire(const MemberMessage& message) {
  Result<peer::Message> wire = DecodePeerMessage(EncodePeerMessage(ToWire(message)));
  if (!wire.ok()) return wire.status();
  return MemberFromWire(std::move(wire).value());
}

void ExpectSameForward(const ForwardRequest& got, const ForwardRequest& want) {
  EXPECT_EQ(got.session, want.session);
  EXPECT_EQ(got.request_id, want.request_id);
  EXPECT_EQ(got.auth.identities, want.auth.identities);
  EXPECT_EQ(got.auth.superuser, want.auth.superuser);
  ASSERT_EQ(got.op.index(), want.op.index());
  if (const auto* op = std::get_if<ClientOp>(&want.op)) {
    EXPECT_EQ(std::get<ClientOp>(got.op), *op) << ClientOpName(*op);
  } else {
    const auto& w = std::get<CreateSessionRequest>(want.op);
    const auto& g = std::get<CreateSessionRequest>(got.op);
    EXPECT_EQ(g.session_id, w.session_id);
    EXPECT_EQ(g.timeout_ms, w.timeout_ms);
    EXPECT_EQ(g.password, w.password);
  }
}

TEST(PeerMessagesTest, EveryForwardedOpSurvivesTheWire) {
  AclList digest_acl = {Acl{perm::kAll, "digest", "alice:hash="}};
  CreateRequest create{
      "/app/lock-", std::string("\0data", 5), digest_acl, NodeKind::kEphemeral, true, 0};
  MultiRequest multi{{CreateRequest{"/app/ttl", "t", OpenAcl(), NodeKind::kTtl, false, 60000},
                      DeleteRequest{"/app/old", 3}, SetDataRequest{"/app", "v", 7},
                      CheckRequest{"/app", 8}}};
  std::vector<ForwardRequest> all = {
      ForwardRequest{0x1234567890, 1, SomeAuth(false), ClientOp(create)},
      ForwardRequest{0x1234567890, 2, SomeAuth(true), ClientOp(multi)},
      ForwardRequest{-5, 3, AuthContext{}, ClientOp(SyncRequest{"/app"})},
      ForwardRequest{7, -4, SomeAuth(false), ClientOp(CloseSessionClientRequest{})},
      ForwardRequest{0x7000000000000001, 5, SomeAuth(true),
                     CreateSessionRequest{0x7000000000000001, 30000, std::string("pass\0word", 9)}},
      ForwardRequest{9, 0, AuthContext{}, CreateSessionRequest{9, 0, ""}},
  };
  for (const ForwardRequest& want : all) {
    Result<MemberMessage> back = ThroughTheWire(want);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    const auto* got = std::get_if<ForwardRequest>(&*back);
    ASSERT_NE(got, nullptr);
    ExpectSameForward(*got, want);
  }
}

TEST(PeerMessagesTest, ForwardReplyAndSessionTouchesSurviveTheWire) {
  for (const ForwardReply& want : {ForwardReply{3, 4, Code::kOk, "", MakeZxid(5, 6)},
                                   ForwardReply{-3, -4, Code::kThrottled, "too busy", 0},
                                   ForwardReply{1, 2, Code::kInternal, "last code", 1}}) {
    Result<MemberMessage> back = ThroughTheWire(want);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    const auto& got = std::get<ForwardReply>(*back);
    EXPECT_EQ(got.session, want.session);
    EXPECT_EQ(got.request_id, want.request_id);
    EXPECT_EQ(got.code, want.code);
    EXPECT_EQ(got.message, want.message);
    EXPECT_EQ(got.zxid, want.zxid);
  }
  for (const SessionTouches& want :
       {SessionTouches{}, SessionTouches{{1, -2, 0x7fffffffffffffff, 0x1234567890}}}) {
    Result<MemberMessage> back = ThroughTheWire(want);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(std::get<SessionTouches>(*back).sessions, want.sessions);
  }
}

void ExpectMarshallingError(const Result<MemberMessage>& r, const std::string& fragment) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kMarshallingError);
  EXPECT_NE(r.status().message().find(fragment), std::string::npos) << r.status().ToString();
}

TEST(PeerMessagesTest, MalformedMemberMessagesAreErrors) {
  peer::Forward garbage{1, 2, {}, false, "this is not a client message", 0, ""};
  ExpectMarshallingError(MemberFromWire(garbage), "client request");
  ExpectMarshallingError(MemberFromWire(peer::Forward{1, 2, {}, false, "\x01", 0, ""}),
                         "client request");
  peer::Forward connect{1, 2, {}, false, EncodeClientMessage(ConnectRequest{}), 0, ""};
  ExpectMarshallingError(MemberFromWire(connect), "not a ClientRequest");
  peer::Forward other_id{1, 2, {}, false, EncodeClientMessage(ClientRequest{3, SyncRequest{"/"}}),
                         0, ""};
  ExpectMarshallingError(MemberFromWire(other_id), "id 3, not 2");
  ExpectMarshallingError(MemberFromWire(peer::ForwardReply{1, 2, -1, "", 0}), "code -1");
  ExpectMarshallingError(MemberFromWire(peer::ForwardReply{1, 2, 9999, "", 0}), "code 9999");
  ExpectMarshallingError(MemberFromWire(peer::Ack{1, 2}), "Ack is not a member message");
  ExpectMarshallingError(MemberFromWire(peer::Hello{"c", 1, 1}), "not a member message");
  // The member messages are not Zab's.
  for (const peer::Message& m : {peer::Message(garbage), peer::Message(peer::ForwardReply{}),
                                 peer::Message(peer::SessionTouches{})}) {
    Result<zab::Message> r = FromWire(m);
    ASSERT_FALSE(r.ok()) << PeerMessageName(m);
    EXPECT_EQ(r.status().code(), Code::kMarshallingError);
  }
}

}  // namespace
}  // namespace coord::server
