// The blocking API: each call starts its asynchronous twin and waits for the callback. On the
// event thread that callback could never run while the caller waits, so there the call fails at
// once (kBadArguments) instead of deadlocking.
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "clients/client_impl.h"

namespace coord {
namespace {

// One blocking call's rendezvous. Shared with the callback, which may outlive a timed-out wait.
template <typename V>
class Waiter {
 public:
  void Set(V value) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      value_.emplace(std::move(value));
    }
    cv_.notify_one();
  }
  std::optional<V> Wait(int64_t limit_ms) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(limit_ms), [this] { return value_.has_value(); });
    return std::move(value_);
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<V> value_;
};

Status OnEventThreadError(const char* op) {
  return Status(Code::kBadArguments,
                std::string("blocking ") + op +
                    " called on the client's event thread (it would wait for a callback that "
                    "cannot run): use the Async form in callbacks");
}

Status NoAnswer(const char* op, int64_t limit_ms) {
  return Status(Code::kOperationTimeout,
                std::string(op) + ": no answer within " + std::to_string(limit_ms) + " ms");
}

// V is Result<T> or Status; `start` receives the callback to pass to the Async form.
template <typename V, typename Start>
V Await(bool on_event_thread, int64_t limit_ms, const char* op, Start start) {
  if (on_event_thread) return OnEventThreadError(op);
  auto waiter = std::make_shared<Waiter<V>>();
  start([waiter](V value) { waiter->Set(std::move(value)); });
  std::optional<V> value = waiter->Wait(limit_ms);
  if (!value) return NoAnswer(op, limit_ms);
  return std::move(*value);
}

}  // namespace

#define COORD_AWAIT(V, op, ...) \
  Await<V>(OnEventThread(), impl_->blocking_limit_ms, op, [&](auto done) { __VA_ARGS__; })

Result<CreateResponse> Client::Create(CreateRequest request) {
  return COORD_AWAIT(Result<CreateResponse>, "create", CreateAsync(std::move(request), done));
}
Status Client::Delete(std::string path, int32_t version) {
  return COORD_AWAIT(Status, "delete", DeleteAsync(std::move(path), version, done));
}
Result<std::optional<Stat>> Client::Exists(std::string path, Watcher watcher) {
  return COORD_AWAIT(Result<std::optional<Stat>>, "exists",
                     ExistsAsync(std::move(path), done, std::move(watcher)));
}
Result<GetDataResponse> Client::GetData(std::string path, Watcher watcher) {
  return COORD_AWAIT(Result<GetDataResponse>, "get_data",
                     GetDataAsync(std::move(path), done, std::move(watcher)));
}
Result<Stat> Client::SetData(std::string path, std::string data, int32_t version) {
  return COORD_AWAIT(Result<Stat>, "set_data",
                     SetDataAsync(std::move(path), std::move(data), version, done));
}
Result<GetChildrenResponse> Client::GetChildren(GetChildrenRequest request, Watcher watcher) {
  return COORD_AWAIT(Result<GetChildrenResponse>, "get_children",
                     GetChildrenAsync(std::move(request), done, std::move(watcher)));
}
Result<std::vector<std::string>> Client::GetAllChildren(std::string path, Watcher watcher) {
  return COORD_AWAIT(Result<std::vector<std::string>>, "get_children",
                     GetAllChildrenAsync(std::move(path), done, std::move(watcher)));
}
Result<GetAclResponse> Client::GetAcl(std::string path) {
  return COORD_AWAIT(Result<GetAclResponse>, "get_acl", GetAclAsync(std::move(path), done));
}
Result<Stat> Client::SetAcl(std::string path, AclList acl, int32_t version) {
  return COORD_AWAIT(Result<Stat>, "set_acl",
                     SetAclAsync(std::move(path), std::move(acl), version, done));
}
Result<MultiResponse> Client::Multi(std::vector<MultiOpRequest> ops) {
  return COORD_AWAIT(Result<MultiResponse>, "multi", MultiAsync(std::move(ops), done));
}
Result<MultiResponse> Client::MultiRead(std::vector<ReadOpRequest> ops) {
  return COORD_AWAIT(Result<MultiResponse>, "multi_read", MultiReadAsync(std::move(ops), done));
}
Status Client::Sync(std::string path) {
  return COORD_AWAIT(Status, "sync", SyncAsync(std::move(path), done));
}
Status Client::AddWatch(std::string path, AddWatchMode mode, Watcher watcher) {
  return COORD_AWAIT(Status, "add_watch",
                     AddWatchAsync(std::move(path), mode, std::move(watcher), done));
}
Status Client::RemoveWatches(std::string path, WatcherType type) {
  return COORD_AWAIT(Status, "remove_watches", RemoveWatchesAsync(std::move(path), type, done));
}
Result<std::vector<std::string>> Client::GetEphemerals(std::string prefix) {
  return COORD_AWAIT(Result<std::vector<std::string>>, "get_ephemerals",
                     GetEphemeralsAsync(std::move(prefix), done));
}
Status Client::AddAuth(std::string scheme, std::string auth) {
  return COORD_AWAIT(Status, "add_auth", AddAuthAsync(std::move(scheme), std::move(auth), done));
}
Result<std::vector<ClientIdentity>> Client::WhoAmI() {
  return COORD_AWAIT(Result<std::vector<ClientIdentity>>, "whoami", WhoAmIAsync(done));
}
Result<ServerStatusResponse> Client::ServerStatus() {
  return COORD_AWAIT(Result<ServerStatusResponse>, "server_status", ServerStatusAsync(done));
}
Status Client::Close() { return COORD_AWAIT(Status, "close", CloseAsync(done)); }

#undef COORD_AWAIT

}  // namespace coord
