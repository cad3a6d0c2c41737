// Well-formed ZooKeeper packets, as ZooKeeper's clients write them, built byte by byte (not with
// the codec under test): the seeds of the jute fuzz target and the requests of the bad-input test.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace coord::testing {

// Big-endian jute bytes.
class JuteBytes {
 public:
  JuteBytes& I32(int32_t v) { return Raw(static_cast<uint32_t>(v), 4); }
  JuteBytes& I64(int64_t v) { return Raw(static_cast<uint64_t>(v), 8); }
  JuteBytes& Bool(bool v) {
    s_.push_back(v ? 1 : 0);
    return *this;
  }
  JuteBytes& Str(const std::string& v) {
    I32(static_cast<int32_t>(v.size()));
    s_ += v;
    return *this;
  }
  JuteBytes& Header(int32_t xid, int32_t type) { return I32(xid).I32(type); }
  JuteBytes& OpenAcl() { return I32(1).I32(31).Str("world").Str("anyone"); }
  JuteBytes& MultiHeader(int32_t type, bool done, int32_t err) {
    return I32(type).Bool(done).I32(err);
  }
  const std::string& str() const { return s_; }

 private:
  JuteBytes& Raw(uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) s_.push_back(static_cast<char>(v >> (8 * i)));
    return *this;
  }
  std::string s_;
};

// A ConnectRequest payload for a new session (session 0) or a resumed one.
std::string ZooKeeperConnect(int64_t session = 0,
                             const std::string& password = std::string(16, '\0'),
                             int32_t timeout_ms = 10000);
// The payload (no length prefix) of one request of every opcode the codec knows, and of some it
// refuses (reconfig, SASL, an unknown opcode, bad create flags).
std::vector<std::string> ZooKeeperSampleRequests();
// The 4-byte length prefix and the payload.
std::string ZooKeeperPacket(const std::string& payload);

}  // namespace coord::testing
