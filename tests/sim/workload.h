// Workload: the seeded clients of tests/sim. Each client owns one session at a time and is
// connected to one serving member: it creates its session there (Replica::CreateSession), sends
// requests (Submit) and reads the member's output; when the member closes its connection (an
// Outbound with close) or crashes, or at random, it resumes the session on a serving member
// (ResumeSession, with the last zxid it saw). Requests: creates (persistent, ephemeral,
// sequential), sets, deletes, multis, sync followed by a read, reads of its own writes, pings and
// closes; some clients go silent so their sessions expire.
//
// It records what clients were told: a write is acknowledged when its client got kOk. Objects
// (unique paths /u<client>-<n> that nobody deletes) give the checker what must survive, acked
// ephemerals give it what may only vanish with their session, and reads after a sync (or of the
// client's own acknowledged object) must see the acknowledged objects (rule 8, FIFO per session).
//
// Threading: none; owned by the SimCluster.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "coord/base/prng.h"
#include "coord/replica/replica.h"
#include "tests/sim/checker.h"

namespace coord::sim {

// What a simulated client sees of the ensemble; the SimCluster implements it.
class Ensemble {
 public:
  virtual std::vector<zab::MemberId> Serving() const = 0;
  virtual Replica* Member(zab::MemberId id) = 0;  // null while down
  // After every call into Member(id): carry its persist batches, messages and client output.
  virtual void Drain(zab::MemberId id) = 0;
  virtual int64_t now_ms() const = 0;
  virtual void Trace(std::string line) = 0;

 protected:
  ~Ensemble() = default;
};

struct WorkloadOptions {
  int clients = 4;
  uint32_t request_per_mille = 300;  // per client and tick
  uint32_t silent_per_mille = 2;     // per client and tick: the client stops talking
};

class Workload {
 public:
  Workload(Prng* prng, Ensemble* ensemble, Checker* checker, WorkloadOptions options);

  // One tick: every client may connect, resume, send. `writes` false: only pings and resumes.
  void Step(bool writes);
  // A member's output to a session's connection.
  void OnOutput(zab::MemberId from, const Outbound& out);
  // A member crashed: its connections are gone.
  void OnMemberDown(zab::MemberId id);

  // The sessions clients still hold (connected, connecting or about to resume); every other
  // session in a tree is abandoned and must expire.
  std::set<SessionId> HeldSessions() const;
  // The acknowledged objects and what each may hold at the end.
  std::vector<Expectation> Expectations() const;
  size_t acknowledged() const { return acknowledged_; }
  int64_t first_ack_ms() const { return first_ack_ms_; }

 private:
  enum class Kind {
    kObjectCreate,
    kObjectSet,
    kEphemeral,
    kSequential,
    kOther,
    kSync,
    kRead,
    kPing,
    kClose
  };
  struct Request {
    Kind kind = Kind::kOther;
    int object = -1;         // kObjectCreate, kObjectSet: index into objects_
    std::string path;        // kEphemeral, kRead: the path
    std::string data;        // kObjectCreate, kObjectSet
    bool must_see = false;   // kRead: the path is an acknowledged object this read must show
    int64_t after_sync = 0;  // kRead: the sync request just before it (0: a read of own write)
  };
  static Request Req(Kind kind, int object = -1, std::string path = "", std::string data = "");
  enum class State { kIdle, kCreating, kConnected, kDisconnected, kSilent };
  struct Client {
    int index = 0;
    State state = State::kIdle;
    SessionId session = 0;
    std::string password;
    int32_t timeout_ms = 0;
    zab::MemberId member = 0;
    int64_t next_request = 1;
    int64_t connection_first_request = 1;  // the first request sent on this connection
    int64_t last_sent_ms = 0;
    int64_t wake_ms = 0;
    Zxid last_zxid_seen = 0;
    std::map<int64_t, Request> outstanding;
    std::vector<int> objects;  // acknowledged objects it created
    int names = 0;             // unique names used
    bool closing = false;      // it asked to close its session
  };
  struct Object {
    std::string path;
    bool acked = false;
    std::string acked_data;          // the last acknowledged write's data
    std::vector<std::string> maybe;  // data of writes sent but not acknowledged
    bool busy = false;               // a write is outstanding (one at a time)
    int versions = 0;
  };

  void StepClient(Client& c, bool writes);
  void Connect(Client& c);
  void Resume(Client& c);
  void SendSomething(Client& c);
  int64_t Send(Client& c, ClientOp op, Request request);
  ClientOp KeyOp();
  void OnReply(Client& c, const ClientResponse& r);
  void OnWriteAcked(Client& c, const Request& q, const ClientResponse& r);
  void Disconnect(Client& c, const char* why);
  void LoseSession(Client& c, const char* why);
  std::string Key();
  std::string Name(const Client& c) const;
  void Violation(const Client& c, const std::string& what);

  Prng* prng_;
  Ensemble* ensemble_;
  Checker* checker_;
  WorkloadOptions options_;
  std::vector<Client> clients_;
  std::vector<Object> objects_;
  std::set<std::string> sequential_;  // acknowledged sequential paths: never handed out twice
  SessionId next_session_ = 1;
  size_t acknowledged_ = 0;
  int64_t first_ack_ms_ = -1;
};

}  // namespace coord::sim
