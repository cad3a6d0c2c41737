// The JSON result: written, read back (what --compare and --plot do), and the JSON reader itself.
#include "tools/coordbench/result.h"

#include <gtest/gtest.h>

#include "tools/coordbench/json.h"

namespace coord::bench {
namespace {

RunResult Sample() {
  RunResult r;
  r.label = "coord \"main\"";
  r.backend = "coord";
  r.servers = "127.0.0.1:2281";
  r.workload = "set";
  Result<Options> o = ParseOptions({"--backend", "coord", "--servers", "127.0.0.1:2281",
                                    "--workload", "set", "--count", "2000"});
  r.params = ParamsOf(*o);
  r.started_at = "2026-11-27T16:50:00Z";
  r.duration_s = 1.5;
  r.ops = 2000;
  r.errors = 3;
  r.ops_per_s = 2000 / 1.5;
  Histogram h;
  for (uint64_t v = 1; v <= 2000; ++v) h.Record(v * 1000);
  SetLatency(h, &r);
  r.per_second = {1200, 800};
  r.client_cpu_s = 0.25;
  r.extra.Set("set_ops_per_s", 1234.5);
  return r;
}

TEST(JsonTest, ParsesWhatItWrites) {
  Json j = Json::Object();
  j.Set("s", "a\"b\\c\nd\x01");
  j.Set("n", -12.5);
  j.Set("i", int64_t{1} << 40);
  j.Set("t", true);
  j.Set("z", Json());
  Json a = Json::Array();
  a.Push(1);
  a.Push("x");
  j.Set("a", a);
  Result<Json> back = Json::Parse(j.Dump());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->Dump(), j.Dump());
  EXPECT_EQ(back->Find("s")->str(), "a\"b\\c\nd\x01");
  EXPECT_EQ(back->Find("i")->number(), static_cast<double>(int64_t{1} << 40));
  EXPECT_EQ(j.Dump().find("1099511627776"), j.Dump().find("\"i\":") + 4);
}

TEST(JsonTest, ReadsOtherWritersLayout) {
  Result<Json> j =
      Json::Parse(" { \"a\" : [ 1 , 2.5e3 , {\"b\": null} ] ,\n\t\"u\": \"\\u00e9\" } ");
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  EXPECT_EQ(j->Find("a")->items()[1].number(), 2500);
  EXPECT_EQ(j->Find("u")->str(), "\xc3\xa9");
}

TEST(JsonTest, RejectsMalformedText) {
  for (const char* bad : {"", "{", "[1,]", "{\"a\" 1}", "{\"a\":1} x", "\"open", "nul", "[1 2]"}) {
    EXPECT_FALSE(Json::Parse(bad).ok()) << bad;
  }
  std::string deep(200, '[');
  EXPECT_FALSE(Json::Parse(deep).ok());
}

TEST(ResultTest, RoundTripKeepsEveryField) {
  RunResult r = Sample();
  Result<Json> parsed = Json::Parse(ToJson(r).Dump());
  ASSERT_TRUE(parsed.ok());
  Result<RunResult> back = FromJson(*parsed);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->label, r.label);
  EXPECT_EQ(back->backend, r.backend);
  EXPECT_EQ(back->servers, r.servers);
  EXPECT_EQ(back->workload, r.workload);
  EXPECT_EQ(back->started_at, r.started_at);
  EXPECT_EQ(back->duration_s, r.duration_s);
  EXPECT_EQ(back->ops, r.ops);
  EXPECT_EQ(back->errors, r.errors);
  EXPECT_NEAR(back->ops_per_s, r.ops_per_s, 1e-6);
  EXPECT_EQ(back->latency_us.p50, r.latency_us.p50);
  EXPECT_EQ(back->latency_us.p999, r.latency_us.p999);
  EXPECT_EQ(back->latency_us.max, 2000.0);
  EXPECT_EQ(back->per_second, r.per_second);
  EXPECT_EQ(back->histogram, r.histogram);
  EXPECT_EQ(back->client_cpu_s, r.client_cpu_s);
  EXPECT_EQ(back->params.Find("count")->number(), 2000);
  EXPECT_EQ(back->params.Find("outstanding")->number(), 64);
  EXPECT_EQ(back->extra.Find("set_ops_per_s")->number(), 1234.5);
}

TEST(ResultTest, LatencyFiguresFromTheHistogram) {
  RunResult r = Sample();  // 1..2000 µs, one each
  EXPECT_NEAR(r.latency_us.p50, 1000, 10);
  EXPECT_NEAR(r.latency_us.p90, 1800, 18);
  EXPECT_NEAR(r.latency_us.p99, 1980, 20);
  EXPECT_NEAR(r.latency_us.mean, 1000.5, 0.01);
  uint64_t total = 0;
  for (const auto& [bound, count] : r.histogram) total += count;
  EXPECT_EQ(total, 2000u);
}

TEST(ResultTest, RejectsWhatIsNotAResult) {
  Json j = ToJson(Sample());
  j.Set("tool", "other");
  EXPECT_FALSE(FromJson(j).ok());
  j = ToJson(Sample());
  j.Set("version", 2);
  EXPECT_FALSE(FromJson(j).ok());
  j = ToJson(Sample());
  j.Set("latency_us", "fast");
  Result<RunResult> r = FromJson(j);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("latency_us"), std::string::npos);
  EXPECT_FALSE(FromJson(Json::Array()).ok());
}

}  // namespace
}  // namespace coord::bench
