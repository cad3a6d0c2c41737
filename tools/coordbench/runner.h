// The measuring loop shared by every workload. Two shapes:
//   - pipelined: each connection keeps `outstanding` requests in flight; the completion of one
//     issues the next (create, set, get, get_children, mix, multi, load);
//   - rounds: a few threads each repeat a blocking round that reports its own latency (watch
//     fan-out, lock hand-off, session open/close).
// Latency is measured per request from issue to completion (or as the round reports it) into one
// Histogram per connection / thread; ops issued during the warmup are not counted; --count bounds
// the ops issued after it, --duration the time. The main thread prints the live line every second.
//
// Threading: Run() blocks on the caller's thread; issue functions and completions run on the
// backends' callback threads, round functions on threads of the runner.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

#include "coord/base/status.h"
#include "tools/coordbench/backend.h"
#include "tools/coordbench/histogram.h"

namespace coord::bench {

using Clock = std::chrono::steady_clock;

struct RunLimits {
  double warmup_s = 0;
  double duration_s = 0;  // 0: none
  int64_t count = 0;      // 0: none
  bool quiet = false;
  // The run gives up (and fails) after this many failed ops.
  uint64_t max_errors = 1000;
};

struct Measurement {
  Histogram latency_ns;
  std::vector<uint64_t> per_second;
  uint64_t ops = 0;  // completed successfully or not, after the warmup
  uint64_t errors = 0;
  double duration_s = 0;    // from the end of the warmup to the last completion
  double client_cpu_s = 0;  // user + system CPU of this process over the same span
  std::string first_error;  // the first failure, for the report
  bool aborted = false;     // too many errors, or requests never completed
};

// Issues one request of the workload on connection `conn`; `done` must be called exactly once.
using IssueFn = std::function<void(int conn, Session& session, Done done)>;
// One blocking round on thread `thread`: its latency in ns, or why it failed.
using RoundFn = std::function<Result<uint64_t>(int thread)>;

Measurement RunPipelined(const RunLimits& limits, const std::vector<Session*>& sessions,
                         int outstanding, const IssueFn& issue);
Measurement RunRounds(const RunLimits& limits, int threads, const RoundFn& round);

// Process CPU time (user + system), seconds.
double ProcessCpuSeconds();

}  // namespace coord::bench
