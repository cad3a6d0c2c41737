// storage::SnapshotStore: the snapshot files of a data dir.
//
// A snapshot file is `snapshot.<zxid as 16 hex digits>`: a header (magic "COORDSNP", format
// version, the zxid the snapshot fully contains), the body written by the caller (the tree and
// session table, serialized by coord/tree/tree_snapshot.h), and a trailer (body length,
// CRC-32C of header + body). A file is written as `<name>.tmp`, fsynced, renamed, and the
// directory fsynced, so a crash leaves either a complete snapshot or a stray .tmp (removed by
// Open). The newest `keep` snapshots are kept; older ones are deleted after each write.
//
// Writing without stopping the apply path: StartWriteInChild() forks. The child serializes the
// tree as it was at the fork (the kernel's copy-on-write gives an exact point-in-time image) and
// exits; the parent keeps applying. We chose fork over a fuzzy snapshot (ZooKeeper's approach)
// because an exact image needs no idempotent replay, so the snapshot's zxid, its digest and the
// log after it agree exactly; and over a persistent (copy-on-write) tree because that would cost
// memory and speed on every node for a rare operation. The price, copied pages for nodes changed
// while the child runs, is bounded by the write rate during one snapshot.
//
// Threading: not thread-safe; one owner. The child process touches only the file it writes.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "coord/base/bytes.h"
#include "coord/base/status.h"
#include "coord/base/types.h"

namespace coord::storage {

struct SnapshotInfo {
  Zxid zxid = 0;
  std::string path;
  uint64_t size_bytes = 0;
};

struct LoadedSnapshot {
  SnapshotInfo info;
  std::string body;  // checksum verified
};

// Streams a snapshot body into `sink`.
using SnapshotBodyWriter = std::function<Status(ByteSink& sink)>;

// A snapshot being written by a forked child. Owns the child (reaps it) and the read end of the
// pipe through which a failing child reports its Status.
class SnapshotChild {
 public:
  SnapshotChild() = default;
  SnapshotChild(pid_t pid, Zxid zxid) : pid_(pid), zxid_(zxid) {}
  // `error_fd`: the non-blocking read end of the child's error pipe, or -1.
  SnapshotChild(pid_t pid, Zxid zxid, int error_fd) : pid_(pid), zxid_(zxid), error_fd_(error_fd) {}
  SnapshotChild(SnapshotChild&& other) noexcept;
  SnapshotChild& operator=(SnapshotChild&& other) noexcept;
  ~SnapshotChild();  // waits for a child still running

  Zxid zxid() const { return zxid_; }
  bool running() const { return pid_ > 0; }
  // Without blocking: false while the child runs; true once it has finished, with *status its
  // outcome.
  bool Poll(Status* status);
  // Blocks until the child finishes.
  Status Wait();

 private:
  // Records the outcome of the reaped child (or of a failed waitpid).
  void Finish(int wait_errno, int wait_status);
  void CloseErrorFd();

  pid_t pid_ = -1;
  Zxid zxid_ = 0;
  int error_fd_ = -1;
  Status result_;  // the outcome once finished
};

class SnapshotStore {
 public:
  // Creates `dir` if needed and removes stray snapshot.*.tmp files. keep >= 1.
  static Result<SnapshotStore> Open(std::string dir, int keep);
  // For tools that inspect a live member's data dir: creates and removes nothing (a .tmp may be
  // a snapshot being written right now). Only List() and Load() are meaningful.
  static SnapshotStore OpenReadOnly(std::string dir) { return SnapshotStore(std::move(dir), 1); }

  // Writes a snapshot at `zxid` synchronously and applies retention.
  Status Write(Zxid zxid, const SnapshotBodyWriter& write_body);

  // Forks a child that writes the snapshot at `zxid`. When the child has succeeded, call
  // ApplyRetention().
  Result<SnapshotChild> StartWriteInChild(Zxid zxid, const SnapshotBodyWriter& write_body);

  // Deletes all but the newest `keep` snapshots.
  Status ApplyRetention();

  // Complete snapshot files, newest first (not validated).
  std::vector<SnapshotInfo> List() const;

  // The zxid of the oldest snapshot kept, 0 if none: the log may be purged below it.
  Zxid OldestKeptZxid() const;

  // Reads one snapshot and verifies its header and checksum (kCorruption otherwise).
  Result<LoadedSnapshot> Load(const SnapshotInfo& info) const;

  const std::string& dir() const { return dir_; }

 private:
  SnapshotStore(std::string dir, int keep) : dir_(std::move(dir)), keep_(keep) {}
  std::string dir_;
  int keep_ = 3;
};

}  // namespace coord::storage
