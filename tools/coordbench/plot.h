// Plots of coordbench results with gnuplot: the latency CDF (log x axis, µs), one curve per run,
// or (--plot-over-time) the throughput of each second of each run. The data and the script are
// built here as text (pure, tested); RunGnuplot writes them to a temporary dir and runs gnuplot.
#pragma once

#include <string>
#include <vector>

#include "coord/base/status.h"
#include "tools/coordbench/result.h"

namespace coord::bench {

// "x y" lines: (latency µs, fraction of ops at or below it), one point per histogram bucket.
std::string CdfData(const RunResult& result);
// "second ops" lines, without a last second that the run ended inside.
std::string OverTimeData(const RunResult& result);
// The gnuplot script that draws data_files[i] titled titles[i] into out_path (the terminal
// follows the extension: .svg or .png).
Result<std::string> PlotScript(const std::string& out_path, bool over_time,
                               const std::vector<std::string>& data_files,
                               const std::vector<std::string>& titles);

// Writes the data, runs `gnuplot` (from PATH) and checks that out_path was written.
Status RunGnuplot(const std::string& out_path, bool over_time,
                  const std::vector<RunResult>& results);

}  // namespace coord::bench
