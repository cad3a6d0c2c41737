// The ZooKeeper codec against ZooKeeper's own byte layout: requests as ZooKeeper's clients
// write them (built byte by byte here, not with the codec's writer), replies checked byte for
// byte, and malformed packets refused with kMarshallingError.
#include "protocol/zookeeper_codec.h"

#include <gtest/gtest.h>

#include <string>

#include "protocol/jute.h"
#include "tests/protocol/zookeeper_samples.h"

namespace coord::zk {
namespace {

// Big-endian bytes, written independently of protocol/jute.
class Bytes {
 public:
  Bytes& I32(int32_t v) { return Raw(static_cast<uint32_t>(v), 4); }
  Bytes& I64(int64_t v) { return Raw(static_cast<uint64_t>(v), 8); }
  Bytes& Bool(bool v) {
    s_.push_back(v ? 1 : 0);
    return *this;
  }
  Bytes& Str(const std::string& v) {
    I32(static_cast<int32_t>(v.size()));
    s_ += v;
    return *this;
  }
  Bytes& Null() { return I32(-1); }
  Bytes& Header(int32_t xid, int32_t type) { return I32(xid).I32(type); }
  Bytes& Acl(int32_t perms, const std::string& scheme, const std::string& id) {
    return I32(perms).Str(scheme).Str(id);
  }
  Bytes& OpenAcl() { return I32(1).Acl(31, "world", "anyone"); }
  Bytes& MultiHeader(int32_t type, bool done, int32_t err) { return I32(type).Bool(done).I32(err); }
  Bytes& Stat(const coord::Stat& s) {
    return I64(s.czxid)
        .I64(s.mzxid)
        .I64(s.ctime_ms)
        .I64(s.mtime_ms)
        .I32(s.version)
        .I32(s.cversion)
        .I32(s.aversion)
        .I64(s.ephemeral_owner)
        .I32(s.data_length)
        .I32(s.num_children)
        .I64(s.pzxid);
  }
  const std::string& str() const { return s_; }
  operator std::string() const { return s_; }  // NOLINT: test shorthand

 private:
  Bytes& Raw(uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) s_.push_back(static_cast<char>(v >> (8 * i)));
    return *this;
  }
  std::string s_;
};

std::string Hex(const std::string& s) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

coord::Stat SampleStat() {
  coord::Stat s;
  s.czxid = 0x100000001;
  s.mzxid = 0x100000002;
  s.pzxid = 0x100000003;
  s.ctime_ms = 1700000000000;
  s.mtime_ms = 1700000000123;
  s.version = 4;
  s.cversion = 5;
  s.aversion = 6;
  s.ephemeral_owner = 0x1a2b3c4d5e6f7788;
  s.data_length = 9;
  s.num_children = 10;
  return s;
}

Request Decoded(const std::string& bytes) {
  Result<Request> r = DecodeRequest(bytes);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : Request{};
}

ClientOp OpOf(const std::string& bytes) {
  Request r = Decoded(bytes);
  EXPECT_TRUE(r.op.has_value()) << r.reason;
  return r.op.value_or(PingRequest{});
}

void ExpectMalformed(const std::string& bytes) {
  Result<Request> r = DecodeRequest(bytes);
  ASSERT_FALSE(r.ok()) << Hex(bytes);
  EXPECT_EQ(r.code(), Code::kMarshallingError);
  EXPECT_FALSE(r.status().message().empty());
}

void ExpectRefused(const std::string& bytes, int32_t error) {
  Request r = Decoded(bytes);
  EXPECT_FALSE(r.op.has_value());
  EXPECT_EQ(r.error, error);
  EXPECT_FALSE(r.reason.empty());
}

// --- connect ------------------------------------------------------------------------------------

TEST(ZooKeeperCodecTest, ConnectAsTheCClientSendsIt) {
  // protocolVersion 0, lastZxidSeen 0, timeOut 30000, sessionId 0, passwd 16 zero bytes,
  // readOnly false: 45 bytes.
  std::string bytes =
      Bytes().I32(0).I64(0).I32(30000).I64(0).Str(std::string(16, '\0')).Bool(false);
  ASSERT_EQ(bytes.size(), 45u);
  Result<Connect> c = DecodeConnect(bytes);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->request.protocol_version, kClientProtocolVersion);
  EXPECT_EQ(c->request.timeout_ms, 30000);
  EXPECT_EQ(c->request.session_id, 0);
  EXPECT_EQ(c->request.password, "");  // a new session's zero password is not a password
  EXPECT_FALSE(c->read_only);
}

