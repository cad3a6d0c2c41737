#include "coord/server/log_writer.h"

#include <algorithm>

#include "coord/base/check.h"

namespace coord::server {

LogWriter::LogWriter(uv_loop_t* loop, std::unique_ptr<storage::Log> log, DurableCallback on_durable,
                     BatchCallback on_batch)
    : log_(std::move(log)),
      on_durable_(std::move(on_durable)),
      on_batch_(std::move(on_batch)),
      async_(new uv_async_t) {
  CHECK_EQ(uv_async_init(loop, async_, &LogWriter::OnAsync), 0);
  async_->data = this;
  thread_ = std::thread([this] { Run(); });
}

LogWriter::~LogWriter() { CHECK(!thread_.joinable()) << "call Stop() before destroying"; }

void LogWriter::Append(std::vector<storage::LogEntry> entries) {
  if (entries.empty()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (jobs_.empty() || jobs_.back().kind != Job::Kind::kAppend) jobs_.emplace_back();
    auto& queued = jobs_.back().batch.entries;
    for (auto& e : entries) queued.push_back(std::move(e));
  }
  cv_.notify_one();
}

void LogWriter::Commit(uint64_t batch_id, storage::LogBatch batch) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    Job job;
    job.kind = Job::Kind::kBatch;
    job.batch = std::move(batch);
    job.batch_id = batch_id;
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void LogWriter::RunTask(Task task, TaskDone done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    Job job;
    job.kind = Job::Kind::kTask;
    job.task = std::move(task);
    job.task_done = std::move(done);
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
}

bool LogWriter::idle() const {
  std::lock_guard<std::mutex> lock(mu_);
  return jobs_.empty() && !busy_ && completions_.empty();
}

void LogWriter::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
    if (failed_) {
      // After a failed commit nothing more is written (Zab rule 6); drop work until Stop().
      jobs_.clear();
      if (stopping_) return;
      continue;
    }
    if (jobs_.empty()) {
      if (stopping_) return;
      continue;
    }
    if (jobs_.front().kind == Job::Kind::kTask) {
      Job job = std::move(jobs_.front());
      jobs_.pop_front();
      busy_ = true;
      lock.unlock();
      Status status = job.task(*log_);
      lock.lock();
      busy_ = false;
      completions_.push_back(Completion{std::move(status), 0, {}, true, std::move(job.task_done)});
      uv_async_send(async_);
      continue;
    }
    CommitLogJobs(lock);
  }
}

void LogWriter::CommitLogJobs(std::unique_lock<std::mutex>& lock) {
  // Merge the run of log jobs at the head into one transaction; a truncation after the first
  // job must come after what precedes it, so it starts the next transaction instead.
  storage::LogBatch merged;
  Completion done;
  bool first = true;
  while (!jobs_.empty() && jobs_.front().kind != Job::Kind::kTask &&
         (first || !jobs_.front().batch.truncate_after)) {
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    if (first) merged.truncate_after = job.batch.truncate_after;
    first = false;
    for (auto& e : job.batch.entries) merged.entries.push_back(std::move(e));
    if (job.batch.hard_state) merged.hard_state = job.batch.hard_state;
    if (job.kind == Job::Kind::kBatch) {
      done.batch_ids.push_back(job.batch_id);
    } else if (!merged.entries.empty()) {
      done.durable_zxid = std::max(done.durable_zxid, merged.entries.back().zxid);
    }
  }
  busy_ = true;
  lock.unlock();
  if (merged.hard_state) {
    merged.hard_state->last_snapshot_zxid = log_->GetHardState().last_snapshot_zxid;
  }
  Status status = log_->Commit(merged);
  lock.lock();
  busy_ = false;
  if (!status.ok()) failed_ = true;
  done.status = std::move(status);
  completions_.push_back(std::move(done));
  uv_async_send(async_);
}

void LogWriter::OnAsync(uv_async_t* handle) {
  static_cast<LogWriter*>(handle->data)->DeliverCompletions();
}

void LogWriter::DeliverCompletions() {
  std::vector<Completion> done;
  {
    std::lock_guard<std::mutex> lock(mu_);
    done.swap(completions_);
  }
  for (Completion& c : done) {
    if (c.is_task) {
      if (c.task_done) c.task_done(c.status);
      continue;
    }
    if (c.durable_zxid != 0 || c.batch_ids.empty() || !c.status.ok()) {
      if (on_durable_) on_durable_(c.status, c.durable_zxid);
    }
    if (on_batch_) {
      for (uint64_t id : c.batch_ids) on_batch_(c.status, id);
    }
  }
}

void LogWriter::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
  DeliverCompletions();
  uv_close(reinterpret_cast<uv_handle_t*>(async_),
           [](uv_handle_t* handle) { delete reinterpret_cast<uv_async_t*>(handle); });
}

}  // namespace coord::server
