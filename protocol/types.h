// Plain value types shared by the client protocol, the transaction log and the tree: node kinds,
// ACLs, Stat. No FlatBuffers here; protocol/txn_codec.h converts to and from the wire.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "coord/base/types.h"

namespace coord {

// What a node is. "Sequential" is not a kind: it is a create option that appends a counter to the
// name, and any kind may be sequential.
enum class NodeKind : uint8_t {
  kPersistent = 0,
  kEphemeral = 1,  // owned by a session; removed with it; cannot have children
  kContainer = 2,  // removed by the server once it had children and has none left
  kTtl = 3,        // removed by the server when unchanged for its TTL and childless
};

// Permission bits, with ZooKeeper's values.
namespace perm {
constexpr uint32_t kRead = 1;
constexpr uint32_t kWrite = 2;
constexpr uint32_t kCreate = 4;
constexpr uint32_t kDelete = 8;
constexpr uint32_t kAdmin = 16;
constexpr uint32_t kAll = kRead | kWrite | kCreate | kDelete | kAdmin;
}  // namespace perm

// One entry of a node's access control list: who (scheme + id) may do what (perms).
// Schemes: "world" (id "anyone"), "auth" (expanded at create to the creator's identities),
// "digest" (id "user:base64(sha1(user:password))"), "ip" (id "addr" or "addr/bits").
struct Acl {
  uint32_t perms = 0;
  std::string scheme;
  std::string id;
  friend bool operator==(const Acl&, const Acl&) = default;
};
using AclList = std::vector<Acl>;

// world:anyone with all permissions: ZooKeeper's OPEN_ACL_UNSAFE, the default.
inline AclList OpenAcl() { return {Acl{perm::kAll, "world", "anyone"}}; }

// A node's metadata, with ZooKeeper's field meanings.
struct Stat {
  Zxid czxid = 0;                 // created by
  Zxid mzxid = 0;                 // data last modified by
  Zxid pzxid = 0;                 // children last changed by
  int64_t ctime_ms = 0;           // creation time (the creating transaction's time)
  int64_t mtime_ms = 0;           // last data change time
  int32_t version = 0;            // data changes
  int32_t cversion = 0;           // child list changes
  int32_t aversion = 0;           // ACL changes
  SessionId ephemeral_owner = 0;  // the owning session of an ephemeral, else 0
  int32_t data_length = 0;
  int32_t num_children = 0;
  friend bool operator==(const Stat&, const Stat&) = default;
};

// What happened to a watched node: ZooKeeper's event types, with its numeric values.
enum class WatchEventType : uint8_t {
  kNodeCreated = 1,
  kNodeDeleted = 2,
  kNodeDataChanged = 3,
  kNodeChildrenChanged = 4,
};

// A version argument that matches any version.
constexpr int32_t kAnyVersion = -1;

}  // namespace coord
