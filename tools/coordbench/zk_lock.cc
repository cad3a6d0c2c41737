#include "tools/coordbench/zk_lock.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <vector>

#include "tools/coordbench/zk_status.h"

namespace coord::bench {
namespace {

// The sequence number ZooKeeper appends: the last ten digits of the name.
uint64_t SequenceOf(const std::string& name) {
  if (name.size() < 10) return UINT64_MAX;
  return std::strtoull(name.c_str() + name.size() - 10, nullptr, 10);
}

// The watch's context: owns a reference to the waiter's state until a node event fires it.
// Session events (connection loss) are delivered to every watcher without removing it; they
// wake the waiter, which checks again.
struct Token {
  std::shared_ptr<ZkLock::Wait> wait;
};

void OnPredecessorChanged(zhandle_t*, int type, int, const char*, void* ctx) {
  auto* token = static_cast<Token*>(ctx);
  {
    std::lock_guard<std::mutex> lock(token->wait->mu);
    ++token->wait->wakeups;
  }
  token->wait->changed.notify_all();
  if (type != ZOO_SESSION_EVENT) delete token;
}

}  // namespace

ZkLock::ZkLock(zhandle_t* zh, std::string lock_path) : zh_(zh), path_(std::move(lock_path)) {}

ZkLock::~ZkLock() { Release().IgnoreError(); }

Result<bool> ZkLock::CheckPosition() {
  String_vector children{};
  int rc = zoo_get_children(zh_, path_.c_str(), 0, &children);
  if (rc != ZOK) return ZkStatus(rc, "get_children");
  std::vector<std::string> names(children.data, children.data + children.count);
  deallocate_String_vector(&children);
  std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
    return SequenceOf(a) < SequenceOf(b);
  });
  auto own = std::find(names.begin(), names.end(), node_);
  if (own == names.end()) return Status(Code::kNoNode, "lock node " + node_ + " vanished");
  if (own == names.begin()) return true;
  const std::string predecessor = path_ + "/" + *(own - 1);
  auto* token = new Token{wait_};
  // The data is not needed, but the C client insists on a buffer (it copies what fits).
  char data[1];
  int data_len = sizeof(data);
  rc = zoo_wget(zh_, predecessor.c_str(), OnPredecessorChanged, token, data, &data_len, nullptr);
  if (rc == ZOK) return false;
  delete token;  // no watch was set
  if (rc == ZNONODE) {
    // The predecessor left between the two reads: look again at once.
    std::lock_guard<std::mutex> lock(wait_->mu);
    ++wait_->wakeups;
    return false;
  }
  return ZkStatus(rc, "get_data");
}

Status ZkLock::Acquire(int64_t timeout_ms) {
  if (!node_.empty()) return Status::Ok();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  char created[1024];
  const std::string prefix = path_ + "/lock-";
  int rc = zoo_create(zh_, prefix.c_str(), "", 0, &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL_SEQUENTIAL,
                      created, sizeof(created));
  if (rc != ZOK) return ZkStatus(rc, "create");
  node_ = std::string(created).substr(path_.size() + 1);
  while (true) {
    uint64_t seen;
    {
      std::lock_guard<std::mutex> lock(wait_->mu);
      seen = wait_->wakeups;
    }
    Result<bool> held = CheckPosition();
    if (!held.ok()) {
      Release().IgnoreError();
      return held.status();
    }
    if (*held) return Status::Ok();
    std::unique_lock<std::mutex> lock(wait_->mu);
    if (!wait_->changed.wait_until(lock, deadline, [&] { return wait_->wakeups != seen; })) {
      lock.unlock();
      Release().IgnoreError();
      return Status(Code::kOperationTimeout, "lock not acquired in time");
    }
  }
}

Status ZkLock::Release() {
  if (node_.empty()) return Status::Ok();
  const std::string node = path_ + "/" + node_;
  node_.clear();
  int rc = zoo_delete(zh_, node.c_str(), -1);
  return rc == ZNONODE ? Status::Ok() : ZkStatus(rc, "delete");
}

}  // namespace coord::bench
