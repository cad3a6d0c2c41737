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
  // ZooKeeper's port is off unless set; ruok and srvr are the default four-letter words.
  EXPECT_FALSE(c->zookeeper_address.has_value());
  EXPECT_EQ(c->four_letter_words, (std::vector<std::string>{"ruok", "srvr"}));
  EXPECT_EQ(c->four_letter_words, defaults.four_letter_words);
}

TEST(ConfigTest, ZooKeeperAddressAndFourLetterWords) {
  Result<ServerConfig> c = ParseConfig(
      "zookeeper_address: 127.0.0.1:2181\nfour_letter_words: [mntr, ruok, cons, mntr]\n", "z.yaml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_TRUE(c->zookeeper_address.has_value());
  EXPECT_EQ(c->zookeeper_address->ToString(), "127.0.0.1:2181");
  EXPECT_EQ(c->four_letter_words, (std::vector<std::string>{"mntr", "ruok", "cons"}));
  Result<ServerConfig> none = ParseConfig("four_letter_words: []\n", "z.yaml");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->four_letter_words.empty());
  Result<ServerConfig> all =
      ParseConfig("four_letter_words: [ruok, srvr, stat, mntr, conf, cons]\n", "z.yaml");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->four_letter_words.size(), 6u);
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

TEST(ConfigTest, ZooKeeperErrorsNameTheKey) {
  ExpectError("four_letter_words: [ruok, envi]\n", "'four_letter_words'");
  ExpectError("four_letter_words: [ruok, envi]\n", "unknown four-letter word 'envi'");
  ExpectError("four_letter_words: ruok\n", "expected a list");
  ExpectError("four_letter_words: [[ruok]]\n", "'four_letter_words'");
  ExpectError("zookeeper_address: 2181\n", "'zookeeper_address'");
  ExpectError("client_address: 127.0.0.1:2181\nzookeeper_address: 127.0.0.1:2181\n",
              "must differ from client_address");
}

TEST(ConfigTest, HostPort) {
  EXPECT_EQ(ParseHostPort("127.0.0.1:0")->port, 0);
  EXPECT_EQ(ParseHostPort("[::1]:2281")->host, "::1");
  EXPECT_FALSE(ParseHostPort(":80").ok());
  EXPECT_FALSE(ParseHostPort("host:").ok());
  EXPECT_FALSE(ParseHostPort("host:8x").ok());
}

const char* kCluster = R"(
cluster:
  cluster_id: test-cluster
  member_id: 2
  members:
    - {id: 1, peer_address: 10.0.0.1:2888, client_address: 10.0.0.1:2181, role: voter}
    - {id: 2, peer_address: 10.0.0.2:2888, client_address: 10.0.0.2:2181}
    - {id: 3, peer_address: 10.0.0.3:2888, client_address: 10.0.0.3:2181, role: voter}
    - {id: 7, peer_address: 10.0.0.4:2888, client_address: 10.0.0.4:2181, role: observer}
  election_timeout_ticks: 30
  init_limit_ticks: 60
  sync_limit_ticks: 40
  heartbeat_ticks: 4
)";

TEST(ConfigTest, StandaloneHasNoClusterSection) {
  Result<ServerConfig> c = ParseConfig(EmbeddedDefaultConfig(), "embedded default");
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->cluster.has_value());
}

