// EventThread: the one thread on which a client runs its application's callbacks, in the order
// they were posted — a queue, a mutex, a condition variable.
//
// Threading: Post() from any thread. Stop() from any thread but this one: it runs what was posted
// before it (and what those callbacks post), then ends; later posts are dropped.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace coord::client {

class EventThread {
 public:
  EventThread();
  ~EventThread();  // Stop()
  EventThread(const EventThread&) = delete;
  EventThread& operator=(const EventThread&) = delete;

  // False (and `fn` is dropped) once stopped.
  bool Post(std::function<void()> fn);
  void Stop();
  bool OnThread() const { return std::this_thread::get_id() == id_; }

 private:
  void Run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;  // no more waiting: drain and end
  bool stopped_ = false;   // posts are dropped
  std::thread thread_;
  std::thread::id id_;
};

}  // namespace coord::client
