#include "coord/server/peer_messages.h"

#include "coord/base/check.h"
#include "protocol/client_codec.h"
#include "protocol/peer_codec.h"

namespace coord::server {
namespace {

peer::Entry Wire(const zab::Entry& e) { return peer::Entry{e.zxid, e.payload}; }
zab::Entry Core(peer::Entry e) { return zab::Entry{e.zxid, std::move(e.payload)}; }

// The state enums share their values (kLooking .. kObserving = 0 .. 3).
static_assert(static_cast<int>(zab::ServerState::kObserving) ==
              static_cast<int>(peer::ServerState::kObserving));

peer::Message Wire(const zab::Notification& m) {
  return peer::Notification{m.vote.leader, m.vote.zxid, m.vote.epoch, m.round,
                            static_cast<peer::ServerState>(m.state)};
}
peer::Message Wire(const zab::FollowerInfo& m) {
  return peer::FollowerInfo{m.accepted_epoch, m.last_zxid};
}
peer::Message Wire(const zab::LeaderInfo& m) { return peer::LeaderInfo{m.epoch}; }
peer::Message Wire(const zab::AckEpoch& m) {
  return peer::AckEpoch{m.epoch, m.current_epoch, m.last_zxid};
}
peer::Message Wire(const zab::Trunc& m) { return peer::Trunc{m.epoch, m.zxid}; }
peer::Message Wire(const zab::Snap& m) {
  return peer::Snap{m.epoch, m.snapshot.zxid, m.snapshot.data};
}
peer::Message Wire(const zab::Diff& m) {
  peer::Diff out{m.epoch, {}, m.committed_zxid, m.after};
  out.entries.reserve(m.entries.size());
  for (const zab::Entry& e : m.entries) out.entries.push_back(Wire(e));
  return out;
}
peer::Message Wire(const zab::NewLeader& m) { return peer::NewLeader{m.epoch, m.last_zxid}; }
peer::Message Wire(const zab::AckNewLeader& m) { return peer::AckNewLeader{m.epoch, m.zxid}; }
peer::Message Wire(const zab::UpToDate& m) { return peer::UpToDate{m.epoch, m.committed_zxid}; }
peer::Message Wire(const zab::Proposal& m) { return peer::Proposal{m.epoch, Wire(m.entry)}; }
peer::Message Wire(const zab::Ack& m) { return peer::Ack{m.epoch, m.zxid}; }
peer::Message Wire(const zab::Commit& m) { return peer::Commit{m.epoch, m.zxid}; }
peer::Message Wire(const zab::Inform& m) { return peer::Inform{m.epoch, Wire(m.entry)}; }
peer::Message Wire(const zab::Ping& m) { return peer::Ping{m.epoch, m.committed_zxid}; }
peer::Message Wire(const zab::PingAck& m) { return peer::PingAck{m.epoch}; }

Result<zab::Message> Core(peer::Hello) {
  return Status(Code::kMarshallingError, "Hello after the handshake");
}
Result<zab::Message> Core(peer::Notification m) {
  return zab::Message(zab::Notification{zab::Vote{m.leader, m.zxid, m.epoch}, m.round,
                                        static_cast<zab::ServerState>(m.state)});
}
Result<zab::Message> Core(peer::FollowerInfo m) {
  return zab::Message(zab::FollowerInfo{m.accepted_epoch, m.last_zxid});
}
Result<zab::Message> Core(peer::LeaderInfo m) { return zab::Message(zab::LeaderInfo{m.epoch}); }
Result<zab::Message> Core(peer::AckEpoch m) {
  return zab::Message(zab::AckEpoch{m.epoch, m.current_epoch, m.last_zxid});
}
Result<zab::Message> Core(peer::Trunc m) { return zab::Message(zab::Trunc{m.epoch, m.zxid}); }
Result<zab::Message> Core(peer::Snap m) {
  return zab::Message(
      zab::Snap{m.epoch, zab::SnapshotData{m.snapshot_zxid, std::move(m.snapshot_data)}});
}
Result<zab::Message> Core(peer::Diff m) {
  zab::Diff out{m.epoch, {}, m.committed_zxid, m.after};
  out.entries.reserve(m.entries.size());
  for (peer::Entry& e : m.entries) out.entries.push_back(Core(std::move(e)));
  return zab::Message(std::move(out));
}
Result<zab::Message> Core(peer::NewLeader m) {
  return zab::Message(zab::NewLeader{m.epoch, m.last_zxid});
}
Result<zab::Message> Core(peer::AckNewLeader m) {
  return zab::Message(zab::AckNewLeader{m.epoch, m.zxid});
}
Result<zab::Message> Core(peer::UpToDate m) {
  return zab::Message(zab::UpToDate{m.epoch, m.committed_zxid});
}
Result<zab::Message> Core(peer::Proposal m) {
  return zab::Message(zab::Proposal{m.epoch, Core(std::move(m.entry))});
}
Result<zab::Message> Core(peer::Ack m) { return zab::Message(zab::Ack{m.epoch, m.zxid}); }
Result<zab::Message> Core(peer::Commit m) { return zab::Message(zab::Commit{m.epoch, m.zxid}); }
Result<zab::Message> Core(peer::Inform m) {
  return zab::Message(zab::Inform{m.epoch, Core(std::move(m.entry))});
}
Result<zab::Message> Core(peer::Ping m) {
  return zab::Message(zab::Ping{m.epoch, m.committed_zxid});
}
Result<zab::Message> Core(peer::PingAck m) { return zab::Message(zab::PingAck{m.epoch}); }

// The member messages are the replica's, not Zab's.
Status NotZab(const peer::Message& m) {
  return Status(Code::kMarshallingError,
                std::string(PeerMessageName(m)) + " is a member message, not a Zab message");
}
Result<zab::Message> Core(peer::Forward m) { return NotZab(std::move(m)); }
Result<zab::Message> Core(peer::ForwardReply m) { return NotZab(std::move(m)); }
Result<zab::Message> Core(peer::SessionTouches m) { return NotZab(std::move(m)); }

// --- member messages ----------------------------------------------------------------------------

peer::Message Wire(const ForwardRequest& m) {
  peer::Forward out;
  out.session = m.session;
  out.request_id = m.request_id;
  out.identities.reserve(m.auth.identities.size());
  for (const Identity& i : m.auth.identities) out.identities.push_back({i.scheme, i.id});
  out.superuser = m.auth.superuser;
  if (const auto* op = std::get_if<ClientOp>(&m.op)) {
    out.client_request = EncodeClientMessage(ClientMessage(ClientRequest{m.request_id, *op}));
  } else {
    const auto& create = std::get<CreateSessionRequest>(m.op);
    CHECK(create.session_id == m.session)
        << "a forwarded session create names session " << create.session_id << " in a request of "
        << m.session << "; the wire carries one";
    out.session_timeout_ms = create.timeout_ms;
    out.session_password = create.password;
  }
  return out;
}
peer::Message Wire(const ForwardReply& m) {
  return peer::ForwardReply{m.session, m.request_id, static_cast<int32_t>(m.code), m.message,
                            m.zxid};
}
peer::Message Wire(const SessionTouches& m) { return peer::SessionTouches{m.sessions}; }

Status NotMember(const peer::Message& m) {
  return Status(Code::kMarshallingError,
                std::string(PeerMessageName(m)) + " is not a member message");
}

Result<MemberMessage> Member(peer::Forward m) {
  ForwardRequest out;
  out.session = m.session;
  out.request_id = m.request_id;
  out.auth.identities.reserve(m.identities.size());
  for (peer::Identity& i : m.identities) {
    out.auth.identities.push_back(Identity{std::move(i.scheme), std::move(i.id)});
  }
  out.auth.superuser = m.superuser;
  if (m.client_request.empty()) {
    out.op = CreateSessionRequest{m.session, m.session_timeout_ms, std::move(m.session_password)};
    return MemberMessage(std::move(out));
  }
  Result<ClientMessage> message = DecodeClientMessage(m.client_request);
  if (!message.ok()) {
    return Status(Code::kMarshallingError,
                  "forward's client request: " + message.status().ToString());
  }
  auto* request = std::get_if<ClientRequest>(&*message);
  if (request == nullptr) {
    return Status(Code::kMarshallingError, "forward's client request is not a ClientRequest");
  }
  if (request->id != m.request_id) {
    return Status(Code::kMarshallingError, "forward's client request has id " +
                                               std::to_string(request->id) + ", not " +
                                               std::to_string(m.request_id));
  }
  out.op = std::move(request->op);
  return MemberMessage(std::move(out));
}
Result<MemberMessage> Member(peer::ForwardReply m) {
  auto code = static_cast<Code>(m.code);
  if (CodeName(code) == "unknown") {
    return Status(Code::kMarshallingError,
                  "forward reply code " + std::to_string(m.code) + " is unknown");
  }
  return MemberMessage(ForwardReply{m.session, m.request_id, code, std::move(m.message), m.zxid});
}
Result<MemberMessage> Member(peer::SessionTouches m) {
  return MemberMessage(SessionTouches{std::move(m.sessions)});
}
template <typename T>
Result<MemberMessage> Member(T m) {
  return NotMember(std::move(m));
}

}  // namespace

peer::Message ToWire(const zab::Message& message) {
  return std::visit([](const auto& m) { return Wire(m); }, message);
}

Result<zab::Message> FromWire(peer::Message message) {
  return std::visit([](auto& m) { return Core(std::move(m)); }, message);
}

peer::Message ToWire(const MemberMessage& message) {
  return std::visit([](const auto& m) { return Wire(m); }, message);
}

Result<MemberMessage> MemberFromWire(peer::Message message) {
  return std::visit([](auto& m) { return Member(std::move(m)); }, message);
}

}  // namespace coord::server
