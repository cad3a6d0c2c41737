// coordsh: browse and edit a coord tree.
//
//   coordsh [--server HOST:PORT[,HOST:PORT...]] [-c "CMD; CMD"] [--json] [--hex|--base64]
//           [--timeout MS]
//
// With -c, the commands run in order; without it and with standard input not a terminal, the
// commands are read from standard input; otherwise coordsh is interactive. In scripts the first
// failing command stops coordsh with "coordsh: COMMAND: code: message" on stderr and exit status 1
// (a `lock PATH -- CMD` exits with CMD's status). Interactive mode edits lines with libedit
// (BSD-licensed: GNU readline would make coordsh GPL), keeps history in ~/.coordsh_history and
// completes commands and paths (asked from the server) with Tab.
#include <editline/readline.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>

#include "tools/coordsh/shell.h"

namespace coord::coordsh {
namespace {

constexpr int kHistoryLines = 2000;

Shell* g_shell = nullptr;

void OnSigint(int) { g_interrupt = true; }

int Fail(const std::string& command, const Status& s) {
  std::fprintf(stderr, "coordsh: %s: %s: %s\n", command.c_str(),
               std::string(CodeName(s.code())).c_str(), s.message().c_str());
  return 1;
}

// Runs a whole script: the first failure stops it.
int RunScript(Shell& shell, const std::string& text) {
  Result<std::vector<Words>> commands = SplitCommands(text);
  if (!commands.ok()) return Fail("parse", commands.status());
  for (const Words& words : *commands) {
    Status s = shell.Run(words);
    if (!s.ok()) {
      if (shell.exit_status()) {
        std::fprintf(stderr, "coordsh: %s: %s\n", words[0].c_str(), s.message().c_str());
        return *shell.exit_status();
      }
      return Fail(words[0], s);
    }
    if (shell.quit_requested()) break;
  }
  return 0;
}

// --- interactive ---------------------------------------------------------------------------------

char* CompletionGenerator(const char* text, int state) {
  static std::vector<std::string> matches;
  static size_t next = 0;
  if (state == 0) {
    matches.clear();
    next = 0;
    const std::string prefix(text);
    // The first word is a command, later words are paths.
    const bool first_word = std::string(rl_line_buffer).find_first_not_of(' ') ==
                            static_cast<size_t>(rl_point - static_cast<int>(prefix.size()));
    if (first_word) {
      for (const std::string& c : g_shell->CommandNames()) {
        // The space is part of the match: libedit versions differ in whether they honour
        // rl_completion_append_character.
        if (c.rfind(prefix, 0) == 0) matches.push_back(c + " ");
      }
    } else {
      matches = g_shell->CompletePath(prefix);
    }
  }
  if (next >= matches.size()) return nullptr;
  return strdup(matches[next++].c_str());
}

char** Complete(const char* text, int start, int) {
  rl_attempted_completion_over = 1;  // never fall back to file names
  (void)start;
  rl_completion_append_character = '\0';  // commands carry their space; paths get none
  return rl_completion_matches(text, CompletionGenerator);
}

int Interactive(Shell& shell) {
  g_shell = &shell;
  const char* home = std::getenv("HOME");
  const std::string history = home ? std::string(home) + "/.coordsh_history" : "";
  using_history();
  stifle_history(kHistoryLines);
  if (!history.empty()) read_history(history.c_str());
  rl_attempted_completion_function = Complete;
  rl_completer_word_break_characters = const_cast<char*>(" \t;");
  int code = 0;
  while (!shell.quit_requested()) {
    g_interrupt = false;
    const std::string prompt = shell.Prompt();
    char* line = readline(prompt.c_str());
    if (line == nullptr) {
      std::printf("\n");
      if (g_interrupt) continue;  // Ctrl-C abandoned the line: a new prompt
      break;                      // Ctrl-D (end of input)
    }
    std::string text(line);
    std::free(line);
    if (text.find_first_not_of(" \t") == std::string::npos) continue;
    add_history(text.c_str());
    Result<std::vector<Words>> commands = SplitCommands(text);
    if (!commands.ok()) {
      Fail("parse", commands.status());
      continue;
    }
    for (const Words& words : *commands) {
      Status s = shell.Run(words);
      if (!s.ok()) Fail(words[0], s);
      if (shell.quit_requested()) break;
    }
  }
  if (!history.empty()) write_history(history.c_str());
  return code;
}

void PrintUsage() {
  std::fprintf(stderr,
               "usage: coordsh [--server HOST:PORT[,HOST:PORT...]] [-c \"CMD; CMD\"] [--json]\n"
               "               [--hex | --base64] [--timeout MS]\n"
               "  --server   the servers (default 127.0.0.1:2281)\n"
               "  -c         run these commands and exit (else stdin, else interactive)\n"
               "  --json     machine-readable results, one JSON value per line\n"
               "  --hex, --base64  how data that is not printable text is shown (default hex)\n"
               "  --timeout  session timeout in ms (default 10000)\n"
               "Type `help` in the shell for the commands.\n");
}

}  // namespace
}  // namespace coord::coordsh

int main(int argc, char** argv) {
  using namespace coord::coordsh;
  ShellOptions options;
  options.servers = "127.0.0.1:2281";
  std::optional<std::string> script;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "coordsh: %s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--server" || arg == "-s") {
      options.servers = value();
    } else if (arg == "-c") {
      script = value();
    } else if (arg == "--json") {
      options.json = true;
    } else if (arg == "--hex") {
      options.format = DataFormat::kHex;
    } else if (arg == "--base64") {
      options.format = DataFormat::kBase64;
    } else if (arg == "--timeout") {
      options.session_timeout_ms = std::atoi(value().c_str());
    } else if (arg == "-h" || arg == "--help") {
      PrintUsage();
      return 0;
    } else {
      std::fprintf(stderr, "coordsh: unknown argument '%s'\n", arg.c_str());
      PrintUsage();
      return 2;
    }
  }
  options.connect_timeout_ms =
      std::min<int64_t>(options.connect_timeout_ms, options.session_timeout_ms);
  struct sigaction sa {};
  sa.sa_handler = OnSigint;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);

  Shell shell(options, std::cout, std::cerr);
  coord::Status connected = shell.Connect(options.servers);
  const bool interactive = !script && isatty(STDIN_FILENO);
  if (!connected.ok()) {
    if (!interactive) return Fail("connect", connected);
    Fail("connect", connected);  // interactive: `connect` can fix it
  }
  if (script) return RunScript(shell, *script);
  if (!interactive) {
    std::stringstream in;
    in << std::cin.rdbuf();
    return RunScript(shell, in.str());
  }
  return Interactive(shell);
}
