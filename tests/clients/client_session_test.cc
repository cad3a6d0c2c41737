// coord::Client's session across failures of a real coordd: reconnect after kill -9 and restart
// (the session, its ephemerals, its watches and its credentials survive), in-flight and waiting
// calls when the connection is gone, expiry (local and server-reported), close, failover.
#include <signal.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/clients/client_test_util.h"
#include "tests/clients/tcp_proxy.h"
#include "tests/support/coordd_process.h"
#include "tests/support/raw_connection.h"

namespace coord::testing {
namespace {

using ::testing::ElementsAre;

// A server whose sessions may be short: ticks of 20 ms, sessions from 200 ms.
CoorddOptions FastSessions() {
  CoorddOptions o;
  o.extra_config = "tick_ms: 20\nmin_session_timeout_ms: 200\n";
  return o;
}

// A raw resume handshake is answered by itself (regression: the server once queued a resumed
// session's ConnectResponse without flushing it, and every reconnect hung).
bool ServerAnswersAResume(int port) {
  RawConnection first(port);
  std::optional<ConnectResponse> created = first.Handshake();
  if (!created || created->code != Code::kOk) return false;
  RawConnection second(port);
  ConnectRequest resume;
  resume.session_id = created->session_id;
  resume.password = created->password;
  resume.timeout_ms = created->timeout_ms;
  if (!second.Send(resume)) return false;
  std::optional<ServerMessage> reply = second.Read(2000);
  return reply.has_value() && std::holds_alternative<ConnectResponse>(*reply);
}

class ClientSessionTest : public ::testing::Test {
 protected:
  // Declared before the clients: callbacks record into them until the clients are gone.
  StateLog states_;
  StateLog other_states_;
  EventLog events_, events2_, events3_;
  Recorder<Status> statuses_;
};

TEST_F(ClientSessionTest, SurvivesKill9AndRestartOfTheServer) {
  CoorddProcess server;
  server.Start();
  ASSERT_TRUE(ServerAnswersAResume(server.port()));
  std::unique_ptr<Client> c = Connected(OptionsFor(server.address(), &states_, 6000));
  ASSERT_NE(c, nullptr);
  const SessionId session = c->session_id();
  ASSERT_TRUE(c->AddAuth("digest", "bob:pw").ok());
  AclList bob_only = {Acl{perm::kAll, "auth", ""}};
  CreateRequest secret = Node("/secret", "for bob");
  secret.acl = bob_only;
  ASSERT_TRUE(c->Create(secret).ok());
  ASSERT_TRUE(c->Create(Node("/eph", "", NodeKind::kEphemeral)).ok());
  ASSERT_TRUE(c->Create(Node("/w", "0")).ok());
  ASSERT_TRUE(c->GetData("/w", RecordTo(&events_)).ok());
  ASSERT_TRUE(c->AddWatch("/pw", AddWatchMode::kPersistent, RecordTo(&events2_)).ok());

  server.Kill9();
  ASSERT_TRUE(WaitForState(states_, SessionState::kSuspended));
  EXPECT_EQ(c->state(), SessionState::kSuspended);
  // Issued while disconnected: waits for the reconnection, then runs.
  c->ExistsAsync("/eph", [this](Result<std::optional<Stat>> r) {
    statuses_.Add(r.ok() && r->has_value() ? Status::Ok() : Status(Code::kNoNode, "gone"));
  });

  server.Restart();
  ASSERT_TRUE(WaitForState(states_, SessionState::kConnected, 10000, 2)) << server.ServerLog();
  EXPECT_THAT(States(states_), ElementsAre(SessionState::kConnected, SessionState::kSuspended,
                                           SessionState::kConnected));
  SessionEvent resumed = states_.items().back();
  EXPECT_TRUE(resumed.resumed);
  EXPECT_EQ(resumed.session_id, session);
  EXPECT_TRUE(resumed.events_may_be_missed) << "a persistent watch was registered";
  EXPECT_EQ(c->session_id(), session);

  ASSERT_TRUE(statuses_.WaitForCount(1));
  EXPECT_TRUE(statuses_.items()[0].ok()) << "the ephemeral survived";
  // The credentials were re-sent: the auth-protected node is readable.
  Result<GetDataResponse> got = c->GetData("/secret");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->data, "for bob");

