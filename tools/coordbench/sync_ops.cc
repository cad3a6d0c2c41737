#include "tools/coordbench/sync_ops.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>

namespace coord::bench {
namespace {

// Shared with the completions, which may outlive a RunPipelinedOps that timed out.
struct Pipeline {
  std::mutex mu;
  std::condition_variable changed;
  std::function<void(int64_t, Done)> op;
  std::vector<Code> tolerated;
  int64_t n = 0;
  int64_t next = 0;       // guarded
  int64_t in_flight = 0;  // guarded
  uint64_t completions = 0;
  Status first_error;  // guarded
};

void IssueMore(const std::shared_ptr<Pipeline>& p, std::unique_lock<std::mutex>& lock, int window) {
  while (p->first_error.ok() && p->next < p->n && p->in_flight < window) {
    int64_t i = p->next++;
    ++p->in_flight;
    lock.unlock();
    p->op(i, [p, window](Status status) {
      std::unique_lock<std::mutex> l(p->mu);
      --p->in_flight;
      ++p->completions;
      bool tolerated =
          std::find(p->tolerated.begin(), p->tolerated.end(), status.code()) != p->tolerated.end();
      if (!status.ok() && !tolerated && p->first_error.ok()) p->first_error = status;
      IssueMore(p, l, window);
      p->changed.notify_all();
    });
    lock.lock();
  }
}

}  // namespace

Status RunPipelinedOps(int64_t n, int window, const std::function<void(int64_t, Done)>& op,
                       const std::vector<Code>& tolerated, int64_t timeout_ms) {
  auto p = std::make_shared<Pipeline>();
  p->op = op;
  p->tolerated = tolerated;
  p->n = n;
  std::unique_lock<std::mutex> lock(p->mu);
  IssueMore(p, lock, std::max(window, 1));
  while (p->in_flight > 0 || (p->first_error.ok() && p->next < p->n)) {
    uint64_t seen = p->completions;
    if (!p->changed.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                             [&] { return p->completions != seen; })) {
      // Completions that arrive later must not issue more ops (op refers to the caller's frame).
      p->first_error =
          Status(Code::kOperationTimeout,
                 "no reply from the server for " + std::to_string(timeout_ms / 1000) + " s");
      return p->first_error;
    }
  }
  return p->first_error;
}

Status CreateSync(Session& session, const std::string& path, const std::string& data) {
  return RunPipelinedOps(1, 1,
                         [&](int64_t, Done done) { session.Create(path, data, std::move(done)); });
}

Result<std::vector<std::string>> ChildrenSync(Session& session, const std::string& path) {
  auto names = std::make_shared<std::vector<std::string>>();
  Status status = RunPipelinedOps(1, 1, [&](int64_t, Done done) {
    session.Children(path, [names, done](Status s, std::vector<std::string> got) {
      *names = std::move(got);
      done(std::move(s));
    });
  });
  if (!status.ok()) return status;
  return std::move(*names);
}

Status DeleteTree(Session& session, const std::string& path) {
  Result<std::vector<std::string>> children = ChildrenSync(session, path);
  if (children.code() == Code::kNoNode) return Status::Ok();
  if (!children.ok()) return children.status();
  // Delete every child at once; those that have children of their own fail with kNotEmpty and
  // are removed recursively (our trees are shallow: one level of leaves in the common case).
  auto nonempty = std::make_shared<std::vector<std::string>>();
  auto mu = std::make_shared<std::mutex>();
  COORD_RETURN_IF_ERROR(
      RunPipelinedOps(static_cast<int64_t>(children->size()), 256,
                      [&](int64_t i, Done done) {
                        std::string child = path + "/" + (*children)[static_cast<size_t>(i)];
                        session.Delete(child, [child, nonempty, mu, done](Status s) {
                          if (s.code() == Code::kNotEmpty) {
                            std::lock_guard<std::mutex> lock(*mu);
                            nonempty->push_back(child);
                            s = Status::Ok();
                          }
                          done(std::move(s));
                        });
                      },
                      {Code::kNoNode}));
  for (const std::string& child : *nonempty) COORD_RETURN_IF_ERROR(DeleteTree(session, child));
  return RunPipelinedOps(1, 1, [&](int64_t, Done done) { session.Delete(path, std::move(done)); },
                         {Code::kNoNode});
}

}  // namespace coord::bench
