// coordsh interactive, through a pseudo-terminal: the prompt, Tab completion of a command and of
// a path (asked from the server), history recall with the up arrow (and the history file), and
// Ctrl-C ending a watch without ending the shell.
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/support/coordd_process.h"

namespace coord {
namespace {

using coord::testing::CoorddOptions;
using coord::testing::CoorddProcess;

class Terminal {
 public:
  Terminal(const std::string& server, const std::string& home) {
    pid_ = forkpty(&fd_, nullptr, nullptr, nullptr);
    if (pid_ == 0) {
      setenv("HOME", home.c_str(), 1);
      setenv("TERM", "xterm", 1);
      execl(COORDSH_PATH, "coordsh", "--server", server.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  ~Terminal() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (fd_ >= 0) close(fd_);
  }
  void Type(const std::string& keys) {
    ssize_t unused = write(fd_, keys.data(), keys.size());
    (void)unused;
  }
  // Reads until `text` appears in the output since the last Expect (or the timeout).
  bool Expect(const std::string& text, int timeout_ms = 10000) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (true) {
      const size_t at = screen_.find(text, consumed_);
      if (at != std::string::npos) {
        consumed_ = at + text.size();
        return true;
      }
      if (std::chrono::steady_clock::now() >= deadline) return false;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) > 0) {
        char buf[4096];
        ssize_t n = read(fd_, buf, sizeof(buf));
        if (n <= 0) return false;
        screen_.append(buf, static_cast<size_t>(n));
      }
    }
  }
  int Wait() {
    int status = 0;
    for (int i = 0; i < 500; ++i) {
      // Drain what the shell still writes; once it closed the terminal, poll and read return at
      // once (hang-up), so pace the loop ourselves.
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 0) > 0) {
        char buf[4096];
        ssize_t unused = read(fd_, buf, sizeof(buf));
        (void)unused;
      }
      usleep(20 * 1000);
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
    }
    return -2;
  }
  const std::string& screen() const { return screen_; }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string screen_;
  size_t consumed_ = 0;
};

TEST(CoordshInteractiveTest, CompletionHistoryAndCtrlCEndingAWatch) {
  CoorddOptions o;
  o.extra_config = "tick_ms: 20\nlog_level: warn\n";
  CoorddProcess server(o);
  server.Start();
  const std::string home = ::testing::TempDir() + "coordsh_home_" + std::to_string(getpid());
  std::filesystem::create_directories(home);
  {
    Terminal t(server.address(), home);
    ASSERT_TRUE(t.Expect("connected /> ")) << t.screen();
    t.Type("create /alphabet 'soup'\r");
    ASSERT_TRUE(t.Expect("/alphabet")) << t.screen();
    ASSERT_TRUE(t.Expect("> "));
    // Tab completes the command ("tre" -> "tree ") and the path ("/alp" -> "/alphabet").
    t.Type("tre\t/alp\t\r");
    // The editor redraws with cursor moves: look for what each Tab inserted.
    ASSERT_TRUE(t.Expect("e /alp")) << "command completion: " << t.screen();
    ASSERT_TRUE(t.Expect("habet")) << "path completion: " << t.screen();
    ASSERT_TRUE(t.Expect("/alphabet")) << t.screen();
    ASSERT_TRUE(t.Expect("> "));
    t.Type("get /alphabet\r");
    ASSERT_TRUE(t.Expect("soup")) << t.screen();
    ASSERT_TRUE(t.Expect("> "));
    // The up arrow recalls the previous line.
    t.Type("\x1b[A\r");
    ASSERT_TRUE(t.Expect("soup")) << "history recall: " << t.screen();
    ASSERT_TRUE(t.Expect("> "));
    // A watch streams until Ctrl-C, and the shell goes on.
    t.Type("watch /alphabet\r");
    ASSERT_TRUE(t.Expect("watching /alphabet")) << t.screen();
    t.Type("\x03");
    ASSERT_TRUE(t.Expect("> ")) << "Ctrl-C ended the watch: " << t.screen();
    t.Type("exists /alphabet\r");
    ASSERT_TRUE(t.Expect("true")) << t.screen();
    ASSERT_TRUE(t.Expect("> "));
    // Ctrl-C at the prompt abandons the line, not the shell.
    usleep(100 * 1000);
    t.Type("get /nowhere\x03");
    // Depending on whether the editor or the terminal saw the Ctrl-C first, the line is abandoned
    // with a new prompt or discarded by the terminal; either way the shell goes on.
    usleep(300 * 1000);
    t.Type("exists /alphabet\r");
    ASSERT_TRUE(t.Expect("true")) << "Ctrl-C at the prompt ended the shell: " << t.screen();
    ASSERT_TRUE(t.Expect("> "));
    usleep(100 * 1000);
    t.Type("quit\r");
    EXPECT_EQ(t.Wait(), 0) << t.screen();
  }
  std::ifstream history(home + "/.coordsh_history");
  std::stringstream text;
  text << history.rdbuf();
  // libedit writes history with vis(3) encoding: a space is \040.
  EXPECT_NE(text.str().find("exists\\040/alphabet"), std::string::npos)
      << "history kept in ~/.coordsh_history: " << text.str();
  std::filesystem::remove_all(home);
}

}  // namespace
}  // namespace coord
