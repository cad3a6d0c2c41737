// coord-demo-data: writes a small, realistic data dir — sessions, configuration nodes,
// sequential lock nodes, ephemerals, a container, a multi, a snapshot taken by a forked child
// while writes continue — then recovers it from disk and checks that the recovered tree has the
// same digest as the one built in memory. `tools/run` uses it until the server exists.
//
//   coord-demo-data DATA_DIR      (DATA_DIR is replaced)
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "coord/replica/recovery.h"
#include "coord/tree/preparer.h"
#include "protocol/txn_codec.h"
#include "storage/data_dir.h"
#include "storage/lmdb_log.h"
#include "storage/snapshot_store.h"
#include "tools/dump/txn_format.h"

namespace coord::tools {
namespace {

class Demo {
 public:
  Demo(storage::Log* log) : log_(log), preparer_(&tree_) {}

  // Prepares, logs durably and applies a group of requests as one group commit.
  Status Run(SessionId session, const std::vector<WriteRequest>& requests) {
    std::vector<storage::LogEntry> entries;
    std::vector<TxnRecord> records;
    for (const WriteRequest& request : requests) {
      Zxid zxid = MakeZxid(1, ++counter_);
      Prepared p =
          preparer_.Prepare(request, session, ++request_id_, AuthContext{}, zxid, time_ms_ += 10);
      entries.push_back({zxid, EncodeTxnRecord(p.record)});
      records.push_back(std::move(p.record));
    }
    COORD_RETURN_IF_ERROR(log_->Append(entries));
    for (size_t i = 0; i < records.size(); ++i) {
      ApplyResult r = tree_.Apply(records[i], entries[i].zxid);
      preparer_.Applied(entries[i].zxid);
      std::printf("  %s  %-64s %s\n", ZxidToString(entries[i].zxid).c_str(),
                  FormatTxn(records[i].txn).c_str(),
                  r.status.ok() ? "ok" : CodeName(r.status.code()).data());
    }
    return Status::Ok();
  }

  const DataTree& tree() const { return tree_; }

 private:
  storage::Log* log_;
  DataTree tree_;
  Preparer preparer_;
  uint32_t counter_ = 0;
  int64_t request_id_ = 0;
  int64_t time_ms_ = 1'700'000'000'000;
};

CreateRequest Create(std::string path, std::string data, NodeKind kind = NodeKind::kPersistent,
                     bool sequential = false) {
  CreateRequest r;
  r.path = std::move(path);
  r.data = std::move(data);
  r.kind = kind;
  r.sequential = sequential;
  return r;
}

int Fail(const Status& s) {
  std::fprintf(stderr, "coord-demo-data: %s\n", s.ToString().c_str());
  return 1;
}

int Main(const std::string& dir) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(storage::LogDirOf(dir));
  auto log = storage::LmdbLog::Open(storage::LogDirOf(dir));
  if (!log.ok()) return Fail(log.status());
  auto snapshots = storage::SnapshotStore::Open(storage::SnapshotDirOf(dir), 3);
  if (!snapshots.ok()) return Fail(snapshots.status());

  Demo demo(log->get());
  const SessionId app = 0x1001, worker = 0x1002;
  std::printf("writing %s:\n", dir.c_str());
  Status s = demo.Run(0, {CreateSessionRequest{app, 10000, "app-secret"},
                          CreateSessionRequest{worker, 6000, "worker-secret"}});
  if (s.ok()) {
    s = demo.Run(app, {Create("/app", ""), Create("/app/config", "{\"replicas\": 3}"),
                       Create("/app/locks", "", NodeKind::kContainer), Create("/app/members", "")});
  }
  if (s.ok()) {
    s = demo.Run(worker, {Create("/app/locks/lock-", "", NodeKind::kEphemeral, true),
                          Create("/app/members/worker-1", "10.0.0.7:7000", NodeKind::kEphemeral)});
  }
  if (!s.ok()) return Fail(s);

  // Snapshot in a forked child while writes continue in this process.
  auto child = StartSnapshot(*snapshots, demo.tree());
  if (!child.ok()) return Fail(child.status());
  std::printf("  (snapshot at %s being written by child process)\n",
              ZxidToString(child->zxid()).c_str());
  s = demo.Run(
      app, {Create("/app/locks/lock-", "", NodeKind::kEphemeral, true),
            SetDataRequest{"/app/config", "{\"replicas\": 5}", 0},
            MultiRequest{{CheckRequest{"/app/config", 1}, Create("/app/config/feature-x", "on")}},
            Create("/app/config", "duplicate")});
  if (!s.ok()) return Fail(s);
  s = child->Wait();
  if (s.ok()) s = FinishSnapshot(*snapshots, **log, child->zxid());
  if (s.ok()) s = demo.Run(0, {CloseSessionRequest{worker}});
  if (!s.ok()) return Fail(s);

  auto recovered = Recover(*snapshots, **log);
  if (!recovered.ok()) return Fail(recovered.status());
  std::printf("recovered from snapshot %s + %zu log entries: %zu nodes, digest %016llx (%s)\n",
              ZxidToString(recovered->snapshot_zxid).c_str(), recovered->replayed,
              recovered->tree.node_count(),
              static_cast<unsigned long long>(recovered->tree.digest()),
              recovered->tree.digest() == demo.tree().digest() ? "matches the live tree"
                                                               : "DIFFERS from the live tree");
  return recovered->tree.digest() == demo.tree().digest() ? 0 : 1;
}

}  // namespace
}  // namespace coord::tools

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: coord-demo-data DATA_DIR   (DATA_DIR is replaced)\n");
    return 2;
  }
  return coord::tools::Main(argv[1]);
}