TEST(ConfigTest, ClusterSectionParses) {
  Result<ServerConfig> c = ParseConfig(kCluster, "c.yaml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_TRUE(c->cluster.has_value());
  const ClusterConfig& cl = *c->cluster;
  EXPECT_EQ(cl.cluster_id, "test-cluster");
  EXPECT_EQ(cl.member_id, 2);
  ASSERT_EQ(cl.members.size(), 4u);
  EXPECT_EQ(cl.members[3].id, 7);
  EXPECT_EQ(cl.members[3].role, MemberRole::kObserver);
  EXPECT_EQ(cl.members[1].role, MemberRole::kVoter);  // the default role
  EXPECT_EQ(cl.members[0].peer_address.ToString(), "10.0.0.1:2888");
  EXPECT_EQ(cl.self().id, 2);
  EXPECT_EQ(cl.voters(), 3);
  EXPECT_TRUE(cl.Warnings().empty());
  EXPECT_EQ(cl.election_timeout_ticks, 30);
  EXPECT_EQ(cl.init_limit_ticks, 60);
  EXPECT_EQ(cl.sync_limit_ticks, 40);
  EXPECT_EQ(cl.heartbeat_ticks, 4);
  // The member's client address becomes the server's.
  EXPECT_EQ(c->client_address.ToString(), "10.0.0.2:2181");
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

TEST(ConfigTest, ClusterErrorsNameTheKey) {
  ExpectError(Replace(kCluster, "  heartbeat_ticks: 4", "  heartbeat_tick: 4"),
              "'cluster.heartbeat_tick': unknown key");
  ExpectError(Replace(kCluster, "role: observer}", "role: observer, weight: 2}"),
              "'cluster.members[3].weight': unknown key");
  ExpectError(Replace(kCluster, "{id: 7,", "{id: 3,"), "'cluster.members[3].id': duplicate");
  ExpectError(Replace(kCluster, "10.0.0.4:2888", "10.0.0.3:2888"),
              "'cluster.members[3].peer_address': duplicate");
  ExpectError(Replace(kCluster, "10.0.0.4:2181", "10.0.0.1:2888"),
              "'cluster.members[3].client_address': duplicate");
  ExpectError(Replace(kCluster, "member_id: 2", "member_id: 9"),
              "'cluster.member_id': 9 is not one of");
  ExpectError(Replace(kCluster, "member_id: 2\n", "\n"), "'cluster.member_id': missing");
  ExpectError(Replace(kCluster, "  cluster_id: test-cluster\n", ""), "'cluster.cluster_id'");
  ExpectError(Replace(kCluster, "role: voter}", "role: leader}"),
              "'cluster.members[0].role': expected voter or observer");
  ExpectError(Replace(kCluster, "{id: 1, peer_address: 10.0.0.1:2888, ", "{id: 1, "),
              "'cluster.members[0].peer_address': missing");
  ExpectError(Replace(kCluster, "{id: 1,", "{id: 0,"), "'cluster.members[0].id'");
  ExpectError(Replace(kCluster, "10.0.0.1:2888", "10.0.0.1:0"), "port 0");
  ExpectError(Replace(kCluster, "heartbeat_ticks: 4", "heartbeat_ticks: 40"),
              "'cluster.heartbeat_ticks'");
  ExpectError(Replace(kCluster, "init_limit_ticks: 60", "init_limit_ticks: 20"),
              "'cluster.sync_limit_ticks'");
  ExpectError(Replace(kCluster, "election_timeout_ticks: 30", "election_timeout_ticks: x"),
              "'cluster.election_timeout_ticks'");
  ExpectError("cluster: [1]\n", "'cluster': expected a map");
  ExpectError("cluster:\n  cluster_id: a\n  member_id: 1\n  members: []\n", "'cluster.members'");
  ExpectError(std::string("client_address: 127.0.0.1:9\n") + kCluster, "'client_address'");
}

TEST(ConfigTest, ClusterMembersMayHaveZooKeeperAddresses) {
  const std::string with_zk =
      Replace(Replace(kCluster, "client_address: 10.0.0.2:2181}",
                      "client_address: 10.0.0.2:2181, zookeeper_address: 10.0.0.2:2182}"),
              "client_address: 10.0.0.1:2181, role",
              "client_address: 10.0.0.1:2181, "
              "zookeeper_address: 10.0.0.1:2182, role");
  Result<ServerConfig> c = ParseConfig(with_zk, "c.yaml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_TRUE(c->zookeeper_address.has_value());
  EXPECT_EQ(c->zookeeper_address->ToString(), "10.0.0.2:2182");
  EXPECT_EQ(c->cluster->members[0].zookeeper_address.ToString(), "10.0.0.1:2182");
  EXPECT_EQ(c->cluster->members[2].zookeeper_address.port, 0);  // not served by member 3
  // A member without one serves no ZooKeeper port.
  Result<ServerConfig> plain = ParseConfig(kCluster, "c.yaml");
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->zookeeper_address.has_value());
  // A top-level zookeeper_address must agree with this member's entry.
  ExpectError("zookeeper_address: 10.0.0.2:9999\n" + with_zk,
              "'zookeeper_address': 10.0.0.2:9999 differs from this member's 10.0.0.2:2182");
  EXPECT_TRUE(ParseConfig("zookeeper_address: 10.0.0.2:2182\n" + with_zk, "c.yaml").ok());
  ExpectError(
      Replace(with_zk, "zookeeper_address: 10.0.0.1:2182", "zookeeper_address: 10.0.0.1:2888"),
      "'cluster.members[0].zookeeper_address': duplicate address");
}

TEST(ConfigTest, ClusterWithoutVotersIsRefusedAndEvenVotersWarn) {
  std::string observers = kCluster;
  for (int i = 0; i < 2; ++i) observers = Replace(observers, "role: voter}", "role: observer}");
  observers = Replace(observers, "client_address: 10.0.0.2:2181}",
                      "client_address: 10.0.0.2:2181, role: observer}");
  ExpectError(observers, "no member has role voter");

  Result<ServerConfig> even =
      ParseConfig(Replace(kCluster, "role: observer}", "role: voter}"), "even.yaml");
  ASSERT_TRUE(even.ok()) << even.status().ToString();
  ASSERT_EQ(even->cluster->Warnings().size(), 1u);
  EXPECT_NE(even->cluster->Warnings()[0].find("4 voters"), std::string::npos);
}

TEST(ConfigTest, LocalEnsembleFilesParse) {
  for (int n = 1; n <= 3; ++n) {
    std::string path =
        std::string(COORD_SOURCE_DIR) + "/conf/cluster/member-" + std::to_string(n) + ".yaml";
    Result<ServerConfig> c = LoadConfigFile(path);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    ASSERT_TRUE(c->cluster.has_value()) << path;
    EXPECT_EQ(c->cluster->member_id, n);
    EXPECT_EQ(c->cluster->members.size(), 3u);
    EXPECT_EQ(c->cluster->voters(), 3);
    EXPECT_TRUE(c->cluster->Warnings().empty());
    EXPECT_EQ(c->data_dir, "./var/member-" + std::to_string(n));
    EXPECT_EQ(c->client_address.ToString(), "127.0.0.1:" + std::to_string(2280 + n));
    EXPECT_EQ(c->cluster->self().peer_address.ToString(), "127.0.0.1:" + std::to_string(2880 + n));
    EXPECT_EQ(c->cluster->cluster_id, "local-dev");
    ASSERT_TRUE(c->zookeeper_address.has_value());
    EXPECT_EQ(c->zookeeper_address->ToString(), "127.0.0.1:" + std::to_string(2180 + n));
  }
}

}  // namespace
}  // namespace coord::server
