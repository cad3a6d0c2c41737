// The workloads of coordbench, written once over the Backend interface: each prepares its znodes
// under --prefix, runs through the runner (pipelined or in rounds), removes what it made (unless
// --keep, or load, whose znodes are the point) and fills a RunResult.
//
// Threading: RunWorkload blocks the calling thread for the whole run.
#pragma once

#include "coord/base/status.h"
#include "tools/coordbench/backend.h"
#include "tools/coordbench/options.h"
#include "tools/coordbench/result.h"

namespace coord::bench {

// A run that could not start (server unreachable, setup failed) is an error; a run that started
// returns its result, with errors counted (and `aborted_reason` set in extra when it gave up).
Result<RunResult> RunWorkload(const Options& options, Backend& backend);

}  // namespace coord::bench
