// Buffers that pass the FlatBuffers Verifier but break the codec's own rules (a missing required
// field, an unknown enum value, union member or code, offsets shared to expand the message), built
// by hand with the generated builders: each is a kMarshallingError naming what is wrong.
#include <flatbuffers/flatbuffers.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocol/client_codec.h"
#include "protocol/client_generated.h"

namespace coord {
namespace {

namespace fb = coord::fb;
using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

std::string Bytes(const FlatBufferBuilder& b) {
  return std::string(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
}
std::string ClientBuffer(FlatBufferBuilder& b, fb::ClientBody type, Offset<void> body) {
  b.Finish(fb::CreateClientMessage(b, type, body), fb::ClientMessageIdentifier());
  return Bytes(b);
}
std::string RequestBuffer(FlatBufferBuilder& b, fb::RequestBody type, Offset<void> body) {
  auto request = fb::CreateClientRequest(b, 1, type, body);
  return ClientBuffer(b, fb::ClientBody::ClientRequest, request.Union());
}
std::string ServerBuffer(FlatBufferBuilder& b, fb::ServerBody type, Offset<void> body) {
  b.Finish(fb::CreateServerMessage(b, type, body), "CSVM");
  return Bytes(b);
}
std::string ResponseBuffer(FlatBufferBuilder& b, int32_t code, fb::ResponseBody type,
                           Offset<void> body) {
  auto response = fb::CreateClientResponse(b, 1, 2, code, 0, type, body);
  return ServerBuffer(b, fb::ServerBody::ClientResponse, response.Union());
}

// `bytes` must be refused as a marshalling error whose message contains `reason`.
template <typename Decode>
void ExpectRefused(Decode decode, const std::string& bytes, const std::string& reason) {
  auto result = decode(bytes);
  ASSERT_FALSE(result.ok()) << "decoded: " << reason;
  EXPECT_EQ(result.code(), Code::kMarshallingError);
  EXPECT_NE(result.status().message().find(reason), std::string::npos)
      << "message: " << result.status().message() << "\nexpected: " << reason;
}
void ExpectClientRefused(const std::string& bytes, const std::string& reason) {
  ExpectRefused(DecodeClientMessage, bytes, reason);
}
void ExpectServerRefused(const std::string& bytes, const std::string& reason) {
  ExpectRefused(DecodeServerMessage, bytes, reason);
}

TEST(ClientCodecMalformedTest, MissingBodies) {
  FlatBufferBuilder b1;
  ExpectClientRefused(ClientBuffer(b1, fb::ClientBody::NONE, 0), "ClientMessage.body missing");
  FlatBufferBuilder b2;
  ExpectClientRefused(RequestBuffer(b2, fb::RequestBody::NONE, 0), "ClientRequest.body missing");
  // A union type without its table passes the Verifier.
  FlatBufferBuilder b3;
  ExpectClientRefused(RequestBuffer(b3, fb::RequestBody::PingRequest, 0),
                      "ClientRequest.body missing");
  FlatBufferBuilder b4;
  ExpectServerRefused(ServerBuffer(b4, fb::ServerBody::NONE, 0), "ServerMessage.body missing");
  FlatBufferBuilder b5;
  auto entry = fb::CreateMultiRequestEntry(b5, fb::MultiRequestOp::NONE, 0);
  auto multi = fb::CreateMultiRequest(b5, b5.CreateVector(&entry, 1));
  ExpectClientRefused(RequestBuffer(b5, fb::RequestBody::MultiRequest, multi.Union()),
                      "MultiRequestEntry.op missing");
  FlatBufferBuilder b6;
  auto read = fb::CreateReadRequestEntry(b6, fb::ReadRequestOp::NONE, 0);
  auto reads = fb::CreateMultiReadRequest(b6, b6.CreateVector(&read, 1));
  ExpectClientRefused(RequestBuffer(b6, fb::RequestBody::MultiReadRequest, reads.Union()),
                      "ReadRequestEntry.op missing");
}

TEST(ClientCodecMalformedTest, AResponseMayHaveNoBody) {
  FlatBufferBuilder b;
  Result<ServerMessage> decoded =
      DecodeServerMessage(ResponseBuffer(b, 1, fb::ResponseBody::NONE, 0));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  const auto& response = std::get<ClientResponse>(*decoded);
  EXPECT_EQ(response.code, Code::kNoNode);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(response.body));
}

TEST(ClientCodecMalformedTest, UnknownUnionMembers) {
  FlatBufferBuilder b1;
  auto ping = fb::CreatePingRequest(b1);
  ExpectClientRefused(RequestBuffer(b1, static_cast<fb::RequestBody>(200), ping.Union()),
                      "ClientRequest.body has unknown type 200");
  FlatBufferBuilder b2;
  auto body = fb::CreatePingRequest(b2);
  ExpectClientRefused(ClientBuffer(b2, static_cast<fb::ClientBody>(3), body.Union()),
                      "ClientMessage.body has unknown type 3");
  // A read op type that exists in RequestBody but not in ReadRequestOp.
  FlatBufferBuilder b3;
  auto op = fb::CreatePingRequest(b3);
  auto read = fb::CreateReadRequestEntry(b3, static_cast<fb::ReadRequestOp>(4), op.Union());
  auto reads = fb::CreateMultiReadRequest(b3, b3.CreateVector(&read, 1));
  ExpectClientRefused(RequestBuffer(b3, fb::RequestBody::MultiReadRequest, reads.Union()),
                      "ReadRequestEntry.op has unknown type 4");
  FlatBufferBuilder b4;
  auto stat = fb::CreateStatResponse(b4);
  ExpectServerRefused(ResponseBuffer(b4, 0, static_cast<fb::ResponseBody>(11), stat.Union()),
                      "ClientResponse.body has unknown type 11");
  FlatBufferBuilder b5;
  auto event = fb::CreateWatchEvent(b5);
  ExpectServerRefused(ServerBuffer(b5, static_cast<fb::ServerBody>(4), event.Union()),
                      "ServerMessage.body has unknown type 4");
}

TEST(ClientCodecMalformedTest, MissingRequiredFields) {
  FlatBufferBuilder b1;
  auto create = fb::CreateCreateRequest(b1);
  ExpectClientRefused(RequestBuffer(b1, fb::RequestBody::CreateRequest, create.Union()),
                      "CreateRequest.path missing");
  FlatBufferBuilder b2;
  auto del = fb::CreateDeleteRequest(b2);
  ExpectClientRefused(RequestBuffer(b2, fb::RequestBody::DeleteRequest, del.Union()),
                      "DeleteRequest.path missing");
  FlatBufferBuilder b3;
  auto children = fb::CreateGetChildrenRequest(b3);
  ExpectClientRefused(RequestBuffer(b3, fb::RequestBody::GetChildrenRequest, children.Union()),
                      "GetChildrenRequest.path missing");
  FlatBufferBuilder b4;
  auto ephemerals = fb::CreateGetEphemeralsRequest(b4);
  ExpectClientRefused(RequestBuffer(b4, fb::RequestBody::GetEphemeralsRequest, ephemerals.Union()),
                      "GetEphemeralsRequest.prefix missing");
  FlatBufferBuilder b5;
  auto check = fb::CreateCheckRequest(b5);
  auto entry = fb::CreateMultiRequestEntry(b5, fb::MultiRequestOp::CheckRequest, check.Union());
  auto multi = fb::CreateMultiRequest(b5, b5.CreateVector(&entry, 1));
  ExpectClientRefused(RequestBuffer(b5, fb::RequestBody::MultiRequest, multi.Union()),
                      "CheckRequest.path missing");
  FlatBufferBuilder b6;
  auto created = fb::CreateCreateResponse(b6, b6.CreateString("/a"));
  ExpectServerRefused(ResponseBuffer(b6, 0, fb::ResponseBody::CreateResponse, created.Union()),
                      "CreateResponse.stat missing");
  FlatBufferBuilder b7;
  auto data = fb::CreateGetDataResponse(b7);
  ExpectServerRefused(ResponseBuffer(b7, 0, fb::ResponseBody::GetDataResponse, data.Union()),
                      "GetDataResponse.stat missing");
  FlatBufferBuilder b8;
  auto event = fb::CreateWatchEvent(b8, fb::WatchEventType::NodeDeleted);
  ExpectServerRefused(ServerBuffer(b8, fb::ServerBody::WatchEvent, event.Union()),
                      "WatchEvent.path missing");
}

TEST(ClientCodecMalformedTest, UnknownEnumValues) {
  FlatBufferBuilder b1;
  auto create =
      fb::CreateCreateRequest(b1, b1.CreateString("/a"), 0, 0, static_cast<fb::NodeKind>(4));
  ExpectClientRefused(RequestBuffer(b1, fb::RequestBody::CreateRequest, create.Union()),
                      "CreateRequest.kind has unknown value 4");
  FlatBufferBuilder b2;
  auto add = fb::CreateAddWatchRequest(b2, b2.CreateString("/a"), static_cast<fb::AddWatchMode>(2));
  ExpectClientRefused(RequestBuffer(b2, fb::RequestBody::AddWatchRequest, add.Union()),
                      "AddWatchRequest.mode has unknown value 2");
  for (int type : {0, 6, 255}) {
    FlatBufferBuilder b;
    auto remove =
        fb::CreateRemoveWatchesRequest(b, b.CreateString("/a"), static_cast<fb::WatcherType>(type));
    ExpectClientRefused(RequestBuffer(b, fb::RequestBody::RemoveWatchesRequest, remove.Union()),
                        "RemoveWatchesRequest.type has unknown value " + std::to_string(type));
  }
  for (int type : {0, 5}) {
    FlatBufferBuilder b;
    auto event =
        fb::CreateWatchEvent(b, static_cast<fb::WatchEventType>(type), b.CreateString("/a"));
    ExpectServerRefused(ServerBuffer(b, fb::ServerBody::WatchEvent, event.Union()),
                        "WatchEvent.type has unknown value " + std::to_string(type));
  }
}

TEST(ClientCodecMalformedTest, OutOfRangeCodes) {
  const int32_t too_high = static_cast<int32_t>(Code::kInternal) + 1;
  for (int32_t code : {-1, too_high, 1 << 30}) {
    const std::string expected = "unknown code " + std::to_string(code);
    FlatBufferBuilder b1;
    ExpectServerRefused(ResponseBuffer(b1, code, fb::ResponseBody::NONE, 0),
                        "ClientResponse.code has " + expected);
    FlatBufferBuilder b2;
    auto connect = fb::CreateConnectResponse(b2, 1, code);
    ExpectServerRefused(ServerBuffer(b2, fb::ServerBody::ConnectResponse, connect.Union()),
                        "ConnectResponse.code has " + expected);
    FlatBufferBuilder b3;
    auto op = fb::CreateOpResponse(b3, code);
    auto multi = fb::CreateMultiResponse(b3, b3.CreateVector(&op, 1));
    ExpectServerRefused(ResponseBuffer(b3, 0, fb::ResponseBody::MultiResponse, multi.Union()),
                        "OpResponse.code has " + expected);
  }
}

TEST(ClientCodecMalformedTest, SharedStringsCannotExpandTheMessage) {
  // 10,000 offsets to one 1,000-byte string: a 41 KB buffer that would decode to 10 MB.
  FlatBufferBuilder b;
  auto name = b.CreateString(std::string(1000, 'x'));
  std::vector<Offset<flatbuffers::String>> names(10000, name);
  auto paths = b.CreateVector(names);
  auto response = fb::CreateGetEphemeralsResponse(b, paths);
  const std::string bytes =
      ResponseBuffer(b, 0, fb::ResponseBody::GetEphemeralsResponse, response.Union());
  ASSERT_LT(bytes.size(), 50000u);
  ExpectServerRefused(bytes, "decodes to more than its size");
}

TEST(ClientCodecMalformedTest, SharedTablesCannotMultiplyTheWork) {
  // 50,000 entries pointing at one table: more tables than the buffer could hold unshared.
  FlatBufferBuilder b;
  auto del = fb::CreateDeleteRequest(b, b.CreateString("/a"));
  auto entry = fb::CreateMultiRequestEntry(b, fb::MultiRequestOp::DeleteRequest, del.Union());
  std::vector<Offset<fb::MultiRequestEntry>> entries(50000, entry);
  auto multi = fb::CreateMultiRequest(b, b.CreateVector(entries));
  ExpectClientRefused(RequestBuffer(b, fb::RequestBody::MultiRequest, multi.Union()),
                      "fails FlatBuffers verification");
}

TEST(ClientCodecMalformedTest, AbsentOptionalFieldsReadAsDefaults) {
  FlatBufferBuilder b;
  auto set = fb::CreateSetDataRequest(b, b.CreateString("/a"));
  Result<ClientMessage> decoded =
      DecodeClientMessage(RequestBuffer(b, fb::RequestBody::SetDataRequest, set.Union()));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_TRUE(std::get<ClientRequest>(*decoded).op == ClientOp(SetDataRequest{"/a", "", -1}));
  // An absent ACL is an empty list, not the plain type's default OpenAcl().
  FlatBufferBuilder b2;
  auto create = fb::CreateCreateRequest(b2, b2.CreateString("/a"));
  decoded = DecodeClientMessage(RequestBuffer(b2, fb::RequestBody::CreateRequest, create.Union()));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_TRUE(std::get<CreateRequest>(std::get<ClientRequest>(*decoded).op).acl.empty());
}

TEST(ClientCodecMalformedTest, IdentifierIsChecked) {
  FlatBufferBuilder b;
  b.Finish(fb::CreateClientMessage(
      b, fb::ClientBody::ClientRequest,
      fb::CreateClientRequest(b, 1, fb::RequestBody::PingRequest, fb::CreatePingRequest(b).Union())
          .Union()));
  ExpectClientRefused(Bytes(b), "file identifier");
}

TEST(ClientCodecMalformedTest, TrailingBytesAreIgnored) {
  // FlatBuffers has no end marker: bytes after the buffer are never referenced.
  ClientMessage m = ClientRequest{5, SyncRequest{"/x"}};
  Result<ClientMessage> decoded = DecodeClientMessage(EncodeClientMessage(m) + "trailing");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_TRUE(*decoded == m);
}

}  // namespace
}  // namespace coord