  // Re-registered watches still fire.
  std::unique_ptr<Client> other = Connected(OptionsFor(server.address()));
  ASSERT_NE(other, nullptr);
  EXPECT_TRUE(other->Exists("/eph")->has_value());
  ASSERT_TRUE(other->SetData("/w", "1").ok());
  ASSERT_TRUE(other->Create(Node("/pw")).ok());
  ASSERT_TRUE(WaitForEvent(events_, WatchEventType::kNodeDataChanged, "/w"));
  ASSERT_TRUE(WaitForEvent(events2_, WatchEventType::kNodeCreated, "/pw"));
  EXPECT_EQ(events_.size(), 1u);
}

TEST_F(ClientSessionTest, ReRegisteredWatchesLearnWhatTheyMissedWhileDisconnected) {
  CoorddProcess server;
  server.Start();
  ASSERT_TRUE(ServerAnswersAResume(server.port()));
  TcpProxy proxy(server.port());
  std::unique_ptr<Client> c = Connected(OptionsFor(proxy.address(), &states_, 6000));
  std::unique_ptr<Client> other = Connected(OptionsFor(server.address()));
  ASSERT_NE(c, nullptr);
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(c->Create(Node("/w", "0")).ok());
  ASSERT_TRUE(c->GetData("/w", RecordTo(&events_)).ok());
  ASSERT_FALSE(c->Exists("/new", RecordTo(&events2_))->has_value());
  ASSERT_TRUE(c->GetChildren(GetChildrenRequest{"/w", false, "", 0}, RecordTo(&events3_)).ok());
  ASSERT_TRUE(c->AddWatch("/p", AddWatchMode::kPersistent, [](const WatchEvent&) {}).ok());

  // Cut c off while the server stays up, change what it watches, then let it back in.
  proxy.Block();
  proxy.Cut();
  ASSERT_TRUE(WaitForState(states_, SessionState::kSuspended));
  ASSERT_TRUE(other->SetData("/w", "1").ok());
  ASSERT_TRUE(other->Create(Node("/new")).ok());
  ASSERT_TRUE(other->Create(Node("/w/child")).ok());
  ASSERT_TRUE(other->Create(Node("/p")).ok());
  EXPECT_EQ(events_.size() + events2_.size() + events3_.size(), 0u);
  proxy.Unblock();

  ASSERT_TRUE(WaitForState(states_, SessionState::kConnected, 10000, 2));
  SessionEvent resumed = states_.items().back();
  EXPECT_TRUE(resumed.resumed);
  EXPECT_TRUE(resumed.events_may_be_missed) << "the persistent watch on /p missed its creation";
  ASSERT_TRUE(WaitForEvent(events_, WatchEventType::kNodeDataChanged, "/w"));
  ASSERT_TRUE(WaitForEvent(events2_, WatchEventType::kNodeCreated, "/new"));
  ASSERT_TRUE(WaitForEvent(events3_, WatchEventType::kNodeChildrenChanged, "/w"));
  // One-shot: a second change is not reported again.
  ASSERT_TRUE(other->SetData("/w", "2").ok());
  ASSERT_TRUE(c->Sync("/").ok());
  EXPECT_EQ(events_.size(), 1u);
}

TEST_F(ClientSessionTest, InFlightCallsFailWithConnectionLossAndTheSessionExpiresLocally) {
  CoorddProcess server(FastSessions());
  server.Start();
  std::unique_ptr<Client> c = Connected(OptionsFor(server.address(), &states_, 600));
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->negotiated_session_timeout_ms(), 600);

