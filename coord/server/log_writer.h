// LogWriter: the thread that owns the storage::Log and makes batches durable off the loop thread.
//
// The loop thread hands it entries with Append(); the writer commits everything queued since its
// last commit as one batch (group commit: one LMDB transaction and one fsync for many writes),
// then reports the last durable zxid back through a uv_async_t. Snapshot bookkeeping (retention,
// hard state, log purge) runs on the same thread, since it writes to the same log.
//
// A failed commit is fatal (Zab rule 6): the callback receives the failure and the server exits
// without acknowledging anything else.
//
// Threading: Append/RunTask/Stop from the loop thread; callbacks on the loop thread. Work is
// handed over by message (a mutex-protected queue), never by sharing the log.
#pragma once

#include <uv.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "coord/base/status.h"
#include "storage/log.h"

namespace coord::server {

class LogWriter {
 public:
  // Called on the loop thread after each commit: the highest durable zxid, or the failure.
  using DurableCallback = std::function<void(const Status& status, Zxid durable_zxid)>;
  // A job that needs the log (e.g. purge after a snapshot), run on the writer thread; its
  // completion callback runs on the loop thread.
  using Task = std::function<Status(storage::Log& log)>;
  using TaskDone = std::function<void(const Status& status)>;

  LogWriter(uv_loop_t* loop, std::unique_ptr<storage::Log> log, DurableCallback on_durable);
  ~LogWriter();

  void Append(std::vector<storage::LogEntry> entries);
  void RunTask(Task task, TaskDone done);
  // True when nothing is queued or being written.
  bool idle() const;
  // Finishes queued work, stops the thread and closes the async handle.
  void Stop();

 private:
  struct Completion {
    Status status;
    Zxid durable_zxid = 0;
    bool is_task = false;
    TaskDone task_done;
  };
  void Run();
  static void OnAsync(uv_async_t* handle);
  void DeliverCompletions();

  std::unique_ptr<storage::Log> log_;
  DurableCallback on_durable_;
  uv_async_t* async_;  // freed in its close callback

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<storage::LogEntry> queued_;        // guarded by mu_
  std::deque<std::pair<Task, TaskDone>> tasks_;  // guarded by mu_
  std::vector<Completion> completions_;          // guarded by mu_
  bool busy_ = false;                            // guarded by mu_
  bool stopping_ = false;                        // guarded by mu_
  bool failed_ = false;                          // guarded by mu_
  std::thread thread_;
};

}  // namespace coord::server
