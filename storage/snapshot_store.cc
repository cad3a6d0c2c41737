#include "storage/snapshot_store.h"

#include <fcntl.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "coord/base/logging.h"
#include "storage/file_util.h"
#include "storage/snapshot_file.h"

namespace coord::storage {
namespace {

// The longest error message a child sends back; fits the pipe buffer, so the child never blocks.
constexpr size_t kMaxChildMessageBytes = 4000;

// Runs in the forked child: write the snapshot, report a failure through `error_fd`, and leave
// with _exit() so that nothing of the parent (atexit handlers, stdio buffers) runs twice.
[[noreturn]] void RunChild(const std::string& dir, Zxid zxid, const SnapshotBodyWriter& write_body,
                           int error_fd) {
  // Drop every descriptor inherited from the parent but the error pipe: the child must not keep
  // the parent's listening socket, client connections or log files alive if the parent dies
  // (a restarted server could not bind its port while the child still held it).
  if (error_fd > 3) ::close_range(3, static_cast<unsigned>(error_fd) - 1, 0);
  ::close_range(static_cast<unsigned>(error_fd) + 1, ~0u, 0);
  Status status = WriteSnapshotFile(dir, zxid, write_body);
  if (status.ok()) ::_exit(0);
  std::string report(1, static_cast<char>(status.code()));
  report.append(status.message(), 0, kMaxChildMessageBytes);
  [[maybe_unused]] ssize_t n = ::write(error_fd, report.data(), report.size());
  ::_exit(1);
}

}  // namespace

Result<SnapshotStore> SnapshotStore::Open(std::string dir, int keep) {
  if (keep < 1) return Status(Code::kInvalidArgument, "snapshot retention needs keep >= 1");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status(Code::kIoError, "create snapshot dir " + dir + ": " + ec.message());
  // A .tmp file is a write that a crash interrupted; it was never renamed, so nothing refers to it.
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) return Status(Code::kIoError, "list snapshot dir " + dir + ": " + ec.message());
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    Zxid zxid;
    if (name.ends_with(".tmp") && ParseSnapshotFileName(name.substr(0, name.size() - 4), &zxid)) {
      LOG_INFO << "removing unfinished snapshot " << it->path().string();
      if (::unlink(it->path().c_str()) != 0 && errno != ENOENT) {
        return ErrnoStatus("remove " + it->path().string(), errno);
      }
    }
  }
  if (ec) return Status(Code::kIoError, "list snapshot dir " + dir + ": " + ec.message());
  return SnapshotStore(std::move(dir), keep);
}

Status SnapshotStore::Write(Zxid zxid, const SnapshotBodyWriter& write_body) {
  COORD_RETURN_IF_ERROR(WriteSnapshotFile(dir_, zxid, write_body));
  return ApplyRetention();
}

Result<SnapshotChild> SnapshotStore::StartWriteInChild(Zxid zxid,
                                                       const SnapshotBodyWriter& write_body) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return ErrnoStatus("pipe for snapshot child", errno);
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return ErrnoStatus("fork snapshot child", err);
  }
  if (pid == 0) {
    ::close(fds[0]);
    RunChild(dir_, zxid, write_body, fds[1]);
  }
  ::close(fds[1]);
  // Non-blocking: the write end may also live on in other children forked later, so the parent
  // reads only what this child wrote before it exited and never waits for end-of-file.
  ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
  return SnapshotChild(pid, zxid, fds[0]);
}

Status SnapshotStore::ApplyRetention() {
  const std::vector<SnapshotInfo> snapshots = List();
  for (size_t i = static_cast<size_t>(keep_); i < snapshots.size(); ++i) {
    if (::unlink(snapshots[i].path.c_str()) != 0 && errno != ENOENT) {
      return ErrnoStatus("remove old snapshot " + snapshots[i].path, errno);
    }
  }
  return Status::Ok();
}

std::vector<SnapshotInfo> SnapshotStore::List() const {
  std::vector<SnapshotInfo> snapshots;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    Zxid zxid;
    if (!ParseSnapshotFileName(it->path().filename().string(), &zxid)) continue;
    std::error_code size_ec;
    const uintmax_t size = it->file_size(size_ec);
    if (size_ec) continue;  // removed meanwhile, or not a regular file
    snapshots.push_back(SnapshotInfo{zxid, it->path().string(), size});
  }
  std::sort(snapshots.begin(), snapshots.end(),
            [](const SnapshotInfo& a, const SnapshotInfo& b) { return a.zxid > b.zxid; });
  return snapshots;
}

Zxid SnapshotStore::OldestKeptZxid() const {
  const std::vector<SnapshotInfo> snapshots = List();
  if (snapshots.empty()) return 0;
  return snapshots[std::min(snapshots.size(), static_cast<size_t>(keep_)) - 1].zxid;
}

Result<LoadedSnapshot> SnapshotStore::Load(const SnapshotInfo& info) const {
  COORD_ASSIGN_OR_RETURN(std::string file, ReadWholeFile(info.path));
  LoadedSnapshot loaded{info, {}};
  loaded.info.size_bytes = file.size();
  COORD_RETURN_IF_ERROR(VerifyAndStripSnapshot(&file, info.zxid, info.path));
  loaded.body = std::move(file);
  return loaded;
}

}  // namespace coord::storage
