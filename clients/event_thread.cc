#include "clients/event_thread.h"

#include "coord/base/check.h"

namespace coord::client {

EventThread::EventThread() {
  thread_ = std::thread([this] { Run(); });
  id_ = thread_.get_id();
}

EventThread::~EventThread() { Stop(); }

bool EventThread::Post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return false;
    queue_.push_back(std::move(fn));
  }
  cv_.notify_one();
  return true;
}

void EventThread::Stop() {
  if (!thread_.joinable()) return;
  CHECK(!OnThread()) << "a client's event thread cannot stop itself (destroying a Client from "
                        "its own callback?)";
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void EventThread::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) {  // stopping, and everything posted has run
      stopped_ = true;
      return;
    }
    std::function<void()> fn = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    fn();
    lock.lock();
  }
}

}  // namespace coord::client
