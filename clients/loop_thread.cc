#include "clients/loop_thread.h"

#include <signal.h>

#include "coord/base/check.h"

namespace coord::client {

LoopThread::LoopThread() {
  CHECK_EQ(uv_loop_init(&loop_), 0);
  CHECK_EQ(uv_async_init(&loop_, &async_, &LoopThread::OnAsync), 0);
  async_.data = this;
}

LoopThread::~LoopThread() {
  if (started_) {
    Stop();  // the thread closed the loop
    return;
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
  uv_run(&loop_, UV_RUN_DEFAULT);
  uv_loop_close(&loop_);
}

void LoopThread::Start(std::function<void(uv_loop_t*)> init) {
  CHECK(!started_);
  started_ = true;
  thread_ = std::thread([this, init = std::move(init)]() mutable { Run(std::move(init)); });
  id_ = thread_.get_id();
}

void LoopThread::Run(std::function<void(uv_loop_t*)> init) {
  // A write to a socket the server closed raises SIGPIPE, whose default action kills the process.
  // Blocked on this thread (and on threads it starts), the write fails with EPIPE instead, and
  // the application's own disposition of SIGPIPE is left alone.
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
  if (init) init(&loop_);
  uv_run(&loop_, UV_RUN_DEFAULT);
  // Anything still open (a bug of the finisher) is closed so the loop can be closed.
  uv_walk(
      &loop_,
      [](uv_handle_t* handle, void*) {
        if (!uv_is_closing(handle)) uv_close(handle, nullptr);
      },
      nullptr);
  uv_run(&loop_, UV_RUN_DEFAULT);
  uv_loop_close(&loop_);
}

bool LoopThread::Post(std::function<void()> fn) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopped_) return false;
  inbox_.push_back(std::move(fn));
  // Under the lock: Stop() closes the async handle only after it set stopped_ under it too.
  uv_async_send(&async_);
  return true;
}

void LoopThread::OnAsync(uv_async_t* async) { static_cast<LoopThread*>(async->data)->Drain(); }

void LoopThread::Drain() {
  while (true) {
    std::function<void()> fn;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (inbox_.empty()) return;
      fn = std::move(inbox_.front());
      inbox_.pop_front();
    }
    fn();
  }
}

void LoopThread::Stop(std::function<void()> finish) {
  if (!thread_.joinable()) return;
  CHECK(!OnThread()) << "the loop thread cannot stop itself";
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopped_) {
      stopped_ = true;
      inbox_.push_back([this, finish = std::move(finish)] {
        if (finish) finish();
        uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
      });
      uv_async_send(&async_);
    }
  }
  thread_.join();
}

}  // namespace coord::client
