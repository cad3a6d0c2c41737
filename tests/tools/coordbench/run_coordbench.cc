#include "tests/tools/coordbench/run_coordbench.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace coord::bench::testing {

BenchDir::BenchDir() {
  std::string templ = "/tmp/coordbench_test_XXXXXX";
  if (mkdtemp(templ.data()) != nullptr) path_ = templ;
}

BenchDir::~BenchDir() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

Outcome RunCoordbench(const std::vector<std::string>& args, int timeout_ms) {
  BenchDir dir;
  const std::string out_path = dir.File("stdout"), err_path = dir.File("stderr");
  pid_t pid = fork();
  if (pid == 0) {
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(out, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>("coordbench"));
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(COORDBENCH_PATH, argv.data());
    _exit(127);
  }
  Outcome o;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  int status = 0;
  while (true) {
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      if (WIFEXITED(status)) o.exit_code = WEXITSTATUS(status);
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      ADD_FAILURE() << "coordbench did not finish in " << timeout_ms << " ms";
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  o.out = ReadFile(out_path);
  o.err = ReadFile(err_path);
  return o;
}

std::optional<RunResult> ReadResultFile(const std::string& path) {
  Result<Json> json = Json::Parse(ReadFile(path));
  if (!json.ok()) {
    ADD_FAILURE() << path << ": " << json.status().ToString();
    return std::nullopt;
  }
  Result<RunResult> result = FromJson(*json);
  if (!result.ok()) {
    ADD_FAILURE() << path << ": " << result.status().ToString();
    return std::nullopt;
  }
  return std::move(*result);
}

}  // namespace coord::bench::testing
