// Recovery = newest valid snapshot + log replay; snapshots written in a forked child while the
// parent keeps applying; log purge below the oldest kept snapshot.
#include "coord/replica/recovery.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "coord/tree/preparer.h"
#include "protocol/txn_codec.h"
#include "storage/lmdb_log.h"
#include "storage/memory_log.h"
#include "tests/storage/temp_dir.h"

namespace coord {
namespace {

// Drives a tree through the Preparer and logs every transaction, like a standalone server.
class Writer {
 public:
  explicit Writer(storage::Log* log) : log_(log), preparer_(&tree_) {}

  void Write(const WriteRequest& request, SessionId session = 0) {
    Zxid zxid = MakeZxid(1, ++counter_);
    Prepared p =
        preparer_.Prepare(request, session, counter_, AuthContext{}, zxid, 1000 + counter_);
    ASSERT_TRUE(log_->Append({{zxid, EncodeTxnRecord(p.record)}}).ok());
    tree_.Apply(p.record, zxid).status.IgnoreError();
    preparer_.Applied(zxid);
  }
  void Create(const std::string& path, const std::string& data) {
    CreateRequest r;
    r.path = path;
    r.data = data;
    Write(r);
  }
  DataTree& tree() { return tree_; }

 private:
  storage::Log* log_;
  DataTree tree_;
  Preparer preparer_;
  uint32_t counter_ = 0;
};

class RecoveryTest : public ::testing::Test {
 protected:
  storage::TempDir dir_;
  storage::MemoryLog log_;
  storage::SnapshotStore store_ = std::move(storage::SnapshotStore::Open(dir_.path(), 2)).value();
  Writer writer_{&log_};
};

TEST_F(RecoveryTest, EmptyDataDirRecoversTheEmptyTree) {
  auto state = Recover(store_, log_);
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  EXPECT_EQ(state->tree.node_count(), 1u);
  EXPECT_EQ(state->tree.digest(), DataTree().digest());
}

TEST_F(RecoveryTest, LogOnlyReplaysEverything) {
  writer_.Write(CreateSessionRequest{7, 5000, "pw"});
  writer_.Create("/a", "1");
  writer_.Create("/a/b", "2");
  CreateRequest eph;
  eph.path = "/a/e";
  eph.kind = NodeKind::kEphemeral;
  writer_.Write(eph, 7);
  auto state = Recover(store_, log_);
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  EXPECT_EQ(state->replayed, 4u);
  EXPECT_EQ(state->snapshot_zxid, 0u);
  EXPECT_EQ(state->tree.digest(), writer_.tree().digest());
  EXPECT_EQ(state->tree.EphemeralPaths(7), std::vector<std::string>{"/a/e"});
}

TEST_F(RecoveryTest, SnapshotPlusReplayEqualsLiveTree) {
  for (int i = 0; i < 50; ++i) writer_.Create("/n" + std::to_string(i), std::to_string(i));
  ASSERT_TRUE(WriteSnapshotAndPurge(store_, log_, writer_.tree()).ok());
  Zxid snap = writer_.tree().last_zxid();
  for (int i = 0; i < 20; ++i) writer_.Write(SetDataRequest{"/n" + std::to_string(i), "x", 0});
  writer_.Write(DeleteRequest{"/n49", kAnyVersion});

  auto state = Recover(store_, log_);
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  EXPECT_EQ(state->snapshot_zxid, snap);
  EXPECT_EQ(state->replayed, 21u);
  EXPECT_EQ(state->tree.last_zxid(), writer_.tree().last_zxid());
  EXPECT_EQ(state->tree.digest(), writer_.tree().digest());
  EXPECT_EQ(log_.GetHardState().last_snapshot_zxid, snap);
  // The log keeps the snapshot's own entry and everything after it.
  EXPECT_EQ(log_.FirstZxid(), snap);
}

TEST_F(RecoveryTest, CorruptNewestSnapshotFallsBackToOlder) {
  writer_.Create("/a", "1");
  ASSERT_TRUE(WriteSnapshotAndPurge(store_, log_, writer_.tree()).ok());
  Zxid older = writer_.tree().last_zxid();
  writer_.Create("/b", "2");
  ASSERT_TRUE(WriteSnapshotAndPurge(store_, log_, writer_.tree()).ok());
  writer_.Create("/c", "3");
  auto list = store_.List();
  ASSERT_EQ(list.size(), 2u);
  {
    // Flip a byte in the middle of the newest snapshot.
    std::fstream f(list.front().path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(list.front().size_bytes / 2));
    char c;
    f.read(&c, 1);
    f.seekp(static_cast<std::streamoff>(list.front().size_bytes / 2));
    c = static_cast<char>(c ^ 0x5a);
    f.write(&c, 1);
  }
  auto state = Recover(store_, log_);
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  EXPECT_EQ(state->snapshot_zxid, older);
  ASSERT_EQ(state->skipped.size(), 1u);
  EXPECT_NE(state->skipped[0].find("corruption"), std::string::npos) << state->skipped[0];
  EXPECT_EQ(state->tree.digest(), writer_.tree().digest());
}

TEST_F(RecoveryTest, RefusesWhenRecordedSnapshotsAreAllGone) {
  writer_.Create("/a", "1");
  ASSERT_TRUE(WriteSnapshotAndPurge(store_, log_, writer_.tree()).ok());
  writer_.Create("/b", "2");
  for (const auto& info : store_.List()) std::filesystem::remove(info.path);
  auto state = Recover(store_, log_);
  ASSERT_FALSE(state.ok());
  EXPECT_EQ(state.code(), Code::kCorruption);
}

TEST_F(RecoveryTest, ForkedSnapshotIsThePointInTimeImage) {
  for (int i = 0; i < 2000; ++i) writer_.Create("/n" + std::to_string(i), std::string(100, 'x'));
  uint64_t digest_at_fork = writer_.tree().digest();
  Zxid zxid_at_fork = writer_.tree().last_zxid();
  auto child = StartSnapshot(store_, writer_.tree());
  ASSERT_TRUE(child.ok()) << child.status().ToString();
  // The parent keeps changing the tree while the child writes.
  for (int i = 0; i < 2000; ++i) writer_.Write(DeleteRequest{"/n" + std::to_string(i), 0});
  ASSERT_TRUE(child->Wait().ok());
  ASSERT_TRUE(FinishSnapshot(store_, log_, zxid_at_fork).ok());

  auto loaded = store_.Load(store_.List().front());
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->info.zxid, zxid_at_fork);
  auto state = Recover(store_, log_);
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  EXPECT_EQ(state->snapshot_zxid, zxid_at_fork);
  EXPECT_EQ(state->replayed, 2000u);
  EXPECT_EQ(state->tree.digest(), writer_.tree().digest());
  EXPECT_NE(digest_at_fork, writer_.tree().digest());
}

TEST(RecoveryLmdbTest, RecoversAfterReopen) {
  storage::TempDir dir;
  uint64_t digest;
  {
    auto log = storage::LmdbLog::Open(dir.path() + "/log");
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    auto store = storage::SnapshotStore::Open(dir.path() + "/snapshots", 3);
    ASSERT_TRUE(store.ok());
    Writer writer(log->get());
    for (int i = 0; i < 100; ++i) writer.Create("/k" + std::to_string(i), "v");
    ASSERT_TRUE(WriteSnapshotAndPurge(*store, **log, writer.tree()).ok());
    for (int i = 0; i < 10; ++i) writer.Write(SetDataRequest{"/k" + std::to_string(i), "w", 0});
    digest = writer.tree().digest();
  }
  auto log = storage::LmdbLog::Open(dir.path() + "/log");
  ASSERT_TRUE(log.ok());
  auto store = storage::SnapshotStore::Open(dir.path() + "/snapshots", 3);
  ASSERT_TRUE(store.ok());
  auto state = Recover(*store, **log);
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  EXPECT_EQ(state->replayed, 10u);
  EXPECT_EQ(state->tree.digest(), digest);
}

}  // namespace
}  // namespace coord
