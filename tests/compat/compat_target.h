// CompatTarget: the server a compatibility suite talks to through ZooKeeper's client protocol.
// By default a coordd started for the test (standalone, temporary data dir, its ZooKeeper
// listener on a free loopback port, fast ticks). With COORD_COMPAT_TARGET=zookeeper, an Apache
// ZooKeeper that already serves at COORD_COMPAT_SERVER (default 127.0.0.1:2191, the port of
// ../shared/peers/zookeeper.sh): the same tests then show what ZooKeeper itself does.
//
// Threading: use from the test's thread. Owns the coordd process it started.
#pragma once

#include <memory>
#include <string>

#include "tests/support/coordd_process.h"

namespace coord::compat {

class CompatTarget {
 public:
  // Reads the environment; starts coordd when the target is coord.
  CompatTarget();

  bool is_zookeeper() const { return coordd_ == nullptr; }
  // HOST:PORT of the ZooKeeper-protocol listener.
  const std::string& address() const { return address_; }
  // The port, for a TcpProxy in front of the server.
  int port() const;
  // The server's log, for failure messages (empty for an external ZooKeeper).
  std::string ServerLog() const;

 private:
  std::unique_ptr<testing::CoorddProcess> coordd_;
  std::string address_;
};

}  // namespace coord::compat
