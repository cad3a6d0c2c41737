// The coord adapter: a Session is one coord::Client (one session, one connection); operations are
// the client's Async calls; the lock is coord::recipes::Lock.
#include <atomic>
#include <memory>

#include "coord/client.h"
#include "coord/recipes/lock.h"
#include "tools/coordbench/backend.h"

namespace coord::bench {
namespace {

class CoordLock : public LockContender {
 public:
  CoordLock(Client* client, const std::string& path) : lock_(client, path) {}
  Status Acquire(int64_t timeout_ms) override { return lock_.Acquire(timeout_ms).status(); }
  Status Release() override { return lock_.Release(); }

 private:
  recipes::Lock lock_;
};

class CoordSession : public Session {
 public:
  explicit CoordSession(std::unique_ptr<Client> client) : client_(std::move(client)) {}

  void Create(const std::string& path, std::string data, Done done) override {
    client_->CreateAsync({.path = path, .data = std::move(data)},
                         [done = std::move(done)](Result<CreateResponse> r) { done(r.status()); });
  }
  void Set(const std::string& path, std::string data, Done done) override {
    client_->SetDataAsync(path, std::move(data), kAnyVersion,
                          [done = std::move(done)](Result<Stat> r) { done(r.status()); });
  }
  void Get(const std::string& path, Done done, std::function<void()> on_change) override {
    Watcher watcher;
    if (on_change) watcher = [on_change = std::move(on_change)](const WatchEvent&) { on_change(); };
    client_->GetDataAsync(
        path, [done = std::move(done)](Result<GetDataResponse> r) { done(r.status()); },
        std::move(watcher));
  }
  void Children(const std::string& path, ChildrenDone done) override {
    client_->GetAllChildrenAsync(path,
                                 [done = std::move(done)](Result<std::vector<std::string>> r) {
                                   if (r.ok()) {
                                     done(Status::Ok(), std::move(*r));
                                   } else {
                                     done(r.status(), {});
                                   }
                                 });
  }
  void Delete(const std::string& path, Done done) override {
    client_->DeleteAsync(path, kAnyVersion, std::move(done));
  }
  void MultiSet(const std::vector<std::pair<std::string, std::string>>& sets, Done done) override {
    std::vector<MultiOpRequest> ops;
    ops.reserve(sets.size());
    for (const auto& [path, data] : sets) ops.push_back(SetDataRequest{path, data, kAnyVersion});
    client_->MultiAsync(std::move(ops),
                        [done = std::move(done)](Result<MultiResponse> r) { done(r.status()); });
  }
  std::unique_ptr<LockContender> NewLock(const std::string& lock_path) override {
    return std::make_unique<CoordLock>(client_.get(), lock_path);
  }
  Status Close() override { return client_->Close(); }

 private:
  std::unique_ptr<Client> client_;
};

class CoordBackend : public Backend {
 public:
  explicit CoordBackend(const Options& options) : options_(options) {}

  Result<std::unique_ptr<Session>> Connect() override {
    ClientOptions co;
    co.connect_string = options_.servers;
    co.session_timeout_ms = options_.session_timeout_ms;
    co.seed = options_.seed + (++sessions_);
    COORD_ASSIGN_OR_RETURN(std::unique_ptr<Client> client, Client::Open(co));
    Status connected = client->WaitConnected(options_.session_timeout_ms);
    if (!connected.ok()) {
      return Status(Code::kConnectionLoss,
                    "cannot connect to " + options_.servers + ": " + connected.ToString());
    }
    return std::unique_ptr<Session>(std::make_unique<CoordSession>(std::move(client)));
  }

 private:
  Options options_;
  std::atomic<uint64_t> sessions_{0};
};

}  // namespace

std::unique_ptr<Backend> MakeCoordBackend(const Options& options) {
  return std::make_unique<CoordBackend>(options);
}

}  // namespace coord::bench
