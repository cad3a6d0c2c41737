#include "coord/server/peer_messages.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace coord::server
