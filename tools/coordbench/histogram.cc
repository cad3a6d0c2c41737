#include "tools/coordbench/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace coord::bench {
namespace {

constexpr uint64_t kSub = uint64_t{1} << Histogram::kSubBucketBits;
// Values below 2 * kSub map to themselves; every power of two above adds kSub buckets.
constexpr size_t kBucketCount = (64 - Histogram::kSubBucketBits) * kSub + kSub;

}  // namespace

Histogram::Histogram() : counts_(kBucketCount, 0) {}

size_t Histogram::IndexOf(uint64_t value) {
  if (value < 2 * kSub) return static_cast<size_t>(value);
  const int msb = 63 - std::countl_zero(value);
  const int shift = msb - kSubBucketBits;  // >= 1
  return static_cast<size_t>(shift) * kSub + static_cast<size_t>(value >> shift);
}

uint64_t Histogram::LowerBoundOf(size_t index) {
  if (index < 2 * kSub) return index;
  const size_t shift = index / kSub - 1;
  const uint64_t mantissa = index - shift * kSub;  // in [kSub, 2 * kSub)
  return mantissa << shift;
}

uint64_t Histogram::UpperBoundOf(size_t index) {
  if (index < 2 * kSub) return index;
  const size_t shift = index / kSub - 1;
  const uint64_t mantissa = index - shift * kSub;
  // The top bucket's bound is 2^64 - 1: computed without overflowing.
  return (mantissa << shift) + ((uint64_t{1} << shift) - 1);
}

void Histogram::Record(uint64_t value_ns) {
  ++counts_[IndexOf(value_ns)];
  if (count_ == 0 || value_ns < min_) min_ = value_ns;
  max_ = std::max(max_, value_ns);
  ++count_;
  sum_ += static_cast<long double>(value_ns);
}

void Histogram::Merge(const Histogram& other) {
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  if (other.count_ > 0 && (count_ == 0 || other.min_ < min_)) min_ = other.min_;
  max_ = std::max(max_, other.max_);
  count_ += other.count_;
  sum_ += other.sum_;
}

void Histogram::Clear() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = max_ = min_ = 0;
  sum_ = 0;
}

double Histogram::mean_ns() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_ / static_cast<long double>(count_));
}

uint64_t Histogram::Percentile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  // The rank of the value sought, 1-based: at least the first value, at most the last.
  uint64_t rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_)));
  rank = std::clamp<uint64_t>(rank, 1, count_);
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::clamp(UpperBoundOf(i), min_, max_);
  }
  return max_;
}

std::vector<std::pair<uint64_t, uint64_t>> Histogram::Buckets() const {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  for (size_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i] > 0) out.emplace_back(UpperBoundOf(i), counts_[i]);
  }
  return out;
}

}  // namespace coord::bench
