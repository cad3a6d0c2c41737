#include "tests/sim/workload.h"

#include <algorithm>

#include "coord/base/check.h"

namespace coord::sim {
namespace {

constexpr int kMaxOutstanding = 3;

CreateRequest Create(std::string path, std::string data, NodeKind kind = NodeKind::kPersistent,
                     bool sequential = false) {
  CreateRequest r;
  r.path = std::move(path);
  r.data = std::move(data);
  r.kind = kind;
  r.sequential = sequential;
  return r;
}

}  // namespace

Workload::Request Workload::Req(Kind kind, int object, std::string path, std::string data) {
  Request r;
  r.kind = kind;
  r.object = object;
  r.path = std::move(path);
  r.data = std::move(data);
  return r;
}

Workload::Workload(Prng* prng, Ensemble* ensemble, Checker* checker, WorkloadOptions options)
    : prng_(prng), ensemble_(ensemble), checker_(checker), options_(options) {
  for (int i = 0; i < options_.clients; ++i) {
    clients_.push_back(Client());
    clients_.back().index = i + 1;
  }
}

std::string Workload::Key() { return "/k" + std::to_string(prng_->Uniform(8)); }

std::string Workload::Name(const Client& c) const {
  return "c" + std::to_string(c.index) + " s" + std::to_string(c.session);
}

void Workload::Violation(const Client& c, const std::string& what) {
  checker_->OnClientViolation("client " + Name(c) + ": " + what);
}

void Workload::Step(bool writes) {
  for (Client& c : clients_) {
    if (ensemble_->now_ms() < c.wake_ms) continue;
    StepClient(c, writes);
  }
}

void Workload::StepClient(Client& c, bool writes) {
  switch (c.state) {
    case State::kIdle:
      if (writes) Connect(c);
      return;
    case State::kCreating:
      return;
    case State::kDisconnected:
      Resume(c);
      return;
    case State::kSilent:
      // It crashed without closing; its old session expires. It comes back with a new one.
      c.state = State::kIdle;
      return;
    case State::kConnected:
      break;
  }
  if (c.closing) return;  // nothing goes after its close
  if (writes && prng_->Uniform(1000) < options_.silent_per_mille) {
    ensemble_->Trace(Name(c) + " goes silent");
    LoseSession(c, nullptr);
    c.state = State::kSilent;
    c.wake_ms = ensemble_->now_ms() + 3000;
    return;
  }
  if (writes && prng_->Uniform(1000) < 4) {  // the client moves to another member
    if (Replica* r = ensemble_->Member(c.member)) r->Detach(c.session);
    Disconnect(c, "moves");
    return;
  }
  if (writes && c.outstanding.size() < kMaxOutstanding &&
      prng_->Uniform(1000) < options_.request_per_mille) {
    SendSomething(c);
  } else if (ensemble_->now_ms() - c.last_sent_ms >= c.timeout_ms / 3) {
    Send(c, PingRequest{}, Req(Kind::kPing));
  }
}

void Workload::Connect(Client& c) {
  const std::vector<zab::MemberId> serving = ensemble_->Serving();
  if (serving.empty()) return;
  c.member = serving[prng_->Uniform(serving.size())];
  c.session = next_session_++;
  c.password = "pw" + std::to_string(c.session);
  c.timeout_ms = 300 + static_cast<int32_t>(prng_->Uniform(1200));
  c.state = State::kCreating;
  c.last_zxid_seen = 0;
  c.next_request = 1;
  c.connection_first_request = 1;
  ensemble_->Trace(Name(c) + " creates its session at m" + std::to_string(c.member));
  ensemble_->Member(c.member)->CreateSession(c.session, c.password, c.timeout_ms,
                                             ensemble_->now_ms());
  ensemble_->Drain(c.member);
}

void Workload::Resume(Client& c) {
  const std::vector<zab::MemberId> serving = ensemble_->Serving();
  if (serving.empty()) return;
  const zab::MemberId m = serving[prng_->Uniform(serving.size())];
  ConnectRequest request;
  request.session_id = c.session;
  request.password = c.password;
  request.timeout_ms = c.timeout_ms;
  request.last_zxid_seen = c.last_zxid_seen;
  const ConnectResponse r = ensemble_->Member(m)->ResumeSession(request, ensemble_->now_ms());
  ensemble_->Drain(m);
  ensemble_->Trace(Name(c) + " resumes at m" + std::to_string(m) + ": " +
                   std::string(CodeName(r.code)));
  switch (r.code) {
    case Code::kOk:
      c.state = State::kConnected;
      c.member = m;
      c.connection_first_request = c.next_request;
      c.last_sent_ms = ensemble_->now_ms();
      return;
    case Code::kSessionExpired:
      LoseSession(c, nullptr);
      return;
    case Code::kBadArguments:  // that member is behind what the client saw: try another
      c.wake_ms = ensemble_->now_ms() + 20;
      return;
    default:
      Violation(c, "resume refused: " + r.message);
  }
}

ClientOp Workload::KeyOp() {
  switch (prng_->Uniform(5)) {
    case 0:
      return Create(Key(), "c" + std::to_string(prng_->Uniform(100)),
                    prng_->Uniform(3) == 0 ? NodeKind::kEphemeral : NodeKind::kPersistent);
    case 1:
      return SetDataRequest{Key(), "s" + std::to_string(prng_->Uniform(100)), kAnyVersion};
    case 2:
      return DeleteRequest{Key(), kAnyVersion};
    case 3: {
      MultiRequest m;
      const uint64_t n = 1 + prng_->Uniform(3);
      for (uint64_t i = 0; i < n; ++i) {
        switch (prng_->Uniform(4)) {
          case 0:
            m.ops.push_back(Create(Key(), "m"));
            break;
          case 1:
            m.ops.push_back(SetDataRequest{Key(), "m" + std::to_string(i), kAnyVersion});
            break;
          case 2:
            m.ops.push_back(DeleteRequest{Key(), kAnyVersion});
            break;
          default:
            m.ops.push_back(CheckRequest{Key(), kAnyVersion});
        }
      }
      return m;
    }
    default:
      return GetDataRequest{Key(), false};
  }
}

void Workload::SendSomething(Client& c) {
  const uint64_t kind = prng_->Uniform(100);
  if (kind < 15) {  // a new object
    const int object = static_cast<int>(objects_.size());
    objects_.push_back(Object());
    Object& o = objects_.back();
    o.path = "/u" + std::to_string(c.index) + "-" + std::to_string(c.names++);
    o.busy = true;
    o.maybe.push_back("v0");
    Send(c, Create(o.path, "v0"), Req(Kind::kObjectCreate, object, o.path, "v0"));
  } else if (kind < 30 && !c.objects.empty()) {  // set one of its objects
    const int object = c.objects[prng_->Uniform(c.objects.size())];
    Object& o = objects_[static_cast<size_t>(object)];
    if (o.busy) return;
    o.busy = true;
    const std::string data = "v" + std::to_string(++o.versions);
    o.maybe.push_back(data);
    Send(c, SetDataRequest{o.path, data, kAnyVersion}, Req(Kind::kObjectSet, object, o.path, data));
  } else if (kind < 40) {
    const std::string path = "/e" + std::to_string(c.session) + "-" + std::to_string(c.names++);
    Send(c, Create(path, "e", NodeKind::kEphemeral), Req(Kind::kEphemeral, -1, path));
  } else if (kind < 47) {
    Send(c, Create("/q-", "q", NodeKind::kPersistent, true), Req(Kind::kSequential));
  } else if (kind < 57) {  // sync, then read an object acknowledged before (rule 8)
    std::vector<int> acked;
    for (size_t i = 0; i < objects_.size(); ++i) {
      if (objects_[i].acked) acked.push_back(static_cast<int>(i));
    }
    if (acked.empty()) return;
    const std::string& path =
        objects_[static_cast<size_t>(acked[prng_->Uniform(acked.size())])].path;
    const int64_t sync = Send(c, SyncRequest{path}, Req(Kind::kSync));
    Request read = Req(Kind::kRead, -1, path);
    read.must_see = true;
    read.after_sync = sync;
    Send(c, GetDataRequest{path, false}, read);
  } else if (kind < 62 && !c.objects.empty()) {  // read its own acknowledged write (FIFO)
    const std::string& path =
        objects_[static_cast<size_t>(c.objects[prng_->Uniform(c.objects.size())])].path;
    Request read = Req(Kind::kRead, -1, path);
    read.must_see = true;
    Send(c, GetDataRequest{path, false}, read);
  } else if (kind < 63) {
    Send(c, CloseSessionClientRequest{}, Req(Kind::kClose));
    c.closing = true;
  } else {
    Send(c, KeyOp(), Req(Kind::kOther));
  }
}

int64_t Workload::Send(Client& c, ClientOp op, Request request) {
  const int64_t id = c.next_request++;  // never reused within a session, across connections too
  if (request.kind != Kind::kPing) {
    ensemble_->Trace(Name(c) + " #" + std::to_string(id) + " " + ClientOpName(op) + " " +
                     request.path + " at m" + std::to_string(c.member));
  }
  c.outstanding.emplace(id, std::move(request));
  c.last_sent_ms = ensemble_->now_ms();
  ensemble_->Member(c.member)->Submit(c.session, ClientRequest{id, std::move(op)},
                                      ensemble_->now_ms());
  ensemble_->Drain(c.member);
  return id;
}

void Workload::OnOutput(zab::MemberId from, const Outbound& out) {
  auto it = std::find_if(clients_.begin(), clients_.end(), [&](const Client& c) {
    return c.session == out.session && c.member == from &&
           (c.state == State::kCreating || c.state == State::kConnected);
  });
  if (it == clients_.end()) return;  // no connection (any more) for that session there
  Client& c = *it;
  if (out.message) {
    if (const auto* r = std::get_if<ConnectResponse>(&*out.message)) {
      if (c.state == State::kCreating && r->code == Code::kOk) {
        c.state = State::kConnected;
        c.timeout_ms = r->timeout_ms;
        c.last_zxid_seen = std::max(c.last_zxid_seen, r->last_zxid);
        c.last_sent_ms = ensemble_->now_ms();
        ensemble_->Trace(Name(c) + " session created at " + ZxidToString(r->last_zxid));
      } else if (c.state == State::kCreating) {
        ensemble_->Trace(Name(c) + " session refused: " + std::string(CodeName(r->code)));
        c.state = State::kIdle;
        c.wake_ms = ensemble_->now_ms() + 20;
        return;
      }
    } else if (const auto* r = std::get_if<ClientResponse>(&*out.message)) {
      if (c.state == State::kConnected) OnReply(c, *r);
    }
  }
  if (out.close && (c.state == State::kConnected || c.state == State::kCreating)) {
    if (Replica* r = ensemble_->Member(from)) r->Detach(c.session);
    Disconnect(c, "connection closed");
  }
}

void Workload::OnReply(Client& c, const ClientResponse& r) {
  auto it = c.outstanding.find(r.id);
  if (it == c.outstanding.end()) {
    // A request of an earlier connection of this session, answered on this one (the member kept
    // the session's queue across Detach); the client gave it up.
    if (r.id < c.connection_first_request) return;
    Violation(c, "a reply to request " + std::to_string(r.id) + " it is not waiting for");
    return;
  }
  if (it != c.outstanding.begin()) {
    Violation(c, "reply to #" + std::to_string(r.id) + " before #" +
                     std::to_string(c.outstanding.begin()->first) + " (session order)");
  }
  const Request q = std::move(it->second);
  c.outstanding.erase(it);
  c.last_zxid_seen = std::max(c.last_zxid_seen, r.zxid);
  if (q.kind != Kind::kPing) {
    ensemble_->Trace(Name(c) + " #" + std::to_string(r.id) + " -> " +
                     std::string(CodeName(r.code)) + " at " + ZxidToString(r.zxid));
  }
  if (r.code == Code::kSessionExpired) {
    if (q.object >= 0) objects_[static_cast<size_t>(q.object)].busy = false;
    LoseSession(c, "session expired");
    return;
  }
  switch (q.kind) {
    case Kind::kObjectCreate:
    case Kind::kObjectSet: {
      Object& o = objects_[static_cast<size_t>(q.object)];
      o.busy = false;
      if (r.code == Code::kOk) {
        o.acked = true;
        o.acked_data = q.data;
        std::erase(o.maybe, q.data);
        if (q.kind == Kind::kObjectCreate) c.objects.push_back(q.object);
        OnWriteAcked(c, q, r);
      }
      return;
    }
    case Kind::kEphemeral:
    case Kind::kSequential:
    case Kind::kOther:
      if (r.code == Code::kOk) OnWriteAcked(c, q, r);
      return;
    case Kind::kRead:
      if (!q.must_see || r.code != Code::kNoNode) return;
      if (q.after_sync != 0) {
        Violation(c, "read of " + q.path + " after sync #" + std::to_string(q.after_sync) +
                         " misses that acknowledged object (rule 8)");
      } else {
        Violation(c, "read of its own acknowledged " + q.path + " misses it (FIFO)");
      }
      return;
    case Kind::kSync:
      if (r.code != Code::kOk) {
        // The read behind it runs without the sync's guarantee.
        for (auto& [id, read] : c.outstanding) {
          if (read.after_sync == r.id) read.must_see = false;
        }
      }
      return;
    case Kind::kClose:
      LoseSession(c, nullptr);
      c.state = State::kIdle;
      return;
    case Kind::kPing:
      return;
  }
}

void Workload::OnWriteAcked(Client& c, const Request& q, const ClientResponse& r) {
  ++acknowledged_;
  if (first_ack_ms_ < 0) first_ack_ms_ = ensemble_->now_ms();
  if (const auto* create = std::get_if<CreateResponse>(&r.body)) {
    checker_->OnAcknowledged(create->stat.czxid);
    if (q.kind == Kind::kEphemeral) {
      checker_->TrackEphemeral(q.path, c.session, create->stat.czxid);
    }
    if (q.kind == Kind::kSequential && !sequential_.insert(create->path).second) {
      Violation(c, "sequential create answered " + create->path + " twice");
    }
  } else if (const auto* set = std::get_if<StatResponse>(&r.body)) {
    checker_->OnAcknowledged(set->stat.mzxid);
  }
}

void Workload::Disconnect(Client& c, const char* why) {
  ensemble_->Trace(Name(c) + " disconnected from m" + std::to_string(c.member) + " (" + why + ")");
  if (c.state == State::kCreating || c.closing) {
    // The create may or may not commit; the session is abandoned (it expires if it exists).
    LoseSession(c, nullptr);
    c.wake_ms = ensemble_->now_ms() + 10;
    return;
  }
  for (auto& [id, q] : c.outstanding) {
    if (q.object >= 0) objects_[static_cast<size_t>(q.object)].busy = false;
  }
  c.outstanding.clear();  // outcomes unknown: they may still commit
  c.state = State::kDisconnected;
  c.member = 0;
  c.wake_ms = ensemble_->now_ms() + 10 + static_cast<int64_t>(prng_->Uniform(40));
}

void Workload::LoseSession(Client& c, const char* why) {
  if (why) ensemble_->Trace(Name(c) + " lost its session (" + why + ")");
  for (auto& [id, q] : c.outstanding) {
    if (q.object >= 0) objects_[static_cast<size_t>(q.object)].busy = false;
  }
  c.outstanding.clear();
  c.state = State::kIdle;
  c.member = 0;
  c.closing = false;
}

void Workload::OnMemberDown(zab::MemberId id) {
  for (Client& c : clients_) {
    if (c.member == id && (c.state == State::kConnected || c.state == State::kCreating)) {
      Disconnect(c, "member crashed");
    }
  }
}

std::set<SessionId> Workload::HeldSessions() const {
  std::set<SessionId> out;
  for (const Client& c : clients_) {
    if (c.state == State::kCreating || c.state == State::kConnected ||
        c.state == State::kDisconnected) {
      out.insert(c.session);
    }
  }
  return out;
}

std::vector<Expectation> Workload::Expectations() const {
  std::vector<Expectation> out;
  for (const Object& o : objects_) {
    if (!o.acked) continue;
    Expectation e{o.path, {o.acked_data}};
    e.allowed.insert(e.allowed.end(), o.maybe.begin(), o.maybe.end());
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace coord::sim
