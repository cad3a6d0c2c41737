#include "clients/session_machine.h"

#include <gtest/gtest.h>

#include <set>

namespace coord::client {
namespace {

constexpr int32_t kTimeout = 3000;

SessionMachineOptions Options(size_t servers = 3, uint64_t seed = 42) {
  SessionMachineOptions o;
  o.server_count = servers;
  o.session_timeout_ms = kTimeout;
  o.seed = seed;
  o.min_backoff_ms = 100;
  o.max_backoff_ms = 800;
  return o;
}

ConnectResponse Accept(SessionId id, int32_t timeout_ms = kTimeout, std::string password = "pw") {
  ConnectResponse r;
  r.session_id = id;
  r.password = std::move(password);
  r.timeout_ms = timeout_ms;
  r.last_zxid = 5;
  return r;
}

ConnectResponse Refuse(Code code) {
  ConnectResponse r;
  r.code = code;
  r.message = "no";
  return r;
}

// Opens a new session at `now` on the first server tried.
void Connect(SessionMachine& m, int64_t now, SessionId id = 77) {
  ASSERT_TRUE(m.StartAttempt(now).has_value());
  ASSERT_EQ(m.OnConnectResponse(Accept(id), now), SessionMachine::ConnectOutcome::kConnected);
}

TEST(SessionMachineTest, NewSession) {
  SessionMachine m(Options(), 0);
  EXPECT_EQ(m.state(), SessionState::kConnecting);
  std::optional<size_t> server = m.StartAttempt(0);
  ASSERT_TRUE(server.has_value());
  EXPECT_LT(*server, 3u);
  EXPECT_FALSE(m.StartAttempt(0).has_value()) << "one link at a time";
  ConnectRequest request = m.MakeConnectRequest();
  EXPECT_EQ(request.session_id, 0);
  EXPECT_EQ(request.timeout_ms, kTimeout);
  EXPECT_EQ(request.last_zxid_seen, 0u);

  EXPECT_EQ(m.OnConnectResponse(Accept(77, 4000), 10), SessionMachine::ConnectOutcome::kConnected);
  EXPECT_EQ(m.state(), SessionState::kConnected);
  EXPECT_EQ(m.link(), SessionMachine::Link::kOpen);
  EXPECT_EQ(m.session_id(), 77);
  EXPECT_EQ(m.password(), "pw");
  EXPECT_EQ(m.negotiated_timeout_ms(), 4000);
  EXPECT_EQ(m.timeout_ms(), 4000);
  std::vector<SessionEvent> events = m.TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].state, SessionState::kConnected);
  EXPECT_EQ(events[0].session_id, 77);
  EXPECT_FALSE(events[0].resumed);
  EXPECT_TRUE(m.TakeEvents().empty());
}

TEST(SessionMachineTest, LinkDownSuspendsAndTheResumeCarriesIdPasswordAndZxid) {
  SessionMachine m(Options(), 0);
  Connect(m, 0);
  m.TakeEvents();
  m.OnReceived(0x100000009, 100);
  m.OnReceived(0x100000004, 110);  // never goes back
  EXPECT_EQ(m.last_zxid_seen(), 0x100000009u);

  m.OnLinkDown(Status(Code::kConnectionLoss, "eof"), 200);
  EXPECT_EQ(m.state(), SessionState::kSuspended);
  std::vector<SessionEvent> events = m.TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].state, SessionState::kSuspended);
  EXPECT_EQ(events[0].reason.message(), "eof");

  ASSERT_TRUE(m.StartAttempt(200).has_value()) << "a broken working link retries at once";
  ConnectRequest request = m.MakeConnectRequest();
  EXPECT_EQ(request.session_id, 77);
  EXPECT_EQ(request.password, "pw");
  EXPECT_EQ(request.last_zxid_seen, 0x100000009u);
  EXPECT_EQ(m.OnConnectResponse(Accept(77), 250), SessionMachine::ConnectOutcome::kConnected);
  events = m.TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].state, SessionState::kConnected);
  EXPECT_TRUE(events[0].resumed);
}