  // A stopped server accepts bytes but never answers: the call is on the wire when the client
  // gives up on the silent connection (2/3 of the timeout).
  server.Stop(SIGSTOP);
  c->ExistsAsync("/", [this](Result<std::optional<Stat>> r) { statuses_.Add(r.status()); });
  ASSERT_TRUE(statuses_.WaitForCount(1));
  EXPECT_EQ(statuses_.items()[0].code(), Code::kConnectionLoss) << statuses_.items()[0].ToString();
  // Unheard-of for the whole timeout: expired, without a word from the server.
  ASSERT_TRUE(WaitForState(states_, SessionState::kExpired));
  EXPECT_THAT(States(states_), ElementsAre(SessionState::kConnected, SessionState::kSuspended,
                                           SessionState::kExpired));
  EXPECT_EQ(states_.items().back().reason.code(), Code::kSessionExpired);
  EXPECT_EQ(c->WaitConnected(10).code(), Code::kSessionExpired);
  server.Stop(SIGCONT);
  EXPECT_EQ(c->Exists("/").code(), Code::kSessionExpired);
}

TEST_F(ClientSessionTest, ExpiredWhenTheServerWasDownLongerThanTheTimeout) {
  CoorddProcess server(FastSessions());
  server.Start();
  std::unique_ptr<Client> c = Connected(OptionsFor(server.address(), &states_, 300));
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->Create(Node("/eph", "", NodeKind::kEphemeral)).ok());
  EventLog& watch = events_;

  server.Kill9();
  ASSERT_TRUE(WaitForState(states_, SessionState::kExpired));
  EXPECT_THAT(States(states_), ElementsAre(SessionState::kConnected, SessionState::kSuspended,
                                           SessionState::kExpired));
  server.Restart();
  // The client stays expired; the restarted server expires the silent session in its turn and
  // removes the ephemeral.
  std::unique_ptr<Client> other = Connected(OptionsFor(server.address()));
  ASSERT_NE(other, nullptr);
  Result<std::optional<Stat>> eph = other->Exists("/eph", RecordTo(&watch));
  ASSERT_TRUE(eph.ok());
  if (eph->has_value()) {
    EXPECT_TRUE(WaitForEvent(watch, WatchEventType::kNodeDeleted, "/eph"));
  }
  EXPECT_EQ(c->state(), SessionState::kExpired);
  EXPECT_EQ(c->Create(Node("/x")).code(), Code::kSessionExpired);
}

TEST_F(ClientSessionTest, TheServerReportsAnExpiredSession) {
  CoorddProcess server;
  server.Start();
  std::unique_ptr<Client> first = Connected(OptionsFor(server.address()));
  ASSERT_NE(first, nullptr);
  ClientOptions resume = OptionsFor(server.address(), &states_);
  resume.session_id = first->session_id();
  resume.session_password = first->session_password();

  // A wrong password on a live session: auth_failed.
  ClientOptions wrong = resume;
  wrong.session_password = "not it";
  wrong.on_state = [this](const SessionEvent& e) { other_states_.Add(e); };
  Result<std::unique_ptr<Client>> thief = Client::Open(wrong);
  ASSERT_TRUE(thief.ok());
  EXPECT_EQ((*thief)->WaitConnected(10000).code(), Code::kAuthFailed);
  EXPECT_EQ((*thief)->state(), SessionState::kAuthFailed);
  EXPECT_EQ((*thief)->Exists("/").code(), Code::kAuthFailed);

  ASSERT_TRUE(first->Close().ok());
  Result<std::unique_ptr<Client>> late = Client::Open(resume);
  ASSERT_TRUE(late.ok());
  EXPECT_EQ((*late)->WaitConnected(10000).code(), Code::kSessionExpired);
  ASSERT_TRUE(WaitForState(states_, SessionState::kExpired));
  EXPECT_THAT(States(states_), ElementsAre(SessionState::kExpired));
}

