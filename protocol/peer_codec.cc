#include "protocol/peer_codec.h"

#include <flatbuffers/flatbuffers.h>

#include <cstring>
#include <memory>

#include "protocol/peer_generated.h"

namespace coord {
namespace {

namespace fbp = coord::fb::peer;
using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

// PeerMessage > Diff > [Entry] > Entry (or Forward > [Identity] > Identity): no recursion.
constexpr flatbuffers::uoffset_t kMaxDepth = 8;
// Every table takes at least 8 bytes of a buffer: the offset referring to it and its vtable offset.
constexpr size_t kMinTableBytes = 8;
// An entry costs at least its table and its payload vector's length in a buffer the codec wrote.
constexpr size_t kMinEntryBytes = 12;
// An identity: its table and two string lengths.
constexpr size_t kMinIdentityBytes = 16;

Status Malformed(std::string what) { return Status(Code::kMarshallingError, std::move(what)); }
Status Missing(const char* field) { return Malformed(std::string(field) + " missing"); }

Offset<flatbuffers::Vector<uint8_t>> PutBytes(FlatBufferBuilder& b, const std::string& s) {
  return b.CreateVector(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
Offset<fbp::Entry> PutEntry(FlatBufferBuilder& b, const peer::Entry& e) {
  auto payload = PutBytes(b, e.payload);
  return fbp::CreateEntry(b, e.zxid, payload);
}

// --- encoding: one Put per alternative ---------------------------------------------------------

Offset<void> Put(FlatBufferBuilder& b, const peer::Hello& m) {
  auto cluster = b.CreateString(m.cluster_id);
  return fbp::CreateHello(b, cluster, m.member_id, m.protocol_version).Union();
}
Offset<void> Put(FlatBufferBuilder& b, const peer::Notification& m) {
  return fbp::CreateNotification(b, m.leader, m.zxid, m.epoch, m.round,
                                 static_cast<fbp::ServerState>(m.state))
      .Union();
}
Offset<void> Put(FlatBufferBuilder& b, const peer::FollowerInfo& m) {
  return fbp::CreateFollowerInfo(b, m.accepted_epoch, m.last_zxid).Union();
}
Offset<void> Put(FlatBufferBuilder& b, const peer::LeaderInfo& m) {
  return fbp::CreateLeaderInfo(b, m.epoch).Union();
}
Offset<void> Put(FlatBufferBuilder& b, const peer::AckEpoch& m) {
  return fbp::CreateAckEpoch(b, m.epoch, m.current_epoch, m.last_zxid).Union();
}
Offset<void> Put(FlatBufferBuilder& b, const peer::Trunc& m) {
  return fbp::CreateTrunc(b, m.epoch, m.zxid).Union();
}
Offset<void> Put(FlatBufferBuilder& b, const peer::Snap& m) {
  auto data = PutBytes(b, m.snapshot_data);
  return fbp::CreateSnap(b, m.epoch, m.snapshot_zxid, data).Union();
}
Offset<void> Put(FlatBufferBuilder& b, const peer::Diff& m) {
  std::vector<Offset<fbp::Entry>> entries;
  entries.reserve(m.entries.size());
  for (const peer::Entry& e : m.entries) entries.push_back(PutEntry(b, e));
  auto vec = b.CreateVector(entries);
  return fbp::CreateDiff(b, m.epoch, vec, m.committed_zxid, m.after).Union();
}
Offset<void> Put(FlatBufferBuilder& b, const peer::NewLeader& m) {
  return fbp::CreateNewLeader(b, m.epoch, m.last_zxid).Union();
}
Offset<void> Put(FlatBufferBuilder& b, const peer::AckNewLeader& m) {
  return fbp::CreateAckNewLeader(b, m.epoch, m.zxid).Union();
}
Offset<void> Put(FlatBufferBuilder& b, const peer::UpToDate& m) {
  return fbp::CreateUpToDate(b, m.epoch, m.committed_zxid).Union();
}
Offset<void> Put(FlatBufferBuilder& b, const peer::Proposal& m) {
  auto entry = PutEntry(b, m.entry);
  return fbp::CreateProposal(b, m.epoch, entry).Union();
}
Offset<void> Put(FlatBufferBuilder& b, const peer::Ack& m) {
  return fbp::CreateAck(b, m.epoch, m.zxid).Union();
}
Offset<void> Put(FlatBufferBuilder& b, const peer::Commit& m) {
  return fbp::CreateCommit(b, m.epoch, m.zxid).Union();
}
Offset<void> Put(FlatBufferBuilder& b, const peer::Inform& m) {
  auto entry = PutEntry(b, m.entry);
  return fbp::CreateInform(b, m.epoch, entry).Union();
}
Offset<void> Put(FlatBufferBuilder& b, const peer::Ping& m) {
  return fbp::CreatePing(b, m.epoch, m.committed_zxid).Union();
}
Offset<void> Put(FlatBufferBuilder& b, const peer::PingAck& m) {
  return fbp::CreatePingAck(b, m.epoch).Union();
}
Offset<void> Put(FlatBufferBuilder& b, const peer::Forward& m) {
  std::vector<Offset<fbp::Identity>> identities;
  identities.reserve(m.identities.size());
  for (const peer::Identity& i : m.identities) {
    auto scheme = b.CreateString(i.scheme);
    auto id = b.CreateString(i.id);
    identities.push_back(fbp::CreateIdentity(b, scheme, id));
  }
  auto ids = b.CreateVector(identities);
  auto request = PutBytes(b, m.client_request);
  auto password = PutBytes(b, m.session_password);
  return fbp::CreateForward(b, m.session, m.request_id, ids, m.superuser, request,
                            m.session_timeout_ms, password)
      .Union();
}
Offset<void> Put(FlatBufferBuilder& b, const peer::ForwardReply& m) {
  auto message = b.CreateString(m.message);
  return fbp::CreateForwardReply(b, m.session, m.request_id, m.code, message, m.zxid).Union();
}
Offset<void> Put(FlatBufferBuilder& b, const peer::SessionTouches& m) {
  return fbp::CreateSessionTouches(b, b.CreateVector(m.sessions)).Union();
}

// --- decoding -----------------------------------------------------------------------------------

// Bounds the payload bytes a decoded message holds by the size of the buffer it came from.
class Budget {
 public:
  explicit Budget(size_t bytes) : left_(bytes) {}
  Status Charge(size_t bytes, const char* what) {
    if (bytes > left_) return Malformed(std::string(what) + " shares offsets beyond the buffer");
    left_ -= bytes;
    return Status::Ok();
  }

 private:
  size_t left_;
};

Result<std::string> GetBytes(Budget& budget, const flatbuffers::Vector<uint8_t>* v,
                             const char* what) {
  if (v == nullptr) return std::string();
  COORD_RETURN_IF_ERROR(budget.Charge(v->size(), what));
  return std::string(reinterpret_cast<const char*>(v->data()), v->size());
}

Result<std::string> GetString(Budget& budget, const flatbuffers::String* s, const char* what) {
  if (s == nullptr) return std::string();
  COORD_RETURN_IF_ERROR(budget.Charge(s->size(), what));
  return s->str();
}

Result<peer::Entry> GetEntry(Budget& budget, const fbp::Entry* e, const char* what) {
  if (e == nullptr) return Missing(what);
  COORD_RETURN_IF_ERROR(budget.Charge(kMinEntryBytes, what));
  peer::Entry out;
  out.zxid = e->zxid();
  COORD_ASSIGN_OR_RETURN(out.payload, GetBytes(budget, e->payload(), what));
  return out;
}

Result<peer::ServerState> GetState(fbp::ServerState state) {
  switch (state) {
    case fbp::ServerState::Looking:
      return peer::ServerState::kLooking;
    case fbp::ServerState::Following:
      return peer::ServerState::kFollowing;
    case fbp::ServerState::Leading:
      return peer::ServerState::kLeading;
    case fbp::ServerState::Observing:
      return peer::ServerState::kObserving;
  }
  return Malformed("notification.state " + std::to_string(static_cast<int>(state)) + " is unknown");
}

Result<peer::Message> GetHello(const fbp::Hello* m) {
  if (m->cluster_id() == nullptr) return Missing("hello.cluster_id");
  return peer::Message(peer::Hello{m->cluster_id()->str(), m->member_id(), m->protocol_version()});
}
Result<peer::Message> GetNotification(const fbp::Notification* m) {
  COORD_ASSIGN_OR_RETURN(peer::ServerState state, GetState(m->state()));
  return peer::Message(peer::Notification{m->leader(), m->zxid(), m->epoch(), m->round(), state});
}
Result<peer::Message> GetSnap(Budget& budget, const fbp::Snap* m) {
  peer::Snap out{m->epoch(), m->snapshot_zxid(), {}};
  COORD_ASSIGN_OR_RETURN(out.snapshot_data,
                         GetBytes(budget, m->snapshot_data(), "snap.snapshot_data"));
  return peer::Message(std::move(out));
}
Result<peer::Message> GetDiff(Budget& budget, const fbp::Diff* m) {
  peer::Diff out;
  out.epoch = m->epoch();
  out.committed_zxid = m->committed_zxid();
  out.after = m->after();
  if (m->entries() != nullptr) {
    out.entries.reserve(m->entries()->size());
    for (const fbp::Entry* e : *m->entries()) {
      COORD_ASSIGN_OR_RETURN(peer::Entry entry, GetEntry(budget, e, "diff.entries[]"));
      out.entries.push_back(std::move(entry));
    }
  }
  return peer::Message(std::move(out));
}

Result<peer::Message> GetForward(Budget& budget, const fbp::Forward* m) {
  peer::Forward out;
  out.session = m->session();
  out.request_id = m->request_id();
  out.superuser = m->superuser();
  out.session_timeout_ms = m->session_timeout_ms();
  if (m->identities() != nullptr) {
    out.identities.reserve(m->identities()->size());
    for (const fbp::Identity* i : *m->identities()) {
      if (i == nullptr) return Missing("forward.identities[]");
      COORD_RETURN_IF_ERROR(budget.Charge(kMinIdentityBytes, "forward.identities[]"));
      peer::Identity identity;
      COORD_ASSIGN_OR_RETURN(identity.scheme,
                             GetString(budget, i->scheme(), "forward.identities[].scheme"));
      COORD_ASSIGN_OR_RETURN(identity.id, GetString(budget, i->id(), "forward.identities[].id"));
      out.identities.push_back(std::move(identity));
    }
  }
  COORD_ASSIGN_OR_RETURN(out.client_request,
                         GetBytes(budget, m->client_request(), "forward.client_request"));
  COORD_ASSIGN_OR_RETURN(out.session_password,
                         GetBytes(budget, m->session_password(), "forward.session_password"));
  return peer::Message(std::move(out));
}
Result<peer::Message> GetForwardReply(Budget& budget, const fbp::ForwardReply* m) {
  peer::ForwardReply out{m->session(), m->request_id(), m->code(), {}, m->zxid()};
  COORD_ASSIGN_OR_RETURN(out.message, GetString(budget, m->message(), "forward_reply.message"));
  return peer::Message(std::move(out));
}
Result<peer::Message> GetSessionTouches(Budget& budget, const fbp::SessionTouches* m) {
  peer::SessionTouches out;
  if (m->sessions() != nullptr) {
    COORD_RETURN_IF_ERROR(
        budget.Charge(m->sessions()->size() * sizeof(SessionId), "session_touches.sessions"));
    out.sessions.assign(m->sessions()->begin(), m->sessions()->end());
  }
  return peer::Message(std::move(out));
}

// Converts the verified root's body (the Verifier checked the union's table against its type).
Result<peer::Message> GetBody(Budget& budget, const fbp::PeerMessage* root) {
  // A union's type may be set with its table absent; the Verifier accepts that.
  if (root->body_type() != fbp::Body::NONE && root->body() == nullptr) {
    return Missing("peer message body");
  }
  switch (root->body_type()) {
    case fbp::Body::NONE:
      break;
    case fbp::Body::Hello:
      return GetHello(root->body_as_Hello());
    case fbp::Body::Notification:
      return GetNotification(root->body_as_Notification());
    case fbp::Body::FollowerInfo: {
      const auto* m = root->body_as_FollowerInfo();
      return peer::Message(peer::FollowerInfo{m->accepted_epoch(), m->last_zxid()});
    }
    case fbp::Body::LeaderInfo:
      return peer::Message(peer::LeaderInfo{root->body_as_LeaderInfo()->epoch()});
    case fbp::Body::AckEpoch: {
      const auto* m = root->body_as_AckEpoch();
      return peer::Message(peer::AckEpoch{m->epoch(), m->current_epoch(), m->last_zxid()});
    }
    case fbp::Body::Trunc: {
      const auto* m = root->body_as_Trunc();
      return peer::Message(peer::Trunc{m->epoch(), m->zxid()});
    }
    case fbp::Body::Snap:
      return GetSnap(budget, root->body_as_Snap());
    case fbp::Body::Diff:
      return GetDiff(budget, root->body_as_Diff());
    case fbp::Body::NewLeader: {
      const auto* m = root->body_as_NewLeader();
      return peer::Message(peer::NewLeader{m->epoch(), m->last_zxid()});
    }
    case fbp::Body::AckNewLeader: {
      const auto* m = root->body_as_AckNewLeader();
      return peer::Message(peer::AckNewLeader{m->epoch(), m->zxid()});
    }
    case fbp::Body::UpToDate: {
      const auto* m = root->body_as_UpToDate();
      return peer::Message(peer::UpToDate{m->epoch(), m->committed_zxid()});
    }
    case fbp::Body::Proposal: {
      const auto* m = root->body_as_Proposal();
      COORD_ASSIGN_OR_RETURN(peer::Entry entry, GetEntry(budget, m->entry(), "proposal.entry"));
      return peer::Message(peer::Proposal{m->epoch(), std::move(entry)});
    }
    case fbp::Body::Ack: {
      const auto* m = root->body_as_Ack();
      return peer::Message(peer::Ack{m->epoch(), m->zxid()});
    }
    case fbp::Body::Commit: {
      const auto* m = root->body_as_Commit();
      return peer::Message(peer::Commit{m->epoch(), m->zxid()});
    }
    case fbp::Body::Inform: {
      const auto* m = root->body_as_Inform();
      COORD_ASSIGN_OR_RETURN(peer::Entry entry, GetEntry(budget, m->entry(), "inform.entry"));
      return peer::Message(peer::Inform{m->epoch(), std::move(entry)});
    }
    case fbp::Body::Ping: {
      const auto* m = root->body_as_Ping();
      return peer::Message(peer::Ping{m->epoch(), m->committed_zxid()});
    }
    case fbp::Body::PingAck:
      return peer::Message(peer::PingAck{root->body_as_PingAck()->epoch()});
    case fbp::Body::Forward:
      return GetForward(budget, root->body_as_Forward());
    case fbp::Body::ForwardReply:
      return GetForwardReply(budget, root->body_as_ForwardReply());
    case fbp::Body::SessionTouches:
      return GetSessionTouches(budget, root->body_as_SessionTouches());
  }
  return Malformed("peer message body type " + std::to_string(static_cast<int>(root->body_type())) +
                   " is unknown or missing");
}

}  // namespace

std::string EncodePeerMessage(const peer::Message& message) {
  FlatBufferBuilder b(128);
  Offset<void> body = std::visit([&](const auto& m) { return Put(b, m); }, message);
  // The union's members are declared in the variant's order; NONE is 0.
  auto type = static_cast<fbp::Body>(message.index() + 1);
  fbp::FinishPeerMessageBuffer(b, fbp::CreatePeerMessage(b, type, body));
  return std::string(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
}

Result<peer::Message> DecodePeerMessage(std::string_view bytes) {
  if (bytes.empty()) return Malformed("empty peer message");
  if (bytes.size() >= FLATBUFFERS_MAX_BUFFER_SIZE) {
    return Malformed("peer message of " + std::to_string(bytes.size()) + " bytes is too large");
  }
  // FlatBuffers reads scalars in place; a frame may start anywhere in a read buffer.
  std::unique_ptr<uint64_t[]> aligned;
  if (reinterpret_cast<uintptr_t>(bytes.data()) % alignof(uint64_t) != 0) {
    aligned = std::make_unique_for_overwrite<uint64_t[]>((bytes.size() + 7) / 8);
    std::memcpy(aligned.get(), bytes.data(), bytes.size());
    bytes = std::string_view(reinterpret_cast<const char*>(aligned.get()), bytes.size());
  }
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  flatbuffers::Verifier::Options options;
  options.max_depth = kMaxDepth;
  options.max_tables = static_cast<flatbuffers::uoffset_t>(bytes.size() / kMinTableBytes + 1);
  flatbuffers::Verifier verifier(data, bytes.size(), options);
  if (!fbp::VerifyPeerMessageBuffer(verifier)) {
    if (bytes.size() >= 8 && !fbp::PeerMessageBufferHasIdentifier(data)) {
      return Malformed("not a peer message (file identifier is not CPEE)");
    }
    return Malformed("peer message fails FlatBuffers verification");
  }
  Budget budget(bytes.size());
  return GetBody(budget, fbp::GetPeerMessage(data));
}

const char* PeerMessageName(const peer::Message& message) {
  static constexpr const char* kNames[] = {
      "Hello",    "Notification", "FollowerInfo", "LeaderInfo",   "AckEpoch",
      "Trunc",    "Snap",         "Diff",         "NewLeader",    "AckNewLeader",
      "UpToDate", "Proposal",     "Ack",          "Commit",       "Inform",
      "Ping",     "PingAck",      "Forward",      "ForwardReply", "SessionTouches"};
  static_assert(std::size(kNames) == std::variant_size_v<peer::Message>);
  return kNames[message.index()];
}

}  // namespace coord
