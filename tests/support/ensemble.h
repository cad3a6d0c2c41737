// Ensemble: a real coord ensemble for tests — N coordd processes (voters, then observers) on
// loopback ports with temporary data dirs, each a CoorddProcess (killable, stoppable,
// restartable), plus helpers to find the leader and to check that every member holds a set of
// paths. Used by tests/integration and the recipe tests.
//
// Threading: use from the test's thread (the clients it opens have their own threads).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "coord/client.h"
#include "tests/support/coordd_process.h"

namespace coord::testing {

// A free loopback port (bound, read, released: a tiny race with other processes is accepted).
int FreePort();
int64_t SteadyNowMs();

class Ensemble {
 public:
  // `voters` voters and `observers` observers; ids 1..n, observers last. `extra_config` is added
  // to every member's YAML (e.g. "min_session_timeout_ms: 500\n").
  explicit Ensemble(int voters, int observers = 0, std::string extra_config = "");

  void StartAll();
  CoorddProcess& at(int id) { return *members_.at(id); }
  std::string Address(int id) const;
  std::string ConnectString() const;

  // A client of exactly one member, connected (or a test failure after wait_ms).
  std::unique_ptr<Client> ClientOf(int id, int64_t wait_ms = 20000);
  // The member's status, or nullopt if it does not serve now.
  std::optional<ServerStatusResponse> Status(int id);
  // Polls until a running member (other than not_id) reports itself leader; returns its id, or 0
  // (and a test failure) after timeout_ms.
  int WaitForLeader(int64_t timeout_ms = 30000, int not_id = 0);
  // Every running member holds each path (read after sync through a client of that member).
  void ExpectEverywhere(const std::set<std::string>& paths);

 private:
  std::map<int, int> client_ports_;
  std::map<int, std::unique_ptr<CoorddProcess>> members_;
};

}  // namespace coord::testing
