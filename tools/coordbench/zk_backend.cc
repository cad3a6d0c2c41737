// The ZooKeeper adapter: a Session is one zhandle_t of Apache ZooKeeper's multi-threaded C client
// (its own I/O and completion threads); operations are the zoo_a* calls, each with a heap context
// that carries the callback to the completion and is freed there.
#include <zookeeper/zookeeper.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>

#include "tools/coordbench/backend.h"
#include "tools/coordbench/zk_lock.h"
#include "tools/coordbench/zk_status.h"

namespace coord::bench {
namespace {

// The session's state, as the default watcher reports it.
struct Connection {
  std::mutex mu;
  std::condition_variable changed;
  int state = 0;
};

void OnSessionEvent(zhandle_t*, int type, int state, const char*, void* ctx) {
  if (type != ZOO_SESSION_EVENT) return;
  auto* c = static_cast<Connection*>(ctx);
  {
    std::lock_guard<std::mutex> lock(c->mu);
    c->state = state;
  }
  c->changed.notify_all();
}

struct DoneCtx {
  Done done;
};
struct ChildrenCtx {
  ChildrenDone done;
};
struct MultiCtx {
  Done done;
  std::vector<zoo_op_result_t> results;
};
// A one-shot data watch: freed when a node event fires it. Session events reach every watcher
// without consuming it (the C client's rule) and are ignored here.
struct WatchCtx {
  std::function<void()> on_change;
};

void VoidCompletion(int rc, const void* data) {
  auto* ctx = static_cast<DoneCtx*>(const_cast<void*>(data));
  ctx->done(ZkStatus(rc, "delete"));
  delete ctx;
}
void StringCompletion(int rc, const char*, const void* data) {
  auto* ctx = static_cast<DoneCtx*>(const_cast<void*>(data));
  ctx->done(ZkStatus(rc, "create"));
  delete ctx;
}
void StatCompletion(int rc, const struct Stat*, const void* data) {
  auto* ctx = static_cast<DoneCtx*>(const_cast<void*>(data));
  ctx->done(ZkStatus(rc, "set_data"));
  delete ctx;
}
void DataCompletion(int rc, const char*, int, const struct Stat*, const void* data) {
  auto* ctx = static_cast<DoneCtx*>(const_cast<void*>(data));
  ctx->done(ZkStatus(rc, "get_data"));
  delete ctx;
}
void StringsCompletion(int rc, const struct String_vector* strings, const void* data) {
  auto* ctx = static_cast<ChildrenCtx*>(const_cast<void*>(data));
  std::vector<std::string> names;
  if (rc == ZOK && strings != nullptr) names.assign(strings->data, strings->data + strings->count);
  ctx->done(ZkStatus(rc, "get_children"), std::move(names));
  delete ctx;
}
void MultiCompletion(int rc, const void* data) {
  auto* ctx = static_cast<MultiCtx*>(const_cast<void*>(data));
  ctx->done(ZkStatus(rc, "multi"));
  delete ctx;
}
void OnDataWatch(zhandle_t*, int type, int, const char*, void* data) {
  if (type == ZOO_SESSION_EVENT) return;
  auto* ctx = static_cast<WatchCtx*>(data);
  ctx->on_change();
  delete ctx;
}

class ZkSession : public Session {
 public:
  ZkSession(zhandle_t* zh, std::unique_ptr<Connection> connection)
      : zh_(zh), connection_(std::move(connection)) {}
  ~ZkSession() override { Close().IgnoreError(); }

