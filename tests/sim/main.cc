// coord-sim: runs the deterministic cluster simulator (tests/sim).
//   coord-sim --seed N [--members 3|5] [--observers 0|1] [--steps N] [--no-faults]
//       replays one run, printing its readable trace;
//   coord-sim --seeds A..B [--members 3|5] [--observers 0|1] [--steps N]
//       runs many (soak), one summary line per seed; a violation aborts with the seed and the
//       trace tail.
//   --keep-abandoned: the quiet period does not wait for abandoned sessions to expire.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "coord/base/logging.h"
#include "tests/sim/cluster.h"

namespace {

[[noreturn]] void Usage() {
  std::fprintf(stderr,
               "usage: coord-sim (--seed N | --seeds A..B) [--members 3|5] [--observers 0|1] "
               "[--steps N] [--no-faults] [--keep-abandoned] [--quiet]\n");
  std::exit(2);
}

uint64_t ParseU64(const char* s) {
  char* end = nullptr;
  const unsigned long long v = std::strtoull(s, &end, 10);
  if (end == s) Usage();
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  coord::sim::SimConfig base;
  uint64_t first = 1;
  uint64_t last = 0;
  bool single = false;
  bool quiet = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    if (arg == "--seed" && value) {
      first = last = ParseU64(value);
      single = true;
      ++i;
    } else if (arg == "--seeds" && value) {
      const char* dots = std::strstr(value, "..");
      if (!dots) Usage();
      first = ParseU64(value);
      last = ParseU64(dots + 2);
      ++i;
    } else if (arg == "--members" && value) {
      base.voters = static_cast<int>(ParseU64(value));
      if (base.voters != 3 && base.voters != 5) Usage();
      ++i;
    } else if (arg == "--observers" && value) {
      base.observers = static_cast<int>(ParseU64(value));
      ++i;
    } else if (arg == "--steps" && value) {
      base.steps = static_cast<int64_t>(ParseU64(value));
      ++i;
    } else if (arg == "--keep-abandoned") {
      base.expire_abandoned = false;
    } else if (arg == "--no-faults") {
      base.faults = false;
    } else if (arg == "--quiet") {
      quiet = true;
    } else {
      Usage();
    }
  }
  if (last < first) Usage();
  coord::SetLogLevel(coord::LogLevel::kError);           // the trace says what happened
  if (single) std::setvbuf(stdout, nullptr, _IOLBF, 0);  // a CHECK failure aborts
  const auto start = std::chrono::steady_clock::now();
  for (uint64_t seed = first; seed <= last; ++seed) {
    coord::sim::SimConfig config = base;
    config.seed = seed;
    config.verbose = single;
    coord::sim::SimCluster cluster(config);
    const coord::sim::SimResult result = cluster.Run();
    if (!quiet || single) std::printf("%s\n", coord::sim::Summary(config, result).c_str());
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%llu seeds in %.2f s (%.1f seeds/s)\n",
              static_cast<unsigned long long>(last - first + 1), seconds,
              static_cast<double>(last - first + 1) / seconds);
  return 0;
}
