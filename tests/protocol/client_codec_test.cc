#include "protocol/client_codec.h"

#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "coord/base/prng.h"
#include "tests/protocol/client_samples.h"

namespace coord {
namespace {

using testing::kBinary;
using testing::SampleClientMessages;
using testing::SampleServerMessages;

template <typename M>
Result<M> Decode(std::string_view bytes);
template <>
Result<ClientMessage> Decode<ClientMessage>(std::string_view bytes) {
  return DecodeClientMessage(bytes);
}
template <>
Result<ServerMessage> Decode<ServerMessage>(std::string_view bytes) {
  return DecodeServerMessage(bytes);
}
std::string Encode(const ClientMessage& m) { return EncodeClientMessage(m); }
std::string Encode(const ServerMessage& m) { return EncodeServerMessage(m); }

template <typename M>
void ExpectRoundTrip(const M& message) {
  const std::string bytes = Encode(message);
  Result<M> decoded = Decode<M>(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_TRUE(*decoded == message);
  // Deterministic: re-encoding what was decoded gives the same bytes.
  EXPECT_EQ(Encode(*decoded), bytes);
}

// What every decode of damaged bytes must do: fail with kMarshallingError and a reason, or yield
// a message that itself round-trips. Returns whether it decoded.
template <typename M>
bool ExpectCleanOutcome(std::string_view bytes) {
  Result<M> decoded = Decode<M>(bytes);
  if (!decoded.ok()) {
    EXPECT_EQ(decoded.code(), Code::kMarshallingError) << decoded.status().ToString();
    EXPECT_FALSE(decoded.status().message().empty());
    return false;
  }
  Result<M> again = Decode<M>(Encode(*decoded));
  EXPECT_TRUE(again.ok() && *again == *decoded);
  return true;
}

template <typename V, size_t... I>
std::vector<V> EachDefault(std::index_sequence<I...>) {
  return {V(std::in_place_index<I>)...};
}
template <typename V>
std::vector<V> EachDefault() {
  return EachDefault<V>(std::make_index_sequence<std::variant_size_v<V>>());
}

TEST(ClientCodecTest, EveryClientMessageRoundTrips) {
  std::set<size_t> ops;
  std::set<size_t> kinds;
  for (const ClientMessage& m : SampleClientMessages()) {
    SCOPED_TRACE(std::holds_alternative<ClientRequest>(m)
                     ? ClientOpName(std::get<ClientRequest>(m).op)
                     : "connect");
    ExpectRoundTrip(m);
    kinds.insert(m.index());
    if (const auto* r = std::get_if<ClientRequest>(&m)) ops.insert(r->op.index());
  }
  EXPECT_EQ(kinds.size(), std::variant_size_v<ClientMessage>);
  EXPECT_EQ(ops.size(), std::variant_size_v<ClientOp>) << "a ClientOp without a sample";
}

TEST(ClientCodecTest, EveryServerMessageRoundTrips) {
  std::set<size_t> bodies;
  std::set<size_t> kinds;
  std::set<WatchEventType> events;
  for (const ServerMessage& m : SampleServerMessages()) {
    ExpectRoundTrip(m);
    kinds.insert(m.index());
    if (const auto* r = std::get_if<ClientResponse>(&m)) bodies.insert(r->body.index());
    if (const auto* e = std::get_if<WatchEventMessage>(&m)) events.insert(e->type);
  }
  EXPECT_EQ(kinds.size(), std::variant_size_v<ServerMessage>);
  EXPECT_EQ(bodies.size(), std::variant_size_v<ResponseBody>) << "a response body without sample";
  EXPECT_EQ(events.size(), 4u);
}

TEST(ClientCodecTest, DefaultValuesRoundTrip) {
  // Defaults are the fields FlatBuffers leaves out of the buffer (version -1, type Any...).
  for (const ClientOp& op : EachDefault<ClientOp>()) {
    SCOPED_TRACE(ClientOpName(op));
    ExpectRoundTrip(ClientMessage(ClientRequest{0, op}));
  }
  for (const ClientMessage& m : EachDefault<ClientMessage>()) ExpectRoundTrip(m);
  for (const ResponseBody& body : EachDefault<ResponseBody>()) {
    ExpectRoundTrip(ServerMessage(ClientResponse{0, 0, Code::kOk, "", body}));
  }
  for (const ServerMessage& m : EachDefault<ServerMessage>()) ExpectRoundTrip(m);
}

TEST(ClientCodecTest, EveryDefinedCodeRoundTrips) {
  for (int code = 0; code <= static_cast<int>(Code::kInternal); ++code) {
    ClientResponse r;
    r.code = static_cast<Code>(code);
    ExpectRoundTrip(ServerMessage(r));
    OpResponse op;
    op.code = static_cast<Code>(code);
    r.body = MultiResponse{{op}};
    ExpectRoundTrip(ServerMessage(r));
  }
}

TEST(ClientCodecTest, ClientOpNames) {
  const std::vector<std::string> expected = {"create",           "delete",         "set_data",
                                             "set_acl",          "check",          "multi",
                                             "exists",           "get_data",       "get_children",
                                             "get_acl",          "multi_read",     "sync",
                                             "add_watch",        "remove_watches", "set_watches",
                                             "get_ephemerals",   "add_auth",       "whoami",
                                             "server_status",    "ping",           "close_session",
                                             "count_descendants"};
  std::vector<ClientOp> ops = EachDefault<ClientOp>();
  ASSERT_EQ(ops.size(), expected.size());
  for (size_t i = 0; i < ops.size(); ++i) EXPECT_EQ(ClientOpName(ops[i]), expected[i]);
}

TEST(ClientCodecTest, LargeMessagesRoundTrip) {
  // The most tables and strings per byte the encoder writes: the decoder's limits against shared
  // offsets (tables per byte, bytes copied per byte) must never refuse them.
  ExpectRoundTrip(
      ClientMessage(ClientRequest{1, SetDataRequest{"/big", std::string(1 << 20, 'x'), 1}}));
  MultiRequest multi;
  for (int i = 0; i < 2000; ++i) multi.ops.push_back(DeleteRequest{"", i});
  for (int i = 0; i < 2000; ++i) multi.ops.push_back(CheckRequest{});
  ExpectRoundTrip(ClientMessage(ClientRequest{2, multi}));
  SetAclRequest acl{"/", AclList(5000, Acl{}), 0};
  ExpectRoundTrip(ClientMessage(ClientRequest{3, acl}));
  SetWatchesRequest watches;
  watches.data.assign(10000, "");
  watches.child.assign(10000, "/");
  ExpectRoundTrip(ClientMessage(ClientRequest{4, watches}));
  MultiReadRequest reads;
  reads.ops.assign(3000, ExistsRequest{});
  ExpectRoundTrip(ClientMessage(ClientRequest{5, reads}));
  GetChildrenResponse children;
  for (int i = 0; i < 20000; ++i) children.names.push_back("n" + std::to_string(i));
  ExpectRoundTrip(ServerMessage(ClientResponse{6, 0, Code::kOk, "", children}));
  MultiResponse results;
  results.results.assign(5000, OpResponse{});
  ExpectRoundTrip(ServerMessage(ClientResponse{7, 0, Code::kOk, "", results}));
  WhoAmIResponse who;
  who.identities.assign(5000, ClientIdentity{});
  ExpectRoundTrip(ServerMessage(ClientResponse{8, 0, Code::kOk, "", who}));
}

TEST(ClientCodecTest, DecodesFromAMisalignedBuffer) {
  for (const ClientMessage& m : SampleClientMessages()) {
    const std::string bytes = EncodeClientMessage(m);
    for (size_t shift = 1; shift < 8; ++shift) {
      std::string padded(shift, '\0');
      padded += bytes;
      Result<ClientMessage> decoded = DecodeClientMessage(std::string_view(padded).substr(shift));
      ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
      EXPECT_TRUE(*decoded == m);
    }
  }
}

TEST(ClientCodecTest, EmptyBufferIsAMarshallingError) {
  EXPECT_EQ(DecodeClientMessage("").code(), Code::kMarshallingError);
  EXPECT_EQ(DecodeServerMessage("").code(), Code::kMarshallingError);
  EXPECT_EQ(DecodeClientMessage(std::string_view()).code(), Code::kMarshallingError);
}

TEST(ClientCodecTest, MessagesSentTheWrongWayRoundAreRefused) {
  for (const ServerMessage& m : SampleServerMessages()) {
    Result<ClientMessage> decoded = DecodeClientMessage(EncodeServerMessage(m));
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.code(), Code::kMarshallingError);
    EXPECT_NE(decoded.status().message().find("file identifier"), std::string::npos)
        << decoded.status().message();
  }
  for (const ClientMessage& m : SampleClientMessages()) {
    Result<ServerMessage> decoded = DecodeServerMessage(EncodeClientMessage(m));
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.code(), Code::kMarshallingError);
  }
}

// Every proper prefix fails, except that dropping only the alignment padding at the very end
// may leave the same message.
template <typename M>
void ExpectEveryTruncationFails(const M& message) {
  const std::string bytes = Encode(message);
  for (size_t n = 0; n < bytes.size(); ++n) {
    Result<M> decoded = Decode<M>(std::string_view(bytes).substr(0, n));
    if (decoded.ok()) {
      EXPECT_GT(n + 8, bytes.size()) << "a prefix of " << n << " of " << bytes.size() << " decoded";
      EXPECT_TRUE(*decoded == message) << "prefix " << n << " decoded to another message";
    } else {
      EXPECT_EQ(decoded.code(), Code::kMarshallingError);
    }
  }
}

TEST(ClientCodecTest, EveryTruncationFailsCleanly) {
  for (const ClientMessage& m : SampleClientMessages()) ExpectEveryTruncationFails(m);
  for (const ServerMessage& m : SampleServerMessages()) ExpectEveryTruncationFails(m);
}

template <typename M>
void FlipBits(const std::vector<M>& samples, Prng& prng, int* decoded, int* refused) {
  for (const M& m : samples) {
    const std::string bytes = Encode(m);
    for (int round = 0; round < 300; ++round) {
      std::string damaged = bytes;
      const int flips = 1 + static_cast<int>(prng.Uniform(3));
      for (int f = 0; f < flips; ++f) {
        damaged[prng.Uniform(damaged.size())] ^= static_cast<char>(1 << prng.Uniform(8));
      }
      (ExpectCleanOutcome<M>(damaged) ? *decoded : *refused) += 1;
    }
  }
}

TEST(ClientCodecTest, BitFlipsFailCleanlyOrDecodeToARoundTrippingMessage) {
  Prng prng(20240611);
  int decoded = 0;
  int refused = 0;
  FlipBits(SampleClientMessages(), prng, &decoded, &refused);
  FlipBits(SampleServerMessages(), prng, &decoded, &refused);
  // A flip in a scalar (an id, a version) still decodes; one in an offset, a length, a union type
  // or an enum does not. Both must happen, or the test is not exercising the decoder.
  EXPECT_GT(decoded, 1000);
  EXPECT_GT(refused, 1000);
}

TEST(ClientCodecTest, RandomGarbageFailsCleanly) {
  Prng prng(7);
  int decoded = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string garbage(prng.Uniform(200), '\0');
    for (char& c : garbage) c = static_cast<char>(prng.Next());
    // Half with the right file identifier, so that the Verifier is reached at all.
    if (i % 2 == 0 && garbage.size() >= 8) std::memcpy(garbage.data() + 4, "CCLM", 4);
    if (i % 4 == 1 && garbage.size() >= 8) std::memcpy(garbage.data() + 4, "CSVM", 4);
    decoded += ExpectCleanOutcome<ClientMessage>(garbage);
    decoded += ExpectCleanOutcome<ServerMessage>(garbage);
  }
  EXPECT_LT(decoded, 200) << "random bytes should almost never verify";
}

TEST(ClientCodecTest, BinaryFieldsKeepTheirBytes) {
  Result<ClientMessage> decoded =
      DecodeClientMessage(EncodeClientMessage(ClientRequest{9, SetDataRequest{"/n", kBinary, 1}}));
  ASSERT_TRUE(decoded.ok());
  const std::string& data = std::get<SetDataRequest>(std::get<ClientRequest>(*decoded).op).data;
  EXPECT_EQ(data.size(), kBinary.size());
  EXPECT_EQ(data, kBinary);
}

}  // namespace
}  // namespace coord
