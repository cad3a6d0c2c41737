// A small, fast, seeded pseudo-random generator (xoshiro256**, seeded through SplitMix64).
//
// Logic that needs randomness (election jitter, simulated faults, randomized tests) takes one of
// these from its caller, so the same seed always gives the same run. Not for cryptography.
#pragma once

#include <cstdint>

namespace coord {

class Prng {
 public:
  explicit Prng(uint64_t seed) {
    for (uint64_t& word : s_) {
      seed += 0x9e3779b97f4a7c15ULL;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      word = z ^ (z >> 31);
    }
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, bound); bound > 0.
  uint64_t Uniform(uint64_t bound) {
    // Lemire's multiply-shift; the tiny bias is irrelevant for our uses.
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * bound) >> 64);
  }
  // Uniform in [lo, hi]; lo <= hi. Unsigned arithmetic: `hi - lo` overflows int64 for spans
  // wider than INT64_MAX, and the whole int64 span has 2^64 values, one more than Uniform takes.
  int64_t Range(int64_t lo, int64_t hi) {
    const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
    const uint64_t offset = span == ~uint64_t{0} ? Next() : Uniform(span + 1);
    return static_cast<int64_t>(static_cast<uint64_t>(lo) + offset);
  }
  // True with probability numerator / denominator.
  bool Chance(uint64_t numerator, uint64_t denominator) { return Uniform(denominator) < numerator; }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace coord
