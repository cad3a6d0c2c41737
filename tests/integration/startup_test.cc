// coordd refuses bad configurations at start-up with a message naming the problem and a non-zero
// exit status.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <string>

#include "tests/support/coordd_process.h"

namespace coord::testing {
namespace {

struct Outcome {
  int exit_code = -1;
  std::string output;
};

Outcome RunCoordd(const std::string& args) {
  std::string command = std::string(CoorddBinary()) + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  Outcome out;
  if (pipe == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) out.output.append(buf, n);
  int status = pclose(pipe);
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

std::string WriteConfig(const std::string& name, const std::string& yaml) {
  std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << yaml;
  return path;
}

TEST(StartupTest, AnUnknownKeyIsNamedAndCoorddExitsNonZero) {
  Outcome o = RunCoordd("--config " + WriteConfig("unknown.yaml", "tick_msec: 10\n"));
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.output.find("'tick_msec'"), std::string::npos) << o.output;
}

TEST(StartupTest, ABadValueIsNamedAndCoorddExitsNonZero) {
  Outcome o = RunCoordd("--config " + WriteConfig("bad.yaml", "max_frame_bytes: lots\n"));
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.output.find("'max_frame_bytes'"), std::string::npos) << o.output;
}

TEST(StartupTest, AMissingConfigFileIsAnError) {
  Outcome o = RunCoordd("--config /nonexistent/coord.yaml");
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.output.find("/nonexistent/coord.yaml"), std::string::npos) << o.output;
}

TEST(StartupTest, TheLocalEnsembleConfigsAreValid) {
  for (int n = 1; n <= 3; ++n) {
    Outcome check = RunCoordd("--check-config --config " COORD_SOURCE_DIR "/conf/cluster/member-" +
                              std::to_string(n) + ".yaml");
    EXPECT_EQ(check.exit_code, 0) << check.output;
  }
}

TEST(StartupTest, AMemberWhosePeerAddressIsUnusableExitsWithAnError) {
  Outcome o = RunCoordd(
      "--config " +
      WriteConfig("bad-peer.yaml",
                  "cluster:\n"
                  "  cluster_id: t\n"
                  "  member_id: 1\n"
                  "  members:\n"
                  "    - {id: 1, peer_address: 203.0.113.1:1, client_address: 127.0.0.1:3}\n"
                  "    - {id: 2, peer_address: 127.0.0.1:11, client_address: 127.0.0.1:12}\n"
                  "    - {id: 3, peer_address: 127.0.0.1:13, client_address: 127.0.0.1:14}\n") +
      " --data-dir " + ::testing::TempDir() + "bad-peer");
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.output.find("203.0.113.1:1"), std::string::npos) << o.output;
}

TEST(StartupTest, AnUnusableAddressIsAnError) {
  Outcome o =
      RunCoordd("--client-address 203.0.113.1:1 --data-dir " + ::testing::TempDir() + "addr");
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.output.find("cannot listen"), std::string::npos) << o.output;
}

TEST(StartupTest, ALostClientCannotKillTheServerWithSigpipe) {
  // Writing to a connection the client already closed raises SIGPIPE; coordd must ignore it
  // (found when a test cut connections under load and coordd died of signal 13). The test runs
  // coordd with the default disposition inherited, then reads what coordd set.
  signal(SIGPIPE, SIG_DFL);
  CoorddProcess server;
  server.Start();
  std::ifstream status("/proc/" + std::to_string(server.pid()) + "/status");
  std::string line;
  uint64_t ignored = 0;
  while (std::getline(status, line)) {
    if (line.rfind("SigIgn:", 0) == 0) ignored = std::stoull(line.substr(7), nullptr, 16);
  }
  EXPECT_TRUE(ignored & (uint64_t{1} << (SIGPIPE - 1))) << "SIGPIPE is not ignored";
}

}  // namespace
}  // namespace coord::testing
