#include "coord/base/sha1.h"

#include <gtest/gtest.h>

#include <string>

namespace coord {
namespace {

std::string Hex(const std::array<uint8_t, 20>& digest) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : digest) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

TEST(Sha1Test, KnownVectors) {
  EXPECT_EQ(Hex(Sha1("")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(Hex(Sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
  // Padding boundaries: 55/56 bytes fit or spill the length; 63 and 64 straddle a block.
  EXPECT_EQ(Hex(Sha1(std::string(63, 'a'))), "03f09f5b158a7a8cdad920bddc29b81c18a551f5");
  EXPECT_EQ(Hex(Sha1(std::string(64, 'a'))), "0098ba824b5c16427bd7a1122a5a442a25ec644d");
  EXPECT_EQ(Hex(Sha1(std::string(1000, 'a'))), "291e9a6c66994949b57ba5e650361e98fc36b1ba");
}

TEST(Sha1Test, Base64) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
}

TEST(Sha1Test, DigestIdIsZooKeepersFormat) {
  // base64(sha1("user:password")), as ZooKeeper's DigestAuthenticationProvider computes it.
  EXPECT_EQ(DigestId("user:password"), "user:tpUq/4Pn5A64fVZyQ0gOJ8ZWqkY=");
}

}  // namespace
TEST(Base64Test, DecodeInvertsEncodeAndRefusesGarbage) {
  for (std::string s : {std::string(""), std::string("f"), std::string("fo"), std::string("foo"),
                        std::string("foob"), std::string("\x00\xff\x10 binary", 11)}) {
    std::optional<std::string> back = Base64Decode(Base64Encode(s));
    ASSERT_TRUE(back.has_value()) << s;
    EXPECT_EQ(*back, s);
  }
  EXPECT_EQ(Base64Decode("Zm9vYg=="), std::optional<std::string>("foob"));
  EXPECT_FALSE(Base64Decode("Zm9").has_value()) << "length";
  EXPECT_FALSE(Base64Decode("Zm9v!A==").has_value()) << "character";
  EXPECT_FALSE(Base64Decode("Zm=vYg==").has_value()) << "padding in the middle";
  EXPECT_FALSE(Base64Decode("Z===").has_value()) << "too much padding";
}

}  // namespace coord