  void Create(const std::string& path, std::string data, Done done) override {
    auto* ctx = new DoneCtx{std::move(done)};
    Issued(ctx, zoo_acreate(zh_, path.c_str(), data.data(), static_cast<int>(data.size()),
                            &ZOO_OPEN_ACL_UNSAFE, 0, StringCompletion, ctx));
  }
  void Set(const std::string& path, std::string data, Done done) override {
    auto* ctx = new DoneCtx{std::move(done)};
    Issued(ctx, zoo_aset(zh_, path.c_str(), data.data(), static_cast<int>(data.size()), -1,
                         StatCompletion, ctx));
  }
  void Get(const std::string& path, Done done, std::function<void()> on_change) override {
    auto* ctx = new DoneCtx{std::move(done)};
    if (!on_change) {
      Issued(ctx, zoo_aget(zh_, path.c_str(), 0, DataCompletion, ctx));
      return;
    }
    auto* watch = new WatchCtx{std::move(on_change)};
    int rc = zoo_awget(zh_, path.c_str(), OnDataWatch, watch, DataCompletion, ctx);
    if (rc != ZOK) delete watch;
    Issued(ctx, rc);
  }
  void Children(const std::string& path, ChildrenDone done) override {
    auto* ctx = new ChildrenCtx{std::move(done)};
    int rc = zoo_aget_children(zh_, path.c_str(), 0, StringsCompletion, ctx);
    if (rc != ZOK) {
      ctx->done(ZkStatus(rc, "get_children"), {});
      delete ctx;
    }
  }
  void Delete(const std::string& path, Done done) override {
    auto* ctx = new DoneCtx{std::move(done)};
    Issued(ctx, zoo_adelete(zh_, path.c_str(), -1, VoidCompletion, ctx));
  }
  void MultiSet(const std::vector<std::pair<std::string, std::string>>& sets, Done done) override {
    // The C client serializes the ops during the call; only the results array must outlive it.
    auto* ctx = new MultiCtx{std::move(done), std::vector<zoo_op_result_t>(sets.size())};
    std::vector<zoo_op_t> ops(sets.size());
    for (size_t i = 0; i < sets.size(); ++i) {
      zoo_set_op_init(&ops[i], sets[i].first.c_str(), sets[i].second.data(),
                      static_cast<int>(sets[i].second.size()), -1, nullptr);
    }
    int rc = zoo_amulti(zh_, static_cast<int>(ops.size()), ops.data(), ctx->results.data(),
                        MultiCompletion, ctx);
    if (rc != ZOK) {
      ctx->done(ZkStatus(rc, "multi"));
      delete ctx;
    }
  }
  std::unique_ptr<LockContender> NewLock(const std::string& lock_path) override {
    return std::make_unique<ZkLock>(zh_, lock_path);
  }
  Status Close() override {
    if (zh_ == nullptr) return Status::Ok();
    // zookeeper_close sends closeSession, waits for its reply (bounded by the session timeout)
    // and joins the client's threads after the completions still queued have run.
    int rc = zookeeper_close(zh_);
    zh_ = nullptr;
    return ZkStatus(rc, "close");
  }

 private:
  // A call that returned an error was never queued: its completion will not run.
  static void Issued(DoneCtx* ctx, int rc) {
    if (rc == ZOK) return;
    ctx->done(ZkStatus(rc, "request"));
    delete ctx;
  }

  zhandle_t* zh_;
  std::unique_ptr<Connection> connection_;  // the default watcher's context
};

class ZkBackend : public Backend {
 public:
  explicit ZkBackend(const Options& options) : options_(options) {
    // The C client logs every connection at INFO to stderr, which would garble the progress line.
    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
  }

  Result<std::unique_ptr<Session>> Connect() override {
    auto connection = std::make_unique<Connection>();
    Connection* c = connection.get();
    zhandle_t* zh = zookeeper_init(options_.servers.c_str(), OnSessionEvent,
                                   options_.session_timeout_ms, nullptr, connection.get(), 0);
    if (zh == nullptr) {
      return Status(Code::kBadArguments, "zookeeper_init failed for " + options_.servers);
    }
    auto session = std::make_unique<ZkSession>(zh, std::move(connection));
    std::unique_lock<std::mutex> lock(c->mu);
    bool ended =
        c->changed.wait_for(lock, std::chrono::milliseconds(options_.session_timeout_ms), [&] {
          return c->state == ZOO_CONNECTED_STATE || c->state == ZOO_EXPIRED_SESSION_STATE ||
                 c->state == ZOO_AUTH_FAILED_STATE;
        });
    if (!ended || c->state != ZOO_CONNECTED_STATE) {
      lock.unlock();
      return Status(Code::kConnectionLoss, "cannot connect to " + options_.servers);
    }
    return std::unique_ptr<Session>(std::move(session));
  }

 private:
  Options options_;
};

}  // namespace

std::unique_ptr<Backend> MakeZooKeeperBackend(const Options& options) {
  return std::make_unique<ZkBackend>(options);
}

}  // namespace coord::bench
