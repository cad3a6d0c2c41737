// SnapshotStore: the file format round trip, retention, damage detection, crash leftovers, and
// writing in a forked child (same bytes, point-in-time image, failures reported).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include "coord/base/prng.h"
#include "storage/snapshot_store.h"
#include "tests/storage/temp_dir.h"

namespace coord::storage {
namespace {

constexpr size_t kFramingBytes = 20 + 12;  // header + trailer

std::string RandomBytes(uint64_t seed, size_t size) {
  Prng prng(seed);
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(prng.Next());
  return bytes;
}

// Streams `body` in uneven chunks, so buffering across chunk boundaries is exercised.
SnapshotBodyWriter ChunkedBody(const std::string& body) {
  return [&body](ByteSink& sink) -> Status {
    size_t offset = 0, chunk = 1;
    while (offset < body.size()) {
      const size_t n = std::min(chunk, body.size() - offset);
      COORD_RETURN_IF_ERROR(sink.Write(std::string_view(body).substr(offset, n)));
      offset += n;
      chunk = chunk * 3 % 1500007 + 1;  // from 1 byte to well above the 1 MiB buffer
    }
    return Status::Ok();
  };
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}
void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
}

std::vector<Zxid> ListedZxids(const SnapshotStore& store) {
  std::vector<Zxid> zxids;
  for (const SnapshotInfo& info : store.List()) zxids.push_back(info.zxid);
  return zxids;
}

std::vector<std::string> FileNames(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(SnapshotStoreTest, WritesListsAndLoads) {
  TempDir dir;
  SnapshotStore store = SnapshotStore::Open(dir.path(), 3).value();
  EXPECT_TRUE(store.List().empty());
  EXPECT_EQ(store.OldestKeptZxid(), 0u);
  const std::string body = RandomBytes(1, 3 << 20);
  const Zxid zxid = MakeZxid(2, 17);
  ASSERT_TRUE(store.Write(zxid, ChunkedBody(body)).ok());

  const std::vector<SnapshotInfo> listed = store.List();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].zxid, zxid);
  EXPECT_EQ(listed[0].path, dir.path() + "/snapshot.0000000200000011");
  EXPECT_EQ(listed[0].size_bytes, body.size() + kFramingBytes);
  Result<LoadedSnapshot> loaded = store.Load(listed[0]);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->info.zxid, zxid);
  EXPECT_EQ(loaded->info.size_bytes, body.size() + kFramingBytes);
  EXPECT_TRUE(loaded->body == body);
  EXPECT_EQ(FileNames(dir.path()), std::vector<std::string>{"snapshot.0000000200000011"});
}

TEST(SnapshotStoreTest, EmptyBody) {
  TempDir dir;
  SnapshotStore store = SnapshotStore::Open(dir.path(), 1).value();
  ASSERT_TRUE(store.Write(5, [](ByteSink&) { return Status::Ok(); }).ok());
  Result<LoadedSnapshot> loaded = store.Load(store.List().at(0));
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_TRUE(loaded->body.empty());
}

TEST(SnapshotStoreTest, KeepsTheNewestNewestFirst) {
  TempDir dir;
  SnapshotStore store = SnapshotStore::Open(dir.path(), 2).value();
  const std::string body = "tree";
  for (Zxid zxid : {Zxid{3}, Zxid{9}, Zxid{5}, Zxid{0x100000000}, Zxid{7}}) {
    ASSERT_TRUE(store.Write(zxid, ChunkedBody(body)).ok());
  }
  EXPECT_EQ(ListedZxids(store), (std::vector<Zxid>{0x100000000, 9}));
  EXPECT_EQ(store.OldestKeptZxid(), 9u);
  EXPECT_EQ(SnapshotStore::Open(dir.path(), 0).code(), Code::kInvalidArgument);
}

TEST(SnapshotStoreTest, OpenRemovesUnfinishedWritesOnly) {
  TempDir dir;
  WriteFile(dir.path() + "/snapshot.0000000000000007.tmp", "half a snapshot");
  WriteFile(dir.path() + "/unrelated.tmp", "not ours");
  WriteFile(dir.path() + "/snapshot.notazxid", "not a snapshot name");
  SnapshotStore store = SnapshotStore::Open(dir.path(), 3).value();
  EXPECT_EQ(FileNames(dir.path()),
            (std::vector<std::string>{"snapshot.notazxid", "unrelated.tmp"}));
  EXPECT_TRUE(store.List().empty());
  // Open creates a missing directory.
  EXPECT_TRUE(SnapshotStore::Open(dir.path() + "/a/b", 1).ok());
  EXPECT_TRUE(std::filesystem::is_directory(dir.path() + "/a/b"));
}

