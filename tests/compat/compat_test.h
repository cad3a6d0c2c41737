// CompatTest: the fixture of the C client suites. Each test gets the target server (see
// CompatTarget), a connected session `zk_` and its own root node (/compat-<test>-<pid>, removed
// afterwards), so the suites can share one long-running ZooKeeper and run in parallel.
//
// Threading: the test's thread.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tests/compat/compat_target.h"
#include "tests/compat/zk_handle.h"

namespace coord::compat {

// Bound of every wait for a reply or an event that must come.
constexpr int64_t kWaitMs = 15000;
// Session timeout for ordinary sessions: longer than any test, within both servers' limits.
constexpr int kSessionTimeoutMs = 30000;

class CompatTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // A new connected session to `address` (the target when empty).
  std::unique_ptr<ZkHandle> Connect(int session_timeout_ms = kSessionTimeoutMs,
                                    const std::string& address = "");
  // root_ + "/" + name.
  std::string P(const std::string& name) const { return root_ + "/" + name; }

  static CompatTarget& target();

  std::unique_ptr<ZkHandle> zk_;
  std::string root_;
};

// Asserts a ZooKeeper return code with its name (zerror) on failure.
#define EXPECT_ZK(expected, actual) \
  EXPECT_EQ(zerror(actual), std::string(zerror(expected))) << #actual
#define ASSERT_ZK(expected, actual) \
  ASSERT_EQ(zerror(actual), std::string(zerror(expected))) << #actual

}  // namespace coord::compat
