// RunResult: the outcome of one coordbench run, and its JSON form (the contract with
// tools/bench-vs-zookeeper and with --compare / --plot, which read it back):
//   {"tool":"coordbench","version":1,"label","backend","servers","workload","params":{...},
//    "started_at","duration_s","ops","errors","ops_per_s",
//    "latency_us":{"mean","p50","p90","p99","p999","max"},"per_second":[...],
//    "histogram":[[upper_bound_us,count]...],"client_cpu_s","extra":{...}}
//
// Pure: no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "coord/base/status.h"
#include "tools/coordbench/histogram.h"
#include "tools/coordbench/json.h"
#include "tools/coordbench/options.h"

namespace coord::bench {

constexpr int kResultVersion = 1;

struct LatencySummary {
  double mean = 0, p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;  // microseconds
};

struct RunResult {
  std::string label;
  std::string backend;
  std::string servers;
  std::string workload;
  Json params = Json::Object();
  std::string started_at;  // UTC, ISO 8601
  double duration_s = 0;   // the measured part (after the warmup)
  uint64_t ops = 0;
  uint64_t errors = 0;
  double ops_per_s = 0;
  LatencySummary latency_us;
  std::vector<uint64_t> per_second;                    // ops completed in each second
  std::vector<std::pair<double, uint64_t>> histogram;  // (upper bound µs, count), non-empty only
  double client_cpu_s = 0;
  Json extra = Json::Object();
};

// Fills latency_us and histogram from a histogram of nanoseconds.
void SetLatency(const Histogram& latency_ns, RunResult* result);
// Every option of a run, as the JSON "params".
Json ParamsOf(const Options& options);

Json ToJson(const RunResult& result);
// Checks "tool" and "version" and that every contract field is present with its type.
Result<RunResult> FromJson(const Json& json);

}  // namespace coord::bench
