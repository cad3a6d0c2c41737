// Runs a fuzz target's entry point without libFuzzer, so that every compiler's build exercises
// it (a ctest test), and reproduces a libFuzzer finding under a debugger. Linked with one target
// (client_frame_fuzz.cc, zookeeper_packet_fuzz.cc) and that target's seeds (FuzzSeeds()).
//
//   <target>_replay [--count N] [--seed S]   N generated inputs (default 20000)
//   <target>_replay FILE...                  the given inputs (e.g. a crash-* file)
//   <target>_replay --write-corpus DIR       writes the seed corpus for libFuzzer
//
// Generated inputs are deterministic from the seed: the target's seeds raw and framed, streams of
// several frames, and the same with bits flipped, bytes cut off, lengths rewritten, and random
// garbage.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "coord/base/prng.h"
#include "protocol/frame.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace coord {

// The target's well-formed inputs (payloads, unframed), defined next to each target.
std::vector<std::string> FuzzSeeds();

namespace {

void Run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

std::string Garbage(Prng& prng, size_t size) {
  std::string s(size, '\0');
  for (char& c : s) c = static_cast<char>(prng.Next());
  return s;
}

// One generated input: a seed or a stream of framed seeds, perhaps damaged.
std::string Generate(Prng& prng, const std::vector<std::string>& seeds) {
  const std::string& seed = seeds[prng.Uniform(seeds.size())];
  std::string input;
  switch (prng.Uniform(4)) {
    case 0:
      input = seed;
      break;
    case 1:
      input = EncodeFrame(seed);
      break;
    case 2:
      for (uint64_t n = 1 + prng.Uniform(4); n > 0; --n) {
        AppendFrame(&input, seeds[prng.Uniform(seeds.size())]);
      }
      break;
    default:
      return Garbage(prng, prng.Uniform(300));
  }
  switch (prng.Uniform(5)) {
    case 0:  // intact
      break;
    case 1:  // bits flipped
      for (uint64_t n = 1 + prng.Uniform(4); n > 0; --n) {
        input[prng.Uniform(input.size())] ^= static_cast<char>(1 << prng.Uniform(8));
      }
      break;
    case 2:  // cut short
      input.resize(prng.Uniform(input.size()));
      break;
    case 3: {  // a byte rewritten, often a length or an offset's low byte
      input[prng.Uniform(std::min<size_t>(input.size(), 16))] = static_cast<char>(prng.Next());
      break;
    }
    default:  // garbage appended
      input += Garbage(prng, prng.Uniform(64));
      break;
  }
  return input;
}

bool ReadFile(const char* path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

int WriteCorpus(const std::string& dir) {
  int n = 0;
  for (const std::string& seed : FuzzSeeds()) {
    for (const std::string& input : {seed, EncodeFrame(seed)}) {
      const std::string path = dir + "/seed-" + std::to_string(n++);
      std::ofstream out(path, std::ios::binary);
      out.write(input.data(), static_cast<std::streamsize>(input.size()));
      if (!out) {
        std::fprintf(stderr, "cannot write %s\n", path.c_str());
        return 1;
      }
    }
  }
  std::printf("wrote %d seed inputs to %s\n", n, dir.c_str());
  return 0;
}

int Main(int argc, char** argv) {
  uint64_t count = 20000;
  uint64_t seed = 1;
  std::vector<const char*> files;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--count" && i + 1 < argc) {
      count = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--seed" && i + 1 < argc) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--write-corpus" && i + 1 < argc) {
      return WriteCorpus(argv[++i]);
    } else if (arg.starts_with("-")) {
      std::fprintf(stderr, "usage: %s [--count N] [--seed S] [--write-corpus DIR] [FILE...]\n",
                   argv[0]);
      return 2;
    } else {
      files.push_back(argv[i]);
    }
  }
  if (!files.empty()) {
    for (const char* path : files) {
      std::string input;
      if (!ReadFile(path, &input)) {
        std::fprintf(stderr, "cannot read %s\n", path);
        return 1;
      }
      Run(input);
    }
    std::printf("%zu inputs ok\n", files.size());
    return 0;
  }
  const std::vector<std::string> seeds = FuzzSeeds();
  for (const std::string& s : seeds) Run(s);
  Prng prng(seed);
  for (uint64_t i = 0; i < count; ++i) Run(Generate(prng, seeds));
  std::printf("%zu seeds and %llu generated inputs ok (seed %llu)\n", seeds.size(),
              static_cast<unsigned long long>(count), static_cast<unsigned long long>(seed));
  return 0;
}

}  // namespace
}  // namespace coord

int main(int argc, char** argv) { return coord::Main(argc, argv); }
