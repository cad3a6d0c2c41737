#include "tests/compat/zk_handle.h"

#include <algorithm>
#include <chrono>

namespace coord::compat {
namespace {

// Large enough for every value the tests write (they stay under 1 KiB) and every path.
constexpr int kBufferBytes = 64 * 1024;

}  // namespace

std::string EventName(int type) {
  if (type == ZOO_CREATED_EVENT) return "CREATED";
  if (type == ZOO_DELETED_EVENT) return "DELETED";
  if (type == ZOO_CHANGED_EVENT) return "CHANGED";
  if (type == ZOO_CHILD_EVENT) return "CHILD";
  if (type == ZOO_SESSION_EVENT) return "SESSION";
  if (type == ZOO_NOTWATCHING_EVENT) return "NOTWATCHING";
  return "event " + std::to_string(type);
}

std::string StateName(int state) {
  if (state == ZOO_CONNECTED_STATE) return "CONNECTED";
  if (state == ZOO_CONNECTING_STATE) return "CONNECTING";
  if (state == ZOO_ASSOCIATING_STATE) return "ASSOCIATING";
  if (state == ZOO_EXPIRED_SESSION_STATE) return "EXPIRED";
  if (state == ZOO_AUTH_FAILED_STATE) return "AUTH_FAILED";
  if (state == ZOO_READONLY_STATE) return "READONLY";
  if (state == ZOO_NOTCONNECTED_STATE) return "NOTCONNECTED";
  return "state " + std::to_string(state);
}

std::string Describe(const ZkEvent& e) {
  return EventName(e.type) + " " + e.path + " (state " + StateName(e.state) + ")";
}

void EventQueue::Push(ZkEvent e) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back(std::move(e));
  }
  cv_.notify_all();
}

std::optional<ZkEvent> EventQueue::Next(int64_t timeout_ms) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                    [&] { return !events_.empty(); })) {
    return std::nullopt;
  }
  ZkEvent e = std::move(events_.front());
  events_.pop_front();
  return e;
}

std::optional<ZkEvent> EventQueue::NextNodeEvent(int64_t timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    const int64_t left = std::chrono::duration_cast<std::chrono::milliseconds>(
                             deadline - std::chrono::steady_clock::now())
                             .count();
    if (left <= 0) return std::nullopt;
    std::optional<ZkEvent> e = Next(left);
    if (!e || e->type != ZOO_SESSION_EVENT) return e;
  }
}

bool EventQueue::WaitFor(int type, const std::string& path, int64_t timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    const int64_t left = std::chrono::duration_cast<std::chrono::milliseconds>(
                             deadline - std::chrono::steady_clock::now())
                             .count();
    if (left <= 0) return false;
    std::optional<ZkEvent> e = Next(left);
    if (!e) return false;
    if (e->type == type && e->path == path) return true;
  }
}

bool EventQueue::WaitForState(int state, int64_t timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    const int64_t left = std::chrono::duration_cast<std::chrono::milliseconds>(
                             deadline - std::chrono::steady_clock::now())
                             .count();
    if (left <= 0) return false;
    std::optional<ZkEvent> e = Next(left);
    if (!e) return false;
    if (e->type == ZOO_SESSION_EVENT && e->state == state) return true;
  }
}

void EventQueue::Watcher(zhandle_t*, int type, int state, const char* path, void* context) {
  static_cast<EventQueue*>(context)->Push(ZkEvent{type, state, path ? path : ""});
}

ZkHandle::ZkHandle(const std::string& hosts, int session_timeout_ms, const clientid_t* resume,
                   int flags)
    : events_(std::make_unique<EventQueue>()) {
  zoo_set_debug_level(ZOO_LOG_LEVEL_WARN);
  zh_ = zookeeper_init(hosts.c_str(), &EventQueue::Watcher, session_timeout_ms, resume,
                       events_.get(), flags);
}

ZkHandle::~ZkHandle() { Close(); }

int ZkHandle::Close() {
  if (zh_ == nullptr) return ZOK;
  const int rc = zookeeper_close(zh_);
  zh_ = nullptr;
  return rc;
}

GetResult Get(zhandle_t* zh, const std::string& path, EventQueue* watch) {
  GetResult r;
  std::string buffer(kBufferBytes, '\0');
  int len = kBufferBytes;
  r.rc = watch
             ? zoo_wget(zh, path.c_str(), &EventQueue::Watcher, watch, buffer.data(), &len, &r.stat)
             : zoo_get(zh, path.c_str(), 0, buffer.data(), &len, &r.stat);
  if (r.rc == ZOK && len > 0) r.data.assign(buffer.data(), static_cast<size_t>(len));
  return r;
}

ChildrenResult Children(zhandle_t* zh, const std::string& path, EventQueue* watch) {
  ChildrenResult r;
  String_vector names{};
  r.rc = watch ? zoo_wget_children2(zh, path.c_str(), &EventQueue::Watcher, watch, &names, &r.stat)
               : zoo_get_children2(zh, path.c_str(), 0, &names, &r.stat);
  if (r.rc == ZOK) {
    for (int i = 0; i < names.count; ++i) r.children.emplace_back(names.data[i]);
    deallocate_String_vector(&names);
    std::sort(r.children.begin(), r.children.end());
  }
  return r;
}

CreateResult Create(zhandle_t* zh, const std::string& path, const std::string& data, int mode,
                    int64_t ttl_ms, const ACL_vector* acl) {
  CreateResult r;
  std::string buffer(kBufferBytes, '\0');
  r.rc = ttl_ms >= 0 ? zoo_create_ttl(zh, path.c_str(), data.data(), static_cast<int>(data.size()),
                                      acl, mode, ttl_ms, buffer.data(), kBufferBytes)
                     : zoo_create(zh, path.c_str(), data.data(), static_cast<int>(data.size()), acl,
                                  mode, buffer.data(), kBufferBytes);
  if (r.rc == ZOK) r.path = buffer.c_str();
  return r;
}

CreateResult Create2(zhandle_t* zh, const std::string& path, const std::string& data, int mode,
                     int64_t ttl_ms, const ACL_vector* acl) {
  CreateResult r;
  std::string buffer(kBufferBytes, '\0');
  r.rc = ttl_ms >= 0 ? zoo_create2_ttl(zh, path.c_str(), data.data(), static_cast<int>(data.size()),
                                       acl, mode, ttl_ms, buffer.data(), kBufferBytes, &r.stat)
                     : zoo_create2(zh, path.c_str(), data.data(), static_cast<int>(data.size()),
                                   acl, mode, buffer.data(), kBufferBytes, &r.stat);
  if (r.rc == ZOK) r.path = buffer.c_str();
  return r;
}

int DeleteTree(zhandle_t* zh, const std::string& path) {
  String_vector names{};
  int rc = zoo_get_children(zh, path.c_str(), 0, &names);
  if (rc == ZNONODE) return ZOK;
  if (rc != ZOK) return rc;
  for (int i = 0; i < names.count && rc == ZOK; ++i) {
    rc = DeleteTree(zh, path + "/" + names.data[i]);
  }
  deallocate_String_vector(&names);
  if (rc != ZOK) return rc;
  rc = zoo_delete(zh, path.c_str(), -1);
  return rc == ZNONODE ? ZOK : rc;
}

}  // namespace coord::compat