TEST(ZooKeeperCodecTest, ConnectResumeAndReadOnlyAndOldClients) {
  const std::string password = "0123456789abcdef";
  Result<Connect> resume = DecodeConnect(
      Bytes().I32(0).I64(0x500000007).I32(4000).I64(0x77).Str(password).Bool(true).str());
  ASSERT_TRUE(resume.ok());
  EXPECT_EQ(resume->request.session_id, 0x77);
  EXPECT_EQ(resume->request.password, password);
  EXPECT_EQ(resume->request.last_zxid_seen, 0x500000007u);
  EXPECT_TRUE(resume->read_only);
  // Clients before 3.3 send no readOnly byte.
  Result<Connect> old = DecodeConnect(Bytes().I32(0).I64(0).I32(4000).I64(0).Str("").str());
  ASSERT_TRUE(old.ok());
  EXPECT_FALSE(old->read_only);
}

TEST(ZooKeeperCodecTest, MalformedConnects) {
  const std::string good = Bytes().I32(0).I64(0).I32(30000).I64(0).Str(std::string(16, '\0'));
  for (size_t n = 0; n < good.size(); ++n) {
    Result<Connect> c = DecodeConnect(good.substr(0, n));
    EXPECT_FALSE(c.ok()) << "prefix of " << n << " bytes";
    if (!c.ok()) {
      EXPECT_EQ(c.code(), Code::kMarshallingError);
    }
  }
  EXPECT_FALSE(DecodeConnect(Bytes().I32(1).I64(0).I32(30000).I64(0).Str("").str()).ok());
  EXPECT_FALSE(DecodeConnect(Bytes().I32(0).I64(0).I32(30000).I64(0).I32(1 << 30).str()).ok());
}

TEST(ZooKeeperCodecTest, ConnectResponses) {
  ConnectResponse ok;
  ok.session_id = 0x0102030405060708;
  ok.timeout_ms = 4000;
  ok.password = "PPPPPPPPPPPPPPPP";
  EXPECT_EQ(Hex(EncodeConnectResponse(ok)),
            "00000000"          // protocolVersion
            "00000fa0"          // timeOut
            "0102030405060708"  // sessionId
            "00000010" +
                Hex(ok.password) + "00");  // passwd, readOnly
  // Expired or a wrong password: ZooKeeper's invalid-session reply.
  for (Code code : {Code::kSessionExpired, Code::kAuthFailed}) {
    ConnectResponse refused = ok;
    refused.code = code;
    EXPECT_EQ(EncodeConnectResponse(refused),
              Bytes().I32(0).I32(0).I64(0).Str(std::string(16, '\0')).Bool(false).str());
  }
}

// --- requests -----------------------------------------------------------------------------------

TEST(ZooKeeperCodecTest, Creates) {
  CreateRequest expected{"/a", "data", OpenAcl(), NodeKind::kPersistent, false, 0};
  Request r = Decoded(Bytes().Header(7, op::kCreate).Str("/a").Str("data").OpenAcl().I32(0));
  EXPECT_EQ(r.shape.xid, 7);
  EXPECT_EQ(r.shape.opcode, op::kCreate);
  EXPECT_EQ(r.op, ClientOp(expected));

  expected.kind = NodeKind::kEphemeral;
  expected.sequential = true;
  EXPECT_EQ(OpOf(Bytes().Header(8, op::kCreate2).Str("/a").Str("data").OpenAcl().I32(3)),
            ClientOp(expected));

  expected = CreateRequest{"/c", "", OpenAcl(), NodeKind::kContainer, false, 0};
  EXPECT_EQ(OpOf(Bytes().Header(9, op::kCreateContainer).Str("/c").Null().OpenAcl().I32(4)),
            ClientOp(expected));

  expected = CreateRequest{"/t", "x", OpenAcl(), NodeKind::kTtl, true, 60000};
  EXPECT_EQ(OpOf(Bytes().Header(10, op::kCreateTtl).Str("/t").Str("x").OpenAcl().I32(6).I64(60000)),
            ClientOp(expected));
}

