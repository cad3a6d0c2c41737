#include "tests/support/coordd_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "coord/base/check.h"

namespace coord::testing {
namespace {

constexpr int kStartTimeoutMs = 20000;

std::string MakeTempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string templ = std::string(base ? base : "/tmp") + "/coordd_test_XXXXXX";
  CHECK(mkdtemp(templ.data()) != nullptr) << "mkdtemp";
  return templ;
}

bool WaitExit(pid_t pid, int timeout_ms, int* status) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    pid_t r = waitpid(pid, status, WNOHANG);
    if (r == pid) return true;
    usleep(5000);
  }
  return false;
}

}  // namespace

const char* CoorddBinary() { return COORD_COORDD_PATH; }

CoorddProcess::CoorddProcess(CoorddOptions options)
    : options_(std::move(options)), work_dir_(MakeTempDir()) {
  own_data_dir_ = options_.data_dir.empty();
  data_dir_ = own_data_dir_ ? work_dir_ + "/data" : options_.data_dir;
  config_path_ = work_dir_ + "/coord.yaml";
  log_path_ = work_dir_ + "/coordd.log";
  port_ = options_.port;
  std::ofstream config(config_path_);
  if (!options_.cluster_member) config << "client_address: 127.0.0.1:0\n";
  config << "data_dir: " << data_dir_ << "\n"
         << "log_level: debug\n"
         << options_.extra_config;
}

CoorddProcess::~CoorddProcess() {
  if (pid_ > 0) Kill9();
  std::error_code ec;
  std::filesystem::remove_all(work_dir_, ec);
}

void CoorddProcess::Start() {
  CHECK(pid_ <= 0) << "already running";
  int out[2];
  CHECK_EQ(pipe(out), 0);
  std::string address = "127.0.0.1:" + std::to_string(port_);
  pid_t pid = fork();
  CHECK_GE(pid, 0);
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    int log = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (log >= 0) dup2(log, STDERR_FILENO);
    close(out[0]);
    close(out[1]);
    if (options_.cluster_member) {
      execl(CoorddBinary(), "coordd", "--config", config_path_.c_str(),
            static_cast<char*>(nullptr));
    } else {
      execl(CoorddBinary(), "coordd", "--config", config_path_.c_str(), "--client-address",
            address.c_str(), static_cast<char*>(nullptr));
    }
    _exit(127);
  }
  close(out[1]);
  pid_ = pid;
  std::string seen;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kStartTimeoutMs);
  const std::string marker = "listening on 127.0.0.1:";
  auto complete = [&] {
    size_t at = seen.find(marker);
    return at != std::string::npos && seen.find('\n', at) != std::string::npos;
  };
  while (!complete()) {
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    deadline - std::chrono::steady_clock::now())
                                    .count());
    CHECK_GT(left, 0) << "coordd did not start in time; its log:\n" << ServerLog();
    pollfd p{out[0], POLLIN, 0};
    if (poll(&p, 1, left) <= 0) continue;
    char buf[256];
    ssize_t n = read(out[0], buf, sizeof(buf));
    CHECK_GT(n, 0) << "coordd exited during start; its log:\n" << ServerLog();
    seen.append(buf, static_cast<size_t>(n));
  }
  close(out[0]);
  size_t at = seen.find(marker) + marker.size();
  port_ = std::atoi(seen.c_str() + at);
  CHECK_GT(port_, 0);
}

void CoorddProcess::Kill9() {
  if (pid_ <= 0) return;
  kill(pid_, SIGCONT);
  kill(pid_, SIGKILL);
  int status;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

int CoorddProcess::Terminate() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  if (!WaitExit(pid_, 20000, &status)) {
    Kill9();
    return -1;
  }
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void CoorddProcess::Stop(int signal) {
  if (pid_ > 0) kill(pid_, signal);
}

std::string CoorddProcess::ServerLog() const {
  std::ifstream in(log_path_);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace coord::testing
