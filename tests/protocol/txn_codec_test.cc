#include "protocol/txn_codec.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "coord/base/prng.h"

namespace coord {
namespace {

const std::string kBinary("\0\x01\xff\0data\0", 9);

AclList SomeAcl() {
  return {Acl{perm::kAll, "world", "anyone"},
          Acl{perm::kRead | perm::kAdmin, "digest", "alice:XbUx6iS/3n2bZTs9b5M6XqW+3sU="},
          Acl{perm::kCreate, "ip", "10.0.0.0/8"}, Acl{0, "", ""}};
}

TxnRecord Record(Txn txn) {
  TxnRecord r;
  r.time_ms = 1700000000123;
  r.session_id = 0x1234567890abcdefLL;
  r.request_id = 77;
  r.txn = std::move(txn);
  return r;
}

CreateTxn SampleCreate() {
  CreateTxn c;
  c.path = "/app/lock-0000000042";
  c.data = kBinary;
  c.acl = SomeAcl();
  c.kind = NodeKind::kEphemeral;
  c.ephemeral_owner = 0x100000001;
  c.ttl_ms = 0;
  c.sequential = true;
  return c;
}

// Every alternative of Txn with non-default field values.
std::vector<TxnRecord> OneOfEach() {
  CreateTxn ttl;
  ttl.path = "/ttl";
  ttl.kind = NodeKind::kTtl;
  ttl.ttl_ms = 60000;
  ttl.acl = OpenAcl();
  MultiTxn multi;
  multi.ops = {SampleCreate(),
               DeleteTxn{"/old", 3, false},
               SetDataTxn{"/cfg", kBinary, 7},
               SetAclTxn{"/cfg", SomeAcl(), 2},
               CheckTxn{"/guard", 0},
               ttl};
  return {
      Record(SampleCreate()),
      Record(ttl),
      Record(DeleteTxn{"/container", kAnyVersion, true}),
      Record(DeleteTxn{"/a", 5, false}),
      Record(SetDataTxn{"/a", kBinary, 12}),
      Record(SetDataTxn{"/a", "", kAnyVersion}),
      Record(SetAclTxn{"/a", SomeAcl(), 4}),
      Record(SetAclTxn{"/a", {}, kAnyVersion}),
      Record(CheckTxn{"/a", 9}),
      Record(multi),
      Record(MultiTxn{}),
      Record(CreateSessionTxn{0x200000007, 30000, kBinary}),
      Record(CloseSessionTxn{0x200000007}),
      Record(ErrorTxn{Code::kNoNode, -1}),
      Record(ErrorTxn{Code::kBadVersion, 3}),
  };
}

void ExpectRoundTrip(const TxnRecord& record) {
  const std::string bytes = EncodeTxnRecord(record);
  Result<TxnRecord> decoded = DecodeTxnRecord(bytes);
  ASSERT_TRUE(decoded.ok()) << TxnName(record.txn) << ": " << decoded.status().ToString();
  EXPECT_TRUE(*decoded == record) << TxnName(record.txn);
  // Encoding is deterministic: the decoded record encodes to the same bytes.
  EXPECT_EQ(EncodeTxnRecord(*decoded), bytes) << TxnName(record.txn);
}

TEST(TxnCodecTest, RoundTripsEveryTxnKind) {
  const std::vector<TxnRecord> records = OneOfEach();
  std::vector<bool> seen(std::variant_size_v<Txn>, false);
  for (const TxnRecord& record : records) {
    ExpectRoundTrip(record);
    seen[record.txn.index()] = true;
  }
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_TRUE(seen[i]) << "no sample of alternative " << i;
}

TEST(TxnCodecTest, RoundTripsCreateFieldsExactly) {
  const std::string bytes = EncodeTxnRecord(Record(SampleCreate()));
  Result<TxnRecord> decoded = DecodeTxnRecord(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  const auto* create = std::get_if<CreateTxn>(&decoded->txn);
  ASSERT_NE(create, nullptr);
  EXPECT_EQ(create->path, "/app/lock-0000000042");
  EXPECT_EQ(create->data.size(), 9u);  // NUL bytes kept, not cut at the first one
  EXPECT_EQ(create->data, kBinary);
  EXPECT_EQ(create->acl, SomeAcl());
  EXPECT_EQ(create->kind, NodeKind::kEphemeral);
  EXPECT_EQ(create->ephemeral_owner, 0x100000001);
  EXPECT_TRUE(create->sequential);
}

TEST(TxnCodecTest, RoundTripsRecordFields) {
  for (int64_t v : {std::numeric_limits<int64_t>::min(), int64_t{-1}, int64_t{0}, int64_t{1},
                    std::numeric_limits<int64_t>::max()}) {
    TxnRecord r = Record(CloseSessionTxn{v});
    r.time_ms = v;
    r.session_id = -v - 1;
    r.request_id = v;
    ExpectRoundTrip(r);
  }
  ExpectRoundTrip(TxnRecord{});  // all defaults
}

TEST(TxnCodecTest, RoundTripsVersionExtremes) {
  // -1 is the schema default (not stored); the others are stored.
  for (int32_t version : {kAnyVersion, 0, 1, std::numeric_limits<int32_t>::max(),
                          std::numeric_limits<int32_t>::min()}) {
    ExpectRoundTrip(Record(DeleteTxn{"/v", version, false}));
    ExpectRoundTrip(Record(SetDataTxn{"/v", "x", version}));
    ExpectRoundTrip(Record(SetAclTxn{"/v", OpenAcl(), version}));
    ExpectRoundTrip(Record(CheckTxn{"/v", version}));
    ExpectRoundTrip(Record(ErrorTxn{Code::kRuntimeInconsistency, version}));
  }
}

TEST(TxnCodecTest, RoundTripsEveryErrorCodeAndNodeKind) {
  for (int code = 0; code <= static_cast<int>(Code::kInternal); ++code) {
    ExpectRoundTrip(Record(ErrorTxn{static_cast<Code>(code), 0}));
  }
  for (NodeKind kind :
       {NodeKind::kPersistent, NodeKind::kEphemeral, NodeKind::kContainer, NodeKind::kTtl}) {
    CreateTxn c = SampleCreate();
    c.kind = kind;
    ExpectRoundTrip(Record(c));
  }
}

TEST(TxnCodecTest, RoundTripsLargeData) {
  CreateTxn c = SampleCreate();
  c.data.assign(1 << 20, '\0');
  for (size_t i = 0; i < c.data.size(); i += 4099) c.data[i] = static_cast<char>(i);
  ExpectRoundTrip(Record(c));
}

TEST(TxnCodecTest, TxnNames) {
  EXPECT_STREQ(TxnName(CreateTxn{}), "create");
  EXPECT_STREQ(TxnName(DeleteTxn{}), "delete");
  EXPECT_STREQ(TxnName(SetDataTxn{}), "set_data");
  EXPECT_STREQ(TxnName(SetAclTxn{}), "set_acl");
  EXPECT_STREQ(TxnName(CheckTxn{}), "check");
  EXPECT_STREQ(TxnName(MultiTxn{}), "multi");
  EXPECT_STREQ(TxnName(CreateSessionTxn{}), "create_session");
  EXPECT_STREQ(TxnName(CloseSessionTxn{}), "close_session");
  EXPECT_STREQ(TxnName(ErrorTxn{}), "error");
}

TEST(TxnCodecTest, DecodesFromMisalignedBuffers) {
  // LMDB values and network frames come at any address.
  for (const TxnRecord& record : OneOfEach()) {
    const std::string bytes = EncodeTxnRecord(record);
    std::unique_ptr<char[]> storage(new char[bytes.size() + 16]);
    for (size_t offset = 1; offset < 16; offset += 2) {
      std::memcpy(storage.get() + offset, bytes.data(), bytes.size());
      Result<TxnRecord> decoded =
          DecodeTxnRecord(std::string_view(storage.get() + offset, bytes.size()));
      ASSERT_TRUE(decoded.ok()) << "offset " << offset << ": " << decoded.status().ToString();
      EXPECT_TRUE(*decoded == record) << TxnName(record.txn) << " at offset " << offset;
    }
  }
}

// --- damaged input: always kCorruption or a valid record, never a crash ------------------------

void ExpectCorruption(std::string_view bytes, const std::string& what) {
  Result<TxnRecord> decoded = DecodeTxnRecord(bytes);
  ASSERT_FALSE(decoded.ok()) << what;
  EXPECT_EQ(decoded.code(), Code::kCorruption) << what;
}

TEST(TxnCodecTest, EmptyAndGarbageBuffersAreCorruption) {
  ExpectCorruption(std::string_view(), "null view");
  ExpectCorruption("", "empty");
  ExpectCorruption(std::string(1, '\0'), "one zero byte");
  ExpectCorruption(std::string(4, '\0'), "a zero root offset");
  ExpectCorruption(std::string(64, '\0'), "64 zero bytes");
  ExpectCorruption(std::string(64, '\xff'), "64 0xff bytes");
  ExpectCorruption("this is not a flatbuffer, just some text", "text");
  ExpectCorruption(std::string("\x04\0\0\0", 4), "a root offset pointing at the end");
}

TEST(TxnCodecTest, UnknownEnumValuesAreCorruption) {
  // The FlatBuffers verifier checks structure, not enum ranges: the codec must.
  ExpectCorruption(EncodeTxnRecord(Record(ErrorTxn{static_cast<Code>(999), 0})), "error code 999");
  ExpectCorruption(EncodeTxnRecord(Record(ErrorTxn{static_cast<Code>(-1), 0})), "error code -1");
  CreateTxn c = SampleCreate();
  c.kind = static_cast<NodeKind>(7);
  ExpectCorruption(EncodeTxnRecord(Record(c)), "node kind 7");
  MultiTxn multi;
  multi.ops = {CheckTxn{"/a", 1}, c};
  ExpectCorruption(EncodeTxnRecord(Record(multi)), "node kind 7 inside a multi");
}

// Decoding damaged bytes must give kCorruption or a record that re-encodes and decodes to itself;
// returns whether it decoded.
bool DecodesSafely(std::string_view bytes, const std::string& what) {
  Result<TxnRecord> decoded = DecodeTxnRecord(bytes);
  if (!decoded.ok()) {
    EXPECT_EQ(decoded.code(), Code::kCorruption) << what;
    return false;
  }
  Result<TxnRecord> again = DecodeTxnRecord(EncodeTxnRecord(*decoded));
  EXPECT_TRUE(again.ok() && *again == *decoded) << what;
  return true;
}

TEST(TxnCodecTest, EveryTruncationIsCorruptionOrTheSameRecord) {
  for (const TxnRecord& record : OneOfEach()) {
    const std::string bytes = EncodeTxnRecord(record);
    size_t decoded = 0;
    for (size_t n = 0; n < bytes.size(); ++n) {
      // A copy of exactly n bytes, so that AddressSanitizer sees any read past the end.
      const std::string prefix = bytes.substr(0, n);
      Result<TxnRecord> r = DecodeTxnRecord(prefix);
      if (r.ok()) {
        // Only alignment padding at the very end may be cut without losing content.
        ++decoded;
        EXPECT_TRUE(*r == record) << TxnName(record.txn) << " truncated to " << n;
        EXPECT_GE(n + 8, bytes.size()) << TxnName(record.txn) << " truncated to " << n;
      } else {
        EXPECT_EQ(r.code(), Code::kCorruption) << TxnName(record.txn) << " truncated to " << n;
      }
    }
    EXPECT_LT(decoded, 8u) << TxnName(record.txn);
  }
}

TEST(TxnCodecTest, ExhaustiveSingleByteDamageDecodesSafely) {
  // Every byte set to a few values that break offsets, lengths, union types and enums.
  for (const TxnRecord& record : OneOfEach()) {
    const std::string bytes = EncodeTxnRecord(record);
    for (size_t i = 0; i < bytes.size(); ++i) {
      for (char value : {'\0', '\x01', '\x0a', '\x7f', '\x80', '\xff'}) {
        std::string damaged = bytes;
        damaged[i] = value;
        DecodesSafely(damaged, std::string(TxnName(record.txn)) + " byte " + std::to_string(i));
      }
    }
  }
}

TEST(TxnCodecTest, RandomByteFlipsDecodeSafely) {
  Prng prng(20240601);
  const std::vector<TxnRecord> records = OneOfEach();
  int corrupt = 0;
  constexpr int kTrials = 20000;
  for (int trial = 0; trial < kTrials; ++trial) {
    const TxnRecord& record = records[prng.Uniform(records.size())];
    std::string bytes = EncodeTxnRecord(record);
    const int flips = static_cast<int>(prng.Range(1, 4));
    for (int f = 0; f < flips; ++f) {
      bytes[prng.Uniform(bytes.size())] ^= static_cast<char>(1 << prng.Uniform(8));
    }
    if (!DecodesSafely(bytes, "trial " + std::to_string(trial))) ++corrupt;
  }
  // Most damage is caught by the verifier or the codec (a flip inside a string or a scalar is
  // not: that is what the log's CRC is for).
  EXPECT_GT(corrupt, kTrials / 10);
}

TEST(TxnCodecTest, RandomGarbageDecodesSafely) {
  Prng prng(7);
  for (int trial = 0; trial < 5000; ++trial) {
    std::string bytes(prng.Uniform(200), '\0');
    for (char& c : bytes) c = static_cast<char>(prng.Uniform(256));
    // Half the time, a plausible root offset so that the verifier looks deeper.
    if (bytes.size() >= 8 && prng.Chance(1, 2)) {
      const uint32_t root = static_cast<uint32_t>(prng.Uniform(bytes.size() / 4)) * 4;
      std::memcpy(bytes.data(), &root, 4);
    }
    DecodesSafely(bytes, "garbage trial " + std::to_string(trial));
  }
}

}  // namespace
}  // namespace coord
