// Options: coordbench's command line as a value, and its parser. Three modes: a run against a
// server (--backend/--servers/--workload ...), --compare A.json B.json and --plot OUT A.json ....
//
// Pure: no I/O; errors are values naming the offending argument.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "coord/base/status.h"

namespace coord::bench {

enum class Mode : uint8_t { kRun, kCompare, kPlot, kHelp };

enum class Workload : uint8_t {
  kCreate,
  kSet,
  kGet,
  kGetChildren,
  kMix,
  kMulti,
  kWatch,
  kLock,
  kSession,
  kLoad,
};
const char* WorkloadName(Workload workload);

struct Options {
  Mode mode = Mode::kRun;

  // --- a run ---
  std::string backend;  // "coord" or "zookeeper"
  std::string servers;  // H:P[,H:P...]
  Workload workload = Workload::kSet;
  int connections = 4;
  int outstanding = 64;
  double duration_s = 0;  // 0: bounded by count instead
  int64_t count = 0;      // total ops; 0: bounded by duration
  double warmup_s = 0;
  int value_bytes = 1024;
  int keys = 10000;
  std::string prefix = "/coordbench";
  double read_ratio = 0.9;  // mix
  int ops_per_multi = 8;    // multi
  int watchers = 16;        // watch
  int clients = 4;          // lock
  int children = 16;        // get_children: children of the node listed
  int session_timeout_ms = 10000;
  bool keep = false;  // leave the znodes after the run (load always keeps them)
  std::string json_path;
  std::string label;
  bool quiet = false;
  uint64_t seed = 1;

  // --- --compare A B [--md FILE] ---
  std::vector<std::string> inputs;  // JSON results (compare: exactly two; plot: one or more)
  std::string md_path;
  // --- --plot OUT [--plot-over-time] ---
  std::string plot_path;
  bool plot_over_time = false;
};

// Parses argv[1..]. Applies defaults that depend on the workload (load: --count 1000000,
// --value-bytes 32 unless given; a run with neither --count nor --duration lasts 10 s).
Result<Options> ParseOptions(const std::vector<std::string>& args);

// The usage text printed by --help and after a bad argument.
const char* Usage();

}  // namespace coord::bench
