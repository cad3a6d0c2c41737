// client_frame_fuzz's seeds for fuzz_replay.cc: every sample message, encoded.
#include <string>
#include <vector>

#include "protocol/client_codec.h"
#include "tests/protocol/client_samples.h"

namespace coord {

std::vector<std::string> FuzzSeeds() {
  std::vector<std::string> seeds;
  for (const ClientMessage& m : testing::SampleClientMessages()) {
    seeds.push_back(EncodeClientMessage(m));
  }
  for (const ServerMessage& m : testing::SampleServerMessages()) {
    seeds.push_back(EncodeServerMessage(m));
  }
  return seeds;
}

}  // namespace coord
