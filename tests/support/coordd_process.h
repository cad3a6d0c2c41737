// CoorddProcess: a real coordd for integration tests — started from the built binary on a
// loopback port with a temporary data dir (or a given one), killed or stopped on demand, and
// restartable on the same port and data dir.
//
// Threading: use from the test's thread. Owns the child process and (unless given) the data dir.
#pragma once

#include <sys/types.h>

#include <string>

namespace coord::testing {

struct CoorddOptions {
  // Extra YAML lines appended to the generated config (e.g. "tick_ms: 20\n").
  std::string extra_config;
  // Empty: a fresh temporary dir, removed by the destructor.
  std::string data_dir;
  // 0: the OS picks; Restart() reuses the port first chosen.
  int port = 0;
  // A member of an ensemble: extra_config carries the cluster section, which decides the client
  // address (port is then that member's client port; no --client-address is passed).
  bool cluster_member = false;
};

class CoorddProcess {
 public:
  explicit CoorddProcess(CoorddOptions options = {});
  ~CoorddProcess();
  CoorddProcess(const CoorddProcess&) = delete;
  CoorddProcess& operator=(const CoorddProcess&) = delete;

  // Starts coordd and waits (bounded) until it prints its "listening on" line. CHECK-fails with
  // its stderr if it does not come up.
  void Start();
  // SIGKILL and reap.
  void Kill9();
  // SIGTERM and wait for the exit status (bounded); returns the exit code, -1 on a signal death.
  int Terminate();
  void Stop(int signal);  // SIGSTOP / SIGCONT
  // Start again on the same port and data dir.
  void Restart() { Start(); }
  bool running() const { return pid_ > 0; }

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  const std::string& data_dir() const { return data_dir_; }
  pid_t pid() const { return pid_; }
  // Everything the server wrote to stderr so far (its log).
  std::string ServerLog() const;

 private:
  CoorddOptions options_;
  std::string work_dir_;
  std::string data_dir_;
  std::string config_path_;
  std::string log_path_;
  bool own_data_dir_ = false;
  int port_ = 0;
  pid_t pid_ = -1;
};

// The path of the built coordd binary.
const char* CoorddBinary();

}  // namespace coord::testing
