// coord-hello: connect, create a node, read it with a watch, change it, see the watch fire.
//
//   coord-hello [HOST:PORT[/chroot]]     (default 127.0.0.1:2281; start a server with tools/run)
#include <condition_variable>
#include <cstdio>
#include <mutex>

#include "coord/client.h"

int main(int argc, char** argv) {
  coord::ClientOptions options;
  options.connect_string = argc > 1 ? argv[1] : "127.0.0.1:2281";
  options.session_timeout_ms = 5000;
  options.on_state = [](const coord::SessionEvent& event) {
    std::printf("session 0x%llx is %s\n", static_cast<unsigned long long>(event.session_id),
                coord::SessionStateName(event.state));
  };
  auto client = coord::Client::Open(options);
  if (!client.ok()) {
    std::fprintf(stderr, "coord-hello: %s\n", client.status().ToString().c_str());
    return 2;
  }
  coord::Client& c = **client;
  if (coord::Status s = c.WaitConnected(10000); !s.ok()) {
    std::fprintf(stderr, "coord-hello: %s\n", s.ToString().c_str());
    return 1;
  }

  auto created = c.Create({.path = "/hello-",
                           .data = "hello, coord",
                           .kind = coord::NodeKind::kEphemeral,
                           .sequential = true});
  if (!created.ok()) {
    std::fprintf(stderr, "coord-hello: create: %s\n", created.status().ToString().c_str());
    return 1;
  }
  std::printf("created %s\n", created->path.c_str());

  std::mutex mu;
  std::condition_variable cv;
  bool fired = false;
  auto got = c.GetData(created->path, [&](const coord::WatchEvent& event) {
    std::printf("watch: %s changed (zxid %s)\n", event.path.c_str(),
                coord::ZxidToString(event.zxid).c_str());
    std::lock_guard<std::mutex> lock(mu);
    fired = true;
    cv.notify_one();
  });
  if (!got.ok()) {
    std::fprintf(stderr, "coord-hello: get: %s\n", got.status().ToString().c_str());
    return 1;
  }
  std::printf("read \"%s\" (version %d)\n", got->data.c_str(), got->stat.version);

  if (auto set = c.SetData(created->path, "hello again"); !set.ok()) {
    std::fprintf(stderr, "coord-hello: set: %s\n", set.status().ToString().c_str());
    return 1;
  }
  std::unique_lock<std::mutex> lock(mu);
  if (!cv.wait_for(lock, std::chrono::seconds(5), [&] { return fired; })) {
    std::fprintf(stderr, "coord-hello: the watch did not fire\n");
    return 1;
  }
  lock.unlock();
  coord::Status closed = c.Close();
  std::printf("closed: %s\n", closed.ToString().c_str());
  return closed.ok() ? 0 : 1;
}
