// coordsh end to end: every command through -c and through stdin against a real coordd,
// including error paths and exit statuses, --json, binary data, export -> import round-trip,
// `lock -- CMD` and `watch --count`.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "tests/support/coordd_process.h"
#include "tests/support/ensemble.h"
#include "tests/tools/coordsh/run_coordsh.h"

namespace coord::coordsh::testing {
namespace {

using coord::testing::CoorddOptions;
using coord::testing::CoorddProcess;

class CoordshTest : public ::testing::Test {
 protected:
  CoordshTest() : server_(Options()) { server_.Start(); }
  static CoorddOptions Options() {
    CoorddOptions o;
    o.extra_config = "tick_ms: 20\nlog_level: warn\n";
    return o;
  }
  Outcome Sh(const std::string& commands, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--server", server_.address()};
    for (auto& e : extra) args.push_back(e);
    args.push_back("-c");
    args.push_back(commands);
    return RunCoordsh(args);
  }
  Outcome Stdin(const std::string& script, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--server", server_.address()};
    for (auto& e : extra) args.push_back(e);
    return RunCoordsh(args, script);
  }
  CoorddProcess server_;
};

TEST_F(CoordshTest, CreateGetSetStatExistsDelete) {
  Outcome o =
      Sh("create /app; create /app/config 'replicas=3'; get /app/config; "
         "set /app/config 'replicas=5'; get -s /app/config; exists /app/config; "
         "exists /nope; delete /app/config; exists /app/config");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out.substr(0, o.out.find("cZxid")), "/app\n/app/config\nreplicas=3\nreplicas=5\n");
  EXPECT_NE(o.out.find("dataVersion = 1\n"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("true\nfalse\nfalse\n"), std::string::npos) << o.out;
}

TEST_F(CoordshTest, NodeKindsAndSequentialNames) {
  Outcome o =
      Sh("create -s /q- a; create -s /q- b; create -e /e; create -c /c; "
         "create /c/child; create -t 60000 /ttl; stat /e");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.out.find("/q-0000000000\n/q-0000000001\n/e\n/c\n/c/child\n/ttl\n"), std::string::npos)
      << o.out;
  EXPECT_EQ(o.out.find("ephemeralOwner = 0x0\n"), std::string::npos) << "ephemeral has an owner";
}

TEST_F(CoordshTest, TheFirstErrorStopsTheScriptWithAOneLineMessage) {
  Outcome o = Sh("create /a; get /missing; create /never");
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_EQ(o.err, "coordsh: get: no_node: /missing does not exist\n")
      << "exactly one line naming the command";
  Outcome check = Sh("exists /never");
  EXPECT_EQ(check.out, "false\n") << "nothing after the failing command ran";
  EXPECT_EQ(Sh("frobnicate").err,
            "coordsh: frobnicate: bad_arguments: unknown command "
            "'frobnicate' (try: help)\n");
  EXPECT_EQ(Sh("set /a").exit_code, 1);
  EXPECT_NE(Sh("set /a").err.find("usage: set"), std::string::npos);
  EXPECT_EQ(Sh("get 'unterminated").err.substr(0, 23), "coordsh: parse: bad_arg");
  Outcome bad_version = Sh("set -v 7 /a x");
  EXPECT_EQ(bad_version.exit_code, 1);
  EXPECT_NE(bad_version.err.find("bad_version"), std::string::npos) << bad_version.err;
  Outcome not_empty = Sh("create /a/b; delete /a");
  EXPECT_NE(not_empty.err.find("not_empty"), std::string::npos) << not_empty.err;
  Outcome bad_path = Sh("create relative//x");
  EXPECT_EQ(bad_path.exit_code, 1);
}

TEST_F(CoordshTest, CommandsFromStandardInputWithCdAndRelativePaths) {
  Outcome o = Stdin(
      "create /srv\ncd /srv\npwd\ncreate one 1\ncreate ./two 2\ncd ..\n"
      "ls srv\nget /srv/../srv/one\n# a comment\nquit\ncreate /after-quit\n");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out, "/srv\n/srv\n/srv/one\n/srv/two\none\ntwo\n1\n");
  EXPECT_EQ(Sh("exists /after-quit").out, "false\n");
  Outcome bad = Stdin("create /x\ncd /nope\ncreate /y\n");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(bad.err, "coordsh: cd: no_node: /nope does not exist\n");
}

