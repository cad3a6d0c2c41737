#include "tools/coordbench/runner.h"

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <thread>

namespace coord::bench {
namespace {

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// What one connection or thread measured; guarded by mu (completions of different connections
// run on different threads, and the main thread reads every second).
struct Shard {
  std::mutex mu;
  Histogram latency_ns;
  std::vector<uint64_t> per_second;
  uint64_t ops = 0;
  uint64_t errors = 0;
};

// The state of one run: its limits, its clock, the shards, the live line.
class Run {
 public:
  Run(const RunLimits& limits, int shards) : limits_(limits), shards_(shards) {
    for (auto& s : shards_) s = std::make_unique<Shard>();
    start_ = Clock::now();
    measure_start_ = start_ + std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(limits.warmup_s));
  }

  // May another op be issued now? Counts it against --count when it is measured.
  bool Admit(Clock::time_point now) {
    if (stop_.load(std::memory_order_relaxed)) return false;
    if (now < measure_start_) return true;
    if (limits_.count > 0 && issued_.fetch_add(1, std::memory_order_relaxed) >= limits_.count) {
      return false;
    }
    return true;
  }

  void Record(int shard, Clock::time_point issued, Clock::time_point completed, uint64_t latency_ns,
              const Status& status) {
    if (issued < measure_start_) return;
    Shard& s = *shards_[shard];
    bool give_up = false;
    {
      std::lock_guard<std::mutex> lock(s.mu);
      s.latency_ns.Record(latency_ns);
      size_t second = static_cast<size_t>(Seconds(completed - measure_start_));
      if (s.per_second.size() <= second) s.per_second.resize(second + 1, 0);
      ++s.per_second[second];
      ++s.ops;
      if (!status.ok()) {
        ++s.errors;
        give_up = errors_.fetch_add(1) + 1 >= limits_.max_errors;
      }
    }
    // The latest completion so far (completions of different connections race).
    const int64_t at_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(completed - measure_start_).count();
    int64_t last = last_completion_ns_.load();
    while (at_ns > last && !last_completion_ns_.compare_exchange_weak(last, at_ns)) {
    }
    if (!status.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      if (first_error_.empty()) first_error_ = status.ToString();
      if (give_up && !aborted_) {
        aborted_ = true;
        stop_ = true;
      }
    }
  }

  // One slot (a pipelined request chain or a round thread) has finished.
  void SlotDone() {
    std::lock_guard<std::mutex> lock(mu_);
    --active_slots_;
    idle_.notify_all();
  }
  void SetSlots(int n) { active_slots_ = n; }

  // The main thread's loop: the live line each second, the duration limit, then waiting for the
  // requests in flight (bounded).
  Measurement Supervise() {
    double cpu_at_start = -1;
    auto next_line = Clock::now() + std::chrono::seconds(1);
    std::unique_lock<std::mutex> lock(mu_);
    while (active_slots_ > 0) {
      auto wake = next_line;
      if (cpu_at_start < 0 && measure_start_ < wake) wake = measure_start_;
      idle_.wait_until(lock, wake, [&] { return active_slots_ == 0; });
      auto now = Clock::now();
      if (cpu_at_start < 0 && now >= measure_start_) cpu_at_start = ProcessCpuSeconds();
      if (limits_.duration_s > 0 && Seconds(now - measure_start_) >= limits_.duration_s) {
        stop_ = true;
      }
      if (now >= next_line) {
        lock.unlock();
        PrintLine(now);
        lock.lock();
        next_line += std::chrono::seconds(1);
      }
      // Requests that never complete (a dead server without a timeout) must not hang the tool.
      if (stop_ && now > stop_deadline()) {
        aborted_ = true;
        if (first_error_.empty()) first_error_ = "requests still in flight 60 s after the end";
        break;
      }
    }
    lock.unlock();
    if (cpu_at_start < 0) cpu_at_start = ProcessCpuSeconds();
    if (printed_ && tty_) std::fprintf(stderr, "\r\033[K");
    return Collect(ProcessCpuSeconds() - cpu_at_start);
  }

  Clock::time_point measure_start() const { return measure_start_; }

 private:
  Clock::time_point stop_deadline() {
    if (stop_time_ == Clock::time_point()) stop_time_ = Clock::now();
    return stop_time_ + std::chrono::seconds(60);
  }

