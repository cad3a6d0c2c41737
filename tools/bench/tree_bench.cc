// Tree memory and snapshot benchmarks (Google Benchmark; a benchmark, not a test).
//
// The workload of issue [A]: 1,000,000 znodes with 32-byte values under a few parents. Figures:
//   - BM_TreeMemory: process RSS growth and bytes per znode while holding the tree, beside
//     BM_MapBaseline, a std::map<std::string, std::string> of the same paths and values (the
//     naive in-memory baseline, measured in the same run);
//   - BM_SnapshotWrite / BM_SnapshotLoad: writing the snapshot file (fsynced) and loading it
//     back into a tree (read + checksum + parse + digest verification), beside BM_ReadBaseline,
//     which only reads the same file into memory.
//
//   build/tools/bench/coord_tree_bench [--znodes=N]
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>

#include "coord/tree/data_tree.h"
#include "coord/tree/tree_snapshot.h"
#include "storage/snapshot_store.h"

namespace coord {
namespace {

int64_t g_znodes = 1'000'000;
constexpr int kParents = 4;
constexpr size_t kValueBytes = 32;

double RssBytes() {
  std::ifstream statm("/proc/self/statm");
  long pages_total = 0, pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return static_cast<double>(pages_resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

std::string Value(int64_t i) {
  std::string v(kValueBytes, 'v');
  std::snprintf(v.data(), v.size(), "value-%lld", static_cast<long long>(i));
  v.back() = 'v';
  return v;
}

std::string Path(int64_t i) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "/parent-%d/node-%08lld", static_cast<int>(i % kParents),
                static_cast<long long>(i));
  return buf;
}

std::unique_ptr<DataTree> BuildTree(int64_t znodes) {
  auto tree = std::make_unique<DataTree>();
  Zxid zxid = 0;
  for (int p = 0; p < kParents; ++p) {
    CreateTxn t;
    t.path = "/parent-" + std::to_string(p);
    t.acl = OpenAcl();
    CHECK(tree->Apply(t, ++zxid, 1).status.ok());
  }
  CreateTxn t;
  t.acl = OpenAcl();
  for (int64_t i = 0; i < znodes; ++i) {
    t.path = Path(i);
    t.data = Value(i);
    CHECK(tree->Apply(t, ++zxid, 1000 + i).status.ok());
  }
  return tree;
}

void BM_TreeMemory(benchmark::State& state) {
  for (auto _ : state) {
    malloc_trim(0);
    double before = RssBytes();
    auto start = std::chrono::steady_clock::now();
    std::unique_ptr<DataTree> tree = BuildTree(g_znodes);
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    double grown = RssBytes() - before;
    state.counters["rss_MB"] = grown / 1e6;
    state.counters["bytes_per_znode"] = grown / static_cast<double>(g_znodes);
    state.counters["creates_per_s"] = static_cast<double>(g_znodes) / seconds;
    state.counters["znodes"] = static_cast<double>(tree->node_count());
    tree.reset();
    malloc_trim(0);
  }
}

void BM_MapBaseline(benchmark::State& state) {
  for (auto _ : state) {
    malloc_trim(0);
    double before = RssBytes();
    auto map = std::make_unique<std::map<std::string, std::string>>();
    for (int64_t i = 0; i < g_znodes; ++i) map->emplace(Path(i), Value(i));
    double grown = RssBytes() - before;
    state.counters["rss_MB"] = grown / 1e6;
    state.counters["bytes_per_znode"] = grown / static_cast<double>(g_znodes);
    map.reset();
    malloc_trim(0);
  }
}

std::string SnapshotDir() {
  const char* base = std::getenv("TMPDIR");
  return std::string(base ? base : "/tmp") + "/coord-tree-bench-" + std::to_string(getpid());
}

struct SnapshotFixture {
  std::unique_ptr<DataTree> tree;
  std::string dir;
  storage::SnapshotInfo info;
};

SnapshotFixture& Fixture() {
  static SnapshotFixture* fixture = [] {
    auto* f = new SnapshotFixture;
    f->tree = BuildTree(g_znodes);
    f->dir = SnapshotDir();
    std::filesystem::remove_all(f->dir);
    return f;
  }();
  return *fixture;
}

void BM_SnapshotWrite(benchmark::State& state) {
  SnapshotFixture& f = Fixture();
  auto store = storage::SnapshotStore::Open(f.dir, 1);
  CHECK(store.ok()) << store.status().ToString();
  for (auto _ : state) {
    Status s = store->Write(f.tree->last_zxid(), [&](ByteSink& sink) {
      return TreeSnapshotCodec::Write(*f.tree, sink);
    });
    CHECK(s.ok()) << s.ToString();
  }
  f.info = store->List().front();
  state.counters["file_MB"] = static_cast<double>(f.info.size_bytes) / 1e6;
}

void BM_SnapshotLoad(benchmark::State& state) {
  SnapshotFixture& f = Fixture();
  auto store = storage::SnapshotStore::Open(f.dir, 1);
  CHECK(store.ok() && !store->List().empty()) << "run BM_SnapshotWrite first";
  for (auto _ : state) {
    auto loaded = store->Load(store->List().front());
    CHECK(loaded.ok()) << loaded.status().ToString();
    auto tree = TreeSnapshotCodec::Read(loaded->body);
    CHECK(tree.ok()) << tree.status().ToString();
    CHECK_EQ(tree->digest(), f.tree->digest());
    benchmark::DoNotOptimize(tree->node_count());
  }
}

void BM_ReadBaseline(benchmark::State& state) {
  SnapshotFixture& f = Fixture();
  auto store = storage::SnapshotStore::Open(f.dir, 1);
  CHECK(store.ok() && !store->List().empty()) << "run BM_SnapshotWrite first";
  std::string path = store->List().front().path;
  for (auto _ : state) {
    std::ifstream in(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    benchmark::DoNotOptimize(bytes.data());
  }
}

void Cleanup() { std::filesystem::remove_all(SnapshotDir()); }

BENCHMARK(BM_TreeMemory)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MapBaseline)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SnapshotWrite)->Iterations(3)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SnapshotLoad)->Iterations(3)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReadBaseline)->Iterations(3)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace coord

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--znodes=", 9) == 0) coord::g_znodes = std::atoll(argv[i] + 9);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  coord::Cleanup();
  return 0;
}
