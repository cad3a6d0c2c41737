// The Lock recipe against real coordd processes: mutual exclusion among contending processes
// (checked through a shared record of who held the lock when), strictly increasing fencing
// tokens, a killed holder's lock passing only after its session expired, the server refusing a
// stale holder's fenced write, timeouts, and the same on a 3-member ensemble.
#include "coord/recipes/lock.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "tests/clients/tcp_proxy.h"
#include "tests/support/coordd_process.h"
#include "tests/support/ensemble.h"

namespace coord::recipes {
namespace {

using coord::testing::CoorddOptions;
using coord::testing::CoorddProcess;

int64_t MonoNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

std::unique_ptr<Client> Connect(const std::string& servers, int32_t session_timeout_ms = 4000) {
  ClientOptions o;
  o.connect_string = servers;
  o.session_timeout_ms = session_timeout_ms;
  o.request_timeout_ms = 8000;
  auto c = Client::Open(o);
  EXPECT_TRUE(c.ok());
  EXPECT_TRUE((*c)->WaitConnected(20000).ok());
  return std::move(c).value();
}

CoorddOptions FastServer() {
  CoorddOptions o;
  o.extra_config = "tick_ms: 20\nmin_session_timeout_ms: 500\nlog_level: warn\n";
  return o;
}

struct Holding {
  uint64_t token;
  int holder;
  int64_t enter_ns;
  int64_t exit_ns;
};

// Runs `processes` child processes that each take the lock `rounds` times and append one line
// "token holder enter exit" per holding to `record` (O_APPEND: lines never interleave).
void Contend(const std::string& servers, const std::string& record, int processes, int rounds) {
  std::vector<pid_t> children;
  for (int p = 0; p < processes; ++p) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int code = 0;
      {
        ClientOptions o;
        o.connect_string = servers;
        o.session_timeout_ms = 6000;
        o.request_timeout_ms = 10000;
        auto c = Client::Open(o);
        if (!c.ok() || !(*c)->WaitConnected(20000).ok()) _exit(2);
        Lock lock(c->get(), "/locks/contended", "holder " + std::to_string(p));
        const int fd = open(record.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
        for (int r = 0; r < rounds && code == 0; ++r) {
          Result<uint64_t> token = lock.Acquire(60000);
          if (!token.ok()) {
            code = 3;
            break;
          }
          const int64_t enter = MonoNs();
          usleep(500);  // "work" while holding
          const int64_t exit = MonoNs();
          char line[128];
          const int n = std::snprintf(line, sizeof(line), "%llu %d %lld %lld\n",
                                      static_cast<unsigned long long>(*token), p,
                                      static_cast<long long>(enter), static_cast<long long>(exit));
          if (write(fd, line, static_cast<size_t>(n)) != n) code = 4;
          if (!lock.Release().ok()) code = 5;
        }
        close(fd);
      }
      _exit(code);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "a contender failed (exit " << (WIFEXITED(status) ? WEXITSTATUS(status) : -1) << ")";
  }
}

std::vector<Holding> ReadRecord(const std::string& record) {
  std::vector<Holding> out;
  std::ifstream in(record);
  unsigned long long token;
  int holder;
  long long enter, exit;
  while (in >> token >> holder >> enter >> exit) {
    out.push_back({static_cast<uint64_t>(token), holder, enter, exit});
  }
  return out;
}

// No two holdings overlap and tokens strictly increase in the order the lock was held.
void CheckExclusion(std::vector<Holding> holdings, size_t expected) {
  ASSERT_EQ(holdings.size(), expected);
  std::sort(holdings.begin(), holdings.end(),
            [](const Holding& a, const Holding& b) { return a.enter_ns < b.enter_ns; });
  for (size_t i = 1; i < holdings.size(); ++i) {
    EXPECT_GE(holdings[i].enter_ns, holdings[i - 1].exit_ns)
        << "holders " << holdings[i - 1].holder << " and " << holdings[i].holder << " overlap";
    EXPECT_GT(holdings[i].token, holdings[i - 1].token)
        << "fencing tokens must strictly increase across successive holders";
  }
}

std::string TempFile(const std::string& name) {
  return ::testing::TempDir() + name + "_" + std::to_string(getpid());
}

// Two clients in two threads cycling one lock: each acquisition waits for the other's release
// (a real hand-off through the watch on the predecessor). Returns acquisitions per second (a
// figure, never asserted); checks that the two never hold it together.
double HandOffRate(const std::string& servers) {
  auto a = Connect(servers);
  auto b = Connect(servers);
  Lock la(a.get(), "/locks/handoff");
  Lock lb(b.get(), "/locks/handoff");
  constexpr int kRounds = 200;
  std::atomic<int> in_lock{0};
  std::atomic<bool> overlap{false};
  std::atomic<bool> failed{false};
  const int64_t start = MonoNs();
  auto cycle = [&](Lock& l) {
    for (int i = 0; i < kRounds && !failed; ++i) {
      if (!l.Acquire(10000).ok()) failed = true;
      if (in_lock.fetch_add(1) != 0) overlap = true;
      in_lock.fetch_sub(1);
      if (!l.Release().ok()) failed = true;
    }
  };
  std::thread ta([&] { cycle(la); });
  std::thread tb([&] { cycle(lb); });
  ta.join();
  tb.join();
  EXPECT_FALSE(failed);
  EXPECT_FALSE(overlap);
  return 2 * kRounds / (static_cast<double>(MonoNs() - start) / 1e9);
}

TEST(LockTest, TwentyProcessesNeverHoldTheLockTogetherAndTokensIncrease) {
  CoorddProcess server(FastServer());
  server.Start();
  const std::string record = TempFile("lock_record");
  std::remove(record.c_str());
  Contend(server.address(), record, 20, 5);
  CheckExclusion(ReadRecord(record), 100);
  std::remove(record.c_str());
}

TEST(LockTest, AcquireReleaseTryAcquireAndTimeout) {
  CoorddProcess server(FastServer());
  server.Start();
  auto a = Connect(server.address());
  auto b = Connect(server.address());
  Lock la(a.get(), "/locks/basic", "a");
  Lock lb(b.get(), "/locks/basic", "b");
  Result<uint64_t> t1 = la.Acquire(5000);
  ASSERT_TRUE(t1.ok()) << t1.status().ToString();
  EXPECT_TRUE(la.held());
  Result<std::optional<uint64_t>> tried = lb.TryAcquire();
  ASSERT_TRUE(tried.ok());
  EXPECT_FALSE(tried->has_value()) << "held by a";
  Result<uint64_t> timed_out = lb.Acquire(200);
  EXPECT_EQ(timed_out.status().code(), Code::kOperationTimeout);
  Result<std::vector<std::string>> children = a->GetAllChildren("/locks/basic");
  ASSERT_TRUE(children.ok());
  EXPECT_EQ(children->size(), 1u) << "a timed-out or failed try leaves no node behind";
  ASSERT_TRUE(la.Release().ok());
  Result<uint64_t> t2 = lb.Acquire(5000);
  ASSERT_TRUE(t2.ok());
  EXPECT_GT(*t2, *t1);
  EXPECT_FALSE(la.held());
}

TEST(LockTest, AWaiterAcquiresOnlyAfterAKilledHoldersSessionExpired) {
  CoorddProcess server(FastServer());
  server.Start();
  constexpr int32_t kTimeoutMs = 1500;
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t holder = fork();
  ASSERT_GE(holder, 0);
  if (holder == 0) {
    close(ready[0]);
    ClientOptions o;
    o.connect_string = server.address();
    o.session_timeout_ms = kTimeoutMs;
    auto c = Client::Open(o);
    if (!c.ok() || !(*c)->WaitConnected(20000).ok()) _exit(2);
    Lock lock(c->get(), "/locks/killed", "doomed");
    if (!lock.Acquire(10000).ok()) _exit(3);
    char b = 1;
    if (write(ready[1], &b, 1) != 1) _exit(4);
    pause();
    _exit(0);
  }
  close(ready[1]);
  char b;
  ASSERT_EQ(read(ready[0], &b, 1), 1) << "the holder did not get the lock";
  close(ready[0]);
  auto waiter_client = Connect(server.address());
  Lock waiter(waiter_client.get(), "/locks/killed", "waiter");
  const int64_t killed_at = MonoNs();
  kill(holder, SIGKILL);
  waitpid(holder, nullptr, 0);
  Result<uint64_t> token = waiter.Acquire(20000);
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  const int64_t waited_ms = (MonoNs() - killed_at) / 1'000'000;
  // The holder's last ping was at most a third of the timeout before the kill, so its session
  // cannot have expired earlier than two thirds of the timeout after it (less one tick).
  EXPECT_GE(waited_ms, kTimeoutMs * 2 / 3 - 20) << "acquired while the holder's session lived";
  std::printf("lock passed %lld ms after its holder was killed (session timeout %d ms)\n",
              static_cast<long long>(waited_ms), kTimeoutMs);
}

TEST(LockTest, TheServerRefusesAPausedHoldersFencedWrite) {
  CoorddProcess server(FastServer());
  server.Start();
  auto admin = Connect(server.address());
  CreateRequest resource;
  resource.path = "/resource";
  resource.data = "initial";
  ASSERT_TRUE(admin->Create(resource).ok());

  // Process A takes the lock, prepares its fenced write, hands its fence to us, and pauses
  // (SIGSTOP: a GC pause, a swapped-out VM) until its session expires.
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  pid_t a = fork();
  ASSERT_GE(a, 0);
  if (a == 0) {
    close(pipe_fds[0]);
    ClientOptions o;
    o.connect_string = server.address();
    o.session_timeout_ms = 800;
    auto c = Client::Open(o);
    if (!c.ok() || !(*c)->WaitConnected(20000).ok()) _exit(2);
    Lock lock(c->get(), "/locks/fenced", "a");
    Result<uint64_t> token = lock.Acquire(10000);
    if (!token.ok()) _exit(3);
    const std::string fence = lock.Fence().path + " " + std::to_string(*token) + "\n";
    if (write(pipe_fds[1], fence.data(), fence.size()) != static_cast<ssize_t>(fence.size())) {
      _exit(4);
    }
    pause();
    _exit(0);
  }
  close(pipe_fds[1]);
  char buf[512] = {};
  ssize_t n = read(pipe_fds[0], buf, sizeof(buf) - 1);
  close(pipe_fds[0]);
  ASSERT_GT(n, 0) << "A did not get the lock";
  std::istringstream fence_line(buf);
  std::string a_fence_path;
  uint64_t a_token = 0;
  fence_line >> a_fence_path >> a_token;
  kill(a, SIGSTOP);

  // B waits for the lock: it gets it once A's session expired.
  auto b = Connect(server.address());
  Lock lb(b.get(), "/locks/fenced", "b");
  Result<uint64_t> tb = lb.Acquire(20000);
  ASSERT_TRUE(tb.ok()) << tb.status().ToString();
  EXPECT_GT(*tb, a_token) << "the new holder's token is above the paused holder's";
  Result<MultiResponse> good =
      b->Multi({lb.Fence(), SetDataRequest{"/resource", "b", kAnyVersion}});
  ASSERT_TRUE(good.ok()) << good.status().ToString();

  // A wakes up and sends the write it prepared while holding the lock: the server refuses it.
  Result<MultiResponse> refused =
      admin->Multi({CheckRequest{a_fence_path, kAnyVersion},
                    SetDataRequest{"/resource", "stale A", kAnyVersion}});
  EXPECT_FALSE(refused.ok()) << "a stale holder's write went through";
  EXPECT_EQ(refused.status().code(), Code::kNoNode);
  kill(a, SIGKILL);
  waitpid(a, nullptr, 0);
  Result<GetDataResponse> data = admin->GetData("/resource");
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(data->data, "b");
}

TEST(LockTest, LossIsReportedToTheHolder) {
  CoorddProcess server(FastServer());
  server.Start();
  ClientOptions o;
  o.connect_string = server.address();
  o.session_timeout_ms = 600;
  auto c = Client::Open(o);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE((*c)->WaitConnected(5000).ok());
  std::mutex mu;
  std::vector<LockEvent> events;
  Lock lock(c->get(), "/locks/loss", "", [&](LockEvent e) {
    std::lock_guard<std::mutex> l(mu);
    events.push_back(e);
  });
  ASSERT_TRUE(lock.Acquire(5000).ok());
  // The server freezes longer than the session timeout: the holder hears "suspended" (stop
  // work), then "lost" once its client gives the session up.
  server.Stop(SIGSTOP);
  for (int i = 0; i < 200 && lock.held(); ++i) usleep(20 * 1000);
  server.Stop(SIGCONT);
  EXPECT_FALSE(lock.held());
  std::lock_guard<std::mutex> l(mu);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0], LockEvent::kSuspended);
  EXPECT_EQ(events[1], LockEvent::kLost);
}

