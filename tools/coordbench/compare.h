// CompareTable: the markdown table of `coordbench --compare A.json B.json`: every figure of two
// runs side by side with the ratio A/B (throughput, latency percentiles, client CPU, and the
// numeric workload-specific figures under "extra").
//
// Pure: no I/O.
#pragma once

#include <string>

#include "tools/coordbench/result.h"

namespace coord::bench {

// "12345", "12.35", "0.0123": whole numbers from 1,000 up, four significant digits below.
std::string FormatFigure(double value);
// A/B with two decimals; "-" when B is 0.
std::string FormatRatio(double a, double b);

std::string CompareTable(const RunResult& a, const RunResult& b);

}  // namespace coord::bench
