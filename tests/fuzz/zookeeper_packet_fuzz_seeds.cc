// zookeeper_packet_fuzz's seeds for fuzz_replay.cc: a connect and a request of every opcode, as
// ZooKeeper's clients write them (tests/protocol/zookeeper_samples.h).
#include <string>
#include <vector>

#include "tests/protocol/zookeeper_samples.h"

namespace coord {

std::vector<std::string> FuzzSeeds() {
  std::vector<std::string> seeds = testing::ZooKeeperSampleRequests();
  seeds.push_back(testing::ZooKeeperConnect());
  seeds.push_back(testing::ZooKeeperConnect(0x1234, "0123456789abcdef"));
  return seeds;
}

}  // namespace coord
