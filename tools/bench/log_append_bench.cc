// Log append throughput: one Commit per batch of 1, 16 or 256 entries of 1 KiB, for LmdbLog
// (durable: every commit is fsynced) and MemoryLog (the cost of the interface alone).
//
// LmdbLog writes into a fresh directory under $COORD_BENCH_DIR (default /tmp, which is on the
// same disk as the source tree here; check with `df`). The log is purged, untimed, whenever it
// passes kMaxLogEntries, so long runs measure a steady state rather than an ever-growing file.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "coord/base/check.h"
#include "coord/base/logging.h"
#include "coord/base/prng.h"
#include "storage/lmdb_log.h"
#include "storage/memory_log.h"

namespace coord::storage {
namespace {

constexpr size_t kEntryBytes = 1024;
constexpr Zxid kMaxLogEntries = 1 << 16;

// A fresh directory for one benchmark run, removed afterwards.
class BenchDir {
 public:
  BenchDir() {
    const char* base = std::getenv("COORD_BENCH_DIR");
    std::string name = std::string(base != nullptr ? base : "/tmp") + "/coord_log_bench_XXXXXX";
    CHECK(::mkdtemp(name.data()) != nullptr) << "mkdtemp " << name;
    path_ = name;
  }
  ~BenchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

LogBatch MakeBatch(size_t entries) {
  Prng prng(entries);
  LogBatch batch;
  for (size_t i = 0; i < entries; ++i) {
    std::string payload(kEntryBytes, '\0');
    for (char& c : payload) c = static_cast<char>(prng.Next());
    batch.entries.push_back(LogEntry{0, std::move(payload)});
  }
  return batch;
}

void RunAppends(benchmark::State& state, Log& log) {
  const size_t batch_size = static_cast<size_t>(state.range(0));
  LogBatch batch = MakeBatch(batch_size);
  Zxid next = 1;
  for (auto _ : state) {
    for (LogEntry& entry : batch.entries) entry.zxid = next++;
    const Status status = log.Commit(batch);
    if (!status.ok()) {
      state.SkipWithError(status.ToString().c_str());
      break;
    }
    if (next - log.FirstZxid() > kMaxLogEntries) {
      state.PauseTiming();
      CHECK(log.PurgeBelow(next - kMaxLogEntries / 2).ok());
      state.ResumeTiming();
    }
  }
  const double entries = static_cast<double>(state.iterations()) * batch_size;
  state.counters["entries/s"] = benchmark::Counter(entries, benchmark::Counter::kIsRate);
  state.SetBytesProcessed(static_cast<int64_t>(entries) * kEntryBytes);
}

// Args: entries per commit, and 1/0: the file preallocated ahead of LMDB's pages or not.
void BM_LmdbLogAppend(benchmark::State& state) {
  BenchDir dir;
  LmdbLogOptions options;
  if (state.range(1) == 0) options.preallocate_bytes = 0;
  Result<std::unique_ptr<LmdbLog>> log = LmdbLog::Open(dir.path(), options);
  if (!log.ok()) {
    state.SkipWithError(log.status().ToString().c_str());
    return;
  }
  RunAppends(state, *log.value());
}

void BM_MemoryLogAppend(benchmark::State& state) {
  MemoryLog log;
  RunAppends(state, log);
}

BENCHMARK(BM_LmdbLogAppend)
    ->ArgsProduct({{1, 16, 256}, {0, 1}})
    ->ArgNames({"entries", "prealloc"})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_MemoryLogAppend)->Arg(1)->Arg(16)->Arg(256)->UseRealTime();

}  // namespace
}  // namespace coord::storage

int main(int argc, char** argv) {
  coord::SetLogLevel(coord::LogLevel::kWarn);  // no map-growth lines in the report
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
