#include "tools/coordbench/workloads.h"

#include <chrono>
#include <condition_variable>
#include <ctime>
#include <memory>
#include <mutex>
#include <random>

#include "tools/coordbench/runner.h"
#include "tools/coordbench/sync_ops.h"

namespace coord::bench {
namespace {

// Per connection: the PRNG and the counter of created names. Guarded: the first requests are
// issued from the main thread while completions already run on the callback thread.
struct ConnState {
  std::mutex mu;
  std::mt19937_64 rng;
  uint64_t seq = 0;
};

std::string Value(int bytes, uint64_t seed) {
  std::string v(static_cast<size_t>(bytes), 'x');
  std::mt19937_64 rng(seed);
  for (char& c : v) c = static_cast<char>('a' + rng() % 26);
  return v;
}

std::string UtcNow() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

class WorkloadRun {
 public:
  WorkloadRun(const Options& o, Backend& backend)
      : o_(o), backend_(backend), value_(Value(o.value_bytes, o.seed)) {
    limits_.warmup_s = o.warmup_s;
    limits_.duration_s = o.duration_s;
    limits_.count = o.count;
    limits_.quiet = o.quiet;
  }

  Result<RunResult> Run() {
    COORD_ASSIGN_OR_RETURN(admin_, backend_.Connect());
    COORD_RETURN_IF_ERROR(Clean("before the run"));
    COORD_RETURN_IF_ERROR(CreateSync(*admin_, o_.prefix));
    RunResult result;
    result.started_at = UtcNow();
    Result<Measurement> m = Measure(&result);
    if (!m.ok()) return m.status();
    Fill(*m, &result);
    // The figures stand even when the cleanup fails (a run that gave up, e.g. on a dead server,
    // does not try): the failure is reported beside them.
    if (!o_.keep && o_.workload != Workload::kLoad && !m->aborted) {
      Status cleaned = Clean("after the run");
      if (!cleaned.ok()) result.extra.Set("cleanup_error", cleaned.ToString());
    }
    admin_->Close().IgnoreError();
    return result;
  }

 private:
  Status Clean(const char* when) {
    Status s = DeleteTree(*admin_, o_.prefix);
    if (!s.ok()) return Status(s.code(), "removing " + o_.prefix + " " + when + ": " + s.message());
    return Status::Ok();
  }

  // The sessions of a pipelined workload, connected (the admin session is not one of them).
  Status ConnectAll(int n) {
    for (int i = 0; i < n; ++i) {
      COORD_ASSIGN_OR_RETURN(std::unique_ptr<Session> s, backend_.Connect());
      sessions_.push_back(std::move(s));
      auto state = std::make_unique<ConnState>();
      state->rng.seed(o_.seed * 1000003 + static_cast<uint64_t>(i));
      states_.push_back(std::move(state));
    }
    return Status::Ok();
  }

  // Creates base/0 .. base/(n-1), pipelined.
  Status CreateNumbered(const std::string& base, int64_t n, const std::string& data) {
    COORD_RETURN_IF_ERROR(CreateSync(*admin_, base));
    return RunPipelinedOps(n, 256, [&](int64_t i, Done done) {
      admin_->Create(base + "/" + std::to_string(i), data, std::move(done));
    });
  }

  std::string RandomKey(int conn) {
    ConnState& st = *states_[static_cast<size_t>(conn)];
    std::lock_guard<std::mutex> lock(st.mu);
    return keys_base_ + "/" + std::to_string(st.rng() % static_cast<uint64_t>(o_.keys));
  }
  bool RandomRead(int conn) {
    ConnState& st = *states_[static_cast<size_t>(conn)];
    std::lock_guard<std::mutex> lock(st.mu);
    return std::uniform_real_distribution<double>(0, 1)(st.rng) < o_.read_ratio;
  }
  std::string NewName(int conn) {
    ConnState& st = *states_[static_cast<size_t>(conn)];
    std::lock_guard<std::mutex> lock(st.mu);
    return std::to_string(conn) + "-" + std::to_string(st.seq++);
  }

