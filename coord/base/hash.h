// A stable 64-bit hash (the same value on every machine and build), for the tree digest that
// replicas compare. Not std::hash (unspecified) and not absl::Hash (salted per process).
#pragma once

#include <cstdint>
#include <string_view>

namespace coord {

uint64_t StableHash64(std::string_view bytes, uint64_t seed);

inline uint64_t MixHash64(uint64_t h, uint64_t value) {
  h ^= value + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

}  // namespace coord