class SnapshotDamageTest : public ::testing::Test {
 protected:
  SnapshotDamageTest() : store_(SnapshotStore::Open(dir_.path(), 3).value()) {
    CHECK(store_.Write(42, ChunkedBody(body_)).ok());
    info_ = store_.List().at(0);
    file_ = ReadFile(info_.path);
  }
  Status LoadAfter(const std::string& damaged) {
    WriteFile(info_.path, damaged);
    return store_.Load(info_).status();
  }

  TempDir dir_;
  std::string body_ = RandomBytes(2, 100000);
  SnapshotStore store_;
  SnapshotInfo info_;
  std::string file_;
};

TEST_F(SnapshotDamageTest, IntactFileLoads) { EXPECT_TRUE(LoadAfter(file_).ok()); }

TEST_F(SnapshotDamageTest, FlippedBitInBodyOrHeaderOrTrailer) {
  for (size_t offset : {size_t{25}, file_.size() / 2, size_t{0}, size_t{9}, size_t{15},
                        file_.size() - 1, file_.size() - 8}) {
    std::string damaged = file_;
    damaged[offset] ^= 0x20;
    EXPECT_EQ(LoadAfter(damaged).code(), Code::kCorruption) << "offset " << offset;
  }
}

TEST_F(SnapshotDamageTest, TruncatedFiles) {
  for (size_t size :
       {file_.size() - 1, file_.size() - 12, file_.size() / 2, size_t{31}, size_t{20}, size_t{0}}) {
    EXPECT_EQ(LoadAfter(file_.substr(0, size)).code(), Code::kCorruption) << "size " << size;
  }
  EXPECT_EQ(LoadAfter(file_ + "x").code(), Code::kCorruption);
}

TEST_F(SnapshotDamageTest, RenamedFileIsNotTrusted) {
  // The header says 42; a file named for another zxid must not pass as that snapshot.
  const std::string renamed = dir_.path() + "/snapshot.000000000000002b";
  std::filesystem::rename(info_.path, renamed);
  EXPECT_EQ(store_.Load(SnapshotInfo{43, renamed, 0}).code(), Code::kCorruption);
}

TEST_F(SnapshotDamageTest, MissingFileIsNotFound) {
  std::filesystem::remove(info_.path);
  EXPECT_EQ(store_.Load(info_).code(), Code::kNotFound);
}

TEST(SnapshotChildTest, ChildWritesTheSameBytesAsASynchronousWrite) {
  TempDir sync_dir, child_dir;
  const std::string body = RandomBytes(3, 2500000);
  SnapshotStore sync_store = SnapshotStore::Open(sync_dir.path(), 2).value();
  SnapshotStore child_store = SnapshotStore::Open(child_dir.path(), 2).value();
  ASSERT_TRUE(sync_store.Write(MakeZxid(1, 5), ChunkedBody(body)).ok());
  Result<SnapshotChild> child = child_store.StartWriteInChild(MakeZxid(1, 5), ChunkedBody(body));
  ASSERT_TRUE(child.ok()) << child.status().ToString();
  EXPECT_TRUE(child->running());
  EXPECT_EQ(child->zxid(), MakeZxid(1, 5));
  ASSERT_TRUE(child->Wait().ok());
  EXPECT_FALSE(child->running());
  EXPECT_TRUE(ReadFile(child_store.List().at(0).path) == ReadFile(sync_store.List().at(0).path));
  EXPECT_EQ(FileNames(child_dir.path()), FileNames(sync_dir.path()));
}

TEST(SnapshotChildTest, ChildWritesTheStateAsOfTheFork) {
  TempDir dir;
  SnapshotStore store = SnapshotStore::Open(dir.path(), 2).value();
  std::string tree = "state at zxid 7";
  Result<SnapshotChild> child =
      store.StartWriteInChild(7, [&tree](ByteSink& sink) { return sink.Write(tree); });
  ASSERT_TRUE(child.ok());
  tree = "state applied after the fork";  // the parent keeps applying
  ASSERT_TRUE(child->Wait().ok());
  EXPECT_EQ(store.Load(store.List().at(0))->body, "state at zxid 7");
}