  Result<Measurement> Pipelined(const IssueFn& issue) {
    COORD_RETURN_IF_ERROR(ConnectAll(o_.connections));
    std::vector<Session*> sessions;
    for (auto& s : sessions_) sessions.push_back(s.get());
    Measurement m = RunPipelined(limits_, sessions, o_.outstanding, issue);
    CloseAll();
    return m;
  }

  void CloseAll() {
    for (auto& s : sessions_) s->Close().IgnoreError();
  }

  Result<Measurement> Measure(RunResult* result) {
    keys_base_ = o_.prefix + "/k";
    switch (o_.workload) {
      case Workload::kSet:
      case Workload::kGet:
      case Workload::kMix:
      case Workload::kMulti:
        COORD_RETURN_IF_ERROR(CreateNumbered(keys_base_, o_.keys, value_));
        break;
      default:
        break;
    }
    switch (o_.workload) {
      case Workload::kCreate:
      case Workload::kLoad: {
        const std::string base = o_.prefix + (o_.workload == Workload::kLoad ? "/load" : "/c");
        COORD_RETURN_IF_ERROR(CreateSync(*admin_, base));
        result->extra.Set("parent", base);
        return Pipelined([this, base](int conn, Session& s, Done done) {
          s.Create(base + "/" + NewName(conn), value_, std::move(done));
        });
      }
      case Workload::kSet:
        return Pipelined([this](int conn, Session& s, Done done) {
          s.Set(RandomKey(conn), value_, std::move(done));
        });
      case Workload::kGet:
        return Pipelined(
            [this](int conn, Session& s, Done done) { s.Get(RandomKey(conn), std::move(done)); });
      case Workload::kMix:
        return Pipelined([this](int conn, Session& s, Done done) {
          if (RandomRead(conn)) {
            s.Get(RandomKey(conn), std::move(done));
          } else {
            s.Set(RandomKey(conn), value_, std::move(done));
          }
        });
      case Workload::kMulti:
        return Pipelined([this](int conn, Session& s, Done done) {
          std::vector<std::pair<std::string, std::string>> sets;
          for (int i = 0; i < o_.ops_per_multi; ++i) sets.emplace_back(RandomKey(conn), value_);
          s.MultiSet(sets, std::move(done));
        });
      case Workload::kGetChildren: {
        const std::string parent = o_.prefix + "/p";
        COORD_RETURN_IF_ERROR(CreateNumbered(parent, o_.children, ""));
        return Pipelined([parent](int, Session& s, Done done) {
          s.Children(parent, [done = std::move(done)](Status st, std::vector<std::string>) {
            done(std::move(st));
          });
        });
      }
      case Workload::kWatch:
        return Watch();
      case Workload::kLock:
        return LockHandOff();
      case Workload::kSession:
        return RunRounds(limits_, o_.connections, [this](int) -> Result<uint64_t> {
          const auto t0 = Clock::now();
          COORD_ASSIGN_OR_RETURN(std::unique_ptr<Session> s, backend_.Connect());
          COORD_RETURN_IF_ERROR(s->Close());
          return static_cast<uint64_t>(
              std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count());
        });
    }
    return Status(Code::kInternal, "unknown workload");
  }

  // --watchers sessions each hold a one-shot data watch on one node; the admin session sets it.
  // A round: arm every watch (not timed), set, wait for the last event; its latency is from the
  // set call to the last event.
  Result<Measurement> Watch() {
    const std::string node = o_.prefix + "/w";
    COORD_RETURN_IF_ERROR(CreateSync(*admin_, node, value_));
    COORD_RETURN_IF_ERROR(ConnectAll(o_.watchers));
    Measurement m = RunRounds(limits_, 1, [this, node](int) { return WatchRound(node); });
    CloseAll();
    return m;
  }