TEST(ZooKeeperCodecTest, BadCreateModesAreRefusedNotMalformed) {
  auto create = [](int32_t opcode, int32_t flags) {
    return Bytes().Header(1, opcode).Str("/a").Str("").OpenAcl().I32(flags);
  };
  ExpectRefused(create(op::kCreate, 7), err::kBadArguments);
  ExpectRefused(create(op::kCreate, -1), err::kBadArguments);
  ExpectRefused(create(op::kCreate, 5), err::kBadArguments);  // TTL mode without a TTL
  ExpectRefused(create(op::kCreateContainer, 0), err::kBadArguments);
  ExpectRefused(create(op::kCreateTtl, 0).I64(1000), err::kBadArguments);
  ExpectRefused(create(op::kCreateTtl, 5).I64(0), err::kBadArguments);
  ExpectRefused(create(op::kCreateTtl, 5).I64(int64_t{1} << 41), err::kBadArguments);
}

TEST(ZooKeeperCodecTest, ReadsAndWrites) {
  EXPECT_EQ(OpOf(Bytes().Header(1, op::kDelete).Str("/a").I32(3)),
            ClientOp(DeleteRequest{"/a", 3}));
  EXPECT_EQ(OpOf(Bytes().Header(1, op::kExists).Str("/a").Bool(true)),
            ClientOp(ExistsRequest{"/a", true}));
  EXPECT_EQ(OpOf(Bytes().Header(1, op::kGetData).Str("/a").Bool(false)),
            ClientOp(GetDataRequest{"/a", false}));
  EXPECT_EQ(OpOf(Bytes().Header(1, op::kSetData).Str("/a").Str("v").I32(-1)),
            ClientOp(SetDataRequest{"/a", "v", -1}));
  EXPECT_EQ(OpOf(Bytes().Header(1, op::kGetAcl).Str("/a")), ClientOp(GetAclRequest{"/a"}));
  AclList acl = {Acl{perm::kRead, "digest", "u:h"}, Acl{perm::kAll, "ip", "10.0.0.0/8"}};
  EXPECT_EQ(OpOf(Bytes()
                     .Header(1, op::kSetAcl)
                     .Str("/a")
                     .I32(2)
                     .Acl(1, "digest", "u:h")
                     .Acl(31, "ip", "10.0.0.0/8")
                     .I32(4)),
            ClientOp(SetAclRequest{"/a", acl, 4}));
  // getChildren cannot page: it asks for every child.
  for (int32_t opcode : {op::kGetChildren, op::kGetChildren2}) {
    EXPECT_EQ(OpOf(Bytes().Header(1, opcode).Str("/d").Bool(true)),
              ClientOp(GetChildrenRequest{"/d", true, "", 0, true}));
  }
  Request sync = Decoded(Bytes().Header(1, op::kSync).Str("/s"));
  EXPECT_EQ(sync.op, ClientOp(SyncRequest{"/s"}));
  EXPECT_EQ(sync.shape.sync_path, "/s");
  EXPECT_EQ(OpOf(Bytes().Header(1, op::kCheck).Str("/a").I32(2)), ClientOp(CheckRequest{"/a", 2}));
  EXPECT_EQ(OpOf(Bytes().Header(kPingXid, op::kPing)), ClientOp(PingRequest{}));
  EXPECT_EQ(OpOf(Bytes().Header(1, op::kCloseSession)), ClientOp(CloseSessionClientRequest{}));
  EXPECT_EQ(OpOf(Bytes().Header(1, op::kWhoAmI)), ClientOp(WhoAmIRequest{}));
  EXPECT_EQ(OpOf(Bytes().Header(1, op::kGetEphemerals).Str("/e")),
            ClientOp(GetEphemeralsRequest{"/e"}));
  EXPECT_EQ(OpOf(Bytes().Header(1, op::kGetAllChildrenNumber).Str("/")),
            ClientOp(CountDescendantsRequest{"/"}));
}

