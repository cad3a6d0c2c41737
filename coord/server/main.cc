// coordd: the coord server.
//
//   coordd [--config FILE] [--data-dir DIR] [--client-address HOST:PORT] [--check-config]
//
// Without --config it runs on the embedded default (conf/coord.yaml). Flags override the file.
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

#include "coord/base/logging.h"
#include "coord/server/config.h"
#include "coord/server/server.h"

namespace {

void Usage(FILE* out) {
  std::fprintf(out,
               "usage: coordd [--config FILE] [--data-dir DIR] [--client-address HOST:PORT]\n"
               "              [--check-config]\n"
               "  --config FILE               YAML configuration (default: the embedded\n"
               "                              conf/coord.yaml)\n"
               "  --data-dir DIR              overrides data_dir\n"
               "  --client-address HOST:PORT  overrides client_address (port 0: any free port)\n"
               "  --check-config              validate the configuration and exit\n"
               "  --print-default-config      print the embedded default configuration\n");
}

}  // namespace

int main(int argc, char** argv) {
  using namespace coord;
  using namespace coord::server;
  // A peer or client that goes away while we write to it is an ordinary event (the write fails
  // with EPIPE and that connection closes), never a reason for the whole server to die.
  signal(SIGPIPE, SIG_IGN);
  std::string config_path, data_dir, client_address;
  bool check_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char* flag) -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "coordd: %s needs a value\n", flag);
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--config")
      config_path = value("--config");
    else if (arg == "--data-dir")
      data_dir = value("--data-dir");
    else if (arg == "--client-address")
      client_address = value("--client-address");
    else if (arg == "--check-config")
      check_only = true;
    else if (arg == "--print-default-config") {
      std::fputs(EmbeddedDefaultConfig(), stdout);
      return 0;
    } else if (arg == "-h" || arg == "--help") {
      Usage(stdout);
      return 0;
    } else {
      std::fprintf(stderr, "coordd: unknown argument '%s'\n", arg.c_str());
      Usage(stderr);
      return 2;
    }
  }
  Result<ServerConfig> config = config_path.empty()
                                    ? ParseConfig(EmbeddedDefaultConfig(), "embedded default")
                                    : LoadConfigFile(config_path);
  if (!config.ok()) {
    std::fprintf(stderr, "coordd: %s\n", config.status().message().c_str());
    return 1;
  }
  if (!data_dir.empty()) config->data_dir = data_dir;
  if (!client_address.empty()) {
    Result<HostPort> address = ParseHostPort(client_address);
    if (!address.ok()) {
      std::fprintf(stderr, "coordd: --client-address: %s\n", address.status().message().c_str());
      return 1;
    }
    config->client_address = *address;
  }
  if (check_only) {
    std::printf("configuration ok\n");
    return 0;
  }
  Server server(*config);
  Status started = server.Start();
  if (!started.ok()) {
    std::fprintf(stderr, "coordd: %s\n", started.ToString().c_str());
    return 1;
  }
  // Tools and tests read this line to learn the port.
  std::printf("coordd listening on %s\n", server.bound_address().ToString().c_str());
  if (server.zookeeper_bound_address()) {
    std::printf("coordd listening for ZooKeeper clients on %s\n",
                server.zookeeper_bound_address()->ToString().c_str());
  }
  std::fflush(stdout);
  server.Run();
  return 0;
}
