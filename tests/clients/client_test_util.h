// Helpers for tests of coord::Client against a real coordd: recorders of session states and
// watch events that a test can wait on (bounded), and a client factory.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "coord/client.h"

namespace coord::testing {

// Everything a callback records, with the thread it ran on; waits are bounded.
template <typename T>
class Recorder {
 public:
  void Add(T value) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      items_.push_back(std::move(value));
      threads_.push_back(std::this_thread::get_id());
    }
    cv_.notify_all();
  }
  // Waits until `pred(items)` holds; false after `timeout_ms`.
  bool WaitFor(const std::function<bool(const std::vector<T>&)>& pred, int timeout_ms = 10000) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return pred(items_); });
  }
  bool WaitForCount(size_t n, int timeout_ms = 10000) {
    return WaitFor([n](const std::vector<T>& items) { return items.size() >= n; }, timeout_ms);
  }
  std::vector<T> items() const {
    std::lock_guard<std::mutex> lock(mu_);
    return items_;
  }
  std::vector<std::thread::id> threads() const {
    std::lock_guard<std::mutex> lock(mu_);
    return threads_;
  }
  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return items_.size();
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<T> items_;
  std::vector<std::thread::id> threads_;
};

using StateLog = Recorder<SessionEvent>;
using EventLog = Recorder<WatchEvent>;

inline Watcher RecordTo(EventLog* log) {
  return [log](const WatchEvent& e) { log->Add(e); };
}

// True once the log holds an event in `state` (after any earlier match count `skip`).
inline bool WaitForState(StateLog& log, SessionState state, int timeout_ms = 10000,
                         size_t nth = 1) {
  return log.WaitFor(
      [&](const std::vector<SessionEvent>& events) {
        size_t seen = 0;
        for (const SessionEvent& e : events) seen += e.state == state;
        return seen >= nth;
      },
      timeout_ms);
}

inline std::vector<SessionState> States(const StateLog& log) {
  std::vector<SessionState> out;
  for (const SessionEvent& e : log.items()) out.push_back(e.state);
  return out;
}

inline bool WaitForEvent(EventLog& log, WatchEventType type, const std::string& path,
                         int timeout_ms = 10000) {
  return log.WaitFor(
      [&](const std::vector<WatchEvent>& events) {
        for (const WatchEvent& e : events) {
          if (e.type == type && e.path == path) return true;
        }
        return false;
      },
      timeout_ms);
}

inline ClientOptions OptionsFor(const std::string& connect_string, StateLog* states = nullptr,
                                int32_t session_timeout_ms = 6000) {
  ClientOptions o;
  o.connect_string = connect_string;
  o.session_timeout_ms = session_timeout_ms;
  o.seed = 7;
  o.max_backoff_ms = 200;
  if (states != nullptr) o.on_state = [states](const SessionEvent& e) { states->Add(e); };
  return o;
}

// Opens a client and waits (bounded) for its session.
inline std::unique_ptr<Client> Connected(ClientOptions options) {
  Result<std::unique_ptr<Client>> client = Client::Open(std::move(options));
  EXPECT_TRUE(client.ok()) << client.status().ToString();
  if (!client.ok()) return nullptr;
  Status connected = (*client)->WaitConnected(10000);
  EXPECT_TRUE(connected.ok()) << connected.ToString();
  return std::move(client).value();
}

inline CreateRequest Node(std::string path, std::string data = "",
                          NodeKind kind = NodeKind::kPersistent, bool sequential = false) {
  CreateRequest r;
  r.path = std::move(path);
  r.data = std::move(data);
  r.kind = kind;
  r.sequential = sequential;
  return r;
}

}  // namespace coord::testing
