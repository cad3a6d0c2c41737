#include "tests/compat/compat_test.h"

#include <unistd.h>

namespace coord::compat {

CompatTarget& CompatTest::target() {
  // One server per test process (ctest runs each test in a process of its own). A static object,
  // not a leaked one: its destructor at exit kills the coordd it started.
  static CompatTarget t;
  return t;
}

void CompatTest::SetUp() {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  root_ = std::string("/compat-") + info->test_suite_name() + "." + info->name() + "-" +
          std::to_string(getpid());
  zk_ = Connect();
  ASSERT_NE(zk_, nullptr);
  ASSERT_ZK(ZOK, Create(zk_->get(), root_, "", ZOO_PERSISTENT).rc);
}

void CompatTest::TearDown() {
  if (zk_ != nullptr && zoo_state(zk_->get()) == ZOO_CONNECTED_STATE) {
    DeleteTree(zk_->get(), root_);
  }
  zk_.reset();
  if (HasFailure() && !target().is_zookeeper()) {
    const std::string log = target().ServerLog();
    constexpr size_t kTail = 8000;  // the log is at debug level: its end is what matters
    std::cerr << "---- coordd log (tail) ----\n"
              << (log.size() > kTail ? log.substr(log.size() - kTail) : log) << "--------\n";
  }
}

std::unique_ptr<ZkHandle> CompatTest::Connect(int session_timeout_ms, const std::string& address) {
  auto h = std::make_unique<ZkHandle>(address.empty() ? target().address() : address,
                                      session_timeout_ms);
  EXPECT_TRUE(h->WaitConnected(kWaitMs)) << "no session with " << target().address();
  return h;
}

}  // namespace coord::compat
