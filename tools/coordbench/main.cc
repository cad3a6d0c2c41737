// coordbench: measures a coord or Apache ZooKeeper server with one set of workloads (see
// options.cc's usage text and tools/coordbench/README.md), writes a JSON result, compares two
// results as a markdown table and plots them with gnuplot.
//
// Exit status: 0 ok; 1 the run could not start or gave up (server unreachable, setup failed,
// too many errors); 2 bad arguments; 3 the run completed but some operations failed (the JSON is
// written and counts them).
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "tools/coordbench/backend.h"
#include "tools/coordbench/compare.h"
#include "tools/coordbench/options.h"
#include "tools/coordbench/plot.h"
#include "tools/coordbench/result.h"
#include "tools/coordbench/workloads.h"

namespace coord::bench {
namespace {

int Fail(const std::string& message, int code = 1) {
  std::fprintf(stderr, "coordbench: %s\n", message.c_str());
  return code;
}

Result<RunResult> ReadResult(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status(Code::kNotFound, "cannot read " + path);
  std::stringstream text;
  text << f.rdbuf();
  Result<Json> json = Json::Parse(text.str());
  if (!json.ok()) return Status(json.code(), path + ": " + json.status().message());
  Result<RunResult> result = FromJson(*json);
  if (!result.ok()) return Status(result.code(), path + ": " + result.status().message());
  return result;
}

Status WriteText(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  f.close();
  if (!f) return Status(Code::kIoError, "cannot write " + path);
  return Status::Ok();
}

int Compare(const Options& o) {
  Result<RunResult> a = ReadResult(o.inputs[0]);
  if (!a.ok()) return Fail(a.status().message());
  Result<RunResult> b = ReadResult(o.inputs[1]);
  if (!b.ok()) return Fail(b.status().message());
  const std::string table = CompareTable(*a, *b);
  std::fputs(table.c_str(), stdout);
  if (!o.md_path.empty()) {
    Status s = WriteText(o.md_path, table);
    if (!s.ok()) return Fail(s.message());
  }
  return 0;
}

int Plot(const Options& o) {
  std::vector<RunResult> results;
  for (const std::string& path : o.inputs) {
    Result<RunResult> r = ReadResult(path);
    if (!r.ok()) return Fail(r.status().message());
    results.push_back(std::move(*r));
  }
  Status s = RunGnuplot(o.plot_path, o.plot_over_time, results);
  if (!s.ok()) return Fail(s.message());
  std::printf("wrote %s\n", o.plot_path.c_str());
  return 0;
}

void PrintSummary(const RunResult& r) {
  const std::string label = r.label.empty() ? "" : " (" + r.label + ")";
  std::printf("%s%s on %s %s: %llu ops in %.2f s = %.1f ops/s\n", r.workload.c_str(), label.c_str(),
              r.backend.c_str(), r.servers.c_str(), static_cast<unsigned long long>(r.ops),
              r.duration_s, r.ops_per_s);
  std::printf("latency µs: mean %.1f  p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f\n",
              r.latency_us.mean, r.latency_us.p50, r.latency_us.p90, r.latency_us.p99,
              r.latency_us.p999, r.latency_us.max);
  std::printf("client CPU %.2f s (%.1f µs/op)\n", r.client_cpu_s,
              r.ops == 0 ? 0.0 : r.client_cpu_s * 1e6 / static_cast<double>(r.ops));
}

int RunBench(const Options& o) {
  std::unique_ptr<Backend> backend =
      o.backend == "coord" ? MakeCoordBackend(o) : MakeZooKeeperBackend(o);
  Result<RunResult> result = RunWorkload(o, *backend);
  if (!result.ok()) return Fail(result.status().ToString());
  PrintSummary(*result);
  if (!o.json_path.empty()) {
    Status s = WriteText(o.json_path, ToJson(*result).Dump() + "\n");
    if (!s.ok()) return Fail(s.message());
  }
  if (const Json* cleanup = result->extra.Find("cleanup_error")) {
    std::fprintf(stderr, "coordbench: warning: %s\n", cleanup->str().c_str());
  }
  const Json* first_error = result->extra.Find("first_error");
  const std::string why = first_error != nullptr ? first_error->str() : "";
  if (result->extra.Find("aborted") != nullptr) {
    std::printf("FAILED: gave up after %llu errors (first: %s)\n",
                static_cast<unsigned long long>(result->errors), why.c_str());
    return 1;
  }
  if (result->errors > 0) {
    std::printf("ERRORS: %llu of %llu ops failed (first: %s)\n",
                static_cast<unsigned long long>(result->errors),
                static_cast<unsigned long long>(result->ops), why.c_str());
    return 3;
  }
  std::printf("ok: no errors\n");
  return 0;
}

}  // namespace
}  // namespace coord::bench

int main(int argc, char** argv) {
  using namespace coord::bench;
  // A server that closes a connection must not kill the tool with SIGPIPE.
  signal(SIGPIPE, SIG_IGN);
  coord::Result<Options> options = ParseOptions(std::vector<std::string>(argv + 1, argv + argc));
  if (!options.ok()) {
    std::fprintf(stderr, "coordbench: %s\n\n%s", options.status().message().c_str(), Usage());
    return 2;
  }
  switch (options->mode) {
    case Mode::kHelp:
      std::fputs(Usage(), stdout);
      return 0;
    case Mode::kCompare:
      return Compare(*options);
    case Mode::kPlot:
      return Plot(*options);
    case Mode::kRun:
      return RunBench(*options);
  }
  return 1;
}
