// Shell: coordsh's commands over a coord::Client, independent of the terminal. main.cc feeds it
// words (from -c, stdin or the line editor) and prints its errors; tests drive it the same way.
//
// Output goes to `out` (results) and `err` (asynchronous notices such as watch events of `get
// -w`); with json, every result is one JSON value per line. Blocking commands (watch, lock
// without a command, elect) return when Interrupt() is called (Ctrl-C) or their --count is met.
//
// Threading: Run() from one thread. Interrupt() from any thread (a signal handler's flag is
// polled). Watch events arrive on the client's event thread and are printed under a mutex.
#pragma once

#include <atomic>
#include <iosfwd>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "coord/client.h"
#include "tools/coordsh/render.h"
#include "tools/coordsh/words.h"

namespace coord::coordsh {

struct ShellOptions {
  std::string servers;  // empty: not connected until `connect`
  bool json = false;
  DataFormat format = DataFormat::kAuto;
  int32_t session_timeout_ms = 10000;
  int64_t connect_timeout_ms = 10000;
};

class Shell {
 public:
  Shell(ShellOptions options, std::ostream& out, std::ostream& err);
  ~Shell();

  Status Connect(const std::string& servers);
  // Runs one command. Errors are values; main prints "coordsh: CMD: code: message".
  Status Run(const Words& words);

  bool quit_requested() const { return quit_; }
  // The exit status a command asked for (lock PATH -- CMD: the command's), if any.
  std::optional<int> exit_status() const { return exit_status_; }
  // Ctrl-C: ends a running watch / lock / elect.
  void Interrupt() { interrupted_ = true; }

  // "coord 127.0.0.1:2281 connected /app> "
  std::string Prompt() const;
  std::vector<std::string> CommandNames() const;
  // Completions of a (possibly relative) path prefix, asked from the server: full words as they
  // should replace the prefix ("/ap" -> "/app/").
  std::vector<std::string> CompletePath(const std::string& prefix);

 private:
  struct Command;
  static const Command* Commands(size_t* count);  // the table, in `help` order
  Status Dispatch(const Words& words);
  Result<std::string> Resolve(const std::string& path) const;
  Status NeedClient() const;
  void Print(const std::string& text);
  void Notice(const std::string& text);
  bool WaitInterrupted(int64_t timeout_ms);

  Status Help(const Words& w);
  Status ConnectCmd(const Words& w);
  Status Cd(const Words& w);
  Status Pwd(const Words& w);
  Status Ls(const Words& w);
  Status Tree(const Words& w);
  Status Get(const Words& w);
  Status Set(const Words& w);
  Status Create(const Words& w);
  Status Delete(const Words& w);
  Status DeleteAll(const Words& w);
  Status StatCmd(const Words& w);
  Status Exists(const Words& w);
  Status Watch(const Words& w);
  Status Sync(const Words& w);
  Status GetAcl(const Words& w);
  Status SetAcl(const Words& w);
  Status AddAuth(const Words& w);
  Status Multi(const Words& w);
  Status Commit(const Words& w);
  Status Abort(const Words& w);
  Status LockCmd(const Words& w);
  Status Elect(const Words& w);
  Status Status_(const Words& w);
  Status WhoAmI(const Words& w);
  Status Export(const Words& w);
  Status Import(const Words& w);
  Status Quit(const Words& w);

  Status DeleteTree(const std::string& path);
  Status TreeLines(const std::string& path, const std::string& indent, int depth, int max_depth,
                   std::string* out, size_t* nodes);

  ShellOptions options_;
  std::ostream& out_;
  std::ostream& err_;
  std::mutex print_mu_;
  std::unique_ptr<Client> client_;
  std::string servers_;
  std::string cwd_ = "/";
  bool quit_ = false;
  std::optional<int> exit_status_;
  std::atomic<bool> interrupted_{false};
  // An open `multi` block: the ops queued until `commit`.
  std::optional<std::vector<MultiOpRequest>> multi_;
};

// The polled Ctrl-C flag main's SIGINT handler sets (async-signal-safe).
extern std::atomic<bool> g_interrupt;

}  // namespace coord::coordsh
