#include "storage/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

namespace coord::storage {

Status ErrnoStatus(std::string_view what, int err) {
  Code code = Code::kIoError;
  if (err == ENOSPC || err == EDQUOT) code = Code::kOutOfSpace;
  if (err == ENOENT) code = Code::kNotFound;
  return Status(code, std::string(what) + ": " + std::strerror(err));
}

FdWriter::FdWriter(int fd, std::string path, size_t buffer_bytes)
    : fd_(fd), path_(std::move(path)), capacity_(buffer_bytes) {
  buffer_.reserve(capacity_);
}

Status FdWriter::Write(std::string_view bytes) {
  if (buffer_.size() + bytes.size() <= capacity_) {
    buffer_.append(bytes);
    return Status::Ok();
  }
  COORD_RETURN_IF_ERROR(Flush());
  if (bytes.size() >= capacity_) return WriteFully(bytes);  // no point copying it first
  buffer_.append(bytes);
  return Status::Ok();
}

Status FdWriter::Flush() {
  Status status = WriteFully(buffer_);
  buffer_.clear();
  return status;
}

Status FdWriter::WriteFully(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("write " + path_, errno);
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status FsyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open dir " + dir, errno);
  Status status;
  if (::fsync(fd) != 0) status = ErrnoStatus("fsync dir " + dir, errno);
  ::close(fd);
  return status;
}

Result<std::string> ReadWholeFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open " + path, errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    Status status = ErrnoStatus("stat " + path, errno);
    ::close(fd);
    return status;
  }
  std::string content(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::read(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Status status = n < 0 ? ErrnoStatus("read " + path, errno)
                            : Status(Code::kCorruption, path + " shrank while being read");
      ::close(fd);
      return status;
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return content;
}

}  // namespace coord::storage