TEST(ZooKeeperCodecTest, WatchesAndAuth) {
  EXPECT_EQ(OpOf(Bytes().Header(1, op::kAddWatch).Str("/p").I32(0)),
            ClientOp(AddWatchRequest{"/p", AddWatchMode::kPersistent}));
  EXPECT_EQ(OpOf(Bytes().Header(1, op::kAddWatch).Str("/p").I32(1)),
            ClientOp(AddWatchRequest{"/p", AddWatchMode::kPersistentRecursive}));
  ExpectRefused(Bytes().Header(1, op::kAddWatch).Str("/p").I32(2), err::kBadArguments);
  EXPECT_EQ(OpOf(Bytes().Header(1, op::kRemoveWatches).Str("/w").I32(2)),
            ClientOp(RemoveWatchesRequest{"/w", WatcherType::kData, false}));
  EXPECT_EQ(OpOf(Bytes().Header(1, op::kCheckWatches).Str("/w").I32(3)),
            ClientOp(RemoveWatchesRequest{"/w", WatcherType::kAny, true}));
  ExpectRefused(Bytes().Header(1, op::kRemoveWatches).Str("/w").I32(9), err::kBadArguments);

  EXPECT_EQ(OpOf(Bytes().Header(kAuthXid, op::kAuth).I32(0).Str("digest").Str("u:p")),
            ClientOp(AddAuthRequest{"digest", "u:p"}));

  SetWatchesRequest v1;
  v1.relative_zxid = 0x300000004;
  v1.data = {"/d"};
  v1.exist = {"/e1", "/e2"};
  EXPECT_EQ(OpOf(Bytes()
                     .Header(kSetWatchesXid, op::kSetWatches)
                     .I64(0x300000004)
                     .I32(1)
                     .Str("/d")
                     .I32(2)
                     .Str("/e1")
                     .Str("/e2")
                     .I32(0)),
            ClientOp(v1));
  SetWatchesRequest v2 = v1;
  v2.child = {"/c"};
  v2.persistent = {"/p"};
  v2.persistent_recursive = {"/r"};
  EXPECT_EQ(OpOf(Bytes()
                     .Header(kSetWatchesXid, op::kSetWatches2)
                     .I64(0x300000004)
                     .I32(1)
                     .Str("/d")
                     .I32(2)
                     .Str("/e1")
                     .Str("/e2")
                     .I32(1)
                     .Str("/c")
                     .I32(1)
                     .Str("/p")
                     .I32(1)
                     .Str("/r")),
            ClientOp(v2));
}

TEST(ZooKeeperCodecTest, MultiAndMultiRead) {
  Request multi = Decoded(Bytes()
                              .Header(5, op::kMulti)
                              .MultiHeader(op::kCreate, false, -1)
                              .Str("/m")
                              .Str("d")
                              .OpenAcl()
                              .I32(0)
                              .MultiHeader(op::kCheck, false, -1)
                              .Str("/m")
                              .I32(0)
                              .MultiHeader(op::kSetData, false, -1)
                              .Str("/m")
                              .Str("e")
                              .I32(0)
                              .MultiHeader(op::kDelete, false, -1)
                              .Str("/m")
                              .I32(1)
                              .MultiHeader(-1, true, -1));
  MultiRequest expected;
  expected.ops = {CreateRequest{"/m", "d", OpenAcl(), NodeKind::kPersistent, false, 0},
                  CheckRequest{"/m", 0}, SetDataRequest{"/m", "e", 0}, DeleteRequest{"/m", 1}};
  EXPECT_EQ(multi.op, ClientOp(expected));
  EXPECT_EQ(multi.shape.op_types,
            (std::vector<int32_t>{op::kCreate, op::kCheck, op::kSetData, op::kDelete}));

  Request read = Decoded(Bytes()
                             .Header(6, op::kMultiRead)
                             .MultiHeader(op::kGetChildren, false, -1)
                             .Str("/")
                             .Bool(false)
                             .MultiHeader(op::kGetData, false, -1)
                             .Str("/a")
                             .Bool(false)
                             .MultiHeader(-1, true, -1));
  MultiReadRequest expected_read;
  expected_read.ops = {GetChildrenRequest{"/", false, "", 0, true}, GetDataRequest{"/a", false}};
  EXPECT_EQ(read.op, ClientOp(expected_read));

  // A read in a multi, a write in a multiRead: refused; an op type no multi knows: malformed.
  ExpectRefused(Bytes()
                    .Header(7, op::kMulti)
                    .MultiHeader(op::kGetData, false, -1)
                    .Str("/a")
                    .Bool(false)
                    .MultiHeader(-1, true, -1),
                err::kBadArguments);
  ExpectRefused(Bytes()
                    .Header(7, op::kMultiRead)
                    .MultiHeader(op::kDelete, false, -1)
                    .Str("/a")
                    .I32(0)
                    .MultiHeader(-1, true, -1),
                err::kBadArguments);
  ExpectMalformed(Bytes().Header(7, op::kMulti).MultiHeader(op::kPing, false, -1));
  // No closing header.
  ExpectMalformed(
      Bytes().Header(7, op::kMulti).MultiHeader(op::kDelete, false, -1).Str("/a").I32(0));
}

