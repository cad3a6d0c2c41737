// Decoding half of the client codec (encoding is in client_codec.cc): verify, then convert.
#include <flatbuffers/flatbuffers.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "protocol/client_codec.h"
#include "protocol/client_wire.h"

namespace coord {
namespace {

namespace fb = coord::fb;
using client_wire::TableFor;
using client_wire::UnionEnum;
using client_wire::UnionType;
using flatbuffers::Offset;
using flatbuffers::String;
using flatbuffers::Vector;

// The deepest message the codec writes nests 6 tables (ClientMessage, ClientRequest, MultiRequest,
// MultiRequestEntry, CreateRequest, Acl); the schema has no recursion.
constexpr flatbuffers::uoffset_t kMaxDepth = 16;
// Every table the codec writes takes at least 8 bytes of its buffer: the offset that refers to it
// and its own vtable offset. More tables than that means offsets shared to multiply the work.
constexpr size_t kMinTableBytes = 8;
// Likewise a string or byte vector takes at least its 4-byte offset, its 4-byte length and its
// bytes; a vector element table, its offset and its vtable offset.
constexpr size_t kMinStringOverhead = 8;
constexpr size_t kMinElementBytes = 8;

Status Malformed(std::string what) { return Status(Code::kMarshallingError, std::move(what)); }
Status Missing(const char* field) { return Malformed(std::string(field) + " missing"); }

// Copies verified tables into plain values. The bytes a copy may take are bounded by the size of
// the buffer (`budget_`, charged with what each string and vector element took at least in a
// buffer the codec wrote), so offsets shared by a crafted buffer cannot make a 1 MiB frame decode
// into gigabytes. One Reader per decoded message.
class Reader {
 public:
  explicit Reader(size_t budget) : budget_(budget) {}

  Status Charge(size_t bytes) {
    if (bytes > budget_) return Malformed("message decodes to more than its size (shared offsets)");
    budget_ -= bytes;
    return Status::Ok();
  }
  // An absent string reads as "".
  Status Str(const String* s, std::string* out) {
    if (s == nullptr) return Status::Ok();
    COORD_RETURN_IF_ERROR(Charge(s->size() + kMinStringOverhead));
    out->assign(s->c_str(), s->size());
    return Status::Ok();
  }
  Status RequiredStr(const String* s, const char* field, std::string* out) {
    if (s == nullptr) return Missing(field);
    return Str(s, out);
  }
  Status Bytes(const Vector<uint8_t>* v, std::string* out) {
    if (v == nullptr) return Status::Ok();
    COORD_RETURN_IF_ERROR(Charge(v->size() + kMinStringOverhead));
    out->assign(reinterpret_cast<const char*>(v->data()), v->size());
    return Status::Ok();
  }
  Status Strings(const Vector<Offset<String>>* v, std::vector<std::string>* out) {
    if (v == nullptr) return Status::Ok();
    // Charged for every element before any is allocated, then for each one's bytes.
    COORD_RETURN_IF_ERROR(Charge(size_t{v->size()} * kMinStringOverhead));
    out->resize(v->size());
    for (flatbuffers::uoffset_t i = 0; i < v->size(); ++i) {
      const String* s = v->Get(i);
      COORD_RETURN_IF_ERROR(Charge(s->size()));
      (*out)[i].assign(s->c_str(), s->size());
    }
    return Status::Ok();
  }
  // Converts each table of a vector with `get(reader, table, &element)`.
  template <typename Table, typename T, typename Get>
  Status Tables(const Vector<Offset<Table>>* v, std::vector<T>* out, Get get) {
    if (v == nullptr) return Status::Ok();
    COORD_RETURN_IF_ERROR(Charge(size_t{v->size()} * kMinElementBytes));
    out->resize(v->size());
    for (flatbuffers::uoffset_t i = 0; i < v->size(); ++i) {
      COORD_RETURN_IF_ERROR(get(*this, *v->Get(i), &(*out)[i]));
    }
    return Status::Ok();
  }

