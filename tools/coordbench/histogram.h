// Histogram: latencies in nanoseconds in log-linear buckets (HDR-style): values below 2^(k+1) get
// a bucket each, every later power of two is split into 2^k equal buckets, so a reported
// percentile is within 2^-k (< 1%) of the true value at any magnitude, in a fixed 60 KB.
//
// Threading: none; callers guard a shared Histogram (the runner keeps one per connection and
// merges them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace coord::bench {

class Histogram {
 public:
  static constexpr int kSubBucketBits = 7;

  Histogram();

  void Record(uint64_t value_ns);
  void Merge(const Histogram& other);
  void Clear();

  uint64_t count() const { return count_; }
  uint64_t max_ns() const { return max_; }
  uint64_t min_ns() const { return count_ == 0 ? 0 : min_; }
  double mean_ns() const;
  // The smallest recorded bucket bound below which a fraction q (0..1) of the values lie: the
  // bucket's upper bound, clamped to the largest value seen. 0 when empty.
  uint64_t Percentile(double q) const;
  // Non-empty buckets in increasing order: (inclusive upper bound in ns, count).
  std::vector<std::pair<uint64_t, uint64_t>> Buckets() const;

  // Bucket arithmetic, exposed for tests.
  static size_t IndexOf(uint64_t value);
  static uint64_t UpperBoundOf(size_t index);
  static uint64_t LowerBoundOf(size_t index);

 private:
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  uint64_t max_ = 0;
  uint64_t min_ = 0;
  long double sum_ = 0;
};

}  // namespace coord::bench
