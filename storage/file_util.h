// Small POSIX file helpers for the snapshot files: errno as Status, a buffered writer on a file
// descriptor, directory fsync, whole-file read. Every failure is a Status; nothing here crashes on
// I/O errors.
//
// Threading: the functions are thread-safe; an FdWriter has one owner. An FdWriter does not own
// its descriptor (the caller closes it).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "coord/base/bytes.h"
#include "coord/base/status.h"

namespace coord::storage {

// `what` plus strerror(err); ENOSPC and EDQUOT are kOutOfSpace, ENOENT kNotFound, the rest
// kIoError.
Status ErrnoStatus(std::string_view what, int err);

// Collects small writes into one buffer and writes it out with write(2) when full, so that a
// snapshot of millions of small records costs few system calls.
class FdWriter final : public ByteSink {
 public:
  FdWriter(int fd, std::string path, size_t buffer_bytes);

  Status Write(std::string_view bytes) override;
  // Writes out what is buffered (not an fsync).
  Status Flush();

 private:
  Status WriteFully(std::string_view bytes);

  int fd_;
  std::string path_;  // for error messages
  size_t capacity_;
  std::string buffer_;
};

// fsync of a directory, making a rename or create in it durable.
Status FsyncDir(const std::string& dir);

// The whole content of `path`.
Result<std::string> ReadWholeFile(const std::string& path);

}  // namespace coord::storage
