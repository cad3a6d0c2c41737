#include "coord/base/crc32c.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "coord/base/prng.h"

namespace coord {
namespace {

// Bit-at-a-time CRC-32C, straight from the definition: the reference the fast table-driven code
// must agree with.
uint32_t ReferenceCrc32c(std::string_view bytes) {
  uint32_t crc = 0xffffffff;
  for (char c : bytes) {
    crc ^= static_cast<uint8_t>(c);
    for (int k = 0; k < 8; ++k) crc = (crc & 1) ? (crc >> 1) ^ 0x82f63b78 : crc >> 1;
  }
  return ~crc;
}

std::string RandomBytes(Prng& prng, size_t n) {
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(prng.Uniform(256));
  return s;
}

TEST(Crc32cTest, StandardCheckValue) {
  // The "check" value of the CRC-32C catalogue entry.
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
}

TEST(Crc32cTest, Rfc3720Vectors) {
  // RFC 3720 (iSCSI), appendix B.4.
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(Crc32c(std::string(32, '\xff')), 0x62A8AB43u);
  std::string ascending(32, '\0');
  std::string descending(32, '\0');
  for (int i = 0; i < 32; ++i) {
    ascending[i] = static_cast<char>(i);
    descending[i] = static_cast<char>(31 - i);
  }
  EXPECT_EQ(Crc32c(ascending), 0x46DD794Eu);
  EXPECT_EQ(Crc32c(descending), 0x113FDB5Cu);
  const unsigned char read_command[48] = {
      0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
      0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  };
  EXPECT_EQ(Crc32cExtend(0, read_command, sizeof(read_command)), 0xD9963A56u);
}

TEST(Crc32cTest, EmptyInput) {
  EXPECT_EQ(Crc32c(""), 0u);
  EXPECT_EQ(Crc32c(std::string_view()), 0u);
  EXPECT_EQ(Crc32cExtend(0x12345678, nullptr, 0), 0x12345678u);
}

TEST(Crc32cTest, AgreesWithTheBitwiseDefinitionAtEveryLength) {
  Prng prng(1);
  for (size_t n = 0; n <= 300; ++n) {
    std::string bytes = RandomBytes(prng, n);
    EXPECT_EQ(Crc32c(bytes), ReferenceCrc32c(bytes)) << "length " << n;
  }
}

TEST(Crc32cTest, ExtendEqualsWhole) {
  Prng prng(2);
  std::string bytes = RandomBytes(prng, 100);
  const uint32_t whole = Crc32c(bytes);
  for (size_t split = 0; split <= bytes.size(); ++split) {
    uint32_t crc = Crc32cExtend(0, bytes.data(), split);
    crc = Crc32cExtend(crc, bytes.data() + split, bytes.size() - split);
    EXPECT_EQ(crc, whole) << "split at " << split;
  }
  // Byte by byte.
  uint32_t crc = 0;
  for (char c : bytes) crc = Crc32cExtend(crc, &c, 1);
  EXPECT_EQ(crc, whole);
}

TEST(Crc32cTest, UnalignedInputs) {
  Prng prng(3);
  std::string bytes = RandomBytes(prng, 77);
  const uint32_t expected = Crc32c(bytes);
  alignas(16) char buffer[128];
  for (size_t offset = 0; offset < 16; ++offset) {
    std::memcpy(buffer + offset, bytes.data(), bytes.size());
    EXPECT_EQ(Crc32cExtend(0, buffer + offset, bytes.size()), expected) << "offset " << offset;
  }
}

TEST(Crc32cTest, DetectsEverySingleBitFlip) {
  Prng prng(4);
  std::string bytes = RandomBytes(prng, 64);
  const uint32_t original = Crc32c(bytes);
  for (size_t bit = 0; bit < bytes.size() * 8; ++bit) {
    std::string flipped = bytes;
    flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
    EXPECT_NE(Crc32c(flipped), original) << "bit " << bit;
  }
}

}  // namespace
}  // namespace coord
