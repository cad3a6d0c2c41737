// CRC-32C (Castagnoli), the checksum of log entries and snapshots. Software slicing-by-8.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace coord {

// Extends `crc` (0 for a fresh checksum) with `size` bytes at `data`.
uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t size);
inline uint32_t Crc32c(std::string_view bytes) {
  return Crc32cExtend(0, bytes.data(), bytes.size());
}

}  // namespace coord