TEST(SessionMachineTest, ServersAreAPermutationChosenByTheSeed) {
  auto order = [](uint64_t seed) {
    SessionMachine m(Options(5, seed), 0);
    std::vector<size_t> tried;
    for (int i = 0; i < 5; ++i) {
      std::optional<size_t> s = m.StartAttempt(0);
      EXPECT_TRUE(s.has_value());
      tried.push_back(*s);
      m.OnLinkDown(Status(Code::kConnectionLoss, "refused"), 0);
    }
    return tried;
  };
  std::vector<size_t> a = order(1);
  EXPECT_EQ(std::set<size_t>(a.begin(), a.end()).size(), 5u) << "each server once per round";
  EXPECT_EQ(order(1), a) << "same seed, same order";
  bool differs = false;
  for (uint64_t seed = 2; seed < 20 && !differs; ++seed) differs = order(seed) != a;
  EXPECT_TRUE(differs) << "the seed picks the order";
}

TEST(SessionMachineTest, FailoverMovesToTheNextServer) {
  SessionMachine m(Options(3), 0);
  std::optional<size_t> first = m.StartAttempt(0);
  m.OnLinkDown(Status(Code::kConnectionLoss, "refused"), 0);
  std::optional<size_t> second = m.StartAttempt(0);
  ASSERT_TRUE(second.has_value());
  EXPECT_NE(*first, *second);
  // A server that refuses the connect (e.g. it is behind the client) is skipped as well.
  EXPECT_EQ(m.OnConnectResponse(Refuse(Code::kBadArguments), 1),
            SessionMachine::ConnectOutcome::kTryNext);
  m.OnLinkDown(Status(Code::kBadArguments, "behind"), 1);
  std::optional<size_t> third = m.StartAttempt(1);
  ASSERT_TRUE(third.has_value());
  EXPECT_NE(*third, *first);
  EXPECT_NE(*third, *second);
}

TEST(SessionMachineTest, BackoffAfterAFullRoundOfFailuresDoublesUpToTheMaximum) {
  SessionMachine m(Options(1), 0);
  int64_t now = 0;
  for (int round = 0; round < 6; ++round) {
    ASSERT_TRUE(m.StartAttempt(now).has_value()) << round;
    m.OnLinkDown(Status(Code::kConnectionLoss, "refused"), now);
    EXPECT_FALSE(m.StartAttempt(now).has_value()) << "backing off";
    int64_t next = m.NextDeadline(now);
    int64_t wait = next - now;
    // Backoff b in {100, 200, 400, 800, 800...}; the wait is in [b/2, b].
    int64_t b = std::min<int64_t>(800, 100 << round);
    EXPECT_GE(wait, b / 2) << round;
    EXPECT_LE(wait, b) << round;
    EXPECT_FALSE(m.StartAttempt(next - 1).has_value());
    now = next;
  }
  // A success resets the backoff.
  ASSERT_TRUE(m.StartAttempt(now).has_value());
  ASSERT_EQ(m.OnConnectResponse(Accept(9), now), SessionMachine::ConnectOutcome::kConnected);
  m.OnLinkDown(Status(Code::kConnectionLoss, "eof"), now);
  ASSERT_TRUE(m.StartAttempt(now).has_value());
  m.OnLinkDown(Status(Code::kConnectionLoss, "refused"), now);
  EXPECT_LE(m.NextDeadline(now) - now, 100);
}

TEST(SessionMachineTest, PingsAtAThirdAndDropsASilentLinkAtTwoThirds) {
  SessionMachine m(Options(1), 0);
  Connect(m, 0);
  EXPECT_FALSE(m.PingDue(999));
  EXPECT_TRUE(m.PingDue(1000));
  EXPECT_EQ(m.NextDeadline(0), 1000);
  m.OnSent(1000);
  EXPECT_FALSE(m.PingDue(1999));
  EXPECT_EQ(m.NextDeadline(1000), 2000) << "the read deadline";
  EXPECT_FALSE(m.LinkOverdue(1999).has_value());
  std::optional<Status> overdue = m.LinkOverdue(2000);
  ASSERT_TRUE(overdue.has_value());
  EXPECT_EQ(overdue->code(), Code::kConnectionLoss);
  m.OnReceived(0, 1900);
  EXPECT_FALSE(m.LinkOverdue(2000).has_value()) << "heard from it";
}

TEST(SessionMachineTest, AConnectAttemptHasItsShareOfTheTimeout) {
  SessionMachine m(Options(3), 0);
  ASSERT_TRUE(m.StartAttempt(0).has_value());
  EXPECT_EQ(m.NextDeadline(0), 1000);
  EXPECT_FALSE(m.LinkOverdue(999).has_value());
  EXPECT_TRUE(m.LinkOverdue(1000).has_value());
}