TEST(ZooKeeperCodecTest, UnsupportedRequestsGetUnimplemented) {
  ExpectRefused(Bytes().Header(3, op::kReconfig).Str("").Str("").Str("").I64(-1),
                err::kUnimplemented);
  ExpectRefused(Bytes().Header(3, op::kSasl).Str("token"), err::kUnimplemented);
  ExpectRefused(Bytes().Header(3, op::kDeleteContainer).Str("/c"), err::kUnimplemented);
  ExpectRefused(Bytes().Header(3, 4242), err::kUnimplemented);
  Request r = Decoded(Bytes().Header(3, 4242));
  EXPECT_EQ(r.shape.xid, 3);
}

TEST(ZooKeeperCodecTest, MalformedRequests) {
  ExpectMalformed("");
  ExpectMalformed(Bytes().I32(1));
  // Lengths: negative (other than -1), beyond the packet, and a vector count beyond it.
  ExpectMalformed(Bytes().Header(1, op::kGetData).I32(-2).Bool(false));
  ExpectMalformed(Bytes().Header(1, op::kGetData).I32(100).Str("/a"));
  ExpectMalformed(Bytes().Header(1, op::kSetAcl).Str("/a").I32(0x7fffffff));
  ExpectMalformed(Bytes().Header(1, op::kSetWatches).I64(0).I32(1 << 28));
  // Every strict prefix of a well-formed request is malformed (no request has optional fields).
  const std::string whole = Bytes()
                                .Header(9, op::kMulti)
                                .MultiHeader(op::kCreateTtl, false, -1)
                                .Str("/t")
                                .Str("data")
                                .OpenAcl()
                                .I32(5)
                                .I64(1000)
                                .MultiHeader(op::kSetData, false, -1)
                                .Str("/t")
                                .Str("x")
                                .I32(0)
                                .MultiHeader(-1, true, -1);
  ASSERT_TRUE(Decoded(whole).op.has_value());
  for (size_t n = 0; n < whole.size(); ++n) ExpectMalformed(whole.substr(0, n));
}

TEST(ZooKeeperCodecTest, EverySampleDecodes) {
  const std::vector<std::string> samples = testing::ZooKeeperSampleRequests();
  int refused = 0;
  for (const std::string& sample : samples) {
    Request r = Decoded(sample);
    refused += !r.op.has_value();
  }
  EXPECT_EQ(refused, 4);  // bad flags, reconfig, SASL, an unknown opcode
  EXPECT_TRUE(DecodeConnect(testing::ZooKeeperConnect()).ok());
}

// --- replies ------------------------------------------------------------------------------------

ClientResponse Ok(ResponseBody body, Zxid zxid = 0x200000009) {
  ClientResponse r;
  r.zxid = zxid;
  r.body = std::move(body);
  return r;
}

ReplyShape Shape(int32_t xid, int32_t opcode) { return ReplyShape{xid, opcode, {}, ""}; }

TEST(ZooKeeperCodecTest, StatIsZooKeepersElevenFieldsInItsOrder) {
  EXPECT_EQ(Hex(EncodeStat(SampleStat())),
            "0000000100000001"    // czxid
            "0000000100000002"    // mzxid
            "0000018bcfe56800"    // ctime
            "0000018bcfe5687b"    // mtime
            "00000004"            // version
            "00000005"            // cversion
            "00000006"            // aversion
            "1a2b3c4d5e6f7788"    // ephemeralOwner
            "00000009"            // dataLength
            "0000000a"            // numChildren
            "0000000100000003");  // pzxid
}

