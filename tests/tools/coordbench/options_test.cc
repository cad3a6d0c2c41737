#include "tools/coordbench/options.h"

#include <gtest/gtest.h>

namespace coord::bench {
namespace {

Result<Options> Parse(std::vector<std::string> args) { return ParseOptions(args); }

TEST(OptionsTest, RunWithDefaults) {
  Result<Options> o =
      Parse({"--backend", "coord", "--servers", "127.0.0.1:2281", "--workload", "set"});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->mode, Mode::kRun);
  EXPECT_EQ(o->workload, Workload::kSet);
  EXPECT_EQ(o->connections, 4);
  EXPECT_EQ(o->outstanding, 64);
  EXPECT_EQ(o->value_bytes, 1024);
  EXPECT_EQ(o->keys, 10000);
  EXPECT_EQ(o->prefix, "/coordbench");
  EXPECT_EQ(o->count, 0);
  EXPECT_EQ(o->duration_s, 10);  // neither --count nor --duration
  EXPECT_FALSE(o->quiet);
}

TEST(OptionsTest, EveryOption) {
  Result<Options> o = Parse({"--backend",
                             "zookeeper",
                             "--servers",
                             "a:1,b:2",
                             "--workload",
                             "mix",
                             "--connections",
                             "2",
                             "--outstanding",
                             "1",
                             "--duration",
                             "2.5",
                             "--warmup",
                             "1",
                             "--value-bytes",
                             "32",
                             "--keys",
                             "7",
                             "--read-ratio",
                             "0.25",
                             "--ops-per-multi",
                             "3",
                             "--watchers",
                             "5",
                             "--clients",
                             "6",
                             "--children",
                             "9",
                             "--prefix",
                             "/b/x",
                             "--json",
                             "out.json",
                             "--label",
                             "zk 3.8",
                             "--quiet",
                             "--seed",
                             "42",
                             "--keep",
                             "--session-timeout-ms",
                             "4000"});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->backend, "zookeeper");
  EXPECT_EQ(o->servers, "a:1,b:2");
  EXPECT_EQ(o->workload, Workload::kMix);
  EXPECT_EQ(o->connections, 2);
  EXPECT_EQ(o->outstanding, 1);
  EXPECT_EQ(o->duration_s, 2.5);
  EXPECT_EQ(o->warmup_s, 1);
  EXPECT_EQ(o->value_bytes, 32);
  EXPECT_EQ(o->keys, 7);
  EXPECT_EQ(o->read_ratio, 0.25);
  EXPECT_EQ(o->ops_per_multi, 3);
  EXPECT_EQ(o->watchers, 5);
  EXPECT_EQ(o->clients, 6);
  EXPECT_EQ(o->children, 9);
  EXPECT_EQ(o->prefix, "/b/x");
  EXPECT_EQ(o->json_path, "out.json");
  EXPECT_EQ(o->label, "zk 3.8");
  EXPECT_TRUE(o->quiet);
  EXPECT_TRUE(o->keep);
  EXPECT_EQ(o->seed, 42u);
  EXPECT_EQ(o->session_timeout_ms, 4000);
}

TEST(OptionsTest, LoadDefaultsToAMillionSmallNodes) {
  Result<Options> o = Parse({"--backend", "coord", "--servers", "h:1", "--workload", "load"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->count, 1000000);
  EXPECT_EQ(o->value_bytes, 32);
  EXPECT_EQ(o->duration_s, 0);
  o = Parse({"--backend", "coord", "--servers", "h:1", "--workload", "load", "--count", "5",
             "--value-bytes", "100"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->count, 5);
  EXPECT_EQ(o->value_bytes, 100);
}

TEST(OptionsTest, EveryWorkloadName) {
  for (const char* name : {"create", "set", "get", "get_children", "mix", "multi", "watch", "lock",
                           "session", "load"}) {
    Result<Options> o = Parse({"--backend", "coord", "--servers", "h:1", "--workload", name});
    ASSERT_TRUE(o.ok()) << name;
    EXPECT_STREQ(WorkloadName(o->workload), name);
  }
}

TEST(OptionsTest, ErrorsNameTheArgument) {
  auto error = [](std::vector<std::string> args) {
    Result<Options> o = ParseOptions(args);
    EXPECT_FALSE(o.ok());
    return o.ok() ? std::string() : o.status().message();
  };
  const std::vector<std::string> base = {"--backend", "coord", "--servers", "h:1"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  EXPECT_NE(error(with({"--workload", "nope"})).find("nope"), std::string::npos);
  EXPECT_NE(error(base).find("--workload"), std::string::npos);
  EXPECT_NE(error({"--servers", "h:1", "--workload", "set"}).find("--backend"), std::string::npos);
  EXPECT_NE(error({"--backend", "etcd", "--servers", "h:1", "--workload", "set"}).find("--backend"),
            std::string::npos);
  EXPECT_NE(error({"--backend", "coord", "--workload", "set"}).find("--servers"),
            std::string::npos);
  EXPECT_NE(error(with({"--workload", "set", "--connections", "0"})).find("--connections"),
            std::string::npos);
  EXPECT_NE(error(with({"--workload", "set", "--outstanding", "x"})).find("--outstanding"),
            std::string::npos);
  EXPECT_NE(error(with({"--workload", "mix", "--read-ratio", "1.5"})).find("--read-ratio"),
            std::string::npos);
  EXPECT_NE(error(with({"--workload", "set", "--count"})).find("needs a value"), std::string::npos);
  EXPECT_NE(error(with({"--workload", "set", "--bogus"})).find("--bogus"), std::string::npos);
  EXPECT_NE(error(with({"--workload", "set", "--prefix", "rel"})).find("--prefix"),
            std::string::npos);
  EXPECT_NE(error(with({"--workload", "set", "stray"})).find("stray"), std::string::npos);
}

TEST(OptionsTest, CompareAndPlot) {
  Result<Options> o = Parse({"--compare", "a.json", "b.json", "--md", "t.md"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->mode, Mode::kCompare);
  EXPECT_EQ(o->inputs, (std::vector<std::string>{"a.json", "b.json"}));
  EXPECT_EQ(o->md_path, "t.md");
  EXPECT_FALSE(Parse({"--compare", "a.json"}).ok());
  EXPECT_FALSE(Parse({"--compare", "a", "b", "c"}).ok());

  o = Parse({"--plot", "cdf.svg", "a.json", "b.json", "c.json"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->mode, Mode::kPlot);
  EXPECT_EQ(o->plot_path, "cdf.svg");
  EXPECT_EQ(o->inputs.size(), 3u);
  EXPECT_FALSE(o->plot_over_time);
  o = Parse({"--plot", "t.png", "--plot-over-time", "a.json"});
  ASSERT_TRUE(o.ok());
  EXPECT_TRUE(o->plot_over_time);
  EXPECT_FALSE(Parse({"--plot", "x.svg"}).ok());
  EXPECT_FALSE(Parse({"--plot-over-time", "a.json"}).ok());
  EXPECT_EQ(Parse({"--help"})->mode, Mode::kHelp);
}

}  // namespace
}  // namespace coord::bench