  void PrintLine(Clock::time_point now) {
    if (limits_.quiet) return;
    Histogram merged;
    uint64_t ops = 0, errors = 0, last_second = 0;
    const double elapsed = Seconds(now - measure_start_);
    const size_t second = elapsed > 1 ? static_cast<size_t>(elapsed) - 1 : 0;
    for (auto& s : shards_) {
      std::lock_guard<std::mutex> lock(s->mu);
      merged.Merge(s->latency_ns);
      ops += s->ops;
      errors += s->errors;
      if (second < s->per_second.size()) last_second += s->per_second[second];
    }
    // On a terminal the line is rewritten in place; into a file or a pipe, one line per second.
    std::fputs(tty_ ? "\r\033[K" : "", stderr);
    if (elapsed < 0) {
      std::fprintf(stderr, "warmup %.0f s left", -elapsed);
    } else {
      std::fprintf(stderr, "%6.0f s  %9llu ops/s  p99 %9.0f µs  %llu ops  %llu errors", elapsed,
                   static_cast<unsigned long long>(last_second),
                   static_cast<double>(merged.Percentile(0.99)) / 1000.0,
                   static_cast<unsigned long long>(ops), static_cast<unsigned long long>(errors));
    }
    std::fputs(tty_ ? "" : "\n", stderr);
    std::fflush(stderr);
    printed_ = true;
  }

  Measurement Collect(double cpu_s) {
    Measurement m;
    for (auto& s : shards_) {
      std::lock_guard<std::mutex> lock(s->mu);
      m.latency_ns.Merge(s->latency_ns);
      if (m.per_second.size() < s->per_second.size()) m.per_second.resize(s->per_second.size());
      for (size_t i = 0; i < s->per_second.size(); ++i) m.per_second[i] += s->per_second[i];
      m.ops += s->ops;
      m.errors += s->errors;
    }
    m.duration_s = static_cast<double>(last_completion_ns_.load()) / 1e9;
    m.client_cpu_s = cpu_s;
    std::lock_guard<std::mutex> lock(mu_);
    m.first_error = first_error_;
    m.aborted = aborted_;
    return m;
  }

  const RunLimits limits_;
  std::vector<std::unique_ptr<Shard>> shards_;
  Clock::time_point start_, measure_start_, stop_time_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> issued_{0};
  std::atomic<uint64_t> errors_{0};
  std::atomic<int64_t> last_completion_ns_{0};
  std::mutex mu_;
  std::condition_variable idle_;
  int active_slots_ = 0;     // guarded by mu_
  std::string first_error_;  // guarded by mu_
  bool aborted_ = false;     // guarded by mu_
  const bool tty_ = isatty(STDERR_FILENO) != 0;
  bool printed_ = false;  // main thread only
};

// One chain of requests on a connection: each completion records and issues the next. A chain
// owns what its callbacks touch, so a request completing after RunPipelined gave up (an aborted
// run whose sessions are closed later) finds everything alive and issues nothing more.
struct Chain : std::enable_shared_from_this<Chain> {
  std::shared_ptr<Run> run;
  std::shared_ptr<const IssueFn> issue;
  Session* session;
  int conn;

  void Next() {
    const auto issued = Clock::now();
    if (!run->Admit(issued)) {
      run->SlotDone();
      return;
    }
    (*issue)(conn, *session, [self = shared_from_this(), issued](Status status) {
      const auto done = Clock::now();
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(done - issued).count();
      self->run->Record(self->conn, issued, done, static_cast<uint64_t>(ns), status);
      self->Next();
    });
  }
};

}  // namespace

double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto s = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return s(usage.ru_utime) + s(usage.ru_stime);
}

Measurement RunPipelined(const RunLimits& limits, const std::vector<Session*>& sessions,
                         int outstanding, const IssueFn& issue) {
  auto run = std::make_shared<Run>(limits, static_cast<int>(sessions.size()));
  auto shared_issue = std::make_shared<const IssueFn>(issue);
  std::vector<std::shared_ptr<Chain>> chains;
  for (size_t c = 0; c < sessions.size(); ++c) {
    for (int i = 0; i < outstanding; ++i) {
      auto chain = std::make_shared<Chain>();
      chain->run = run;
      chain->issue = shared_issue;
      chain->session = sessions[c];
      chain->conn = static_cast<int>(c);
      chains.push_back(std::move(chain));
    }
  }
  run->SetSlots(static_cast<int>(chains.size()));
  for (auto& chain : chains) chain->Next();
  return run->Supervise();
}

Measurement RunRounds(const RunLimits& limits, int threads, const RoundFn& round) {
  Run run(limits, threads);
  run.SetSlots(threads);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&run, &round, t] {
      while (true) {
        const auto issued = Clock::now();
        if (!run.Admit(issued)) break;
        Result<uint64_t> latency = round(t);
        const auto done = Clock::now();
        run.Record(t, issued, done, latency.ok() ? *latency : 0, latency.status());
      }
      run.SlotDone();
    });
  }
  Measurement m = run.Supervise();
  // A round blocks at most its own timeout: join even after an abort.
  for (auto& w : workers) w.join();
  return m;
}

}  // namespace coord::bench
