// Runs the coordsh binary as a child process with arguments and standard input, and collects its
// standard output, standard error and exit status (bounded in time).
#pragma once

#include <string>
#include <vector>

namespace coord::coordsh::testing {

struct Outcome {
  int exit_code = -1;  // -1: killed or timed out
  std::string out;
  std::string err;
};

Outcome RunCoordsh(const std::vector<std::string>& args, const std::string& stdin_text = "",
                   int timeout_ms = 30000);

}  // namespace coord::coordsh::testing
