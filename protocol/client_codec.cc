// Encoding half of the client codec (decoding is in client_decode.cc), and ClientOpName.
#include "protocol/client_codec.h"

#include <flatbuffers/flatbuffers.h>

#include <iterator>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "protocol/client_wire.h"

namespace coord {
namespace {

namespace fb = coord::fb;
using client_wire::UnionEnum;
using client_wire::UnionType;
using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;
using flatbuffers::String;
using flatbuffers::Vector;

Offset<Vector<uint8_t>> PutBytes(FlatBufferBuilder& b, const std::string& s) {
  return b.CreateVector(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
Offset<Vector<Offset<String>>> PutStrings(FlatBufferBuilder& b, const std::vector<std::string>& v) {
  return b.CreateVectorOfStrings(v);
}
Offset<Vector<Offset<fb::Acl>>> PutAcl(FlatBufferBuilder& b, const AclList& acl) {
  std::vector<Offset<fb::Acl>> entries;
  entries.reserve(acl.size());
  for (const Acl& a : acl) {
    auto scheme = b.CreateString(a.scheme);
    auto id = b.CreateString(a.id);
    entries.push_back(fb::CreateAcl(b, a.perms, scheme, id));
  }
  return b.CreateVector(entries);
}
fb::Stat PutStat(const Stat& s) {
  return fb::Stat(s.czxid, s.mzxid, s.pzxid, s.ctime_ms, s.mtime_ms, s.version, s.cversion,
                  s.aversion, s.ephemeral_owner, s.data_length, s.num_children);
}

// The union member that carries v's alternative: its type and its table, built by the Put overload
// for that alternative. Defined after every Put, so that its lookup of Put sees them all.
template <typename Variant>
std::pair<UnionEnum<Variant>, Offset<void>> PutUnion(FlatBufferBuilder& b, const Variant& v);

// --- requests -----------------------------------------------------------------------------------

Offset<fb::ConnectRequest> Put(FlatBufferBuilder& b, const ConnectRequest& r) {
  auto password = PutBytes(b, r.password);
  return fb::CreateConnectRequest(b, r.protocol_version, r.session_id, password, r.timeout_ms,
                                  r.last_zxid_seen);
}
Offset<fb::CreateRequest> Put(FlatBufferBuilder& b, const CreateRequest& r) {
  auto path = b.CreateString(r.path);
  auto data = PutBytes(b, r.data);
  auto acl = PutAcl(b, r.acl);
  return fb::CreateCreateRequest(b, path, data, acl, static_cast<fb::NodeKind>(r.kind),
                                 r.sequential, r.ttl_ms);
}
Offset<fb::DeleteRequest> Put(FlatBufferBuilder& b, const DeleteRequest& r) {
  auto path = b.CreateString(r.path);
  return fb::CreateDeleteRequest(b, path, r.version);
}
Offset<fb::SetDataRequest> Put(FlatBufferBuilder& b, const SetDataRequest& r) {
  auto path = b.CreateString(r.path);
  auto data = PutBytes(b, r.data);
  return fb::CreateSetDataRequest(b, path, data, r.version);
}
Offset<fb::SetAclRequest> Put(FlatBufferBuilder& b, const SetAclRequest& r) {
  auto path = b.CreateString(r.path);
  auto acl = PutAcl(b, r.acl);
  return fb::CreateSetAclRequest(b, path, acl, r.version);
}
Offset<fb::CheckRequest> Put(FlatBufferBuilder& b, const CheckRequest& r) {
  auto path = b.CreateString(r.path);
  return fb::CreateCheckRequest(b, path, r.version);
}
Offset<fb::ExistsRequest> Put(FlatBufferBuilder& b, const ExistsRequest& r) {
  auto path = b.CreateString(r.path);
  return fb::CreateExistsRequest(b, path, r.watch);
}
Offset<fb::GetDataRequest> Put(FlatBufferBuilder& b, const GetDataRequest& r) {
  auto path = b.CreateString(r.path);
  return fb::CreateGetDataRequest(b, path, r.watch);
}
Offset<fb::GetChildrenRequest> Put(FlatBufferBuilder& b, const GetChildrenRequest& r) {
  auto path = b.CreateString(r.path);
  auto after = b.CreateString(r.after);
  return fb::CreateGetChildrenRequest(b, path, r.watch, after, r.limit, r.all);
}
Offset<fb::GetAclRequest> Put(FlatBufferBuilder& b, const GetAclRequest& r) {
  return fb::CreateGetAclRequest(b, b.CreateString(r.path));
}
Offset<fb::SyncRequest> Put(FlatBufferBuilder& b, const SyncRequest& r) {
  return fb::CreateSyncRequest(b, b.CreateString(r.path));
}
Offset<fb::AddWatchRequest> Put(FlatBufferBuilder& b, const AddWatchRequest& r) {
  auto path = b.CreateString(r.path);
  return fb::CreateAddWatchRequest(b, path, static_cast<fb::AddWatchMode>(r.mode));
}
Offset<fb::RemoveWatchesRequest> Put(FlatBufferBuilder& b, const RemoveWatchesRequest& r) {
  auto path = b.CreateString(r.path);
  return fb::CreateRemoveWatchesRequest(b, path, static_cast<fb::WatcherType>(r.type),
                                        r.check_only);
}
Offset<fb::SetWatchesRequest> Put(FlatBufferBuilder& b, const SetWatchesRequest& r) {
  auto data = PutStrings(b, r.data);
  auto exist = PutStrings(b, r.exist);
  auto child = PutStrings(b, r.child);
  auto persistent = PutStrings(b, r.persistent);
  auto recursive = PutStrings(b, r.persistent_recursive);
  return fb::CreateSetWatchesRequest(b, r.relative_zxid, data, exist, child, persistent, recursive);
}
Offset<fb::GetEphemeralsRequest> Put(FlatBufferBuilder& b, const GetEphemeralsRequest& r) {
  return fb::CreateGetEphemeralsRequest(b, b.CreateString(r.prefix));
}
Offset<fb::AddAuthRequest> Put(FlatBufferBuilder& b, const AddAuthRequest& r) {
  auto scheme = b.CreateString(r.scheme);
  auto auth = PutBytes(b, r.auth);
  return fb::CreateAddAuthRequest(b, scheme, auth);
}
Offset<fb::WhoAmIRequest> Put(FlatBufferBuilder& b, const WhoAmIRequest&) {
  return fb::CreateWhoAmIRequest(b);
}
Offset<fb::ServerStatusRequest> Put(FlatBufferBuilder& b, const ServerStatusRequest&) {
  return fb::CreateServerStatusRequest(b);
}
Offset<fb::PingRequest> Put(FlatBufferBuilder& b, const PingRequest&) {
  return fb::CreatePingRequest(b);
}
Offset<fb::CloseSessionRequest> Put(FlatBufferBuilder& b, const CloseSessionClientRequest&) {
  return fb::CreateCloseSessionRequest(b);
}
Offset<fb::CountDescendantsRequest> Put(FlatBufferBuilder& b, const CountDescendantsRequest& r) {
  return fb::CreateCountDescendantsRequest(b, b.CreateString(r.path));
}
Offset<fb::MultiRequest> Put(FlatBufferBuilder& b, const MultiRequest& r) {
  std::vector<Offset<fb::MultiRequestEntry>> ops;
  ops.reserve(r.ops.size());
  for (const MultiOpRequest& op : r.ops) {
    auto [type, body] = PutUnion(b, op);
    ops.push_back(fb::CreateMultiRequestEntry(b, type, body));
  }
  return fb::CreateMultiRequest(b, b.CreateVector(ops));
}
Offset<fb::MultiReadRequest> Put(FlatBufferBuilder& b, const MultiReadRequest& r) {
  std::vector<Offset<fb::ReadRequestEntry>> ops;
  ops.reserve(r.ops.size());
  for (const ReadOpRequest& op : r.ops) {
    auto [type, body] = PutUnion(b, op);
    ops.push_back(fb::CreateReadRequestEntry(b, type, body));
  }
  return fb::CreateMultiReadRequest(b, b.CreateVector(ops));
}
Offset<fb::ClientRequest> Put(FlatBufferBuilder& b, const ClientRequest& r) {
  auto [type, body] = PutUnion(b, r.op);
  return fb::CreateClientRequest(b, r.id, type, body);
}

// --- responses ----------------------------------------------------------------------------------

Offset<fb::ConnectResponse> Put(FlatBufferBuilder& b, const ConnectResponse& r) {
  auto message = b.CreateString(r.message);
  auto password = PutBytes(b, r.password);
  return fb::CreateConnectResponse(b, r.protocol_version, static_cast<int32_t>(r.code), message,
                                   r.session_id, password, r.timeout_ms, r.last_zxid);
}
Offset<fb::CreateResponse> Put(FlatBufferBuilder& b, const CreateResponse& r) {
  auto path = b.CreateString(r.path);
  const fb::Stat stat = PutStat(r.stat);
  return fb::CreateCreateResponse(b, path, &stat);
}
Offset<fb::StatResponse> Put(FlatBufferBuilder& b, const StatResponse& r) {
  const fb::Stat stat = PutStat(r.stat);
  return fb::CreateStatResponse(b, &stat);
}
Offset<fb::GetDataResponse> Put(FlatBufferBuilder& b, const GetDataResponse& r) {
  auto data = PutBytes(b, r.data);
  const fb::Stat stat = PutStat(r.stat);
  return fb::CreateGetDataResponse(b, data, &stat);
}
Offset<fb::GetChildrenResponse> Put(FlatBufferBuilder& b, const GetChildrenResponse& r) {
  auto names = PutStrings(b, r.names);
  const fb::Stat stat = PutStat(r.stat);
  return fb::CreateGetChildrenResponse(b, names, &stat, r.more);
}
Offset<fb::GetAclResponse> Put(FlatBufferBuilder& b, const GetAclResponse& r) {
  auto acl = PutAcl(b, r.acl);
  const fb::Stat stat = PutStat(r.stat);
  return fb::CreateGetAclResponse(b, acl, &stat);
}
Offset<fb::MultiResponse> Put(FlatBufferBuilder& b, const MultiResponse& r) {
  std::vector<Offset<fb::OpResponse>> results;
  results.reserve(r.results.size());
  for (const OpResponse& op : r.results) {
    auto path = b.CreateString(op.path);
    auto data = PutBytes(b, op.data);
    auto names = PutStrings(b, op.names);
    const fb::Stat stat = PutStat(op.stat);
    results.push_back(
        fb::CreateOpResponse(b, static_cast<int32_t>(op.code), path, &stat, data, names));
  }
  return fb::CreateMultiResponse(b, b.CreateVector(results));
}
Offset<fb::GetEphemeralsResponse> Put(FlatBufferBuilder& b, const GetEphemeralsResponse& r) {
  return fb::CreateGetEphemeralsResponse(b, PutStrings(b, r.paths));
}
Offset<fb::WhoAmIResponse> Put(FlatBufferBuilder& b, const WhoAmIResponse& r) {
  std::vector<Offset<fb::ClientIdentity>> identities;
  identities.reserve(r.identities.size());
  for (const ClientIdentity& identity : r.identities) {
    auto scheme = b.CreateString(identity.scheme);
    auto id = b.CreateString(identity.id);
    identities.push_back(fb::CreateClientIdentity(b, scheme, id));
  }
  return fb::CreateWhoAmIResponse(b, b.CreateVector(identities));
}
Offset<fb::ServerStatusResponse> Put(FlatBufferBuilder& b, const ServerStatusResponse& r) {
  std::vector<Offset<fb::MemberStatus>> members;
  members.reserve(r.members.size());
  for (const MemberStatus& m : r.members) {
    auto role = b.CreateString(m.role);
    members.push_back(fb::CreateMemberStatus(b, m.id, role, m.last_zxid, m.lag));
  }
  auto members_vector = b.CreateVector(members);
  auto role = b.CreateString(r.role);
  return fb::CreateServerStatusResponse(
      b, role, r.server_id, r.leader_id, r.epoch, r.last_zxid, r.committed_zxid, r.node_count,
      r.session_count, r.watch_count, r.connection_count, r.digest, members_vector);
}
Offset<fb::CountDescendantsResponse> Put(FlatBufferBuilder& b, const CountDescendantsResponse& r) {
  return fb::CreateCountDescendantsResponse(b, r.count);
}
Offset<fb::ClientResponse> Put(FlatBufferBuilder& b, const ClientResponse& r) {
  auto message = b.CreateString(r.message);
  auto [type, body] = PutUnion(b, r.body);
  return fb::CreateClientResponse(b, r.id, r.zxid, static_cast<int32_t>(r.code), message, type,
                                  body);
}
Offset<fb::WatchEvent> Put(FlatBufferBuilder& b, const WatchEventMessage& e) {
  auto path = b.CreateString(e.path);
  return fb::CreateWatchEvent(b, static_cast<fb::WatchEventType>(e.type), path, e.zxid);
}

template <typename Variant>
std::pair<UnionEnum<Variant>, Offset<void>> PutUnion(FlatBufferBuilder& b, const Variant& v) {
  return std::visit(
      [&b](const auto& alternative) -> std::pair<UnionEnum<Variant>, Offset<void>> {
        using T = std::decay_t<decltype(alternative)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return {UnionEnum<Variant>::NONE, Offset<void>()};  // a response without a body
        } else {
          return {UnionType<Variant, T>(), Put(b, alternative).Union()};
        }
      },
      v);
}

std::string Finish(FlatBufferBuilder& b) {
  return std::string(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
}

}  // namespace

std::string EncodeClientMessage(const ClientMessage& message) {
  FlatBufferBuilder b(256);
  auto [type, body] = PutUnion(b, message);
  b.Finish(fb::CreateClientMessage(b, type, body), fb::ClientMessageIdentifier());
  return Finish(b);
}

std::string EncodeServerMessage(const ServerMessage& message) {
  FlatBufferBuilder b(256);
  auto [type, body] = PutUnion(b, message);
  b.Finish(fb::CreateServerMessage(b, type, body), client_wire::kServerMessageIdentifier);
  return Finish(b);
}

const char* ClientOpName(const ClientOp& op) {
  static constexpr const char* kNames[] = {"create",           "delete",         "set_data",
                                           "set_acl",          "check",          "multi",
                                           "exists",           "get_data",       "get_children",
                                           "get_acl",          "multi_read",     "sync",
                                           "add_watch",        "remove_watches", "set_watches",
                                           "get_ephemerals",   "add_auth",       "whoami",
                                           "server_status",    "ping",           "close_session",
                                           "count_descendants"};
  static_assert(std::size(kNames) == std::variant_size_v<ClientOp>);
  return kNames[op.index()];
}

}  // namespace coord
