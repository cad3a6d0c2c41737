// Crash safety of LmdbLog: a child process appends batches and reports each acknowledged zxid
// through a pipe; the parent SIGKILLs it at random points, reopens the log and checks that every
// acknowledged entry is there, in order, intact, with no gap and no partial batch. The seed makes
// the kill schedule reproducible (the kernel's timing still varies).
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <limits>

#include "coord/base/logging.h"
#include "coord/base/prng.h"
#include "storage/lmdb_log.h"
#include "tests/storage/log_test_util.h"
#include "tests/storage/temp_dir.h"

namespace coord::storage {
namespace {

constexpr uint64_t kSeed = 0x5eed0c0a;
constexpr int kKills = 60;
constexpr Epoch kEpoch = 1;
constexpr int kAckTimeoutMs = 10000;
// A small initial map, so map growth (abort, remap, retry) also happens under fire.
const LmdbLogOptions kOptions{.initial_map_bytes = size_t{256} << 10};

// The child: append until killed. Each batch also records its last zxid in the hard state, so the
// parent can see that entries and hard state commit together. Returns only on failure.
int RunWriter(const std::string& dir, uint64_t seed, int ack_fd) {
  SetLogLevel(LogLevel::kWarn);  // each reopen regrows the small map; no need to say so
  Result<std::unique_ptr<LmdbLog>> opened = LmdbLog::Open(dir, kOptions);
  if (!opened.ok()) return 2;
  LmdbLog& log = *opened.value();
  Prng prng(seed);
  uint32_t counter = CounterOf(log.LastZxid());
  for (int round = 0; round < 1000000; ++round) {  // bounded; the parent kills far earlier
    LogBatch batch;
    const uint32_t count = 1 + static_cast<uint32_t>(prng.Uniform(32));
    for (uint32_t i = 0; i < count; ++i) {
      const Zxid zxid = MakeZxid(kEpoch, ++counter);
      batch.entries.push_back({zxid, PayloadFor(zxid)});
    }
    const Zxid last = batch.entries.back().zxid;
    batch.hard_state = HardState{kEpoch, kEpoch, last};
    if (!log.Commit(batch).ok()) return 3;
    if (::write(ack_fd, &last, sizeof(last)) != sizeof(last)) return 4;
  }
  return 0;
}

// Reads acknowledgements until `want` more have arrived (or, with want == 0, until EOF).
// Returns false on timeout or when the child went away early.
bool ReadAcks(int fd, int want, Zxid* acked) {
  Zxid buffer[512];
  for (int got = 0; want == 0 || got < want;) {
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, kAckTimeoutMs) != 1) return false;
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return want == 0;  // EOF
    // Each 8-byte write is atomic on a pipe, so reads split only between acknowledgements.
    got += static_cast<int>(n / sizeof(Zxid));
    *acked = buffer[n / sizeof(Zxid) - 1];
  }
  return true;
}

// Reopens the log after a kill and checks it; *last is its newest zxid.
void ExpectAcknowledgedEntriesPresent(const std::string& dir, Zxid acked, Zxid* last) {
  Result<std::unique_ptr<LmdbLog>> opened = LmdbLog::Open(dir, kOptions);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  const LmdbLog& log = *opened.value();
  *last = log.LastZxid();
  ASSERT_GE(log.LastZxid(), acked);
  if (log.LastZxid() == 0) return;
  ASSERT_EQ(log.FirstZxid(), MakeZxid(kEpoch, 1));
  Result<std::vector<LogEntry>> entries =
      log.Read(0, std::numeric_limits<Zxid>::max(), std::numeric_limits<size_t>::max());
  ASSERT_TRUE(entries.ok()) << entries.status().ToString();
  ASSERT_EQ(entries->size(), CounterOf(log.LastZxid()));
  for (size_t i = 0; i < entries->size(); ++i) {
    const LogEntry& entry = entries.value()[i];
    ASSERT_EQ(entry.zxid, MakeZxid(kEpoch, static_cast<uint32_t>(i + 1)));
    ASSERT_TRUE(entry.payload == PayloadFor(entry.zxid)) << "payload of " << entry.zxid;
  }
  // The hard state was written in the same transaction as the batch's entries.
  EXPECT_EQ(log.GetHardState(), (HardState{kEpoch, kEpoch, log.LastZxid()}));
}

TEST(LmdbCrashTest, AcknowledgedEntriesSurviveSigkill) {
  TempDir dir;
  Prng prng(kSeed);
  Zxid acked = 0;
  int killed_mid_flight = 0;
  for (int kill_round = 0; kill_round < kKills; ++kill_round) {
    SCOPED_TRACE("kill round " + std::to_string(kill_round) + ", seed " + std::to_string(kSeed));
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      ::_exit(RunWriter(dir.path(), kSeed + kill_round, fds[1]));
    }
    ::close(fds[1]);
    // Let it run for some acknowledged batches, then kill it at a random instant, which lands
    // inside a commit most of the time (a commit is mostly fsync).
    const bool acks_arrived = ReadAcks(fds[0], 1 + static_cast<int>(prng.Uniform(12)), &acked);
    const timespec delay{0, static_cast<long>(prng.Uniform(4000000))};
    ::nanosleep(&delay, nullptr);
    ::kill(pid, SIGKILL);
    int wait_status = 0;
    ASSERT_EQ(::waitpid(pid, &wait_status, 0), pid);
    const bool drained = ReadAcks(fds[0], 0, &acked);
    ::close(fds[0]);
    ASSERT_TRUE(acks_arrived && drained) << "writer stalled or exited early";
    ASSERT_TRUE(WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == SIGKILL)
        << "writer exited with status " << WEXITSTATUS(wait_status);
    Zxid last = 0;
    ExpectAcknowledgedEntriesPresent(dir.path(), acked, &last);
    if (HasFatalFailure()) return;
    if (last > acked) ++killed_mid_flight;
  }
  EXPECT_GT(acked, 0u);
  // Informational: how often the kill fell between a durable commit and its acknowledgement.
  std::cout << "acknowledged " << CounterOf(acked) << " entries; " << killed_mid_flight
            << " kills landed after a commit but before its ack\n";
}

}  // namespace
}  // namespace coord::storage