TEST_F(CoordshTest, LsTreeAndDeleteAll) {
  ASSERT_EQ(Sh("create /t; create /t/a 12345; create /t/a/x; create /t/b").exit_code, 0);
  Outcome ls = Sh("ls /t; ls -R /t; ls -l /t");
  ASSERT_EQ(ls.exit_code, 0) << ls.err;
  EXPECT_EQ(ls.out.substr(0, ls.out.find("kind")), "a\nb\n/t/a\n/t/a/x\n/t/b\n");
  EXPECT_NE(ls.out.find("persistent"), std::string::npos);
  Outcome tree = Sh("tree /t");
  EXPECT_EQ(tree.out, "/t\n├── a (5 B)\n│   └── x\n└── b\n");
  EXPECT_EQ(Sh("tree /t --depth 1").out, "/t\n├── a (5 B)\n└── b\n");
  ASSERT_EQ(Sh("deleteall /t").exit_code, 0);
  EXPECT_EQ(Sh("exists /t").out, "false\n");
}

TEST_F(CoordshTest, BinaryDataIsShownAsHexOrBase64NeverRaw) {
  ASSERT_EQ(Sh("create /bin x").exit_code, 0);
  // Data with an escape sequence (written through a script with a literal ESC byte).
  ASSERT_EQ(Stdin("set /bin '\x1b[2Jboom'\n").exit_code, 0);
  EXPECT_EQ(Sh("get /bin").out, "0x1b5b324a626f6f6d\n");
  EXPECT_EQ(Sh("get --base64 /bin").out, "G1sySmJvb20=\n");
  EXPECT_EQ(Sh("get /bin", {"--base64"}).out, "G1sySmJvb20=\n");
  EXPECT_EQ(Sh("get /bin", {"--json"}).out,
            "{\"path\":\"/bin\",\"data\":\"0x1b5b324a626f6f6d\",\"encoding\":\"hex\"}\n");
}

