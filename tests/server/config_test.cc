#include "coord/server/config.h"

#include <gtest/gtest.h>

namespace coord::server {
namespace {

TEST(ConfigTest, EmbeddedDefaultParsesToTheDocumentedDefaults) {
  Result<ServerConfig> c = ParseConfig(EmbeddedDefaultConfig(), "embedded default");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ServerConfig defaults;
  EXPECT_EQ(c->client_address.ToString(), "127.0.0.1:2281");
  EXPECT_EQ(c->data_dir, "./var/data");
  EXPECT_EQ(c->tick_ms, defaults.tick_ms);
  EXPECT_EQ(c->min_session_timeout_ms, defaults.min_session_timeout_ms);
  EXPECT_EQ(c->max_session_timeout_ms, defaults.max_session_timeout_ms);
  EXPECT_EQ(c->max_frame_bytes, defaults.max_frame_bytes);
  EXPECT_EQ(c->max_data_bytes, defaults.max_data_bytes);
  EXPECT_EQ(c->snapshot_every_txns, defaults.snapshot_every_txns);
  EXPECT_EQ(c->log_level, LogLevel::kInfo);
}

TEST(ConfigTest, KeysOverrideDefaults) {
  Result<ServerConfig> c = ParseConfig(
      "client_address: '[::1]:7000'\ntick_ms: 20\nlog_level: debug\nsuper_digest: 'super:abc='\n",
      "t.yaml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->client_address.host, "::1");
  EXPECT_EQ(c->client_address.port, 7000);
  EXPECT_EQ(c->tick_ms, 20);
  EXPECT_EQ(c->log_level, LogLevel::kDebug);
  EXPECT_EQ(c->super_digest, "super:abc=");
}

TEST(ConfigTest, EmptyFileMeansDefaults) {
  EXPECT_TRUE(ParseConfig("", "empty.yaml").ok());
  EXPECT_TRUE(ParseConfig("# only a comment\n", "c.yaml").ok());
}

void ExpectError(const std::string& yaml, const std::string& fragment) {
  Result<ServerConfig> c = ParseConfig(yaml, "bad.yaml");
  ASSERT_FALSE(c.ok()) << yaml;
  EXPECT_NE(c.status().message().find(fragment), std::string::npos)
      << c.status().message() << " should mention " << fragment;
  EXPECT_NE(c.status().message().find("bad.yaml"), std::string::npos) << "names the source";
}

TEST(ConfigTest, UnknownKeyIsAnErrorNamingIt) {
  ExpectError("tick_msec: 10\n", "'tick_msec'");
  ExpectError("tick_msec: 10\n", "unknown key");
}

TEST(ConfigTest, BadValuesNameTheKey) {
  ExpectError("tick_ms: fast\n", "'tick_ms'");
  ExpectError("tick_ms: 0\n", "'tick_ms'");
  ExpectError("tick_ms: 10ms\n", "'tick_ms'");
  ExpectError("max_frame_bytes: -5\n", "'max_frame_bytes'");
  ExpectError("client_address: localhost\n", "'client_address'");
  ExpectError("client_address: 'h:99999'\n", "'client_address'");
  ExpectError("log_level: loud\n", "'log_level'");
  ExpectError("data_dir: ''\n", "'data_dir'");
  ExpectError("data_dir: [a, b]\n", "'data_dir'");
  ExpectError("min_session_timeout_ms: 5000\nmax_session_timeout_ms: 1000\n",
              "min_session_timeout_ms");
  ExpectError("max_data_bytes: 2000000\nmax_frame_bytes: 2000000\n", "max_frame_bytes");
}

TEST(ConfigTest, MalformedYamlIsAnError) {
  ExpectError("tick_ms: [1, 2\n", "not valid YAML");
  ExpectError("- a\n- b\n", "expected a map");
}

TEST(ConfigTest, HostPort) {
  EXPECT_EQ(ParseHostPort("127.0.0.1:0")->port, 0);
  EXPECT_EQ(ParseHostPort("[::1]:2281")->host, "::1");
  EXPECT_FALSE(ParseHostPort(":80").ok());
  EXPECT_FALSE(ParseHostPort("host:").ok());
  EXPECT_FALSE(ParseHostPort("host:8x").ok());
}

}  // namespace
}  // namespace coord::server
