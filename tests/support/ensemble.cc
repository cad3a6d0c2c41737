#include "tests/support/ensemble.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

namespace coord::testing {

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

int64_t SteadyNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Ensemble::Ensemble(int voters, int observers, std::string extra_config) {
  const int n = voters + observers;
  std::string members;
  for (int i = 1; i <= n; ++i) {
    client_ports_[i] = FreePort();
    const int peer = FreePort();
    members += "    - {id: " + std::to_string(i) +
               ", peer_address: 127.0.0.1:" + std::to_string(peer) +
               ", client_address: 127.0.0.1:" + std::to_string(client_ports_[i]) +
               ", role: " + (i <= voters ? "voter" : "observer") + "}\n";
  }
  for (int i = 1; i <= n; ++i) {
    CoorddOptions o;
    o.cluster_member = true;
    o.port = client_ports_[i];
    o.extra_config =
        "tick_ms: 20\n"
        "min_session_timeout_ms: 1000\n"
        "snapshot_every_txns: 400\n" +
        extra_config +
        "cluster:\n"
        "  cluster_id: test\n"
        "  member_id: " +
        std::to_string(i) +
        "\n"
        "  election_timeout_ticks: 10\n"
        "  init_limit_ticks: 100\n"
        "  sync_limit_ticks: 25\n"
        "  heartbeat_ticks: 3\n"
        "  members:\n" +
        members;
    members_[i] = std::make_unique<CoorddProcess>(o);
  }
}

void Ensemble::StartAll() {
  for (auto& [id, m] : members_) m->Start();
}

std::string Ensemble::Address(int id) const {
  return "127.0.0.1:" + std::to_string(client_ports_.at(id));
}

std::string Ensemble::ConnectString() const {
  std::string s;
  for (const auto& [id, port] : client_ports_) {
    if (!s.empty()) s += ",";
    s += "127.0.0.1:" + std::to_string(port);
  }
  return s;
}

std::unique_ptr<Client> Ensemble::ClientOf(int id, int64_t wait_ms) {
  ClientOptions o;
  o.connect_string = Address(id);
  o.session_timeout_ms = 4000;
  o.request_timeout_ms = 5000;
  auto c = Client::Open(o);
  EXPECT_TRUE(c.ok());
  EXPECT_TRUE((*c)->WaitConnected(wait_ms).ok()) << "member " << id << " does not serve";
  return std::move(c).value();
}

std::optional<ServerStatusResponse> Ensemble::Status(int id) {
  ClientOptions o;
  o.connect_string = Address(id);
  o.session_timeout_ms = 2000;
  o.request_timeout_ms = 1000;
  auto c = Client::Open(o);
  if (!c.ok() || !(*c)->WaitConnected(1000).ok()) return std::nullopt;
  Result<ServerStatusResponse> s = (*c)->ServerStatus();
  if (!s.ok()) return std::nullopt;
  return *s;
}

int Ensemble::WaitForLeader(int64_t timeout_ms, int not_id) {
  const int64_t deadline = SteadyNowMs() + timeout_ms;
  while (SteadyNowMs() < deadline) {
    for (auto& [id, m] : members_) {
      if (!m->running() || id == not_id) continue;
      std::optional<ServerStatusResponse> s = Status(id);
      if (s && s->role == "leader") return id;
    }
    usleep(50 * 1000);
  }
  ADD_FAILURE() << "no leader within " << timeout_ms << " ms";
  return 0;
}

void Ensemble::ExpectEverywhere(const std::set<std::string>& paths) {
  for (auto& [id, m] : members_) {
    if (!m->running()) continue;
    std::unique_ptr<Client> c = ClientOf(id);
    ASSERT_TRUE(c->Sync("/").ok()) << "member " << id;
    size_t missing = 0;
    for (const std::string& p : paths) {
      Result<std::optional<Stat>> e = c->Exists(p);
      ASSERT_TRUE(e.ok()) << e.status().ToString();
      if (!e->has_value()) ++missing;
    }
    EXPECT_EQ(missing, 0u) << "member " << id << " lacks " << missing << " of " << paths.size()
                           << " acknowledged writes";
  }
}

}  // namespace coord::testing
