// Runs the coordbench binary as a child process (bounded in time) in a temporary working dir,
// and reads back what it wrote: exit status, stdout, stderr, and the JSON result when asked for.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tools/coordbench/result.h"

namespace coord::bench::testing {

struct Outcome {
  int exit_code = -1;  // -1: killed by a signal or timed out
  std::string out;
  std::string err;
};

class BenchDir {
 public:
  BenchDir();
  ~BenchDir();
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

Outcome RunCoordbench(const std::vector<std::string>& args, int timeout_ms = 120000);
std::string ReadFile(const std::string& path);
// The result file written by a run; a test failure (and nullopt) if it is not a valid result.
std::optional<RunResult> ReadResultFile(const std::string& path);

}  // namespace coord::bench::testing
