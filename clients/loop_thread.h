// LoopThread: a libuv loop running on its own thread, and the way other threads hand it work — a
// mutex-protected queue of closures and a uv_async_t that wakes the loop to run them in order.
//
// Threading: Post() from any thread. Everything else that touches the loop runs on this thread
// (libuv is not thread-safe). Stop() from any other thread: runs `finish` on the loop (which must
// close every handle it opened), waits for the loop to end, joins.
#pragma once

#include <uv.h>

#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace coord::client {

class LoopThread {
 public:
  LoopThread();
  ~LoopThread();  // Stop() with nothing to finish
  LoopThread(const LoopThread&) = delete;
  LoopThread& operator=(const LoopThread&) = delete;

  // Starts the thread and runs `init` on it before anything posted.
  void Start(std::function<void(uv_loop_t*)> init);
  // Runs `fn` on the loop thread after what was posted before. False (and `fn` is dropped) once
  // Stop() began.
  bool Post(std::function<void()> fn);
  // Idempotent.
  void Stop(std::function<void()> finish = {});
  bool OnThread() const { return std::this_thread::get_id() == id_; }

 private:
  void Run(std::function<void(uv_loop_t*)> init);
  static void OnAsync(uv_async_t* async);
  void Drain();

  uv_loop_t loop_;
  uv_async_t async_;
  std::mutex mu_;
  std::deque<std::function<void()>> inbox_;
  bool stopped_ = false;
  bool started_ = false;
  std::thread thread_;
  std::thread::id id_;
};

}  // namespace coord::client
