// ZkHandle: one session of the Apache ZooKeeper C client (libzookeeper_mt) for the compatibility
// tests, with every watch event — session events from the default watcher and node events from
// per-call watchers — collected in EventQueues the test reads with a bounded wait.
//
// Threading: the C client runs its own I/O and completion threads and calls the watchers there;
// EventQueue is locked for that. Use ZkHandle itself from the test's thread; the destructor closes
// the session (zookeeper_close), which joins the client's threads.
#pragma once

#ifndef THREADED
#define THREADED  // the _mt library: synchronous calls and its own threads
#endif
#include <zookeeper/zookeeper.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace coord::compat {

struct ZkEvent {
  int type = 0;   // ZOO_CREATED_EVENT, ZOO_SESSION_EVENT, ...
  int state = 0;  // ZOO_CONNECTED_STATE, ZOO_EXPIRED_SESSION_STATE, ...
  std::string path;
};

// "CREATED /a/b (state CONNECTED)", for failure messages.
std::string Describe(const ZkEvent& e);
std::string EventName(int type);
std::string StateName(int state);

class EventQueue {
 public:
  void Push(ZkEvent e);
  // The oldest event not yet taken, or nullopt after timeout_ms.
  std::optional<ZkEvent> Next(int64_t timeout_ms);
  // The oldest node event (session events skipped: the C client sends those to every watcher
  // it holds, not only to the default one), or nullopt after timeout_ms.
  std::optional<ZkEvent> NextNodeEvent(int64_t timeout_ms);
  // Takes events until one has this type and path (others are dropped); false after timeout_ms.
  bool WaitFor(int type, const std::string& path, int64_t timeout_ms);
  // Takes session events until one has this state; false after timeout_ms.
  bool WaitForState(int state, int64_t timeout_ms);

  // The watcher_fn to pass with this queue as its context.
  static void Watcher(zhandle_t* zh, int type, int state, const char* path, void* context);

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<ZkEvent> events_;
};

class ZkHandle {
 public:
  // A session with `hosts` ("h:p,h:p"), requesting session_timeout_ms; with `resume`, the
  // session with that id and password. Does not wait: see WaitConnected.
  // flags: zookeeper_init's (ZOO_READONLY accepts a read-only server).
  ZkHandle(const std::string& hosts, int session_timeout_ms, const clientid_t* resume = nullptr,
           int flags = 0);
  ~ZkHandle();
  ZkHandle(const ZkHandle&) = delete;
  ZkHandle& operator=(const ZkHandle&) = delete;

  zhandle_t* get() const { return zh_; }
  // Session events (and node events of calls made with watch = 1).
  EventQueue& events() { return *events_; }
  bool WaitConnected(int64_t timeout_ms) {
    return zh_ != nullptr && events_->WaitForState(ZOO_CONNECTED_STATE, timeout_ms);
  }
  int64_t session_id() const { return zoo_client_id(zh_)->client_id; }
  clientid_t client_id() const { return *zoo_client_id(zh_); }
  // Closes the session now (sends closeSession and waits for the reply); returns its result.
  int Close();

 private:
  std::unique_ptr<EventQueue> events_;  // outlives zh_: the client's threads push into it
  zhandle_t* zh_ = nullptr;
};

// Synchronous helpers returning the value with the error code, for compact assertions.
struct GetResult {
  int rc = 0;
  std::string data;
  Stat stat{};
};
GetResult Get(zhandle_t* zh, const std::string& path, EventQueue* watch = nullptr);

struct ChildrenResult {
  int rc = 0;
  std::vector<std::string> children;  // sorted: ZooKeeper returns them in no particular order
  Stat stat{};
};
ChildrenResult Children(zhandle_t* zh, const std::string& path, EventQueue* watch = nullptr);

struct CreateResult {
  int rc = 0;
  std::string path;
  Stat stat{};
};
// zoo_create (or zoo_create_ttl when ttl_ms >= 0): stat stays zero.
CreateResult Create(zhandle_t* zh, const std::string& path, const std::string& data, int mode,
                    int64_t ttl_ms = -1, const ACL_vector* acl = &ZOO_OPEN_ACL_UNSAFE);
// zoo_create2 (or zoo_create2_ttl): the reply carries the new node's Stat.
CreateResult Create2(zhandle_t* zh, const std::string& path, const std::string& data, int mode,
                     int64_t ttl_ms = -1, const ACL_vector* acl = &ZOO_OPEN_ACL_UNSAFE);

// Deletes path and everything below it (children first); ZNONODE counts as done.
int DeleteTree(zhandle_t* zh, const std::string& path);

}  // namespace coord::compat