TEST_F(CoordshTest, JsonOutput) {
  Outcome o = Sh("create /j 'a \"quoted\" value'; get /j; ls /; exists /j; status", {"--json"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.out.find("{\"path\":\"/j\"}\n"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("\"data\":\"a \\\"quoted\\\" value\",\"encoding\":\"text\""),
            std::string::npos)
      << o.out;
  EXPECT_NE(o.out.find("\"role\":\"standalone\""), std::string::npos) << o.out;
}

TEST_F(CoordshTest, AclsAuthAndWhoami) {
  Outcome o =
      Sh("addauth digest bob:secret; create /private; setacl /private auth::crwda; "
         "getacl /private; whoami");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.out.find("digest:bob:"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find(":crwda\n"), std::string::npos) << o.out;
  Outcome denied = Sh("get /private");
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_NE(denied.err.find("no_auth"), std::string::npos) << denied.err;
  EXPECT_EQ(Sh("addauth digest bob:secret; get /private").exit_code, 0);
  EXPECT_EQ(Sh("setacl /private world:anyone:rx").exit_code, 1) << "bad permission letter";
}

TEST_F(CoordshTest, MultiCommitsAtomically) {
  ASSERT_EQ(Sh("create /m; multi; create /m/a 1; set /m 2; commit; get /m").out, "/m\n/m/a\n2\n");
  Outcome failed = Sh("multi; create /m/b; delete /m/missing; commit");
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_NE(failed.err.find("commit: no_node"), std::string::npos) << failed.err;
  EXPECT_EQ(Sh("exists /m/b").out, "false\n") << "nothing of a failed multi applied";
  EXPECT_EQ(Sh("commit").exit_code, 1) << "no open block";
}

TEST_F(CoordshTest, SyncStatusAndHelp) {
  Outcome o = Sh("sync; sync /; status; help get");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.out.find("role: standalone\n"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("get [-s] [-w]"), std::string::npos) << o.out;
  EXPECT_EQ(Sh("help nothing").exit_code, 1);
  Outcome all = Sh("help");
  for (const char* command : {"connect", "tree", "deleteall", "watch", "multi", "lock", "elect",
                              "export", "import", "whoami", "quit"}) {
    EXPECT_NE(all.out.find(std::string("  ") + command), std::string::npos) << command;
  }
  Outcome reconnect =
      Stdin("connect " + server_.address() + "\ncreate /reconnected\nconnect 127.0.0.1:1\n",
            {"--timeout", "1000"});
  EXPECT_EQ(reconnect.exit_code, 1);
  EXPECT_NE(reconnect.out.find("/reconnected"), std::string::npos) << reconnect.err;
  EXPECT_NE(reconnect.err.find("coordsh: connect: "), std::string::npos) << reconnect.err;
}

TEST_F(CoordshTest, ExportThenImportGivesIdenticalData) {
  ASSERT_EQ(Sh("create /src; create /src/a 'alpha'; create /src/a/deep 'd'; create /src/empty; "
               "create /src/bin x; create -e /src/session-state e")
                .exit_code,
            0);
  ASSERT_EQ(Stdin("set /src/bin '\x01\x02\xff'\n").exit_code, 0);
  Outcome exported = Sh("export /src");
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_EQ(exported.out.find("session-state"), std::string::npos) << "ephemerals are not exported";
  const std::string file = ::testing::TempDir() + "coordsh_export_" + std::to_string(getpid());
  std::ofstream(file) << exported.out;
  Outcome dry = Sh("import --dry-run " + file + " /copy");
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("would create 5"), std::string::npos) << dry.out;
  EXPECT_EQ(Sh("exists /copy").out, "false\n") << "a dry run writes nothing";
  ASSERT_EQ(Sh("import " + file + " /copy").exit_code, 0);
  Outcome again = Sh("export /copy");
  EXPECT_EQ(again.out.substr(again.out.find('\n')), exported.out.substr(exported.out.find('\n')))
      << "round trip";
  EXPECT_EQ(Sh("get /copy/bin").out, "0x0102ff\n");
  std::ofstream(file) << "children: [not, a, map]\n";
  Outcome bad = Sh("import " + file + " /bad");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("import: bad_arguments"), std::string::npos) << bad.err;
  std::remove(file.c_str());
}

TEST_F(CoordshTest, LockPrintsTheTokenAndRunsACommandWhileHoldingIt) {
  Outcome o = Sh("lock /locks/job -- sh -c 'echo \"token $COORD_FENCING_TOKEN\"; exit 7'");
  EXPECT_EQ(o.exit_code, 7) << "coordsh exits with the command's status";
  ASSERT_NE(o.out.find("fencing token: "), std::string::npos) << o.out;
  const std::string token = o.out.substr(15, o.out.find('\n') - 15);
  EXPECT_NE(o.out.find("token " + token + "\n"), std::string::npos) << o.out;
  EXPECT_EQ(Sh("ls /locks/job").out, "") << "released afterwards";
  EXPECT_EQ(Sh("lock /locks/job -- true").exit_code, 0);
}

TEST_F(CoordshTest, WatchStreamsEventsUntilTheCount) {
  ASSERT_EQ(Sh("create /w").exit_code, 0);
  std::thread writer([&] {
    usleep(300 * 1000);
    Sh("set /w 1; create /w/child; set /w/child 2");
  });
  Outcome o = Sh("watch -r /w --count 3");
  writer.join();
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out, "data_changed /w\ncreated /w/child\ndata_changed /w/child\n");
}

TEST_F(CoordshTest, ConnectFailureIsAnError) {
  Outcome o = RunCoordsh({"--server", "127.0.0.1:1", "--timeout", "2000", "-c", "ls /"}, "", 30000);
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_EQ(o.err.rfind("coordsh: connect: ", 0), 0u) << o.err;
}