TEST(SnapshotChildTest, PollReportsOnlyOnceTheChildHasFinished) {
  TempDir dir;
  SnapshotStore store = SnapshotStore::Open(dir.path() + "/snapshots", 2).value();
  // The child closes every inherited descriptor, so the gate is a file: the child cannot finish
  // before the parent creates it, so Poll must say "running" until then.
  const std::string gate = dir.path() + "/gate";
  Result<SnapshotChild> child = store.StartWriteInChild(9, [&gate](ByteSink& sink) -> Status {
    for (int i = 0; i < 20000 && !std::filesystem::exists(gate); ++i) ::usleep(1000);
    if (!std::filesystem::exists(gate)) return Status(Code::kIoError, "gate never opened");
    return sink.Write("z");
  });
  ASSERT_TRUE(child.ok());
  Status status(Code::kInternal, "untouched");
  EXPECT_FALSE(child->Poll(&status));
  EXPECT_EQ(status.code(), Code::kInternal);
  std::ofstream(gate) << "open";
  EXPECT_TRUE(child->Wait().ok());
  EXPECT_TRUE(child->Poll(&status));
  EXPECT_TRUE(status.ok()) << status.ToString();
  ASSERT_TRUE(store.ApplyRetention().ok());
  EXPECT_EQ(store.Load(store.List().at(0))->body, "z");
}

TEST(SnapshotChildTest, ChildFailureIsReportedWithItsStatus) {
  TempDir dir;
  SnapshotStore store = SnapshotStore::Open(dir.path(), 2).value();
  Result<SnapshotChild> child = store.StartWriteInChild(11, [](ByteSink& sink) -> Status {
    COORD_RETURN_IF_ERROR(sink.Write("partial"));
    return Status(Code::kMarshallingError, "node /a cannot be serialized");
  });
  ASSERT_TRUE(child.ok());
  const Status status = child->Wait();
  EXPECT_EQ(status.code(), Code::kMarshallingError);
  EXPECT_NE(status.message().find("node /a cannot be serialized"), std::string::npos)
      << status.message();
  EXPECT_TRUE(FileNames(dir.path()).empty());  // no snapshot, no .tmp left behind
}

TEST(SnapshotChildTest, KilledChildIsAnError) {
  TempDir dir;
  SnapshotStore store = SnapshotStore::Open(dir.path(), 2).value();
  Result<SnapshotChild> child = store.StartWriteInChild(12, [](ByteSink&) -> Status {
    ::raise(SIGKILL);
    return Status::Ok();
  });
  ASSERT_TRUE(child.ok());
  const Status status = child->Wait();
  EXPECT_EQ(status.code(), Code::kIoError);
  EXPECT_NE(status.message().find("signal 9"), std::string::npos) << status.message();
  EXPECT_TRUE(store.List().empty());
}

TEST(SnapshotChildTest, MovedChildIsWaitedForOnce) {
  TempDir dir;
  SnapshotStore store = SnapshotStore::Open(dir.path(), 3).value();
  std::string body = "moved";
  SnapshotChild a = store.StartWriteInChild(1, ChunkedBody(body)).value();
  SnapshotChild b(std::move(a));
  EXPECT_FALSE(a.running());
  SnapshotChild c = store.StartWriteInChild(2, ChunkedBody(body)).value();
  c = std::move(b);  // waits for the child c held before taking b's
  const std::vector<Zxid> listed = ListedZxids(store);
  EXPECT_NE(std::find(listed.begin(), listed.end(), 2u), listed.end());
  EXPECT_TRUE(c.Wait().ok());
  EXPECT_EQ(c.zxid(), 1u);
  { SnapshotChild d = store.StartWriteInChild(3, ChunkedBody(body)).value(); }  // waits
  EXPECT_EQ(ListedZxids(store), (std::vector<Zxid>{3, 2, 1}));
}

// Runs in a death-test child: a file size limit makes the snapshot's write fail with EFBIG.
int RunFailedWriteScenario(const std::string& dir) {
  SnapshotStore store = SnapshotStore::Open(dir, 2).value();
  ::signal(SIGXFSZ, SIG_IGN);
  rlimit limit{1 << 20, RLIM_INFINITY};
  if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) return 2;
  const std::string body = RandomBytes(4, 3 << 20);
  const Status status = store.Write(1, ChunkedBody(body));
  if (status.code() != Code::kIoError) {
    std::cerr << "unexpected: " << status.ToString() << "\n";
    return 3;
  }
  if (!FileNames(dir).empty()) return 4;  // the .tmp file was removed
  return 0;
}

TEST(SnapshotStoreDeathTest, WriteErrorIsAStatusAndLeavesNothing) {
  TempDir dir;
  EXPECT_EXIT(::_exit(RunFailedWriteScenario(dir.path())), ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace coord::storage
