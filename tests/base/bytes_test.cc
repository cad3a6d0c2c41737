#include "coord/base/bytes.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace coord {
namespace {

constexpr uint64_t kMaxU64 = std::numeric_limits<uint64_t>::max();
constexpr int64_t kMinI64 = std::numeric_limits<int64_t>::min();
constexpr int64_t kMaxI64 = std::numeric_limits<int64_t>::max();

std::string Varint(uint64_t v) {
  std::string out;
  ByteWriter(&out).PutVarint(v);
  return out;
}

std::string SignedVarint(int64_t v) {
  std::string out;
  ByteWriter(&out).PutSignedVarint(v);
  return out;
}

TEST(BytesTest, VarintEncoding) {
  EXPECT_EQ(Varint(0), std::string(1, '\0'));
  EXPECT_EQ(Varint(1), "\x01");
  EXPECT_EQ(Varint(127), "\x7f");
  EXPECT_EQ(Varint(128), "\x80\x01");
  EXPECT_EQ(Varint(300), "\xac\x02");
  EXPECT_EQ(Varint(16383), "\xff\x7f");
  EXPECT_EQ(Varint(16384), "\x80\x80\x01");
  EXPECT_EQ(Varint(kMaxU64), "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01");
}

TEST(BytesTest, VarintRoundTrip) {
  const uint64_t values[] = {
      0,          1,          127,         128,    255, 300, 16383, 16384, (1ULL << 32) - 1,
      1ULL << 32, 1ULL << 63, kMaxU64 - 1, kMaxU64};
  for (uint64_t v : values) {
    std::string bytes = Varint(v);
    ByteReader reader(bytes);
    uint64_t out = ~v;
    ASSERT_TRUE(reader.GetVarint(&out)) << v;
    EXPECT_EQ(out, v);
    EXPECT_EQ(reader.remaining(), 0u);
    EXPECT_TRUE(reader.ok());
  }
}

TEST(BytesTest, SignedVarintIsZigZag) {
  EXPECT_EQ(SignedVarint(0), Varint(0));
  EXPECT_EQ(SignedVarint(-1), Varint(1));
  EXPECT_EQ(SignedVarint(1), Varint(2));
  EXPECT_EQ(SignedVarint(-2), Varint(3));
  EXPECT_EQ(SignedVarint(kMaxI64), Varint(kMaxU64 - 1));
  EXPECT_EQ(SignedVarint(kMinI64), Varint(kMaxU64));
}

TEST(BytesTest, SignedVarintRoundTrip) {
  const int64_t values[] = {0,  1,   -1,      2,        -2,      63,      -64,
                            64, -65, 1000000, -1000000, kMaxI64, kMinI64, kMinI64 + 1};
  for (int64_t v : values) {
    std::string bytes = SignedVarint(v);
    ByteReader reader(bytes);
    int64_t out = ~v;
    ASSERT_TRUE(reader.GetSignedVarint(&out)) << v;
    EXPECT_EQ(out, v);
    EXPECT_EQ(reader.remaining(), 0u);
  }
}

TEST(BytesTest, FixedWidthIsLittleEndian) {
  std::string out;
  ByteWriter w(&out);
  w.PutU8(0xab);
  w.PutU32(0x01020304);
  w.PutU64(0x1122334455667788ULL);
  EXPECT_EQ(out, std::string("\xab\x04\x03\x02\x01\x88\x77\x66\x55\x44\x33\x22\x11", 13));

  ByteReader r(out);
  uint8_t u8 = 0;
  uint32_t u32 = 0;
  uint64_t u64 = 0;
  ASSERT_TRUE(r.GetU8(&u8));
  ASSERT_TRUE(r.GetU32(&u32));
  ASSERT_TRUE(r.GetU64(&u64));
  EXPECT_EQ(u8, 0xab);
  EXPECT_EQ(u32, 0x01020304u);
  EXPECT_EQ(u64, 0x1122334455667788ULL);
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(BytesTest, BytesRoundTripIncludingNulAndEmpty) {
  const std::string binary("a\0b\0\xff", 5);
  std::string out;
  ByteWriter w(&out);
  w.PutBytes(binary);
  w.PutBytes("");
  w.PutBytes(std::string(300, 'x'));  // a two-byte length prefix
  w.PutVarint(7);

  ByteReader r(out);
  std::string_view a, b, c;
  uint64_t tail = 0;
  ASSERT_TRUE(r.GetBytes(&a));
  ASSERT_TRUE(r.GetBytes(&b));
  ASSERT_TRUE(r.GetBytes(&c));
  ASSERT_TRUE(r.GetVarint(&tail));
  EXPECT_EQ(a, binary);
  EXPECT_EQ(b, "");
  EXPECT_EQ(c, std::string(300, 'x'));
  EXPECT_EQ(tail, 7u);
  // The views point into the input, not into a copy.
  EXPECT_GE(a.data(), out.data());
  EXPECT_LT(a.data(), out.data() + out.size());
}

// One record of every field kind; cutting it anywhere must fail the record.
std::string SampleRecord() {
  std::string out;
  ByteWriter w(&out);
  w.PutU8(3);
  w.PutVarint(kMaxU64);
  w.PutSignedVarint(kMinI64);
  w.PutBytes("payload");
  w.PutU32(0xdeadbeef);
  w.PutU64(42);
  return out;
}

bool ReadSampleRecord(std::string_view bytes) {
  ByteReader r(bytes);
  uint8_t u8;
  uint64_t varint;
  int64_t signed_varint;
  std::string_view payload;
  uint32_t u32;
  uint64_t u64;
  // Deliberately not short-circuited: every getter runs, and a failed reader stays failed.
  r.GetU8(&u8);
  r.GetVarint(&varint);
  r.GetSignedVarint(&signed_varint);
  r.GetBytes(&payload);
  r.GetU32(&u32);
  r.GetU64(&u64);
  return r.ok();
}

TEST(BytesTest, TruncatedInputFails) {
  const std::string record = SampleRecord();
  ASSERT_TRUE(ReadSampleRecord(record));
  for (size_t n = 0; n < record.size(); ++n) {
    EXPECT_FALSE(ReadSampleRecord(std::string_view(record).substr(0, n))) << "length " << n;
  }
}

TEST(BytesTest, FailedReaderStaysFailed) {
  // Two bytes: not enough for a u32, enough for a u8 and a one-byte varint.
  ByteReader r(std::string_view("\x05\x06", 2));
  uint32_t u32;
  EXPECT_FALSE(r.GetU32(&u32));
  EXPECT_FALSE(r.ok());
  uint8_t u8;
  uint64_t varint;
  std::string_view bytes;
  EXPECT_FALSE(r.GetU8(&u8));
  EXPECT_FALSE(r.GetVarint(&varint));
  EXPECT_FALSE(r.GetBytes(&bytes));
  EXPECT_FALSE(r.ok());
}

TEST(BytesTest, TruncatedVarintFails) {
  ByteReader r(std::string_view("\x80\x80", 2));
  uint64_t v;
  EXPECT_FALSE(r.GetVarint(&v));
  EXPECT_FALSE(r.ok());
}

TEST(BytesTest, OverlongVarintFails) {
  // Eleven bytes with the continuation bit: longer than any 64-bit value.
  std::string eleven(10, '\x80');
  eleven.push_back('\x01');
  ByteReader r(eleven);
  uint64_t v;
  EXPECT_FALSE(r.GetVarint(&v));
  EXPECT_FALSE(r.ok());
}

TEST(BytesTest, VarintBeyond64BitsFails) {
  // Ten bytes whose last one carries bits above bit 63: the value does not fit in 64 bits.
  std::string overflow(9, '\xff');
  overflow.push_back('\x02');
  ByteReader r(overflow);
  uint64_t v;
  EXPECT_FALSE(r.GetVarint(&v));
  EXPECT_FALSE(r.ok());
}

TEST(BytesTest, OversizedLengthFails) {
  std::string out;
  ByteWriter w(&out);
  w.PutVarint(11);  // claims 11 bytes, 10 follow
  out.append(10, 'x');
  ByteReader r(out);
  std::string_view bytes;
  EXPECT_FALSE(r.GetBytes(&bytes));
  EXPECT_FALSE(r.ok());

  std::string huge = Varint(kMaxU64) + "abc";  // a length that would overflow a size check
  ByteReader r2(huge);
  EXPECT_FALSE(r2.GetBytes(&bytes));
  EXPECT_FALSE(r2.ok());
}

}  // namespace
}  // namespace coord