TEST_F(ClientSessionTest, CloseEndsTheSessionAndItsEphemerals) {
  CoorddProcess server;
  server.Start();
  std::unique_ptr<Client> c = Connected(OptionsFor(server.address(), &states_));
  std::unique_ptr<Client> watcher = Connected(OptionsFor(server.address()));
  ASSERT_NE(c, nullptr);
  ASSERT_NE(watcher, nullptr);
  ASSERT_TRUE(c->Create(Node("/eph", "", NodeKind::kEphemeral)).ok());
  ASSERT_TRUE(watcher->Exists("/eph", RecordTo(&events_))->has_value());

  // Calls made before the close complete first; calls after it fail.
  c->ExistsAsync("/eph", [this](Result<std::optional<Stat>> r) { statuses_.Add(r.status()); });
  c->CloseAsync([this](Status s) { statuses_.Add(s); });
  c->ExistsAsync("/eph", [this](Result<std::optional<Stat>> r) { statuses_.Add(r.status()); });
  ASSERT_TRUE(statuses_.WaitForCount(3));
  std::vector<Status> got = statuses_.items();
  EXPECT_TRUE(got[0].ok()) << got[0].ToString();
  EXPECT_TRUE(got[1].ok()) << got[1].ToString();
  EXPECT_EQ(got[2].code(), Code::kConnectionLoss);
  ASSERT_TRUE(WaitForState(states_, SessionState::kClosed));
  EXPECT_EQ(c->state(), SessionState::kClosed);

  ASSERT_TRUE(WaitForEvent(events_, WatchEventType::kNodeDeleted, "/eph"));
  EXPECT_FALSE(watcher->Exists("/eph")->has_value());
  EXPECT_EQ(c->Exists("/").code(), Code::kConnectionLoss);
  EXPECT_TRUE(c->Close().ok()) << "closing twice is harmless";
}

TEST_F(ClientSessionTest, CallsWaitingForAConnectionTimeOut) {
  CoorddProcess server;
  server.Start();
  ClientOptions options = OptionsFor(server.address(), &states_, 6000);
  options.request_timeout_ms = 300;
  std::unique_ptr<Client> c = Connected(options);
  ASSERT_NE(c, nullptr);
  server.Kill9();
  ASSERT_TRUE(WaitForState(states_, SessionState::kSuspended));
  Status waited = c->Create(Node("/never")).status();
  EXPECT_EQ(waited.code(), Code::kOperationTimeout) << waited.ToString();
  EXPECT_NE(waited.message().find("not sent"), std::string::npos);
  EXPECT_EQ(c->state(), SessionState::kSuspended);
}

TEST_F(ClientSessionTest, FailsOverToAServerThatAnswers) {
  CoorddProcess server;
  server.Start();
  // Port 1 on loopback refuses connections; whichever the seed tries first, the client ends up
  // on the live server.
  for (uint64_t seed : {1, 2, 3}) {
    ClientOptions options = OptionsFor("127.0.0.1:1," + server.address() + ",127.0.0.1:1");
    options.seed = seed;
    std::unique_ptr<Client> c = Connected(options);
    ASSERT_NE(c, nullptr);
    EXPECT_TRUE(c->Sync("/").ok());
  }
}

TEST_F(ClientSessionTest, NoServerMeansConnectingUntilTheCallTimesOut) {
  ClientOptions options = OptionsFor("127.0.0.1:1", &states_);
  options.request_timeout_ms = 200;
  Result<std::unique_ptr<Client>> c = Client::Open(options);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)->WaitConnected(100).code(), Code::kOperationTimeout);
  EXPECT_EQ((*c)->state(), SessionState::kConnecting);
  EXPECT_EQ((*c)->Exists("/").code(), Code::kOperationTimeout);
  EXPECT_TRUE((*c)->Close().ok()) << "no session to close";
  EXPECT_EQ((*c)->state(), SessionState::kClosed);
}

}  // namespace
}  // namespace coord::testing
