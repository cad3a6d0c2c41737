#include "coord/base/hash.h"

#include <cstring>

namespace coord {
namespace {

constexpr uint64_t kMul = 0x9ddfea08eb382d69ULL;

uint64_t Finalize(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

}  // namespace

uint64_t StableHash64(std::string_view bytes, uint64_t seed) {
  const char* p = bytes.data();
  size_t n = bytes.size();
  uint64_t h = seed ^ (n * kMul);
  while (n >= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);  // little-endian hosts only, like the CRC
    h = (h ^ Finalize(word)) * kMul;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  uint64_t tail = 0;
  if (n > 0) std::memcpy(&tail, p, n);  // p may be null for an empty view: memcpy forbids that
  h = (h ^ Finalize(tail ^ n)) * kMul;
  return Finalize(h);
}

}  // namespace coord
