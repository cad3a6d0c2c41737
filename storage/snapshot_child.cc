#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <csignal>
#include <string>
#include <utility>

#include "storage/file_util.h"
#include "storage/snapshot_store.h"

namespace coord::storage {

SnapshotChild::SnapshotChild(SnapshotChild&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      zxid_(other.zxid_),
      error_fd_(std::exchange(other.error_fd_, -1)),
      result_(std::move(other.result_)) {}

SnapshotChild& SnapshotChild::operator=(SnapshotChild&& other) noexcept {
  if (this != &other) {
    if (running()) Wait().IgnoreError();
    CloseErrorFd();
    pid_ = std::exchange(other.pid_, -1);
    zxid_ = other.zxid_;
    error_fd_ = std::exchange(other.error_fd_, -1);
    result_ = std::move(other.result_);
  }
  return *this;
}

SnapshotChild::~SnapshotChild() {
  if (running()) Wait().IgnoreError();
  CloseErrorFd();
}

bool SnapshotChild::Poll(Status* status) {
  if (running()) {
    int wait_status = 0;
    pid_t reaped;
    do {
      reaped = ::waitpid(pid_, &wait_status, WNOHANG);
    } while (reaped < 0 && errno == EINTR);
    if (reaped == 0) return false;
    Finish(reaped < 0 ? errno : 0, wait_status);
  }
  *status = result_;
  return true;
}

Status SnapshotChild::Wait() {
  if (running()) {
    int wait_status = 0;
    pid_t reaped;
    do {
      reaped = ::waitpid(pid_, &wait_status, 0);
    } while (reaped < 0 && errno == EINTR);
    Finish(reaped < 0 ? errno : 0, wait_status);
  }
  return result_;
}

void SnapshotChild::Finish(int wait_errno, int wait_status) {
  const std::string what = "snapshot child for " + ZxidToString(zxid_);
  pid_ = -1;
  if (wait_errno != 0) {
    result_ = ErrnoStatus("wait for " + what, wait_errno);
  } else if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0) {
    result_ = Status::Ok();
  } else if (WIFSIGNALED(wait_status)) {
    result_ =
        Status(Code::kIoError, what + " killed by signal " + std::to_string(WTERMSIG(wait_status)));
  } else {
    // The child wrote its Status (code byte, then message) before exiting, so it is in the pipe.
    char report[4096];
    ssize_t n = error_fd_ >= 0 ? ::read(error_fd_, report, sizeof(report)) : -1;
    const bool known_code = n > 0 && report[0] > static_cast<char>(Code::kOk) &&
                            report[0] <= static_cast<char>(Code::kInternal);
    if (known_code) {
      result_ = Status(static_cast<Code>(report[0]),
                       what + ": " + std::string(report + 1, static_cast<size_t>(n - 1)));
    } else {
      result_ = Status(Code::kIoError,
                       what + " exited with status " + std::to_string(WEXITSTATUS(wait_status)));
    }
  }
  CloseErrorFd();
}

void SnapshotChild::CloseErrorFd() {
  if (error_fd_ >= 0) ::close(error_fd_);
  error_fd_ = -1;
}

}  // namespace coord::storage
