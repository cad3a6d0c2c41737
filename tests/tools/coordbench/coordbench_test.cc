// coordbench end to end against a real coordd: every workload with the coord backend (a short
// --count run; the JSON must count every op and no error), what happens at an unreachable
// server, and --compare / --plot on the results. Timings are reported, never asserted.
#include <gtest/gtest.h>

#include "coord/client.h"
#include "tests/support/coordd_process.h"
#include "tests/support/ensemble.h"
#include "tests/tools/coordbench/run_coordbench.h"

namespace coord::bench::testing {
namespace {

using coord::testing::CoorddOptions;
using coord::testing::CoorddProcess;

class CoordbenchTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    CoorddOptions o;
    o.extra_config = "log_level: warn\n";
    server_ = new CoorddProcess(o);
    server_->Start();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  // Runs a workload with the coord backend; returns its result (and checks the common facts).
  std::optional<RunResult> Bench(const std::string& workload, int64_t count,
                                 std::vector<std::string> extra = {}) {
    const std::string json = dir_.File(workload + ".json");
    std::vector<std::string> args = {"--backend",  "coord",  "--servers", server_->address(),
                                     "--workload", workload, "--count",   std::to_string(count),
                                     "--json",     json,     "--label",   "test " + workload,
                                     "--seed",     "5"};
    args.insert(args.end(), extra.begin(), extra.end());
    Outcome o = RunCoordbench(args);
    EXPECT_EQ(o.exit_code, 0) << o.out << o.err;
    EXPECT_NE(o.out.find("ok: no errors"), std::string::npos) << o.out;
    std::optional<RunResult> r = ReadResultFile(json);
    if (!r) return r;
    EXPECT_EQ(r->workload, workload);
    EXPECT_EQ(r->backend, "coord");
    EXPECT_EQ(r->label, "test " + workload);
    EXPECT_EQ(r->servers, server_->address());
    EXPECT_EQ(r->ops, static_cast<uint64_t>(count));
    EXPECT_EQ(r->errors, 0u) << o.out;
    EXPECT_GT(r->ops_per_s, 0);
    EXPECT_GT(r->latency_us.p50, 0);
    EXPECT_LE(r->latency_us.p50, r->latency_us.p99);
    EXPECT_LE(r->latency_us.p99, r->latency_us.max);
    uint64_t counted = 0;
    for (const auto& [bound, n] : r->histogram) counted += n;
    EXPECT_EQ(counted, r->ops);
    uint64_t per_second = 0;
    for (uint64_t n : r->per_second) per_second += n;
    EXPECT_EQ(per_second, r->ops);
    EXPECT_EQ(r->params.Find("count")->number(), static_cast<double>(count));
    EXPECT_GT(r->client_cpu_s, 0);
    return r;
  }

  // The children of path on the server, or nullopt when it does not exist.
  std::optional<std::vector<std::string>> ChildrenOf(const std::string& path) {
    ClientOptions options;
    options.connect_string = server_->address();
    Result<std::unique_ptr<Client>> c = Client::Open(options);
    EXPECT_TRUE(c.ok());
    EXPECT_TRUE((*c)->WaitConnected(10000).ok());
    Result<std::vector<std::string>> names = (*c)->GetAllChildren(path);
    if (names.code() == Code::kNoNode) return std::nullopt;
    EXPECT_TRUE(names.ok()) << names.status().ToString();
    return names.ok() ? std::optional(*names) : std::nullopt;
  }

