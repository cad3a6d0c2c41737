#include "coord/server/log_writer.h"

#include "coord/base/check.h"

namespace coord::server {

LogWriter::LogWriter(uv_loop_t* loop, std::unique_ptr<storage::Log> log, DurableCallback on_durable)
    : log_(std::move(log)), on_durable_(std::move(on_durable)), async_(new uv_async_t) {
  CHECK_EQ(uv_async_init(loop, async_, &LogWriter::OnAsync), 0);
  async_->data = this;
  thread_ = std::thread([this] { Run(); });
}

LogWriter::~LogWriter() { CHECK(!thread_.joinable()) << "call Stop() before destroying"; }

void LogWriter::Append(std::vector<storage::LogEntry> entries) {
  if (entries.empty()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& e : entries) queued_.push_back(std::move(e));
  }
  cv_.notify_one();
}

void LogWriter::RunTask(Task task, TaskDone done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    tasks_.emplace_back(std::move(task), std::move(done));
  }
  cv_.notify_one();
}

bool LogWriter::idle() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queued_.empty() && tasks_.empty() && !busy_ && completions_.empty();
}

void LogWriter::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !queued_.empty() || !tasks_.empty(); });
    if (failed_) {
      // After a failed commit nothing more is written (Zab rule 6); drop work until Stop().
      queued_.clear();
      tasks_.clear();
      if (stopping_) return;
      continue;
    }
    if (!queued_.empty()) {
      storage::LogBatch batch;
      batch.entries.swap(queued_);
      busy_ = true;
      lock.unlock();
      Status status = log_->Commit(batch);
      Zxid last = batch.entries.back().zxid;
      lock.lock();
      busy_ = false;
      if (!status.ok()) failed_ = true;
      completions_.push_back(Completion{std::move(status), last, false, nullptr});
      uv_async_send(async_);
      continue;
    }
    if (!tasks_.empty()) {
      auto [task, done] = std::move(tasks_.front());
      tasks_.pop_front();
      busy_ = true;
      lock.unlock();
      Status status = task(*log_);
      lock.lock();
      busy_ = false;
      completions_.push_back(Completion{std::move(status), 0, true, std::move(done)});
      uv_async_send(async_);
      continue;
    }
    if (stopping_) return;
  }
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
    } else {
      on_durable_(c.status, c.durable_zxid);
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
