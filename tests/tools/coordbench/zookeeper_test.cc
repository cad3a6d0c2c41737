// The zookeeper backend (Apache ZooKeeper's C client) end to end: every workload against coordd's
// ZooKeeper-protocol port (zookeeper_address), and — opt-in, when a real ZooKeeper runs — the same
// against Apache ZooKeeper:
//   ../shared/peers/zookeeper.sh start standalone
//   COORDBENCH_ZOOKEEPER=127.0.0.1:2191 build/tests/tools/coordbench/coordbench_zookeeper_test
// (or `ctest -C zookeeper -R coordbench_zookeeper_apache`, which starts and stops it).
// Each run is a short --count; the JSON must count every op and no error.
#include <gtest/gtest.h>

#include <cstdlib>

#include "tests/support/coordd_process.h"
#include "tests/support/ensemble.h"
#include "tests/tools/coordbench/run_coordbench.h"

namespace coord::bench::testing {
namespace {

const char* const kWorkloads[] = {"create", "set",   "get",  "get_children", "mix",
                                  "multi",  "watch", "lock", "session",      "load"};

void ExpectWorkloadCountsEveryOp(const std::string& servers, const std::string& workload) {
  BenchDir dir;
  const bool rounds = workload == "watch" || workload == "session" || workload == "lock";
  const int64_t count = rounds ? 100 : 1000;
  const std::string json = dir.File("r.json");
  const std::string prefix = "/coordbench-test-" + workload;
  Outcome o = RunCoordbench({"--backend", "zookeeper", "--servers", servers, "--workload", workload,
                             "--count", std::to_string(count), "--keys", "100", "--watchers", "4",
                             "--clients", "3", "--prefix", prefix, "--json", json, "--quiet"});
  ASSERT_EQ(o.exit_code, 0) << o.out << o.err;
  std::optional<RunResult> r = ReadResultFile(json);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->backend, "zookeeper");
  EXPECT_EQ(r->workload, workload);
  EXPECT_EQ(r->ops, static_cast<uint64_t>(count));
  EXPECT_EQ(r->errors, 0u);
  EXPECT_GT(r->latency_us.p50, 0);
  if (workload == "load") {
    // The load keeps its znodes; a create run under the same prefix starts by removing them.
    Outcome clean = RunCoordbench({"--backend", "zookeeper", "--servers", servers, "--workload",
                                   "create", "--count", "1", "--prefix", prefix, "--quiet"});
    EXPECT_EQ(clean.exit_code, 0) << clean.err;
  }
}

// coordd with its ZooKeeper port, shared by the suite.
class CoorddZooKeeperPortTest : public ::testing::TestWithParam<const char*> {
 protected:
  static void SetUpTestSuite() {
    address_ = new std::string("127.0.0.1:" + std::to_string(coord::testing::FreePort()));
    coord::testing::CoorddOptions options;
    options.extra_config = "log_level: warn\nzookeeper_address: " + *address_ + "\n";
    server_ = new coord::testing::CoorddProcess(options);
    server_->Start();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete address_;
  }
  static coord::testing::CoorddProcess* server_;
  static std::string* address_;
};
coord::testing::CoorddProcess* CoorddZooKeeperPortTest::server_ = nullptr;
std::string* CoorddZooKeeperPortTest::address_ = nullptr;

TEST_P(CoorddZooKeeperPortTest, WorkloadCountsEveryOp) {
  ExpectWorkloadCountsEveryOp(*address_, GetParam());
}
INSTANTIATE_TEST_SUITE_P(Workloads, CoorddZooKeeperPortTest, ::testing::ValuesIn(kWorkloads));

class ApacheZooKeeperTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    const char* servers = std::getenv("COORDBENCH_ZOOKEEPER");
    if (servers == nullptr || *servers == '\0') {
      GTEST_SKIP() << "set COORDBENCH_ZOOKEEPER=host:port of an Apache ZooKeeper to run";
    }
    servers_ = servers;
  }
  std::string servers_;
};

TEST_P(ApacheZooKeeperTest, WorkloadCountsEveryOp) {
  ExpectWorkloadCountsEveryOp(servers_, GetParam());
}
INSTANTIATE_TEST_SUITE_P(Workloads, ApacheZooKeeperTest, ::testing::ValuesIn(kWorkloads));

TEST(ZooKeeperBackendUnreachable, FailsWithAClearMessage) {
  const std::string dead = "127.0.0.1:" + std::to_string(coord::testing::FreePort());
  Outcome o = RunCoordbench({"--backend", "zookeeper", "--servers", dead, "--workload", "get",
                             "--count", "1", "--session-timeout-ms", "2000"});
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.err.find("cannot connect to " + dead), std::string::npos) << o.err;
}

}  // namespace
}  // namespace coord::bench::testing