  static CoorddProcess* server_;
  BenchDir dir_;
};

CoorddProcess* CoordbenchTest::server_ = nullptr;

TEST_F(CoordbenchTest, CreateMakesItsNodesAndRemovesThem) {
  std::optional<RunResult> r = Bench("create", 2000, {"--value-bytes", "100"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->extra.Find("znodes_created")->number(), 2000);
  EXPECT_FALSE(ChildrenOf("/coordbench"));  // cleaned after the run
}

TEST_F(CoordbenchTest, SetGetAndMixOverAKeySpace) {
  ASSERT_TRUE(Bench("set", 2000, {"--keys", "100", "--connections", "2", "--outstanding", "8"}));
  ASSERT_TRUE(Bench("get", 2000, {"--keys", "100"}));
  ASSERT_TRUE(Bench("mix", 2000, {"--keys", "100", "--read-ratio", "0.5"}));
}

TEST_F(CoordbenchTest, LowLoadOneRequestInFlight) {
  std::optional<RunResult> r =
      Bench("get", 300, {"--keys", "10", "--connections", "1", "--outstanding", "1"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->params.Find("outstanding")->number(), 1);
}

TEST_F(CoordbenchTest, GetChildrenAndMulti) {
  ASSERT_TRUE(Bench("get_children", 2000, {"--children", "20"}));
  std::optional<RunResult> r = Bench("multi", 500, {"--keys", "50", "--ops-per-multi", "4"});
  ASSERT_TRUE(r);
  EXPECT_NEAR(r->extra.Find("set_ops_per_s")->number(), 4 * r->ops_per_s, 1e-6 * r->ops_per_s);
}

TEST_F(CoordbenchTest, WatchFanOut) {
  std::optional<RunResult> r = Bench("watch", 100, {"--watchers", "8"});
  ASSERT_TRUE(r);
  EXPECT_GT(r->extra.Find("rounds_per_s")->number(), 0);
}

TEST_F(CoordbenchTest, LockHandOff) {
  std::optional<RunResult> r = Bench("lock", 200, {"--clients", "3"});
  ASSERT_TRUE(r);
  EXPECT_GT(r->extra.Find("acquisitions_per_s")->number(), 0);
  EXPECT_FALSE(ChildrenOf("/coordbench"));
}

TEST_F(CoordbenchTest, SessionOpenClose) {
  std::optional<RunResult> r = Bench("session", 100, {"--connections", "2"});
  ASSERT_TRUE(r);
  EXPECT_GT(r->extra.Find("sessions_per_s")->number(), 0);
}

TEST_F(CoordbenchTest, LoadKeepsItsNodes) {
  std::optional<RunResult> r = Bench("load", 3000, {"--prefix", "/bulk"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->params.Find("value_bytes")->number(), 32);
  std::optional<std::vector<std::string>> names = ChildrenOf("/bulk/load");
  ASSERT_TRUE(names);
  EXPECT_EQ(names->size(), 3000u);
  // The next run under the same prefix starts from a clean tree.
  ASSERT_TRUE(Bench("load", 10, {"--prefix", "/bulk"}));
  EXPECT_EQ(ChildrenOf("/bulk/load")->size(), 10u);
}

TEST_F(CoordbenchTest, DurationAndWarmup) {
  std::vector<std::string> args = {"--backend",  "coord",  "--servers",        server_->address(),
                                   "--workload", "get",    "--keys",           "10",
                                   "--duration", "1.5",    "--warmup",         "0.5",
                                   "--quiet",    "--json", dir_.File("d.json")};
  Outcome o = RunCoordbench(args);
  ASSERT_EQ(o.exit_code, 0) << o.out << o.err;
  EXPECT_EQ(o.err, "");  // --quiet: no live line
  std::optional<RunResult> r = ReadResultFile(dir_.File("d.json"));
  ASSERT_TRUE(r);
  EXPECT_GT(r->ops, 0u);
  EXPECT_GT(r->duration_s, 1.0);
  EXPECT_GE(r->per_second.size(), 1u);
}

TEST_F(CoordbenchTest, UnreachableServerFailsWithAClearMessage) {
  const std::string dead = "127.0.0.1:" + std::to_string(coord::testing::FreePort());
  Outcome o = RunCoordbench({"--backend", "coord", "--servers", dead, "--workload", "set",
                             "--count", "10", "--session-timeout-ms", "2000"});
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.err.find("cannot connect to " + dead), std::string::npos) << o.err;
}

TEST_F(CoordbenchTest, BadArgumentsExitTwoWithUsage) {
  Outcome o = RunCoordbench({"--backend", "coord", "--workload", "set"});
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_NE(o.err.find("--servers is required"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("usage:"), std::string::npos);
}

TEST_F(CoordbenchTest, CompareAndPlotResults) {
  ASSERT_TRUE(Bench("set", 1000, {"--keys", "10"}));
  ASSERT_TRUE(Bench("get", 1000, {"--keys", "10"}));
  Outcome o = RunCoordbench(
      {"--compare", dir_.File("set.json"), dir_.File("get.json"), "--md", dir_.File("t.md")});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.out.find("| figure | test set | test get | A/B |"), std::string::npos) << o.out;
  EXPECT_EQ(ReadFile(dir_.File("t.md")), o.out);

  o = RunCoordbench({"--plot", dir_.File("cdf.svg"), dir_.File("set.json"), dir_.File("get.json")});
  ASSERT_EQ(o.exit_code, 0) << o.out << o.err;
  EXPECT_NE(ReadFile(dir_.File("cdf.svg")).find("<svg"), std::string::npos);
  o = RunCoordbench({"--plot", dir_.File("t.png"), "--plot-over-time", dir_.File("set.json")});
  ASSERT_EQ(o.exit_code, 0) << o.out << o.err;
  EXPECT_EQ(ReadFile(dir_.File("t.png")).substr(1, 3), "PNG");

  o = RunCoordbench({"--compare", dir_.File("set.json"), dir_.File("missing.json")});
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.err.find("missing.json"), std::string::npos);
}

}  // namespace
}  // namespace coord::bench::testing