TEST(LockTest, AConnectionLostDuringTheCreateLeavesNoOrphanNode) {
  CoorddProcess server(FastServer());
  server.Start();
  coord::testing::TcpProxy proxy(server.port());
  auto c = Connect(proxy.address());
  auto admin = Connect(server.address());
  ASSERT_TRUE(admin->Create(CreateRequest{"/locks", "", OpenAcl()}).ok());
  ASSERT_TRUE(admin->Create(CreateRequest{"/locks/protected", "", OpenAcl()}).ok());
  Lock lock(c.get(), "/locks/protected", "me");
  ASSERT_TRUE(lock.Acquire(5000).ok());  // once, so the next Acquire starts with its create
  ASSERT_TRUE(lock.Release().ok());
  // The create reaches the server, its reply is lost with the connection (protected mode: the
  // contender must find its node again instead of creating a second one).
  proxy.MuteReplies();
  std::thread acquire([&] { EXPECT_TRUE(lock.Acquire(20000).ok()); });
  bool created_unanswered = false;
  for (int i = 0; i < 400 && !created_unanswered; ++i) {
    Result<std::vector<std::string>> children = admin->GetAllChildren("/locks/protected");
    created_unanswered = children.ok() && !children->empty();
    if (!created_unanswered) usleep(5 * 1000);
  }
  EXPECT_TRUE(created_unanswered) << "the create never reached the server";
  EXPECT_FALSE(lock.held());
  proxy.Cut();
  proxy.UnmuteReplies();
  acquire.join();
  EXPECT_TRUE(lock.held());
  Result<std::vector<std::string>> children = admin->GetAllChildren("/locks/protected");
  ASSERT_TRUE(children.ok());
  EXPECT_EQ(children->size(), 1u) << "a second contender node was created";
  ASSERT_TRUE(lock.Release().ok());
  children = admin->GetAllChildren("/locks/protected");
  ASSERT_TRUE(children.ok());
  EXPECT_TRUE(children->empty());
}

TEST(LockTest, ContendersOnAThreeMemberEnsembleAndHandOffRate) {
  coord::testing::Ensemble ensemble(3);
  ensemble.StartAll();
  ensemble.WaitForLeader();
  const std::string record = TempFile("lock_record_cluster");
  std::remove(record.c_str());
  Contend(ensemble.ConnectString(), record, 6, 5);
  CheckExclusion(ReadRecord(record), 30);
  std::remove(record.c_str());

  std::printf("3-member ensemble: %.0f lock acquisitions/s with two contending clients\n",
              HandOffRate(ensemble.ConnectString()));
}

TEST(LockTest, HandOffRateOnOneServer) {
  CoorddProcess server(FastServer());
  server.Start();
  std::printf("one server: %.0f lock acquisitions/s with two contending clients\n",
              HandOffRate(server.address()));
}

}  // namespace
}  // namespace coord::recipes
