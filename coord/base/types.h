// The identifiers every module shares: zxids, epochs, session ids.
#pragma once

#include <cstdint>
#include <string>

namespace coord {

// A transaction id: epoch << 32 | counter. Zab orders every transaction by it. Zxid 0 means
// "nothing yet" (the empty tree).
using Zxid = uint64_t;
using Epoch = uint32_t;
// A client session; 0 means "no session" (e.g. the owner of a persistent node).
using SessionId = int64_t;

constexpr Zxid MakeZxid(Epoch epoch, uint32_t counter) {
  return (static_cast<Zxid>(epoch) << 32) | counter;
}
constexpr Epoch EpochOf(Zxid zxid) { return static_cast<Epoch>(zxid >> 32); }
constexpr uint32_t CounterOf(Zxid zxid) { return static_cast<uint32_t>(zxid); }

// "0x100000002" (the form ZooKeeper's logs and tools use).
std::string ZxidToString(Zxid zxid);

}  // namespace coord
