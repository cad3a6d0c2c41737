// Helpers shared by the log tests: deterministic payloads and batch builders.
#pragma once

#include <string>
#include <vector>

#include "coord/base/prng.h"
#include "storage/log.h"

namespace coord::storage {

// A payload that depends only on the zxid, so a reader can check it without remembering it.
// Sizes vary from 1 byte to `max_size` (LMDB stores values above ~2 KiB on overflow pages).
inline std::string PayloadFor(Zxid zxid, size_t max_size = 5000) {
  Prng prng(zxid);
  std::string payload(1 + prng.Uniform(max_size), '\0');
  for (char& c : payload) c = static_cast<char>(prng.Next());
  return payload;
}

// Entries for zxids first..last (counters within one epoch), with PayloadFor payloads.
inline std::vector<LogEntry> EntriesFor(Zxid first, Zxid last, size_t max_size = 5000) {
  std::vector<LogEntry> entries;
  for (Zxid zxid = first; zxid <= last; ++zxid) {
    entries.push_back(LogEntry{zxid, PayloadFor(zxid, max_size)});
  }
  return entries;
}

inline std::vector<Zxid> ZxidsOf(const std::vector<LogEntry>& entries) {
  std::vector<Zxid> zxids;
  for (const LogEntry& entry : entries) zxids.push_back(entry.zxid);
  return zxids;
}

}  // namespace coord::storage
