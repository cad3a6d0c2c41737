// Internal to the client codec (client_codec.cc encodes, client_decode.cc decodes): which
// FlatBuffers table of protocol/client.fbs carries each plain type of protocol/client.h, the root
// identifiers, and the wire values of coord::Code. Not for use outside protocol/.
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <type_traits>

#include "protocol/client.h"
#include "protocol/client_generated.h"

namespace coord::client_wire {

// ClientMessage's identifier is declared in client.fbs; a schema names one root, so the server's
// is set here. Distinct identifiers make a frame sent the wrong way round fail verification.
constexpr const char* kServerMessageIdentifier = "CSVM";
static_assert(sizeof("CSVM") == flatbuffers::kFileIdentifierLength + 1);

// Codes cross the wire as coord::Code's numeric values: pin the client-visible ones, so that
// reordering the enum in coord/base/status.h breaks the build instead of deployed clients. Codes
// added after kRuntimeInconsistency shift the internal ones, so a server should not rely on an
// internal code's number.
static_assert(
    static_cast<int>(Code::kOk) == 0 && static_cast<int>(Code::kNoNode) == 1 &&
    static_cast<int>(Code::kNodeExists) == 2 && static_cast<int>(Code::kBadVersion) == 3 &&
    static_cast<int>(Code::kNotEmpty) == 4 &&
    static_cast<int>(Code::kNoChildrenForEphemerals) == 5 &&
    static_cast<int>(Code::kInvalidPath) == 6 && static_cast<int>(Code::kBadArguments) == 7 &&
    static_cast<int>(Code::kInvalidAcl) == 8 && static_cast<int>(Code::kNoAuth) == 9 &&
    static_cast<int>(Code::kAuthFailed) == 10 && static_cast<int>(Code::kSessionExpired) == 11 &&
    static_cast<int>(Code::kSessionMoved) == 12 && static_cast<int>(Code::kConnectionLoss) == 13 &&
    static_cast<int>(Code::kOperationTimeout) == 14 &&
    static_cast<int>(Code::kMarshallingError) == 15 && static_cast<int>(Code::kTooLarge) == 16 &&
    static_cast<int>(Code::kThrottled) == 17 && static_cast<int>(Code::kUnimplemented) == 18 &&
    static_cast<int>(Code::kRuntimeInconsistency) == 19);
// The highest code the codec accepts: every defined code round-trips, internal ones included (a
// server may report kInternal rather than invent a client code). kInternal must stay last.
constexpr int kMaxWireCode = static_cast<int>(Code::kInternal);

// The plain enums and the schema's enums share their numeric values, and each is contiguous from
// MIN to MAX: encoding casts, decoding checks the range and casts.
static_assert(static_cast<int>(fb::NodeKind::MIN) == static_cast<int>(NodeKind::kPersistent) &&
              static_cast<int>(fb::NodeKind::MAX) == static_cast<int>(NodeKind::kTtl));
static_assert(static_cast<int>(fb::AddWatchMode::MIN) ==
                  static_cast<int>(AddWatchMode::kPersistent) &&
              static_cast<int>(fb::AddWatchMode::MAX) ==
                  static_cast<int>(AddWatchMode::kPersistentRecursive));
static_assert(static_cast<int>(fb::WatcherType::MIN) == static_cast<int>(WatcherType::kChildren) &&
              static_cast<int>(fb::WatcherType::MAX) ==
                  static_cast<int>(WatcherType::kPersistentRecursive));
static_assert(static_cast<int>(fb::WatchEventType::MIN) ==
                  static_cast<int>(WatchEventType::kNodeCreated) &&
              static_cast<int>(fb::WatchEventType::MAX) ==
                  static_cast<int>(WatchEventType::kNodeChildrenChanged));

// TableOf declares, for each plain type, the table that carries it; never defined, only named in
// TableFor<T>. Encoding and decoding a union both derive the member's type from it, so the pairing
// is written once.
fb::ConnectRequest* TableOf(ConnectRequest*);
fb::ClientRequest* TableOf(ClientRequest*);
fb::CreateRequest* TableOf(CreateRequest*);
fb::DeleteRequest* TableOf(DeleteRequest*);
fb::SetDataRequest* TableOf(SetDataRequest*);
fb::SetAclRequest* TableOf(SetAclRequest*);
fb::CheckRequest* TableOf(CheckRequest*);
fb::MultiRequest* TableOf(MultiRequest*);
fb::ExistsRequest* TableOf(ExistsRequest*);
fb::GetDataRequest* TableOf(GetDataRequest*);
fb::GetChildrenRequest* TableOf(GetChildrenRequest*);
fb::GetAclRequest* TableOf(GetAclRequest*);
fb::MultiReadRequest* TableOf(MultiReadRequest*);
fb::SyncRequest* TableOf(SyncRequest*);
fb::AddWatchRequest* TableOf(AddWatchRequest*);
fb::RemoveWatchesRequest* TableOf(RemoveWatchesRequest*);
fb::SetWatchesRequest* TableOf(SetWatchesRequest*);
fb::GetEphemeralsRequest* TableOf(GetEphemeralsRequest*);
fb::AddAuthRequest* TableOf(AddAuthRequest*);
fb::WhoAmIRequest* TableOf(WhoAmIRequest*);
fb::ServerStatusRequest* TableOf(ServerStatusRequest*);
fb::PingRequest* TableOf(PingRequest*);
fb::CloseSessionRequest* TableOf(CloseSessionClientRequest*);
fb::CountDescendantsRequest* TableOf(CountDescendantsRequest*);
fb::ConnectResponse* TableOf(ConnectResponse*);
fb::ClientResponse* TableOf(ClientResponse*);
fb::WatchEvent* TableOf(WatchEventMessage*);
fb::CreateResponse* TableOf(CreateResponse*);
fb::StatResponse* TableOf(StatResponse*);
fb::GetDataResponse* TableOf(GetDataResponse*);
fb::GetChildrenResponse* TableOf(GetChildrenResponse*);
fb::GetAclResponse* TableOf(GetAclResponse*);
fb::MultiResponse* TableOf(MultiResponse*);
fb::GetEphemeralsResponse* TableOf(GetEphemeralsResponse*);
fb::WhoAmIResponse* TableOf(WhoAmIResponse*);
fb::ServerStatusResponse* TableOf(ServerStatusResponse*);
fb::CountDescendantsResponse* TableOf(CountDescendantsResponse*);

template <typename T>
using TableFor = std::remove_pointer_t<decltype(TableOf(static_cast<T*>(nullptr)))>;

// UnionTraits<Variant> names the generated traits of the union that carries Variant, e.g.
// fb::RequestBodyTraits<fb::CreateRequest>::enum_value == fb::RequestBody::CreateRequest.
template <typename Variant>
struct UnionTraits;
template <>
struct UnionTraits<ClientMessage> {
  template <typename Table>
  static constexpr auto kType = fb::ClientBodyTraits<Table>::enum_value;
};
template <>
struct UnionTraits<ClientOp> {
  template <typename Table>
  static constexpr auto kType = fb::RequestBodyTraits<Table>::enum_value;
};
template <>
struct UnionTraits<MultiOpRequest> {
  template <typename Table>
  static constexpr auto kType = fb::MultiRequestOpTraits<Table>::enum_value;
};
template <>
struct UnionTraits<ReadOpRequest> {
  template <typename Table>
  static constexpr auto kType = fb::ReadRequestOpTraits<Table>::enum_value;
};
template <>
struct UnionTraits<ResponseBody> {
  template <typename Table>
  static constexpr auto kType = fb::ResponseBodyTraits<Table>::enum_value;
};
template <>
struct UnionTraits<ServerMessage> {
  template <typename Table>
  static constexpr auto kType = fb::ServerBodyTraits<Table>::enum_value;
};

// The enum of the union that carries Variant (the generated traits map a non-member to NONE).
template <typename Variant>
using UnionEnum = std::remove_const_t<decltype(UnionTraits<Variant>::template kType<void>)>;

// The union member type that carries alternative T of Variant; never NONE.
template <typename Variant, typename T>
constexpr auto UnionType() {
  constexpr auto type = UnionTraits<Variant>::template kType<TableFor<T>>;
  static_assert(static_cast<int>(type) != 0, "a variant alternative without a union member");
  return type;
}

}  // namespace coord::client_wire
