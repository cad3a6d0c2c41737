#include "tools/coordbench/compare.h"

#include <gtest/gtest.h>

#include <sstream>

#include "tools/coordbench/plot.h"

namespace coord::bench {
namespace {

RunResult MakeRun(const std::string& label, double ops_per_s, double p99, uint64_t ops) {
  RunResult r;
  r.label = label;
  r.backend = "coord";
  r.workload = "set";
  r.ops_per_s = ops_per_s;
  r.ops = ops;
  r.duration_s = 10;
  r.latency_us.p99 = p99;
  r.client_cpu_s = 1;
  r.histogram = {{10, 1}, {100, 2}, {1000, 1}};
  r.per_second = {5, 7};
  return r;
}

// The row of the table whose first cell is `figure`, split into cells.
std::vector<std::string> RowOf(const std::string& table, const std::string& figure) {
  std::istringstream lines(table);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("| " + figure + " |", 0) != 0) continue;
    std::vector<std::string> cells;
    std::string cell;
    std::istringstream parts(line.substr(1));
    while (std::getline(parts, cell, '|')) {
      if (cell.size() >= 2) cells.push_back(cell.substr(1, cell.size() - 2));
    }
    return cells;
  }
  return {};
}

TEST(CompareTest, EveryFigureWithItsRatio) {
  RunResult a = MakeRun("coord", 40000, 5000, 400000);
  RunResult b = MakeRun("zookeeper 3.8", 20000, 20000, 200000);
  a.extra.Set("set_ops_per_s", 80000.0);
  b.extra.Set("set_ops_per_s", 20000.0);
  b.extra.Set("only_b", 3.0);
  const std::string table = CompareTable(a, b);
  EXPECT_NE(table.find("| figure | coord | zookeeper 3.8 | A/B |"), std::string::npos) << table;
  EXPECT_EQ(RowOf(table, "ops/s"), (std::vector<std::string>{"ops/s", "40000", "20000", "2.00"}));
  EXPECT_EQ(RowOf(table, "latency p99 µs"),
            (std::vector<std::string>{"latency p99 µs", "5000", "20000", "0.25"}));
  EXPECT_EQ(RowOf(table, "client CPU µs/op"),
            (std::vector<std::string>{"client CPU µs/op", "2.5", "5", "0.50"}));
  EXPECT_EQ(RowOf(table, "set_ops_per_s"),
            (std::vector<std::string>{"set_ops_per_s", "80000", "20000", "4.00"}));
  EXPECT_EQ(RowOf(table, "only_b"), (std::vector<std::string>{"only_b", "0", "3", "0.00"}));
  EXPECT_EQ(RowOf(table, "errors"), (std::vector<std::string>{"errors", "0", "0", "-"}));
  for (const char* figure :
       {"latency mean µs", "latency p50 µs", "latency p90 µs", "latency p99.9 µs", "latency max µs",
        "client CPU s", "duration s", "ops"}) {
    EXPECT_EQ(RowOf(table, figure).size(), 4u) << figure;
  }
}

TEST(CompareTest, LabelsFallBackToTheBackendAndPipesAreEscaped) {
  RunResult a = MakeRun("", 1, 1, 1);
  RunResult b = MakeRun("a|b", 1, 1, 1);
  b.backend = "zookeeper";
  const std::string table = CompareTable(a, b);
  EXPECT_NE(table.find("| figure | coord | a\\|b | A/B |"), std::string::npos) << table;
}

TEST(CompareTest, Formatting) {
  EXPECT_EQ(FormatFigure(123456.7), "123457");
  EXPECT_EQ(FormatFigure(12.3456), "12.35");
  EXPECT_EQ(FormatFigure(0.012345), "0.01235");
  EXPECT_EQ(FormatFigure(7), "7");
  EXPECT_EQ(FormatRatio(1, 3), "0.33");
  EXPECT_EQ(FormatRatio(1, 0), "-");
}

TEST(PlotTest, CdfEndsAtOneAndOverTimeCountsSeconds) {
  RunResult r = MakeRun("x", 1, 1, 4);
  EXPECT_EQ(CdfData(r), "10.000 0.250000\n100.000 0.750000\n1000.000 1.000000\n");
  EXPECT_EQ(OverTimeData(r), "1 5\n2 7\n");
  r.duration_s = 1.2;  // the second second was a fraction: not drawn
  EXPECT_EQ(OverTimeData(r), "1 5\n");
  r.per_second = {5};
  r.duration_s = 0.4;  // shorter than a second: its only point stays
  EXPECT_EQ(OverTimeData(r), "1 5\n");
}

TEST(PlotTest, ScriptFollowsTheExtension) {
  Result<std::string> svg = PlotScript("/tmp/o.svg", false, {"/d/a.dat", "/d/b.dat"}, {"A", "B"});
  ASSERT_TRUE(svg.ok());
  EXPECT_NE(svg->find("set terminal svg"), std::string::npos);
  EXPECT_NE(svg->find("set logscale x"), std::string::npos);
  EXPECT_NE(svg->find("'/d/a.dat' using 1:2 with steps title 'A', '/d/b.dat'"), std::string::npos)
      << *svg;
  Result<std::string> png = PlotScript("o.png", true, {"a.dat"}, {"it's"});
  ASSERT_TRUE(png.ok());
  EXPECT_NE(png->find("set terminal pngcairo"), std::string::npos);
  EXPECT_EQ(png->find("logscale"), std::string::npos);
  EXPECT_NE(png->find("title 'it''s'"), std::string::npos);
  EXPECT_FALSE(PlotScript("o.pdf", false, {"a.dat"}, {"A"}).ok());
}

}  // namespace
}  // namespace coord::bench