// A coordsh in the background whose output can be waited for, ended with SIGINT (Ctrl-C).
class Background {
 public:
  explicit Background(const std::vector<std::string>& args) {
    int out[2];
    if (pipe(out) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      dup2(out[1], STDERR_FILENO);
      close(out[0]);
      close(out[1]);
      std::vector<char*> argv{const_cast<char*>("coordsh")};
      for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(COORDSH_PATH, argv.data());
      _exit(127);
    }
    close(out[1]);
    fd_ = out[0];
  }
  ~Background() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (fd_ >= 0) close(fd_);
  }
  bool WaitFor(const std::string& text, int timeout_ms = 10000) {
    for (int waited = 0; waited < timeout_ms; waited += 20) {
      if (output_.find(text) != std::string::npos) return true;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 20) > 0) {
        char buf[1024];
        ssize_t n = read(fd_, buf, sizeof(buf));
        if (n > 0) output_.append(buf, static_cast<size_t>(n));
      }
    }
    return output_.find(text) != std::string::npos;
  }
  int Interrupt() {
    kill(pid_, SIGINT);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  const std::string& output() const { return output_; }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string output_;
};

TEST_F(CoordshTest, ElectLeadsUntilCtrlCThenResigns) {
  Background first({"--server", server_.address(), "-c", "elect /svc/leader first"});
  ASSERT_TRUE(first.WaitFor("leading (term ")) << first.output();
  Background second({"--server", server_.address(), "-c", "elect /svc/leader second"});
  ASSERT_TRUE(second.WaitFor("current leader: first")) << second.output();
  EXPECT_EQ(second.output().find("leading"), std::string::npos) << "two leaders at once";
  EXPECT_EQ(first.Interrupt(), 0) << "Ctrl-C resigns and exits cleanly";
  ASSERT_TRUE(second.WaitFor("leading (term ")) << "the second takes over: " << second.output();
  EXPECT_EQ(second.Interrupt(), 0);
  EXPECT_EQ(Sh("ls /svc/leader").out, "") << "both candidacies are gone";
}

TEST_F(CoordshTest, LockWithoutACommandHoldsUntilCtrlC) {
  Background holder({"--server", server_.address(), "-c", "lock /locks/l"});
  ASSERT_TRUE(holder.WaitFor("fencing token: ")) << holder.output();
  Outcome busy = RunCoordsh({"--server", server_.address(), "-c", "ls /locks/l"});
  EXPECT_NE(busy.out, "") << "the holder's node is there";
  EXPECT_EQ(holder.Interrupt(), 0);
  EXPECT_EQ(Sh("ls /locks/l").out, "") << "released on Ctrl-C";
}

TEST_F(CoordshTest, GetWithAWatchReportsTheChange) {
  ASSERT_EQ(Sh("create /gw 1").exit_code, 0);
  Background watcher({"--server", server_.address(), "-c", "get -w /gw; watch /nothing"});
  ASSERT_TRUE(watcher.WaitFor("watching /nothing")) << watcher.output();
  ASSERT_EQ(Sh("set /gw 2").exit_code, 0);
  EXPECT_TRUE(watcher.WaitFor("watch: data_changed /gw")) << watcher.output();
  EXPECT_EQ(watcher.Interrupt(), 0);
}

TEST(CoordshClusterTest, StatusShowsRolesEpochAndEachMembersLag) {
  coord::testing::Ensemble ensemble(3);
  ensemble.StartAll();
  const int leader = ensemble.WaitForLeader();
  Outcome o = RunCoordsh({"--server", ensemble.Address(leader), "-c", "create /x; status"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.out.find("role: leader\n"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("leader: " + std::to_string(leader) + "\n"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find(": follower, lag "), std::string::npos) << o.out;
  const int follower = leader == 1 ? 2 : 1;
  Outcome f = RunCoordsh({"--server", ensemble.Address(follower), "--json", "-c", "sync; status"});
  ASSERT_EQ(f.exit_code, 0) << f.err;
  EXPECT_NE(f.out.find("\"role\":\"follower\""), std::string::npos) << f.out;
}

}  // namespace
}  // namespace coord::coordsh::testing
