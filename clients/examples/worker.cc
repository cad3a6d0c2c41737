// coord-worker: an example service built on the recipes. Run several instances:
//
//   coord-worker --servers 127.0.0.1:2281,127.0.0.1:2282,127.0.0.1:2283 --name a
//   coord-worker --servers ... --name b
//
// Every instance follows its configuration under /demo/config through a TreeCache (change it
// with coordsh: `set /demo/config/interval_ms 200`) and campaigns for leadership of
// /demo/leader. The leader does the work: it takes the Lock /demo/resource-lock and writes
// /demo/resource guarded by the lock's fencing token (a multi that the server refuses if the
// lock was lost), `rounds` times, then resigns so another instance leads. Followers report who
// leads. Ctrl-C (SIGINT) or SIGTERM stops an instance cleanly.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "coord/client.h"
#include "coord/recipes/leader_election.h"
#include "coord/recipes/lock.h"
#include "coord/recipes/tree_cache.h"

namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

void Sleep(int64_t ms) {
  for (int64_t slept = 0; slept < ms && !g_stop; slept += 10) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

int64_t IntervalMs(const coord::recipes::TreeCache& config) {
  std::optional<coord::recipes::CachedNode> node = config.Get("/demo/config/interval_ms");
  if (!node) return 500;
  const int64_t v = std::atoll(node->data.c_str());
  return v > 0 ? v : 500;
}

}  // namespace

int main(int argc, char** argv) {
  std::string servers = "127.0.0.1:2281";
  std::string name = "worker-" + std::to_string(getpid());
  int rounds = 5;
  int terms = -1;  // leaderships before exiting (-1: until stopped)
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--servers") {
      servers = argv[i + 1];
    } else if (flag == "--name") {
      name = argv[i + 1];
    } else if (flag == "--rounds") {
      rounds = std::atoi(argv[i + 1]);
    } else if (flag == "--terms") {
      terms = std::atoi(argv[i + 1]);
    } else {
      std::fprintf(stderr,
                   "usage: coord-worker [--servers HOST:PORT,...] [--name NAME] [--rounds N] "
                   "[--terms N]\n");
      return 2;
    }
  }
  signal(SIGINT, OnSignal);
  signal(SIGTERM, OnSignal);

  coord::ClientOptions options;
  options.connect_string = servers;
  options.session_timeout_ms = 4000;
  auto client = coord::Client::Open(options);
  if (!client.ok() || !(*client)->WaitConnected(10000).ok()) {
    std::fprintf(stderr, "%s: cannot connect to %s\n", name.c_str(), servers.c_str());
    return 1;
  }
  coord::Client* c = client->get();

  // Configuration: a live copy of /demo/config.
  for (const char* path : {"/demo", "/demo/config"}) {
    coord::CreateRequest create;
    create.path = path;
    c->Create(create).status().IgnoreError();  // exists already: fine
  }
  coord::recipes::TreeCache config(c, "/demo/config", [&](const coord::recipes::TreeCacheEvent& e) {
    if (e.type == coord::recipes::TreeCacheEventType::kNodeAdded ||
        e.type == coord::recipes::TreeCacheEventType::kNodeUpdated) {
      std::printf("%s: config %s = %s\n", name.c_str(), e.path.c_str(),
                  e.node ? e.node->data.c_str() : "");
      std::fflush(stdout);
    }
  });
  if (!config.Start().ok() || !config.WaitInitialized(10000).ok()) {
    std::fprintf(stderr, "%s: cannot read /demo/config\n", name.c_str());
    return 1;
  }

  coord::recipes::LeaderElection election(
      c, "/demo/leader", name, [&](coord::recipes::ElectionEvent e) {
        std::printf("%s: leadership %s\n", name.c_str(), coord::recipes::ElectionEventName(e));
        std::fflush(stdout);
      });
  coord::recipes::Lock lock(c, "/demo/resource-lock", name);
  {
    coord::CreateRequest resource;
    resource.path = "/demo/resource";
    c->Create(resource).status().IgnoreError();
  }
  int led = 0;
  while (!g_stop && (terms < 0 || led < terms)) {
    auto leader = election.Leader();
    if (leader.ok() && leader->has_value()) {
      std::printf("%s: following %s\n", name.c_str(), (*leader)->payload.c_str());
      std::fflush(stdout);
    }
    auto term = election.Campaign(1000);
    if (!term.ok()) {
      if (term.status().code() == coord::Code::kOperationTimeout) continue;
      std::fprintf(stderr, "%s: campaign: %s\n", name.c_str(), term.status().ToString().c_str());
      return 1;
    }
    ++led;
    std::printf("%s: leading (term %llu)\n", name.c_str(), static_cast<unsigned long long>(*term));
    std::fflush(stdout);
    for (int r = 0; r < rounds && !g_stop && election.leading(); ++r) {
      auto token = lock.Acquire(5000);
      if (!token.ok()) continue;
      const std::string data =
          name + " wrote round " + std::to_string(r) + " with token " + std::to_string(*token);
      auto written = c->Multi(
          {lock.Fence(), coord::SetDataRequest{"/demo/resource", data, coord::kAnyVersion}});
      std::printf("%s: %s%s\n", name.c_str(), written.ok() ? "" : "REFUSED: ", data.c_str());
      std::fflush(stdout);
      lock.Release().IgnoreError();
      Sleep(IntervalMs(config));
    }
    election.Resign().IgnoreError();
    std::printf("%s: resigned\n", name.c_str());
    std::fflush(stdout);
    Sleep(100);  // let another instance lead
  }
  config.Close();
  return 0;
}
