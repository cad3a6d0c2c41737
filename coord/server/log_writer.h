// LogWriter: the thread that owns the storage::Log and makes batches durable off the loop thread.
//
// The loop thread hands it work in order: entries (standalone, Append), numbered batches of an
// ensemble member's consensus core (Commit) and tasks that need the log (RunTask: snapshot
// bookkeeping, installing a leader's snapshot). Work runs strictly in the order it was handed
// over; consecutive entries and batches are merged into one storage transaction (group commit:
// one LMDB transaction and one fsync for many writes) unless a later batch truncates. Completions
// come back on the loop thread through a uv_async_t: the last durable zxid (Append) or each
// batch id (Commit).
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
  // Called on the loop thread for each batch handed to Commit(), in order.
  using BatchCallback = std::function<void(const Status& status, uint64_t batch_id)>;
  // A job that needs the log (e.g. purge after a snapshot), run on the writer thread; its
  // completion callback runs on the loop thread.
  using Task = std::function<Status(storage::Log& log)>;
  using TaskDone = std::function<void(const Status& status)>;

  LogWriter(uv_loop_t* loop, std::unique_ptr<storage::Log> log, DurableCallback on_durable,
            BatchCallback on_batch = nullptr);
  ~LogWriter();

  void Append(std::vector<storage::LogEntry> entries);
  // An ensemble member's batch. A hard state in it keeps the log's last_snapshot_zxid (snapshot
  // bookkeeping owns that field).
  void Commit(uint64_t batch_id, storage::LogBatch batch);
  void RunTask(Task task, TaskDone done);
  // True when nothing is queued or being written.
  bool idle() const;
  // Finishes queued work, stops the thread and closes the async handle.
  void Stop();

 private:
  struct Job {
    enum class Kind { kAppend, kBatch, kTask } kind = Kind::kAppend;
    storage::LogBatch batch;  // kAppend, kBatch
    uint64_t batch_id = 0;    // kBatch
    Task task;                // kTask
    TaskDone task_done;
  };
  struct Completion {
    Status status;
    Zxid durable_zxid = 0;  // kAppend
    std::vector<uint64_t> batch_ids;
    bool is_task = false;
    TaskDone task_done;
  };
  void Run();
  void CommitLogJobs(std::unique_lock<std::mutex>& lock);
  static void OnAsync(uv_async_t* handle);
  void DeliverCompletions();

  std::unique_ptr<storage::Log> log_;
  DurableCallback on_durable_;
  BatchCallback on_batch_;
  uv_async_t* async_;  // freed in its close callback

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;                 // guarded by mu_
  std::vector<Completion> completions_;  // guarded by mu_
  bool busy_ = false;                    // guarded by mu_
  bool stopping_ = false;                // guarded by mu_
  bool failed_ = false;                  // guarded by mu_
  std::thread thread_;
};

}  // namespace coord::server
