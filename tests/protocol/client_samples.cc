#include "tests/protocol/client_samples.h"

#include <cstdint>
#include <limits>

namespace coord::testing {

const std::string kBinary("\0\x01\xff\0data\0\x80", 10);

AclList SampleAcl() {
  return {Acl{perm::kAll, "world", "anyone"},
          Acl{perm::kRead | perm::kAdmin, "digest", "alice:XbUx6iS/3n2bZTs9b5M6XqW+3sU="},
          Acl{perm::kCreate, "ip", "10.0.0.0/8"}, Acl{0, "", ""}};
}

Stat SampleStat() {
  Stat s;
  s.czxid = MakeZxid(3, 7);
  s.mzxid = MakeZxid(4, 1);
  s.pzxid = std::numeric_limits<uint64_t>::max();
  s.ctime_ms = 1700000000123;
  s.mtime_ms = -5;
  s.version = 42;
  s.cversion = -1;
  s.aversion = std::numeric_limits<int32_t>::max();
  s.ephemeral_owner = std::numeric_limits<int64_t>::min();
  s.data_length = 10;
  s.num_children = 1000000;
  return s;
}

namespace {

CreateRequest SampleCreate() {
  CreateRequest c;
  c.path = "/app/lock-";
  c.data = kBinary;
  c.acl = SampleAcl();
  c.kind = NodeKind::kEphemeral;
  c.sequential = true;
  c.ttl_ms = 0;
  return c;
}

CreateRequest SampleTtlCreate() {
  CreateRequest c;
  c.path = "/ttl";
  c.kind = NodeKind::kTtl;
  c.ttl_ms = 60000;
  c.acl = {};
  return c;
}

ClientMessage Request(int64_t id, ClientOp op) { return ClientRequest{id, std::move(op)}; }

std::vector<ClientOp> SampleOps() {
  MultiRequest multi;
  multi.ops = {SampleCreate(),
               DeleteRequest{"/old", 3},
               SetDataRequest{"/cfg", kBinary, 7},
               SetAclRequest{"/cfg", SampleAcl(), 2},
               CheckRequest{"/guard", 0},
               SampleTtlCreate(),
               DeleteRequest{"/any", kAnyVersion}};
  MultiReadRequest multi_read;
  multi_read.ops = {GetDataRequest{"/a", false}, GetChildrenRequest{"/b", false, "child-3", 100},
                    ExistsRequest{"/c", false}, GetDataRequest{std::string("/\0nul", 5), false}};
  SetWatchesRequest set_watches;
  set_watches.relative_zxid = MakeZxid(9, 99);
  set_watches.data = {"/d1", "/d2"};
  set_watches.exist = {"/e"};
  set_watches.child = {"/c1", "/c2", "/c3"};
  set_watches.persistent = {"/p"};
  set_watches.persistent_recursive = {"/", "/r"};
  return {
      SampleCreate(),
      SampleTtlCreate(),
      DeleteRequest{"/app/x", 12},
      SetDataRequest{"/cfg", kBinary, 5},
      SetDataRequest{"/empty", "", kAnyVersion},
      SetAclRequest{"/cfg", SampleAcl(), 3},
      CheckRequest{"/guard", 8},
      multi,
      MultiRequest{},
      ExistsRequest{"/maybe", true},
      GetDataRequest{"/cfg", true},
      GetChildrenRequest{"/dir", true, "n-0000000999", 500},
      GetChildrenRequest{"/dir", false, "", 0},
      GetChildrenRequest{"/dir", true, "", 0, true},
      GetAclRequest{"/cfg"},
      multi_read,
      SyncRequest{"/"},
      AddWatchRequest{"/p", AddWatchMode::kPersistent},
      AddWatchRequest{"/tree", AddWatchMode::kPersistentRecursive},
      RemoveWatchesRequest{"/w", WatcherType::kChildren},
      RemoveWatchesRequest{"/w", WatcherType::kPersistentRecursive},
      RemoveWatchesRequest{"/w", WatcherType::kData, true},
      set_watches,
      GetEphemeralsRequest{"/app/"},
      AddAuthRequest{"digest", std::string("alice:pa\0ss", 11)},
      WhoAmIRequest{},
      ServerStatusRequest{},
      PingRequest{},
      CloseSessionClientRequest{},
      CountDescendantsRequest{"/app"},
  };
}

}  // namespace

std::vector<ClientMessage> SampleClientMessages() {
  std::vector<ClientMessage> out;
  ConnectRequest fresh;
  fresh.timeout_ms = 30000;
  out.push_back(fresh);
  ConnectRequest resume;
  resume.protocol_version = 7;
  resume.session_id = 0x1234567890abcdefLL;
  resume.password = kBinary;
  resume.timeout_ms = -1;
  resume.last_zxid_seen = MakeZxid(5, 123456);
  out.push_back(resume);
  int64_t id = -3;  // ids are the client's business: negative and huge ones round-trip too
  for (ClientOp& op : SampleOps()) out.push_back(Request(id++, std::move(op)));
  out.push_back(Request(std::numeric_limits<int64_t>::max(), PingRequest{}));
  return out;
}

namespace {

ServerMessage Response(int64_t id, Code code, ResponseBody body) {
  ClientResponse r;
  r.id = id;
  r.zxid = MakeZxid(2, static_cast<uint32_t>(id));
  r.code = code;
  r.message = code == Code::kOk ? "" : "a reason";
  r.body = std::move(body);
  return r;
}

MultiResponse SampleMultiResponse() {
  OpResponse created;
  created.path = "/app/lock-0000000042";
  created.stat = SampleStat();
  OpResponse got;
  got.stat = SampleStat();
  got.data = kBinary;
  OpResponse listed;
  listed.names = {"a", "b", std::string("c\0d", 3)};
  listed.stat = SampleStat();
  OpResponse failed;
  failed.code = Code::kNoNode;
  OpResponse skipped;
  skipped.code = Code::kRuntimeInconsistency;
  return MultiResponse{{created, got, listed, failed, skipped, OpResponse{}}};
}

ServerStatusResponse SampleServerStatus() {
  ServerStatusResponse s;
  s.role = "leader";
  s.server_id = 2;
  s.leader_id = 2;
  s.epoch = 7;
  s.last_zxid = MakeZxid(7, 100);
  s.committed_zxid = MakeZxid(7, 99);
  s.node_count = 1000001;
  s.session_count = 17;
  s.watch_count = 4000;
  s.connection_count = 12;
  s.digest = 0xfedcba9876543210ULL;
  s.members = {MemberStatus{1, "follower", MakeZxid(7, 98), 2},
               MemberStatus{2, "leader", MakeZxid(7, 100), 0}, MemberStatus{3, "observer", 0, -1}};
  return s;
}

}  // namespace

std::vector<ServerMessage> SampleServerMessages() {
  std::vector<ServerMessage> out;
  ConnectResponse accepted;
  accepted.session_id = 0x1234567890abcdefLL;
  accepted.password = kBinary;
  accepted.timeout_ms = 20000;
  accepted.last_zxid = MakeZxid(5, 1);
  out.push_back(accepted);
  ConnectResponse refused;
  refused.protocol_version = 0;
  refused.code = Code::kSessionExpired;
  refused.message = "session 0x1 expired";
  out.push_back(refused);
  out.push_back(Response(1, Code::kOk, std::monostate()));
  out.push_back(Response(2, Code::kNoNode, std::monostate()));
  out.push_back(Response(3, Code::kInternal, std::monostate()));
  out.push_back(Response(4, Code::kOk, CreateResponse{"/app/lock-0000000042", SampleStat()}));
  out.push_back(Response(5, Code::kOk, StatResponse{SampleStat()}));
  out.push_back(Response(6, Code::kOk, GetDataResponse{kBinary, SampleStat()}));
  out.push_back(Response(7, Code::kOk, GetChildrenResponse{{"a", "b", "z"}, SampleStat(), true}));
  out.push_back(Response(8, Code::kOk, GetChildrenResponse{{}, Stat{}, false}));
  out.push_back(Response(9, Code::kOk, GetAclResponse{SampleAcl(), SampleStat()}));
  out.push_back(Response(10, Code::kOk, SampleMultiResponse()));
  out.push_back(Response(11, Code::kOk, GetEphemeralsResponse{{"/app/e1", "/app/e2"}}));
  out.push_back(Response(12, Code::kOk,
                         WhoAmIResponse{{ClientIdentity{"ip", "127.0.0.1"}, {"digest", "alice"}}}));
  out.push_back(Response(13, Code::kOk, SampleServerStatus()));
  out.push_back(Response(14, Code::kOk, CountDescendantsResponse{123456789012ULL}));
  out.push_back(WatchEventMessage{WatchEventType::kNodeCreated, "/a", MakeZxid(1, 1)});
  out.push_back(WatchEventMessage{WatchEventType::kNodeDeleted, "/b", MakeZxid(1, 2)});
  out.push_back(WatchEventMessage{WatchEventType::kNodeDataChanged, "/c", MakeZxid(1, 3)});
  out.push_back(WatchEventMessage{WatchEventType::kNodeChildrenChanged, "/", 0});
  return out;
}

}  // namespace coord::testing