TEST(ZooKeeperCodecTest, RepliesByOpcode) {
  const coord::Stat s = SampleStat();
  auto header = [](int32_t xid, int32_t err = 0) {
    return Bytes().I32(xid).I64(0x200000009).I32(err);
  };
  EXPECT_EQ(EncodeReply(Shape(1, op::kCreate), Ok(CreateResponse{"/a0001", s})),
            header(1).Str("/a0001").str());
  for (int32_t opcode : {op::kCreate2, op::kCreateContainer, op::kCreateTtl}) {
    EXPECT_EQ(EncodeReply(Shape(2, opcode), Ok(CreateResponse{"/a", s})),
              header(2).Str("/a").Stat(s).str());
  }
  EXPECT_EQ(EncodeReply(Shape(3, op::kGetData), Ok(GetDataResponse{"v", s})),
            header(3).Str("v").Stat(s).str());
  EXPECT_EQ(EncodeReply(Shape(4, op::kGetChildren), Ok(GetChildrenResponse{{"x", "y"}, s})),
            header(4).I32(2).Str("x").Str("y").str());
  EXPECT_EQ(EncodeReply(Shape(5, op::kGetChildren2), Ok(GetChildrenResponse{{"x"}, s})),
            header(5).I32(1).Str("x").Stat(s).str());
  for (int32_t opcode : {op::kExists, op::kSetData, op::kSetAcl}) {
    EXPECT_EQ(EncodeReply(Shape(6, opcode), Ok(StatResponse{s})), header(6).Stat(s).str());
  }
  EXPECT_EQ(EncodeReply(Shape(7, op::kGetAcl), Ok(GetAclResponse{OpenAcl(), s})),
            header(7).OpenAcl().Stat(s).str());
  EXPECT_EQ(EncodeReply(ReplyShape{8, op::kSync, {}, "/s"}, Ok(std::monostate())),
            header(8).Str("/s").str());
  EXPECT_EQ(EncodeReply(Shape(9, op::kGetEphemerals), Ok(GetEphemeralsResponse{{"/e"}})),
            header(9).I32(1).Str("/e").str());
  EXPECT_EQ(EncodeReply(Shape(10, op::kGetAllChildrenNumber), Ok(CountDescendantsResponse{42})),
            header(10).I32(42).str());
  EXPECT_EQ(EncodeReply(Shape(11, op::kWhoAmI),
                        Ok(WhoAmIResponse{{{"ip", "127.0.0.1"}, {"digest", "bob:aGFzaA=="}}})),
            header(11).I32(2).Str("ip").Str("127.0.0.1").Str("digest").Str("bob").str());
  for (int32_t xid : {kPingXid, kAuthXid, kSetWatchesXid}) {
    EXPECT_EQ(EncodeReply(Shape(xid, xid == kPingXid   ? op::kPing
                                     : xid == kAuthXid ? op::kAuth
                                                       : op::kSetWatches),
                          Ok(std::monostate())),
              header(xid).str());
  }
  // addWatch's reply carries an ErrorResponse (ZooKeeper's FinalRequestProcessor).
  EXPECT_EQ(EncodeReply(Shape(13, op::kAddWatch), Ok(std::monostate())), header(13).I32(0).str());
  for (int32_t opcode :
       {op::kDelete, op::kCheck, op::kRemoveWatches, op::kCheckWatches, op::kCloseSession}) {
    EXPECT_EQ(EncodeReply(Shape(12, opcode), Ok(std::monostate())), header(12).str());
  }
}

TEST(ZooKeeperCodecTest, ErrorsCarryOnlyTheHeader) {
  ClientResponse r;
  r.zxid = 0x200000009;
  r.code = Code::kNoNode;
  r.message = "no node /a";
  EXPECT_EQ(EncodeReply(Shape(3, op::kExists), r), Bytes().I32(3).I64(0x200000009).I32(-101).str());
  EXPECT_EQ(EncodeErrorReply(4, 0x10, err::kUnimplemented), Bytes().I32(4).I64(0x10).I32(-6).str());
}

