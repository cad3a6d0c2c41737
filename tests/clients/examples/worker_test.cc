// coord-worker (clients/examples/worker.cc) as its README describes it: three instances against
// one coordd take turns leading, each writes the shared resource under the lock with increasing
// fencing tokens, and all of them follow a configuration change made while they run.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "coord/client.h"
#include "tests/support/coordd_process.h"

namespace coord {
namespace {

TEST(WorkerExampleTest, InstancesTakeTurnsWriteWithIncreasingTokensAndFollowTheConfig) {
  testing::CoorddOptions options;
  options.extra_config = "tick_ms: 20\nlog_level: warn\n";
  testing::CoorddProcess server(options);
  server.Start();
  const std::string dir = ::testing::TempDir();
  std::vector<pid_t> workers;
  std::vector<std::string> outputs;
  for (const char* name : {"a", "b", "c"}) {
    const std::string out = dir + "worker_" + name + "_" + std::to_string(getpid());
    outputs.push_back(out);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      FILE* f = std::freopen(out.c_str(), "w", stdout);
      (void)f;
      execl(COORD_WORKER_PATH, "coord-worker", "--servers", server.address().c_str(), "--name",
            name, "--rounds", "3", "--terms", "1", static_cast<char*>(nullptr));
      _exit(127);
    }
    workers.push_back(pid);
  }
  // Change the configuration while they run.
  ClientOptions o;
  o.connect_string = server.address();
  auto admin = Client::Open(o);
  ASSERT_TRUE(admin.ok());
  ASSERT_TRUE((*admin)->WaitConnected(5000).ok());
  for (int i = 0; i < 100; ++i) {
    if ((*admin)->Exists("/demo/config").ok() && (*(*admin)->Exists("/demo/config"))) break;
    usleep(20 * 1000);
  }
  CreateRequest interval;
  interval.path = "/demo/config/interval_ms";
  interval.data = "20";
  ASSERT_TRUE((*admin)->Create(interval).ok());

  for (pid_t pid : workers) {
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  // Every write, in the order the instances led, carries a larger token than the one before.
  std::vector<std::pair<std::string, uint64_t>> writes;  // (instance, token)
  int leaderships = 0;
  for (const std::string& out : outputs) {
    std::ifstream in(out);
    std::string line;
    bool saw_config = false;
    while (std::getline(in, line)) {
      // "a: a wrote round 0 with token 4294967337"
      char instance[32] = {};
      unsigned round = 0;
      unsigned long long token = 0;
      if (std::sscanf(line.c_str(), "%31[^:]: %*s wrote round %u with token %llu", instance, &round,
                      &token) == 3) {
        writes.emplace_back(instance, static_cast<uint64_t>(token));
      }
      if (line.find(": leading (term ") != std::string::npos) ++leaderships;
      if (line.find("config /demo/config/interval_ms = 20") != std::string::npos) saw_config = true;
      EXPECT_EQ(line.find("REFUSED"), std::string::npos) << line;
    }
    EXPECT_TRUE(saw_config) << out << " did not follow the configuration";
    std::remove(out.c_str());
  }
  EXPECT_EQ(leaderships, 3);
  ASSERT_EQ(writes.size(), 9u);
  std::sort(writes.begin(), writes.end(),
            [](const auto& a, const auto& b) { return a.second < b.second; });
  // Sorted by token, an instance's three writes are consecutive: one leader at a time.
  for (size_t i = 0; i < writes.size(); i += 3) {
    EXPECT_EQ(writes[i].first, writes[i + 1].first);
    EXPECT_EQ(writes[i].first, writes[i + 2].first);
  }
  Result<GetDataResponse> resource = (*admin)->GetData("/demo/resource");
  ASSERT_TRUE(resource.ok());
  EXPECT_NE(resource->data.find("with token " + std::to_string(writes.back().second)),
            std::string::npos)
      << "the last write holds the largest token: " << resource->data;
}

}  // namespace
}  // namespace coord