 private:
  size_t budget_;
};

// A schema enum: contiguous from MIN to MAX, with the plain enum's values (client_wire.h).
template <typename Plain, typename Wire>
Status GetEnum(Wire value, const char* field, Plain* out) {
  const int v = static_cast<int>(value);
  if (v < static_cast<int>(Wire::MIN) || v > static_cast<int>(Wire::MAX)) {
    return Malformed(std::string(field) + " has unknown value " + std::to_string(v));
  }
  *out = static_cast<Plain>(v);
  return Status::Ok();
}
Status GetCode(int32_t code, const char* field, Code* out) {
  if (code < 0 || code > client_wire::kMaxWireCode) {
    return Malformed(std::string(field) + " has unknown code " + std::to_string(code));
  }
  *out = static_cast<Code>(code);
  return Status::Ok();
}
Stat GetStat(const fb::Stat& s) {
  return Stat{s.czxid(),           s.mzxid(),       s.pzxid(),       s.ctime_ms(),
              s.mtime_ms(),        s.version(),     s.cversion(),    s.aversion(),
              s.ephemeral_owner(), s.data_length(), s.num_children()};
}
Status RequiredStat(const fb::Stat* s, const char* field, Stat* out) {
  if (s == nullptr) return Missing(field);
  *out = GetStat(*s);
  return Status::Ok();
}
Status GetAcl(Reader& r, const Vector<Offset<fb::Acl>>* v, AclList* out) {
  return r.Tables(v, out, [](Reader& reader, const fb::Acl& a, Acl* acl) {
    acl->perms = a.perms();
    COORD_RETURN_IF_ERROR(reader.Str(a.scheme(), &acl->scheme));
    return reader.Str(a.id(), &acl->id);
  });
}

// The union member `table` of type `type` into the alternative of Variant it carries. `field`
// names the union field in errors. Defined after every Get, so that its lookup of Get sees them.
template <typename Variant>
Status GetUnion(Reader& r, UnionEnum<Variant> type, const void* table, const char* field,
                Variant* out);

// --- requests -----------------------------------------------------------------------------------

Status Get(Reader& r, const fb::ConnectRequest& t, ConnectRequest* out) {
  out->protocol_version = t.protocol_version();
  out->session_id = t.session_id();
  out->timeout_ms = t.timeout_ms();
  out->last_zxid_seen = t.last_zxid_seen();
  return r.Bytes(t.password(), &out->password);
}
Status Get(Reader& r, const fb::CreateRequest& t, CreateRequest* out) {
  COORD_RETURN_IF_ERROR(r.RequiredStr(t.path(), "CreateRequest.path", &out->path));
  COORD_RETURN_IF_ERROR(r.Bytes(t.data(), &out->data));
  out->acl.clear();  // the plain default is OpenAcl(); the wire's is an empty list
  COORD_RETURN_IF_ERROR(GetAcl(r, t.acl(), &out->acl));
  COORD_RETURN_IF_ERROR(GetEnum(t.kind(), "CreateRequest.kind", &out->kind));
  out->sequential = t.sequential();
  out->ttl_ms = t.ttl_ms();
  return Status::Ok();
}
Status Get(Reader& r, const fb::DeleteRequest& t, DeleteRequest* out) {
  out->version = t.version();
  return r.RequiredStr(t.path(), "DeleteRequest.path", &out->path);
}
Status Get(Reader& r, const fb::SetDataRequest& t, SetDataRequest* out) {
  out->version = t.version();
  COORD_RETURN_IF_ERROR(r.RequiredStr(t.path(), "SetDataRequest.path", &out->path));
  return r.Bytes(t.data(), &out->data);
}
Status Get(Reader& r, const fb::SetAclRequest& t, SetAclRequest* out) {
  out->version = t.version();
  COORD_RETURN_IF_ERROR(r.RequiredStr(t.path(), "SetAclRequest.path", &out->path));
  return GetAcl(r, t.acl(), &out->acl);
}
Status Get(Reader& r, const fb::CheckRequest& t, CheckRequest* out) {
  out->version = t.version();
  return r.RequiredStr(t.path(), "CheckRequest.path", &out->path);
}
Status Get(Reader& r, const fb::MultiRequest& t, MultiRequest* out) {
  return r.Tables(t.ops(), &out->ops,
                  [](Reader& reader, const fb::MultiRequestEntry& e, MultiOpRequest* op) {
                    return GetUnion(reader, e.op_type(), e.op(), "MultiRequestEntry.op", op);
                  });
}
Status Get(Reader& r, const fb::ExistsRequest& t, ExistsRequest* out) {
  out->watch = t.watch();
  return r.RequiredStr(t.path(), "ExistsRequest.path", &out->path);
}
Status Get(Reader& r, const fb::GetDataRequest& t, GetDataRequest* out) {
  out->watch = t.watch();
  return r.RequiredStr(t.path(), "GetDataRequest.path", &out->path);
}
Status Get(Reader& r, const fb::GetChildrenRequest& t, GetChildrenRequest* out) {
  out->watch = t.watch();
  out->limit = t.limit();
  out->all = t.all();
  COORD_RETURN_IF_ERROR(r.RequiredStr(t.path(), "GetChildrenRequest.path", &out->path));
  return r.Str(t.after(), &out->after);
}
Status Get(Reader& r, const fb::GetAclRequest& t, GetAclRequest* out) {
  return r.RequiredStr(t.path(), "GetAclRequest.path", &out->path);
}
Status Get(Reader& r, const fb::MultiReadRequest& t, MultiReadRequest* out) {
  return r.Tables(t.ops(), &out->ops,
                  [](Reader& reader, const fb::ReadRequestEntry& e, ReadOpRequest* op) {
                    return GetUnion(reader, e.op_type(), e.op(), "ReadRequestEntry.op", op);
                  });
}
Status Get(Reader& r, const fb::SyncRequest& t, SyncRequest* out) {
  return r.RequiredStr(t.path(), "SyncRequest.path", &out->path);
}
Status Get(Reader& r, const fb::AddWatchRequest& t, AddWatchRequest* out) {
  COORD_RETURN_IF_ERROR(GetEnum(t.mode(), "AddWatchRequest.mode", &out->mode));
  return r.RequiredStr(t.path(), "AddWatchRequest.path", &out->path);
}
Status Get(Reader& r, const fb::RemoveWatchesRequest& t, RemoveWatchesRequest* out) {
  COORD_RETURN_IF_ERROR(GetEnum(t.type(), "RemoveWatchesRequest.type", &out->type));
  out->check_only = t.check_only();
  return r.RequiredStr(t.path(), "RemoveWatchesRequest.path", &out->path);
}
Status Get(Reader& r, const fb::SetWatchesRequest& t, SetWatchesRequest* out) {
  out->relative_zxid = t.relative_zxid();
  COORD_RETURN_IF_ERROR(r.Strings(t.data(), &out->data));
  COORD_RETURN_IF_ERROR(r.Strings(t.exist(), &out->exist));
  COORD_RETURN_IF_ERROR(r.Strings(t.child(), &out->child));
  COORD_RETURN_IF_ERROR(r.Strings(t.persistent(), &out->persistent));
  return r.Strings(t.persistent_recursive(), &out->persistent_recursive);
}
Status Get(Reader& r, const fb::GetEphemeralsRequest& t, GetEphemeralsRequest* out) {
  return r.RequiredStr(t.prefix(), "GetEphemeralsRequest.prefix", &out->prefix);
}
Status Get(Reader& r, const fb::AddAuthRequest& t, AddAuthRequest* out) {
  COORD_RETURN_IF_ERROR(r.Str(t.scheme(), &out->scheme));
  return r.Bytes(t.auth(), &out->auth);
}
Status Get(Reader&, const fb::WhoAmIRequest&, WhoAmIRequest*) { return Status::Ok(); }
Status Get(Reader&, const fb::ServerStatusRequest&, ServerStatusRequest*) { return Status::Ok(); }
Status Get(Reader&, const fb::PingRequest&, PingRequest*) { return Status::Ok(); }
Status Get(Reader&, const fb::CloseSessionRequest&, CloseSessionClientRequest*) {
  return Status::Ok();
}
Status Get(Reader& r, const fb::CountDescendantsRequest& t, CountDescendantsRequest* out) {
  return r.RequiredStr(t.path(), "CountDescendantsRequest.path", &out->path);
}
Status Get(Reader& r, const fb::ClientRequest& t, ClientRequest* out) {
  out->id = t.id();
  return GetUnion(r, t.body_type(), t.body(), "ClientRequest.body", &out->op);
}

// --- responses ----------------------------------------------------------------------------------

Status Get(Reader& r, const fb::ConnectResponse& t, ConnectResponse* out) {
  out->protocol_version = t.protocol_version();
  out->session_id = t.session_id();
  out->timeout_ms = t.timeout_ms();
  out->last_zxid = t.last_zxid();
  COORD_RETURN_IF_ERROR(GetCode(t.code(), "ConnectResponse.code", &out->code));
  COORD_RETURN_IF_ERROR(r.Str(t.message(), &out->message));
  return r.Bytes(t.password(), &out->password);
}
Status Get(Reader& r, const fb::CreateResponse& t, CreateResponse* out) {
  COORD_RETURN_IF_ERROR(RequiredStat(t.stat(), "CreateResponse.stat", &out->stat));
  return r.RequiredStr(t.path(), "CreateResponse.path", &out->path);
}
Status Get(Reader&, const fb::StatResponse& t, StatResponse* out) {
  return RequiredStat(t.stat(), "StatResponse.stat", &out->stat);
}
Status Get(Reader& r, const fb::GetDataResponse& t, GetDataResponse* out) {
  COORD_RETURN_IF_ERROR(RequiredStat(t.stat(), "GetDataResponse.stat", &out->stat));
  return r.Bytes(t.data(), &out->data);
}
Status Get(Reader& r, const fb::GetChildrenResponse& t, GetChildrenResponse* out) {
  COORD_RETURN_IF_ERROR(RequiredStat(t.stat(), "GetChildrenResponse.stat", &out->stat));
  out->more = t.more();
  return r.Strings(t.names(), &out->names);
}
Status Get(Reader& r, const fb::GetAclResponse& t, GetAclResponse* out) {
  COORD_RETURN_IF_ERROR(RequiredStat(t.stat(), "GetAclResponse.stat", &out->stat));
  return GetAcl(r, t.acl(), &out->acl);
}
Status Get(Reader& r, const fb::MultiResponse& t, MultiResponse* out) {
  return r.Tables(t.results(), &out->results,
                  [](Reader& reader, const fb::OpResponse& o, OpResponse* op) {
                    COORD_RETURN_IF_ERROR(GetCode(o.code(), "OpResponse.code", &op->code));
                    if (o.stat() != nullptr) op->stat = GetStat(*o.stat());
                    COORD_RETURN_IF_ERROR(reader.Str(o.path(), &op->path));
                    COORD_RETURN_IF_ERROR(reader.Bytes(o.data(), &op->data));
                    return reader.Strings(o.names(), &op->names);
                  });
}
Status Get(Reader& r, const fb::GetEphemeralsResponse& t, GetEphemeralsResponse* out) {
  return r.Strings(t.paths(), &out->paths);
}
Status Get(Reader& r, const fb::WhoAmIResponse& t, WhoAmIResponse* out) {
  return r.Tables(t.identities(), &out->identities,
                  [](Reader& reader, const fb::ClientIdentity& i, ClientIdentity* identity) {
                    COORD_RETURN_IF_ERROR(reader.Str(i.scheme(), &identity->scheme));
                    return reader.Str(i.id(), &identity->id);
                  });
}
Status Get(Reader&, const fb::CountDescendantsResponse& t, CountDescendantsResponse* out) {
  out->count = t.count();
  return Status::Ok();
}
Status Get(Reader& r, const fb::ServerStatusResponse& t, ServerStatusResponse* out) {
  out->server_id = t.server_id();
  out->leader_id = t.leader_id();
  out->epoch = t.epoch();
  out->last_zxid = t.last_zxid();
  out->committed_zxid = t.committed_zxid();
  out->node_count = t.node_count();
  out->session_count = t.session_count();
  out->watch_count = t.watch_count();
  out->connection_count = t.connection_count();
  out->digest = t.digest();
  COORD_RETURN_IF_ERROR(r.Str(t.role(), &out->role));
  return r.Tables(t.members(), &out->members,
                  [](Reader& reader, const fb::MemberStatus& m, MemberStatus* member) {
                    member->id = m.id();
                    member->last_zxid = m.last_zxid();
                    member->lag = m.lag();
                    return reader.Str(m.role(), &member->role);
                  });
}
Status Get(Reader& r, const fb::ClientResponse& t, ClientResponse* out) {
  out->id = t.id();
  out->zxid = t.zxid();
  COORD_RETURN_IF_ERROR(GetCode(t.code(), "ClientResponse.code", &out->code));
  COORD_RETURN_IF_ERROR(r.Str(t.message(), &out->message));
  return GetUnion(r, t.body_type(), t.body(), "ClientResponse.body", &out->body);
}
Status Get(Reader& r, const fb::WatchEvent& t, WatchEventMessage* out) {
  out->zxid = t.zxid();
  COORD_RETURN_IF_ERROR(GetEnum(t.type(), "WatchEvent.type", &out->type));
  return r.RequiredStr(t.path(), "WatchEvent.path", &out->path);
}

// Tries alternative I of Variant, then the next; past the last, the type is unknown.
template <typename Variant, size_t I = 0>
Status GetAlternative(Reader& r, UnionEnum<Variant> type, const void* table, const char* field,
                      Variant* out) {
  if constexpr (I == std::variant_size_v<Variant>) {
    return Malformed(std::string(field) + " has unknown type " +
                     std::to_string(static_cast<int>(type)));
  } else {
    using T = std::variant_alternative_t<I, Variant>;
    if constexpr (std::is_same_v<T, std::monostate>) {
      if (type == UnionEnum<Variant>::NONE) {
        *out = std::monostate();
        return Status::Ok();
      }
    } else if (type == UnionType<Variant, T>()) {
      // The Verifier accepts a union whose type is set and whose table is absent.
      if (table == nullptr) return Missing(field);
      T value;
      COORD_RETURN_IF_ERROR(Get(r, *static_cast<const TableFor<T>*>(table), &value));
      *out = std::move(value);
      return Status::Ok();
    }
    return GetAlternative<Variant, I + 1>(r, type, table, field, out);
  }
}

template <typename Variant>
Status GetUnion(Reader& r, UnionEnum<Variant> type, const void* table, const char* field,
                Variant* out) {
  // Only a response may lack a body (std::monostate); every other union is required.
  constexpr bool kOptional = std::is_same_v<std::variant_alternative_t<0, Variant>, std::monostate>;
  if (!kOptional && type == UnionEnum<Variant>::NONE) return Missing(field);
  return GetAlternative(r, type, table, field, out);
}

// Verifies `bytes` as a buffer with root table Root and `identifier`, then converts its `body`.
template <typename Root, typename Message>
Result<Message> Decode(std::string_view bytes, const char* identifier, const char* what,
                       const char* body_field) {
  if (bytes.empty()) return Malformed(std::string("empty ") + what);
  if (bytes.size() >= FLATBUFFERS_MAX_BUFFER_SIZE) {
    return Malformed(std::string(what) + " of " + std::to_string(bytes.size()) +
                     " bytes is too large");
  }
  // FlatBuffers reads scalars in place, and a frame may start anywhere in a read buffer; its
  // alignment checks are relative to the buffer start, so the start itself must be 8-aligned.
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
  if (!verifier.VerifyBuffer<Root>(identifier)) {
    if (bytes.size() >= 8 && !flatbuffers::BufferHasIdentifier(data, identifier)) {
      return Malformed(std::string("not a ") + what + " (file identifier is not " + identifier +
                       ")");
    }
    return Malformed(std::string(what) + " fails FlatBuffers verification");
  }
  const Root* root = flatbuffers::GetRoot<Root>(data);
  Reader reader(bytes.size());
  Message out;
  COORD_RETURN_IF_ERROR(GetUnion(reader, root->body_type(), root->body(), body_field, &out));
  return out;
}

}  // namespace

Result<ClientMessage> DecodeClientMessage(std::string_view bytes) {
  return Decode<fb::ClientMessage, ClientMessage>(bytes, fb::ClientMessageIdentifier(),
                                                  "client message", "ClientMessage.body");
}

Result<ServerMessage> DecodeServerMessage(std::string_view bytes) {
  return Decode<fb::ServerMessage, ServerMessage>(bytes, client_wire::kServerMessageIdentifier,
                                                  "server message", "ServerMessage.body");
}

}  // namespace coord
