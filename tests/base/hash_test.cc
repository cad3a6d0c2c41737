#include "coord/base/hash.h"

#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <string>

namespace coord {
namespace {

// Replicas compare tree digests built from these values, and digests may be stored: the values
// must be the same on every build and machine. They were computed once and are pinned here; a
// change to the function is a format change and must fail this test.
TEST(HashTest, PinnedValues) {
  EXPECT_EQ(StableHash64("a", 0), 0x535f1dec291cf647ULL);
  EXPECT_EQ(StableHash64("hello world", 0), 0xe2e1f30ce2dd121fULL);
  EXPECT_EQ(StableHash64("/zookeeper/quota", 0), 0x4fec76f8e28aa0c5ULL);
  EXPECT_EQ(StableHash64("0123456789abcdef0123", 0), 0x2b03eab11642a958ULL);
  EXPECT_EQ(StableHash64("", 42), 0x07c267fe3c7befaeULL);
  EXPECT_EQ(StableHash64("a", 42), 0x8cd147ef328a1a70ULL);
  EXPECT_EQ(StableHash64("hello world", 42), 0x6558daf63b467eb2ULL);
  EXPECT_EQ(StableHash64("/zookeeper/quota", 42), 0xb60c0b1cfbcf4a84ULL);
  EXPECT_EQ(StableHash64("0123456789abcdef0123", 42), 0x2049af4b8ae1eaadULL);
  std::string hundred(100, '\0');
  for (int i = 0; i < 100; ++i) hundred[i] = static_cast<char>(i * 7);
  EXPECT_EQ(StableHash64(hundred, 7), 0x724fb71175f1b7c6ULL);
  EXPECT_EQ(MixHash64(MixHash64(0, 1), 2), 0xe450897574dcb30eULL);
}

TEST(HashTest, EmptyInputFromNullView) {
  EXPECT_EQ(StableHash64(std::string_view(), 42), StableHash64("", 42));
}

TEST(HashTest, DifferentSeedsDiffer) {
  const char* inputs[] = {"", "a", "hello world", "/a/b/c/d/e/f/g/h/i"};
  for (const char* input : inputs) {
    std::set<uint64_t> seen;
    for (uint64_t seed : {0ULL, 1ULL, 2ULL, 42ULL, ~0ULL}) {
      EXPECT_TRUE(seen.insert(StableHash64(input, seed)).second)
          << "\"" << input << "\" seed " << seed;
    }
  }
}

TEST(HashTest, LengthSensitive) {
  // Zero bytes of different lengths, and every prefix of a string: all distinct. A hash that
  // ignored the length would map "" / "\0" / "\0\0" (or a word and its zero-padded tail) together.
  std::set<uint64_t> seen;
  for (size_t n = 0; n <= 40; ++n) {
    EXPECT_TRUE(seen.insert(StableHash64(std::string(n, '\0'), 1)).second) << n << " zero bytes";
  }
  const std::string text = "/services/locks/lock-0000000042/holder";
  for (size_t n = 1; n <= text.size(); ++n) {  // prefix 0 is the zero-length input above
    EXPECT_TRUE(seen.insert(StableHash64(text.substr(0, n), 1)).second) << "prefix " << n;
  }
}

TEST(HashTest, EverySingleBitFlipChangesTheHash) {
  const std::string bytes = "twenty-four byte input!!";
  std::set<uint64_t> seen = {StableHash64(bytes, 5)};
  for (size_t bit = 0; bit < bytes.size() * 8; ++bit) {
    std::string flipped = bytes;
    flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
    EXPECT_TRUE(seen.insert(StableHash64(flipped, 5)).second) << "bit " << bit;
  }
}

TEST(HashTest, UnalignedInputGivesTheSameValue) {
  const std::string input = "an input longer than one 8-byte word";
  const uint64_t expected = StableHash64(input, 9);
  alignas(16) char buffer[64];
  for (size_t offset = 0; offset < 16; ++offset) {
    std::memcpy(buffer + offset, input.data(), input.size());
    EXPECT_EQ(StableHash64(std::string_view(buffer + offset, input.size()), 9), expected)
        << "offset " << offset;
  }
}

TEST(HashTest, MixIsOrderSensitive) {
  EXPECT_NE(MixHash64(MixHash64(0, 1), 2), MixHash64(MixHash64(0, 2), 1));
  EXPECT_NE(MixHash64(0, 1), MixHash64(0, 2));
  EXPECT_NE(MixHash64(1, 0), MixHash64(2, 0));
}

}  // namespace
}  // namespace coord