TEST(ZooKeeperCodecTest, MultiReplies) {
  const coord::Stat s = SampleStat();
  ReplyShape shape{
      20, op::kMulti, {op::kCreate, op::kCreate2, op::kSetData, op::kCheck, op::kDelete}, ""};
  MultiResponse body;
  body.results.resize(5);
  body.results[0].path = "/a";
  body.results[1].path = "/b";
  body.results[1].stat = s;
  body.results[2].stat = s;
  EXPECT_EQ(EncodeReply(shape, Ok(body)), Bytes()
                                              .I32(20)
                                              .I64(0x200000009)
                                              .I32(0)
                                              .MultiHeader(op::kCreate, false, 0)
                                              .Str("/a")
                                              .MultiHeader(op::kCreate2, false, 0)
                                              .Str("/b")
                                              .Stat(s)
                                              .MultiHeader(op::kSetData, false, 0)
                                              .Stat(s)
                                              .MultiHeader(op::kCheck, false, 0)
                                              .MultiHeader(op::kDelete, false, 0)
                                              .MultiHeader(-1, true, -1)
                                              .str());
  // A failed multi: every op an ErrorResult; the header says ok.
  ClientResponse failed = Ok(body);
  failed.code = Code::kBadVersion;
  std::get<MultiResponse>(failed.body).results[0].code = Code::kOk;
  std::get<MultiResponse>(failed.body).results[1].code = Code::kBadVersion;
  for (int i = 2; i < 5; ++i) {
    std::get<MultiResponse>(failed.body).results[i].code = Code::kRuntimeInconsistency;
  }
  Bytes expected;
  expected.I32(20).I64(0x200000009).I32(0);
  for (int32_t e : {0, -103, -2, -2, -2}) expected.MultiHeader(-1, false, e).I32(e);
  expected.MultiHeader(-1, true, -1);
  EXPECT_EQ(EncodeReply(shape, failed), expected.str());

  // multiRead: each op for itself.
  ReplyShape read{21, op::kMultiRead, {op::kGetData, op::kGetChildren, op::kGetData}, ""};
  MultiResponse reads;
  reads.results.resize(3);
  reads.results[0].data = "v";
  reads.results[0].stat = s;
  reads.results[1].names = {"k"};
  reads.results[2].code = Code::kNoNode;
  EXPECT_EQ(EncodeReply(read, Ok(reads)), Bytes()
                                              .I32(21)
                                              .I64(0x200000009)
                                              .I32(0)
                                              .MultiHeader(op::kGetData, false, 0)
                                              .Str("v")
                                              .Stat(s)
                                              .MultiHeader(op::kGetChildren, false, 0)
                                              .I32(1)
                                              .Str("k")
                                              .MultiHeader(-1, false, -101)
                                              .I32(-101)
                                              .MultiHeader(-1, true, -1)
                                              .str());
}

TEST(ZooKeeperCodecTest, WatchEvents) {
  EXPECT_EQ(Hex(EncodeWatchEvent({WatchEventType::kNodeChildrenChanged, "/a", 0x100000005})),
            "ffffffff"          // xid -1
            "0000000100000005"  // zxid
            "00000000"          // err
            "00000004"          // NodeChildrenChanged
            "00000003"          // SyncConnected
            "000000022f61");    // "/a"
}

TEST(ZooKeeperCodecTest, ErrorCodes) {
  EXPECT_EQ(ErrorCode(Code::kOk), 0);
  EXPECT_EQ(ErrorCode(Code::kNoNode), -101);
  EXPECT_EQ(ErrorCode(Code::kNodeExists), -110);
  EXPECT_EQ(ErrorCode(Code::kBadVersion), -103);
  EXPECT_EQ(ErrorCode(Code::kNotEmpty), -111);
  EXPECT_EQ(ErrorCode(Code::kNoChildrenForEphemerals), -108);
  EXPECT_EQ(ErrorCode(Code::kInvalidPath), -8);
  EXPECT_EQ(ErrorCode(Code::kBadArguments), -8);
  EXPECT_EQ(ErrorCode(Code::kInvalidAcl), -114);
  EXPECT_EQ(ErrorCode(Code::kNoAuth), -102);
  EXPECT_EQ(ErrorCode(Code::kAuthFailed), -115);
  EXPECT_EQ(ErrorCode(Code::kSessionExpired), -112);
  EXPECT_EQ(ErrorCode(Code::kSessionMoved), -118);
  EXPECT_EQ(ErrorCode(Code::kConnectionLoss), -4);
  EXPECT_EQ(ErrorCode(Code::kOperationTimeout), -7);
  EXPECT_EQ(ErrorCode(Code::kMarshallingError), -5);
  EXPECT_EQ(ErrorCode(Code::kThrottled), -127);
  EXPECT_EQ(ErrorCode(Code::kUnimplemented), -6);
  EXPECT_EQ(ErrorCode(Code::kRuntimeInconsistency), -2);
  EXPECT_EQ(ErrorCode(Code::kNoWatcher), -121);
  EXPECT_EQ(ErrorCode(Code::kInternal), -1);
  EXPECT_EQ(ErrorCode(Code::kIoError), -1);
}

}  // namespace
}  // namespace coord::zk
