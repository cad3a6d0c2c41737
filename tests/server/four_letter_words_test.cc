// The four-letter words' text, from given facts: ZooKeeper's layout, coord's figures.
#include "coord/server/four_letter_words.h"

#include <gtest/gtest.h>

namespace coord::server {
namespace {

ServerFacts Facts() {
  ServerFacts f;
  f.version = "coord 9.9.9";
  f.mode = "leader";
  f.zxid = 0x30000002a;
  f.node_count = 12;
  f.watch_count = 3;
  f.ephemerals_count = 2;
  f.session_count = 4;
  f.outstanding = 1;
  f.uptime_ms = 5000;
  f.totals.packets_received = 100;
  f.totals.packets_sent = 101;
  f.totals.Answered(2);
  f.totals.Answered(4);
  f.followers = 2;
  f.synced_followers = 1;
  ConnectionFacts c;
  c.peer = "127.0.0.1:40000";
  c.session = 0x1a;
  c.session_timeout_ms = 4000;
  c.outstanding = 1;
  c.established_ms = 1700000000000;
  c.counters.packets_received = 7;
  c.counters.packets_sent = 6;
  c.counters.Answered(3);
  ConnectionFacts paused = c;
  paused.peer = "127.0.0.1:40001";
  paused.reading = false;
  f.connections = {c, paused};
  f.conf = {{"clientPort", "2181"}, {"tickTime", "100"}};
  return f;
}

TEST(FourLetterWordsTest, Srvr) {
  EXPECT_EQ(FourLetterWordReply("srvr", Facts()),
            "Zookeeper version: coord 9.9.9\n"
            "Latency min/avg/max: 2/3.0000/4\n"
            "Received: 100\n"
            "Sent: 101\n"
            "Connections: 2\n"
            "Outstanding: 1\n"
            "Zxid: 0x30000002a\n"
            "Mode: leader\n"
            "Node count: 12\n");
}

TEST(FourLetterWordsTest, StatListsClients) {
  const std::string stat = FourLetterWordReply("stat", Facts());
  EXPECT_EQ(stat.rfind("Zookeeper version: coord 9.9.9\nClients:\n"
                       " /127.0.0.1:40000[1](queued=1,recved=7,sent=6)\n"
                       " /127.0.0.1:40001[0](queued=1,recved=7,sent=6)\n\n",
                       0),
            0u)
      << stat;
  EXPECT_NE(stat.find("\nMode: leader\n"), std::string::npos);
}

TEST(FourLetterWordsTest, ConsOneLinePerConnection) {
  EXPECT_EQ(FourLetterWordReply("cons", Facts()),
            " /127.0.0.1:40000[1](queued=1,recved=7,sent=6,sid=0x1a,est=1700000000000,to=4000,"
            "minlat=3,avglat=3.0000,maxlat=3)\n"
            " /127.0.0.1:40001[0](queued=1,recved=7,sent=6,sid=0x1a,est=1700000000000,to=4000,"
            "minlat=3,avglat=3.0000,maxlat=3)\n\n");
}

TEST(FourLetterWordsTest, MntrKeyValueLines) {
  const std::string mntr = FourLetterWordReply("mntr", Facts());
  for (const char* line :
       {"zk_version\tcoord 9.9.9\n", "zk_server_state\tleader\n", "zk_uptime\t5000\n",
        "zk_avg_latency\t3.0000\n", "zk_max_latency\t4\n", "zk_min_latency\t2\n",
        "zk_packets_received\t100\n", "zk_packets_sent\t101\n", "zk_num_alive_connections\t2\n",
        "zk_outstanding_requests\t1\n", "zk_znode_count\t12\n", "zk_watch_count\t3\n",
        "zk_ephemerals_count\t2\n", "zk_followers\t2\n", "zk_synced_followers\t1\n"}) {
    EXPECT_NE(mntr.find(line), std::string::npos) << line << " missing in\n" << mntr;
  }
  // Unknown figures are left out rather than invented.
  EXPECT_EQ(mntr.find("zk_open_file_descriptor_count"), std::string::npos);
  ServerFacts standalone = Facts();
  standalone.mode = "standalone";
  EXPECT_EQ(FourLetterWordReply("mntr", standalone).find("zk_followers"), std::string::npos);
}

TEST(FourLetterWordsTest, RuokConfAndNotServing) {
  ServerFacts f = Facts();
  EXPECT_EQ(FourLetterWordReply("ruok", f), "imok");
  EXPECT_EQ(FourLetterWordReply("conf", f), "clientPort=2181\ntickTime=100\n");
  f.serving = false;
  for (const char* word : {"srvr", "stat", "mntr", "cons"}) {
    EXPECT_EQ(FourLetterWordReply(word, f),
              "This ZooKeeper instance is not currently serving requests\n");
  }
  EXPECT_EQ(FourLetterWordReply("ruok", f), "imok");
  EXPECT_EQ(FourLetterWordRefusal("envi"),
            "envi is not executed because it is not in the whitelist.\n");
}

}  // namespace
}  // namespace coord::server