TEST(SessionMachineTest, ExpiresLocallyAfterATimeoutOfSilence) {
  SessionMachine m(Options(1), 0);
  Connect(m, 0);
  m.OnReceived(0, 500);
  m.OnLinkDown(Status(Code::kConnectionLoss, "eof"), 600);
  m.TakeEvents();
  EXPECT_FALSE(m.CheckLocalExpiry(3499));
  EXPECT_LE(m.NextDeadline(600), 3500);
  EXPECT_TRUE(m.CheckLocalExpiry(3500));
  EXPECT_EQ(m.state(), SessionState::kExpired);
  std::vector<SessionEvent> events = m.TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].state, SessionState::kExpired);
  EXPECT_EQ(events[0].reason.code(), Code::kSessionExpired);
  EXPECT_FALSE(m.StartAttempt(4000).has_value()) << "final";
  EXPECT_EQ(m.NextDeadline(4000), std::numeric_limits<int64_t>::max());
}

TEST(SessionMachineTest, NoLocalExpiryWhenDisabledOrWithoutASession) {
  SessionMachineOptions o = Options(1);
  o.expire_when_disconnected = false;
  SessionMachine m(o, 0);
  Connect(m, 0);
  m.OnLinkDown(Status(Code::kConnectionLoss, "eof"), 0);
  EXPECT_FALSE(m.CheckLocalExpiry(100000));
  EXPECT_EQ(m.state(), SessionState::kSuspended);

  SessionMachine fresh(Options(1), 0);  // never connected: nothing to expire
  EXPECT_FALSE(fresh.CheckLocalExpiry(100000));
  EXPECT_EQ(fresh.state(), SessionState::kConnecting);
}

TEST(SessionMachineTest, TheServerSaysExpiredOrAuthFailed) {
  for (Code code : {Code::kSessionExpired, Code::kAuthFailed}) {
    SessionMachine m(Options(2), 0);
    Connect(m, 0);
    m.OnLinkDown(Status(Code::kConnectionLoss, "eof"), 10);
    ASSERT_TRUE(m.StartAttempt(10).has_value());
    EXPECT_EQ(m.OnConnectResponse(Refuse(code), 20), SessionMachine::ConnectOutcome::kSessionEnded);
    EXPECT_EQ(m.state(),
              code == Code::kSessionExpired ? SessionState::kExpired : SessionState::kAuthFailed);
    EXPECT_EQ(m.link(), SessionMachine::Link::kIdle);
    EXPECT_FALSE(m.StartAttempt(1000).has_value());
    std::vector<SessionEvent> events = m.TakeEvents();
    ASSERT_EQ(events.size(), 3u);
    EXPECT_EQ(events[2].reason.code(), code);
  }
}

TEST(SessionMachineTest, ResumesASessionGivenInTheOptions) {
  SessionMachineOptions o = Options(1);
  o.session_id = 1234;
  o.password = "secret";
  SessionMachine m(o, 0);
  ASSERT_TRUE(m.StartAttempt(0).has_value());
  EXPECT_EQ(m.MakeConnectRequest().session_id, 1234);
  EXPECT_EQ(m.MakeConnectRequest().password, "secret");
  // A reply for another session is not ours.
  EXPECT_EQ(m.OnConnectResponse(Accept(99), 1), SessionMachine::ConnectOutcome::kTryNext);
  m.OnLinkDown(Status(Code::kMarshallingError, "wrong session"), 1);
  ASSERT_TRUE(m.StartAttempt(1000).has_value());
  EXPECT_EQ(m.OnConnectResponse(Refuse(Code::kSessionExpired), 1001),
            SessionMachine::ConnectOutcome::kSessionEnded);
  EXPECT_EQ(m.state(), SessionState::kExpired);
}

TEST(SessionMachineTest, CloseIsFinal) {
  SessionMachine m(Options(1), 0);
  Connect(m, 0);
  m.TakeEvents();
  m.Close(Status::Ok());
  EXPECT_EQ(m.state(), SessionState::kClosed);
  std::vector<SessionEvent> events = m.TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].state, SessionState::kClosed);
  m.Close(Status::Ok());
  EXPECT_TRUE(m.TakeEvents().empty()) << "once";
  EXPECT_FALSE(m.StartAttempt(10).has_value());
  EXPECT_FALSE(m.PingDue(100000));
}

}  // namespace
}  // namespace coord::client
