// Fuzz target for what a connection to coordd's ZooKeeper port goes through: packet framing
// (FrameParser, as ZooKeeperWire uses it), then the jute decoder (protocol/zookeeper_codec.h),
// then the reply encoder for whatever was decoded. Built as a libFuzzer binary with clang
// (zookeeper_packet_fuzz) and, with any compiler, into a replay driver over a deterministic corpus
// (zookeeper_packet_fuzz_replay.cc).
//
// Oracles, beyond "no crash, no sanitizer report, no allocation beyond the input's size":
//  - decoding fails only with kMarshallingError and a reason, and is deterministic;
//  - a decoded request holds no more string bytes than the packet (a length prefix cannot make
//    the decoder allocate what the packet does not hold);
//  - a request refused (not malformed) carries a ZooKeeper error and a reason;
//  - every reply shape the request yields encodes, beginning with its xid.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include "protocol/frame.h"
#include "protocol/zookeeper_codec.h"

namespace coord {
namespace {

constexpr size_t kFuzzMaxPacketBytes = 4096;

void Require(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "zookeeper_packet_fuzz: %s\n", what);
  std::abort();
}

size_t Bytes(const std::string& s) { return s.size(); }
size_t Bytes(const std::vector<std::string>& v) {
  size_t n = 0;
  for (const std::string& s : v) n += s.size();
  return n;
}
size_t Bytes(const AclList& acl) {
  size_t n = 0;
  for (const Acl& a : acl) n += a.scheme.size() + a.id.size();
  return n;
}

size_t OpBytes(const ClientOp& op);
template <typename T>
size_t OneOpBytes(const T& r) {
  if constexpr (std::is_same_v<T, CreateRequest>)
    return Bytes(r.path) + Bytes(r.data) + Bytes(r.acl);
  if constexpr (std::is_same_v<T, SetDataRequest>) return Bytes(r.path) + Bytes(r.data);
  if constexpr (std::is_same_v<T, SetAclRequest>) return Bytes(r.path) + Bytes(r.acl);
  if constexpr (std::is_same_v<T, SetWatchesRequest>) {
    return Bytes(r.data) + Bytes(r.exist) + Bytes(r.child) + Bytes(r.persistent) +
           Bytes(r.persistent_recursive);
  }
  if constexpr (std::is_same_v<T, AddAuthRequest>) return Bytes(r.scheme) + Bytes(r.auth);
  if constexpr (std::is_same_v<T, GetEphemeralsRequest>) return Bytes(r.prefix);
  if constexpr (std::is_same_v<T, MultiRequest> || std::is_same_v<T, MultiReadRequest>) {
    size_t n = 0;
    for (const auto& op : r.ops) n += std::visit([](const auto& o) { return OneOpBytes(o); }, op);
    return n;
  }
  if constexpr (requires { r.path; }) return Bytes(r.path);
  return 0;
}
size_t OpBytes(const ClientOp& op) {
  return std::visit([](const auto& o) { return OneOpBytes(o); }, op);
}

// A reply of every shape the request's opcode can have: ok with a body, and an error.
void EncodeReplies(const zk::Request& request) {
  ClientResponse ok;
  ok.zxid = 7;
  if (request.shape.opcode == zk::op::kMulti || request.shape.opcode == zk::op::kMultiRead) {
    MultiResponse multi;
    multi.results.resize(request.shape.op_types.size());
    if (!multi.results.empty()) multi.results.back().code = Code::kNoNode;
    ok.body = multi;
  } else {
    ok.body = CreateResponse{"/p", Stat{}};
  }
  for (Code code : {Code::kOk, Code::kNoNode}) {
    ok.code = code;
    const std::string reply = zk::EncodeReply(request.shape, ok);
    Require(reply.size() >= 16, "a reply shorter than its header");
    const auto* b = reinterpret_cast<const unsigned char*>(reply.data());
    const int32_t xid = static_cast<int32_t>((uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) |
                                             (uint32_t{b[2]} << 8) | b[3]);
    Require(xid == request.shape.xid, "a reply without its request's xid");
  }
}

void CheckPacket(std::string_view payload) {
  Result<zk::Connect> connect = zk::DecodeConnect(payload);
  if (!connect.ok()) {
    Require(connect.code() == Code::kMarshallingError, "connect failed with another code");
    Require(!connect.status().message().empty(), "connect failed without a reason");
  } else {
    Require(connect->request.password.size() <= payload.size(), "connect password too large");
    Result<zk::Connect> again = zk::DecodeConnect(payload);
    Require(again.ok() && again->request == connect->request, "connect decoding not deterministic");
  }
  Result<zk::Request> request = zk::DecodeRequest(payload);
  if (!request.ok()) {
    Require(request.code() == Code::kMarshallingError, "request failed with another code");
    Require(!request.status().message().empty(), "request failed without a reason");
    return;
  }
  Result<zk::Request> again = zk::DecodeRequest(payload);
  Require(again.ok() && again->op == request->op && again->error == request->error,
          "request decoding not deterministic");
  if (request->op) {
    Require(request->error == zk::err::kOk, "a request with an op and an error");
    Require(OpBytes(*request->op) <= payload.size(), "decoded more bytes than the packet holds");
  } else {
    Require(request->error != zk::err::kOk && !request->reason.empty(),
            "a refused request without an error or a reason");
  }
  EncodeReplies(*request);
}

}  // namespace
}  // namespace coord

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace coord;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  CheckPacket(input);
  // The input as a connection's byte stream, cut into chunks (size from the last byte).
  const size_t chunk = size == 0 ? 1 : 1 + data[size - 1] % 97;
  FrameParser parser(kFuzzMaxPacketBytes);
  for (size_t at = 0; at < input.size(); at += chunk) {
    parser.Feed(input.substr(at, chunk));
    while (true) {
      Result<std::optional<std::string>> next = parser.Next();
      if (!next.ok() || !next->has_value()) break;
      CheckPacket(**next);
    }
  }
  return 0;
}
