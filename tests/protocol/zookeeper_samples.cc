#include "tests/protocol/zookeeper_samples.h"

namespace coord::testing {
namespace {

// ZooKeeper's opcodes, written out here rather than taken from the codec under test.
enum : int32_t {
  kCreate = 1,
  kDelete = 2,
  kExists = 3,
  kGetData = 4,
  kSetData = 5,
  kGetAcl = 6,
  kSetAcl = 7,
  kGetChildren = 8,
  kSync = 9,
  kPing = 11,
  kGetChildren2 = 12,
  kCheck = 13,
  kMulti = 14,
  kCreate2 = 15,
  kReconfig = 16,
  kCheckWatches = 17,
  kRemoveWatches = 18,
  kCreateContainer = 19,
  kCreateTtl = 21,
  kMultiRead = 22,
  kAuth = 100,
  kSetWatches = 101,
  kSasl = 102,
  kGetEphemerals = 103,
  kGetAllChildrenNumber = 104,
  kSetWatches2 = 105,
  kAddWatch = 106,
  kWhoAmI = 107,
  kCloseSession = -11,
};

}  // namespace

std::string ZooKeeperConnect(int64_t session, const std::string& password, int32_t timeout_ms) {
  return JuteBytes().I32(0).I64(0).I32(timeout_ms).I64(session).Str(password).Bool(false).str();
}

std::string ZooKeeperPacket(const std::string& payload) {
  JuteBytes b;
  b.I32(static_cast<int32_t>(payload.size()));
  return b.str() + payload;
}

std::vector<std::string> ZooKeeperSampleRequests() {
  int32_t xid = 1;
  auto h = [&xid](int32_t type) { return JuteBytes().Header(xid++, type); };
  return {
      h(kCreate).Str("/a").Str("data").OpenAcl().I32(0).str(),
      h(kCreate).Str("/a/e-").Str("").OpenAcl().I32(3).str(),
      h(kCreate2).Str("/b").Str("x").OpenAcl().I32(2).str(),
      h(kCreateContainer).Str("/c").Str("").OpenAcl().I32(4).str(),
      h(kCreateTtl).Str("/t").Str("").OpenAcl().I32(5).I64(60000).str(),
      h(kCreate).Str("/bad-flags").Str("").OpenAcl().I32(9).str(),
      h(kDelete).Str("/a").I32(-1).str(),
      h(kExists).Str("/a").Bool(true).str(),
      h(kGetData).Str("/a").Bool(true).str(),
      h(kSetData).Str("/a").Str("v").I32(0).str(),
      h(kGetAcl).Str("/a").str(),
      h(kSetAcl)
          .Str("/a")
          .I32(2)
          .I32(1)
          .Str("digest")
          .Str("u:h")
          .I32(31)
          .Str("ip")
          .Str("127.0.0.1")
          .I32(0)
          .str(),
      h(kGetChildren).Str("/").Bool(true).str(),
      h(kGetChildren2).Str("/").Bool(false).str(),
      h(kSync).Str("/").str(),
      JuteBytes().Header(-2, kPing).str(),
      h(kCheck).Str("/a").I32(0).str(),
      h(kMulti)
          .MultiHeader(kCreate, false, -1)
          .Str("/m")
          .Str("")
          .OpenAcl()
          .I32(0)
          .MultiHeader(kSetData, false, -1)
          .Str("/m")
          .Str("v")
          .I32(0)
          .MultiHeader(kCheck, false, -1)
          .Str("/m")
          .I32(1)
          .MultiHeader(kDelete, false, -1)
          .Str("/m")
          .I32(1)
          .MultiHeader(-1, true, -1)
          .str(),
      h(kMultiRead)
          .MultiHeader(kGetData, false, -1)
          .Str("/")
          .Bool(false)
          .MultiHeader(kGetChildren, false, -1)
          .Str("/")
          .Bool(false)
          .MultiHeader(-1, true, -1)
          .str(),
      h(kReconfig).Str("").Str("").Str("").I64(-1).str(),
      h(kCheckWatches).Str("/a").I32(3).str(),
      h(kRemoveWatches).Str("/a").I32(2).str(),
      JuteBytes().Header(-4, kAuth).I32(0).Str("digest").Str("alice:secret").str(),
      JuteBytes()
          .Header(-8, kSetWatches)
          .I64(0)
          .I32(1)
          .Str("/a")
          .I32(1)
          .Str("/b")
          .I32(1)
          .Str("/")
          .str(),
      JuteBytes()
          .Header(-8, kSetWatches2)
          .I64(0)
          .I32(0)
          .I32(0)
          .I32(0)
          .I32(1)
          .Str("/p")
          .I32(1)
          .Str("/")
          .str(),
      h(kSasl).Str("token").str(),
      h(kGetEphemerals).Str("/").str(),
      h(kGetAllChildrenNumber).Str("/").str(),
      h(kAddWatch).Str("/").I32(1).str(),
      h(kWhoAmI).str(),
      h(4242).str(),
      h(kCloseSession).str(),
  };
}

}  // namespace coord::testing
