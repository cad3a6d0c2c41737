#include "tools/coordbench/histogram.h"

#include <gtest/gtest.h>

#include <random>

namespace coord::bench {
namespace {

TEST(HistogramTest, BucketsTileTheValuesWithoutGapsOrOverlaps) {
  for (size_t i = 1; i < 3000; ++i) {
    EXPECT_EQ(Histogram::LowerBoundOf(i), Histogram::UpperBoundOf(i - 1) + 1) << i;
  }
  for (uint64_t v :
       {0ull, 1ull, 255ull, 256ull, 257ull, 1000ull, 123456789ull, 1ull << 40, ~0ull}) {
    size_t i = Histogram::IndexOf(v);
    EXPECT_LE(Histogram::LowerBoundOf(i), v);
    EXPECT_GE(Histogram::UpperBoundOf(i), v);
  }
}

TEST(HistogramTest, SmallValuesAreExact) {
  Histogram h;
  for (uint64_t v = 0; v < 200; ++v) h.Record(v);
  EXPECT_EQ(h.count(), 200u);
  EXPECT_EQ(h.Percentile(0.5), 99u);
  EXPECT_EQ(h.Percentile(1.0), 199u);
  EXPECT_EQ(h.Percentile(0.0), 0u);
  EXPECT_DOUBLE_EQ(h.mean_ns(), 99.5);
}

TEST(HistogramTest, PercentilesWithinOnePercentAtEveryMagnitude) {
  std::mt19937_64 rng(7);
  std::vector<uint64_t> values;
  Histogram h;
  for (int i = 0; i < 100000; ++i) {
    // Log-uniform from 1 µs to 1 s.
    double exponent = std::uniform_real_distribution<double>(3, 9)(rng);
    uint64_t v = static_cast<uint64_t>(std::pow(10.0, exponent));
    values.push_back(v);
    h.Record(v);
  }
  std::sort(values.begin(), values.end());
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    double exact = static_cast<double>(values[static_cast<size_t>(q * values.size()) - 1]);
    double got = static_cast<double>(h.Percentile(q));
    EXPECT_NEAR(got / exact, 1.0, 0.01) << "q=" << q;
  }
  EXPECT_EQ(h.max_ns(), values.back());
  EXPECT_EQ(h.min_ns(), values.front());
  EXPECT_EQ(h.Percentile(1.0), values.back());
}

TEST(HistogramTest, MergeEqualsRecordingEverything) {
  Histogram a, b, all;
  for (uint64_t v = 1; v < 5000; v += 7) {
    (v % 2 ? a : b).Record(v * 1000);
    all.Record(v * 1000);
  }
  a.Merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.Buckets(), all.Buckets());
  EXPECT_EQ(a.Percentile(0.99), all.Percentile(0.99));
  EXPECT_EQ(a.min_ns(), all.min_ns());
  EXPECT_EQ(a.max_ns(), all.max_ns());
  EXPECT_DOUBLE_EQ(a.mean_ns(), all.mean_ns());
}

TEST(HistogramTest, EmptyAndCleared) {
  Histogram h;
  EXPECT_EQ(h.Percentile(0.99), 0u);
  EXPECT_EQ(h.mean_ns(), 0.0);
  EXPECT_TRUE(h.Buckets().empty());
  h.Record(12345);
  EXPECT_EQ(h.Buckets().size(), 1u);
  h.Clear();
  EXPECT_EQ(h.count(), 0u);
  EXPECT_TRUE(h.Buckets().empty());
}

}  // namespace
}  // namespace coord::bench
