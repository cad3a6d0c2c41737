#include "protocol/peer_codec.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "coord/base/prng.h"

namespace coord {
namespace {

const std::string kBinary("\0\x01\xff\0payload\0", 12);

peer::Entry SomeEntry(Zxid zxid) { return peer::Entry{zxid, kBinary + std::to_string(zxid)}; }

// One message of every type, every field away from its default.
std::vector<peer::Message> Samples() {
  return {
      peer::Hello{"cluster-\xe2\x9c\x93", 3, 7},
      peer::Notification{2, MakeZxid(5, 9), 5, 0x1234567890ULL, peer::ServerState::kObserving},
      peer::Notification{-1, ~Zxid{0}, ~Epoch{0}, ~uint64_t{0}, peer::ServerState::kLeading},
      peer::FollowerInfo{4, MakeZxid(3, 100)},
      peer::LeaderInfo{0xfffffffe},
      peer::AckEpoch{6, 5, MakeZxid(5, 1)},
      peer::Trunc{7, MakeZxid(6, 77)},
      peer::Snap{8, MakeZxid(7, 3), std::string(100000, '\x5a') + kBinary},
      peer::Snap{8, 0, ""},
      peer::Diff{
          9, {SomeEntry(1), SomeEntry(2), peer::Entry{3, ""}}, MakeZxid(8, 2), MakeZxid(8, 1)},
      peer::Diff{9, {}, 0, 0},
      peer::NewLeader{10, MakeZxid(9, 4)},
      peer::AckNewLeader{11, MakeZxid(10, 0)},
      peer::UpToDate{12, MakeZxid(11, 5)},
      peer::Proposal{13, SomeEntry(MakeZxid(13, 1))},
      peer::Ack{14, MakeZxid(14, 2)},
      peer::Commit{15, MakeZxid(15, 3)},
      peer::Inform{16, SomeEntry(MakeZxid(16, 4))},
      peer::Ping{17, MakeZxid(17, 5)},
      peer::PingAck{18},
      peer::Forward{-19,
                    -20,
                    {peer::Identity{"digest", "user:hash\xe2\x9c\x93"}, peer::Identity{"ip", ""}},
                    true,
                    kBinary + "client request",
                    -21,
                    kBinary + "password"},
      peer::Forward{22, 23, {}, false, "", 30000, ""},
      peer::ForwardReply{-24, -25, 17, "throttled: \xe2\x9c\x93", MakeZxid(25, 6)},
      peer::ForwardReply{},
      peer::SessionTouches{{1, -2, 0x7fffffffffffffff, -0x7fffffffffffffff - 1}},
      peer::SessionTouches{},
  };
}

TEST(PeerCodecTest, EveryMessageTypeRoundTrips) {
  std::vector<bool> seen(std::variant_size_v<peer::Message>, false);
  for (const peer::Message& m : Samples()) {
    seen[m.index()] = true;
    std::string bytes = EncodePeerMessage(m);
    Result<peer::Message> back = DecodePeerMessage(bytes);
    ASSERT_TRUE(back.ok()) << PeerMessageName(m) << ": " << back.status().ToString();
    EXPECT_EQ(*back, m) << PeerMessageName(m);
  }
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_TRUE(seen[i]) << "no sample of type " << i;
}

TEST(PeerCodecTest, DecodesFromAMisalignedBuffer) {
  std::string bytes = "x" + EncodePeerMessage(peer::Proposal{1, SomeEntry(5)});
  Result<peer::Message> back = DecodePeerMessage(std::string_view(bytes).substr(1));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, peer::Message(peer::Proposal{1, SomeEntry(5)}));
}

void ExpectMalformed(std::string_view bytes, const std::string& fragment) {
  Result<peer::Message> r = DecodePeerMessage(bytes);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kMarshallingError);
  EXPECT_NE(r.status().message().find(fragment), std::string::npos) << r.status().ToString();
}

TEST(PeerCodecTest, NamedErrors) {
  ExpectMalformed("", "empty peer message");
  ExpectMalformed(std::string(64, '\0'), "peer message");
  std::string bytes = EncodePeerMessage(peer::Ack{1, 2});
  bytes[4] = 'X';  // the file identifier
  ExpectMalformed(bytes, "file identifier is not CPEE");
}

// Truncations, bit flips and garbage: decoding returns (ok or an error), never crashes. Seeded and
// bounded; run under ASan/UBSan in the sanitizer build.
TEST(PeerCodecTest, DamagedBuffersNeverCrash) {
  Prng prng(20240601);
  std::vector<std::string> encoded;
  for (const peer::Message& m : Samples()) encoded.push_back(EncodePeerMessage(m));
  int errors = 0;
  for (const std::string& bytes : encoded) {
    for (size_t len = 0; len < bytes.size() && len < 512; ++len) {
      errors += !DecodePeerMessage(std::string_view(bytes).substr(0, len)).ok();
    }
    for (int i = 0; i < 300; ++i) {
      std::string damaged = bytes;
      int flips = 1 + static_cast<int>(prng.Uniform(4));
      for (int f = 0; f < flips; ++f) {
        size_t at = prng.Uniform(std::min<size_t>(damaged.size(), 4096));
        damaged[at] = static_cast<char>(damaged[at] ^ (1 << prng.Uniform(8)));
      }
      errors += !DecodePeerMessage(damaged).ok();
    }
  }
  for (int i = 0; i < 2000; ++i) {
    std::string garbage(prng.Uniform(256), '\0');
    for (char& c : garbage) c = static_cast<char>(prng.Next());
    errors += !DecodePeerMessage(garbage).ok();
  }
  EXPECT_GT(errors, 0);
}

}  // namespace
}  // namespace coord