  Result<uint64_t> WatchRound(const std::string& node) {
    struct Round {
      std::mutex mu;
      std::condition_variable changed;
      int armed = 0, fired = 0;
      Status error;
      Clock::time_point last_event;
    };
    auto round = std::make_shared<Round>();
    const auto bump = [round](int Round::*counter, Status s) {
      std::lock_guard<std::mutex> lock(round->mu);
      ++(round.get()->*counter);
      if (!s.ok() && round->error.ok()) round->error = s;
      round->last_event = Clock::now();
      round->changed.notify_all();
    };
    for (auto& s : sessions_) {
      s->Get(
          node, [bump](Status st) { bump(&Round::armed, std::move(st)); },
          [bump] { bump(&Round::fired, Status::Ok()); });
    }
    const int n = static_cast<int>(sessions_.size());
    const auto wait_for = [&](int Round::*counter) {
      std::unique_lock<std::mutex> lock(round->mu);
      return round->changed.wait_for(lock, std::chrono::milliseconds(o_.session_timeout_ms), [&] {
        return round.get()->*counter == n || !round->error.ok();
      });
    };
    if (!wait_for(&Round::armed)) return Status(Code::kOperationTimeout, "watches not set in time");
    if (!round->error.ok()) return round->error;
    const auto t0 = Clock::now();
    COORD_RETURN_IF_ERROR(RunPipelinedOps(
        1, 1, [&](int64_t, Done done) { admin_->Set(node, value_, std::move(done)); }));
    if (!wait_for(&Round::fired)) return Status(Code::kOperationTimeout, "watch events missing");
    std::lock_guard<std::mutex> lock(round->mu);
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(round->last_event - t0).count());
  }

  // --clients contenders, each with its own session, acquire and release one lock in turn. The
  // latency of a round is the acquisition (from the call until held); the release is not timed.
  Result<Measurement> LockHandOff() {
    const std::string lock_path = o_.prefix + "/lock";
    COORD_RETURN_IF_ERROR(CreateSync(*admin_, lock_path));
    COORD_RETURN_IF_ERROR(ConnectAll(o_.clients));
    std::vector<std::unique_ptr<LockContender>> contenders;
    for (auto& s : sessions_) contenders.push_back(s->NewLock(lock_path));
    Measurement m = RunRounds(limits_, o_.clients, [&](int t) -> Result<uint64_t> {
      LockContender& lock = *contenders[static_cast<size_t>(t)];
      const auto t0 = Clock::now();
      COORD_RETURN_IF_ERROR(lock.Acquire(o_.session_timeout_ms * 3L));
      const auto held = Clock::now();
      COORD_RETURN_IF_ERROR(lock.Release());
      return static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(held - t0).count());
    });
    contenders.clear();
    CloseAll();
    return m;
  }

  void Fill(const Measurement& m, RunResult* r) {
    r->label = o_.label;
    r->backend = o_.backend;
    r->servers = o_.servers;
    r->workload = WorkloadName(o_.workload);
    r->params = ParamsOf(o_);
    r->duration_s = m.duration_s;
    r->ops = m.ops;
    r->errors = m.errors;
    r->ops_per_s = m.duration_s > 0 ? static_cast<double>(m.ops) / m.duration_s : 0;
    SetLatency(m.latency_ns, r);
    r->per_second = m.per_second;
    r->client_cpu_s = m.client_cpu_s;
    switch (o_.workload) {
      case Workload::kMulti:
        r->extra.Set("set_ops_per_s", r->ops_per_s * o_.ops_per_multi);
        break;
      case Workload::kWatch:
        r->extra.Set("rounds_per_s", r->ops_per_s);
        break;
      case Workload::kLock:
        r->extra.Set("acquisitions_per_s", r->ops_per_s);
        break;
      case Workload::kSession:
        r->extra.Set("sessions_per_s", r->ops_per_s);
        break;
      case Workload::kLoad:
      case Workload::kCreate:
        r->extra.Set("znodes_created", m.ops - m.errors);
        break;
      default:
        break;
    }
    if (!m.first_error.empty()) r->extra.Set("first_error", m.first_error);
    if (m.aborted) r->extra.Set("aborted", true);
  }

  const Options& o_;
  Backend& backend_;
  const std::string value_;
  RunLimits limits_;
  std::unique_ptr<Session> admin_;
  std::vector<std::unique_ptr<Session>> sessions_;
  std::vector<std::unique_ptr<ConnState>> states_;
  std::string keys_base_;
};

}  // namespace

Result<RunResult> RunWorkload(const Options& options, Backend& backend) {
  return WorkloadRun(options, backend).Run();
}

}  // namespace coord::bench
