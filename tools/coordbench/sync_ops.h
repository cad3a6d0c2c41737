// Blocking helpers over a Session for the parts of a run that are not measured: pre-creating the
// workload's znodes (pipelined) and removing the tool's subtree before and after.
//
// Threading: call from an application thread, never from a Session callback.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "coord/base/status.h"
#include "tools/coordbench/backend.h"

namespace coord::bench {

// Issues op(0..n-1) with at most `window` in flight; the first failure (other than a code in
// `tolerated`) is returned after every issued op completed. Bounded: fails with
// kOperationTimeout when no op completes for timeout_ms.
Status RunPipelinedOps(int64_t n, int window, const std::function<void(int64_t, Done)>& op,
                       const std::vector<Code>& tolerated = {}, int64_t timeout_ms = 60000);

Status CreateSync(Session& session, const std::string& path, const std::string& data = "");
// Every child name of path; kNoNode when it does not exist.
Result<std::vector<std::string>> ChildrenSync(Session& session, const std::string& path);
// Removes path and everything below it (pipelined deletes; a missing path is ok).
Status DeleteTree(Session& session, const std::string& path);

}  // namespace coord::bench
