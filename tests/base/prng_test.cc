#include "coord/base/prng.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <map>
#include <vector>

namespace coord {
namespace {

std::vector<uint64_t> Draw(uint64_t seed, int n) {
  Prng prng(seed);
  std::vector<uint64_t> out;
  for (int i = 0; i < n; ++i) out.push_back(prng.Next());
  return out;
}

TEST(PrngTest, SameSeedSameSequence) { EXPECT_EQ(Draw(123, 1000), Draw(123, 1000)); }

TEST(PrngTest, DifferentSeedsDiffer) {
  EXPECT_NE(Draw(0, 4), Draw(1, 4));
  EXPECT_NE(Draw(1, 4), Draw(2, 4));
}

// A simulation seed is a bug report: it must replay the same run on every build. These are the
// reference xoshiro256** outputs for a state seeded by SplitMix64.
TEST(PrngTest, PinnedSequences) {
  EXPECT_EQ(Draw(0, 3), (std::vector<uint64_t>{0x99ec5f36cb75f2b4ULL, 0xbf6e1f784956452aULL,
                                               0x1a5f849d4933e6e0ULL}));
  EXPECT_EQ(Draw(42, 3), (std::vector<uint64_t>{0x15780b2e0c2ec716ULL, 0x6104d9866d113a7eULL,
                                                0xae17533239e499a1ULL}));
}

TEST(PrngTest, UniformStaysBelowTheBound) {
  Prng prng(7);
  const uint64_t max = std::numeric_limits<uint64_t>::max();
  for (uint64_t bound : std::vector<uint64_t>{1, 2, 3, 7, 1000, (1ULL << 63) + 1, max}) {
    for (int i = 0; i < 2000; ++i) ASSERT_LT(prng.Uniform(bound), bound) << "bound " << bound;
  }
  for (int i = 0; i < 100; ++i) EXPECT_EQ(prng.Uniform(1), 0u);
}

TEST(PrngTest, UniformCoversEveryValueEvenly) {
  Prng prng(8);
  constexpr int kDraws = 100000;
  std::map<uint64_t, int> counts;
  for (int i = 0; i < kDraws; ++i) ++counts[prng.Uniform(10)];
  ASSERT_EQ(counts.size(), 10u);
  for (const auto& [value, count] : counts) {
    EXPECT_LT(value, 10u);
    EXPECT_NEAR(count, kDraws / 10, kDraws / 100) << "value " << value;  // within 10%
  }
}

TEST(PrngTest, RangeIsInclusive) {
  Prng prng(9);
  std::map<int64_t, int> counts;
  for (int i = 0; i < 10000; ++i) {
    int64_t v = prng.Range(-3, 3);
    ASSERT_GE(v, -3);
    ASSERT_LE(v, 3);
    ++counts[v];
  }
  EXPECT_EQ(counts.size(), 7u);  // both ends are reached
  for (int i = 0; i < 100; ++i) EXPECT_EQ(prng.Range(5, 5), 5);
}

TEST(PrngTest, RangeHandlesTheWholeInt64Span) {
  const int64_t min = std::numeric_limits<int64_t>::min();
  const int64_t max = std::numeric_limits<int64_t>::max();
  Prng prng(10);
  bool negative = false;
  bool positive = false;
  for (int i = 0; i < 1000; ++i) {
    int64_t v = prng.Range(min, max);
    negative |= v < 0;
    positive |= v > 0;
  }
  EXPECT_TRUE(negative);
  EXPECT_TRUE(positive);
  for (int i = 0; i < 1000; ++i) {
    int64_t v = prng.Range(-10, max);
    ASSERT_GE(v, -10);
    v = prng.Range(min, 10);
    ASSERT_LE(v, 10);
  }
  EXPECT_EQ(prng.Range(max, max), max);
  EXPECT_EQ(prng.Range(min, min), min);
}

TEST(PrngTest, Chance) {
  Prng prng(11);
  int hits = 0;
  for (int i = 0; i < 10000; ++i) {
    EXPECT_FALSE(prng.Chance(0, 5));
    EXPECT_TRUE(prng.Chance(5, 5));
    hits += prng.Chance(1, 4) ? 1 : 0;
  }
  EXPECT_NEAR(hits, 2500, 250);
}

}  // namespace
}  // namespace coord
