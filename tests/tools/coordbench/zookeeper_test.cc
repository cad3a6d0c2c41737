// The zookeeper backend against Apache ZooKeeper, opt-in: coordd has no ZooKeeper-protocol
// listener in this tree yet, so these tests need a real ZooKeeper and skip without one:
//   ../shared/peers/zookeeper.sh start standalone
//   COORDBENCH_ZOOKEEPER=127.0.0.1:2191 build/tests/tools/coordbench/coordbench_zookeeper_test
// Every workload runs a short --count; the JSON must count every op and no error.
#include <gtest/gtest.h>

#include <cstdlib>

#include "tests/tools/coordbench/run_coordbench.h"

namespace coord::bench::testing {
namespace {

class ZooKeeperBackendTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    const char* servers = std::getenv("COORDBENCH_ZOOKEEPER");
    if (servers == nullptr || *servers == '\0') {
      GTEST_SKIP() << "set COORDBENCH_ZOOKEEPER=host:port of an Apache ZooKeeper to run";
    }
    servers_ = servers;
  }
  std::string servers_;
  BenchDir dir_;
};

TEST_P(ZooKeeperBackendTest, WorkloadCountsEveryOp) {
  const std::string workload = GetParam();
  const int64_t count =
      workload == "watch" || workload == "session" || workload == "lock" ? 100 : 1000;
  const std::string json = dir_.File("r.json");
  Outcome o = RunCoordbench({"--backend", "zookeeper", "--servers", servers_, "--workload",
                             workload, "--count", std::to_string(count), "--keys", "100",
                             "--watchers", "4", "--clients", "3", "--prefix",
                             "/coordbench-test-" + workload, "--json", json, "--quiet"});
  ASSERT_EQ(o.exit_code, 0) << o.out << o.err;
  std::optional<RunResult> r = ReadResultFile(json);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->backend, "zookeeper");
  EXPECT_EQ(r->workload, workload);
  EXPECT_EQ(r->ops, static_cast<uint64_t>(count));
  EXPECT_EQ(r->errors, 0u);
  EXPECT_GT(r->latency_us.p50, 0);
  if (workload == "load") {
    // Keep the ZooKeeper tidy: remove what the load left with a create run's cleanup.
    Outcome clean =
        RunCoordbench({"--backend", "zookeeper", "--servers", servers_, "--workload", "create",
                       "--count", "1", "--prefix", "/coordbench-test-" + workload, "--quiet"});
    EXPECT_EQ(clean.exit_code, 0) << clean.err;
  }
}

INSTANTIATE_TEST_SUITE_P(Workloads, ZooKeeperBackendTest,
                         ::testing::Values("create", "set", "get", "get_children", "mix", "multi",
                                           "watch", "lock", "session", "load"));

TEST(ZooKeeperBackendUnreachable, FailsWithAClearMessage) {
  // Port 1 on loopback: nothing listens there.
  Outcome o = RunCoordbench({"--backend", "zookeeper", "--servers", "127.0.0.1:1", "--workload",
                             "get", "--count", "1", "--session-timeout-ms", "2000"});
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.err.find("cannot connect to 127.0.0.1:1"), std::string::npos) << o.err;
}

}  // namespace
}  // namespace coord::bench::testing
