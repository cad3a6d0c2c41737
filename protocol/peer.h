// The peer wire: plain structs for what members send each other, mirroring coord/zab/messages.h
// field by field, plus the Hello that opens every peer connection and the replicas' own member
// messages (coord/replica/member_messages.h: Forward, ForwardReply, SessionTouches). No
// FlatBuffers here; protocol/peer_codec.h converts to and from the wire (protocol/peer.fbs).
//
// Why a mirror and not coord::zab's or coord::replica's types: protocol/ may use only base
// (architecture rule), so the wire cannot name them. coord/server/peer_messages.h maps
// zab::Message and MemberMessage <-> peer::Message.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "coord/base/types.h"

namespace coord::peer {

// Bumped when the peer wire changes incompatibly; a Hello with another version is refused.
constexpr uint32_t kProtocolVersion = 1;

using MemberId = int32_t;

// Opens every peer connection, sent by both sides before anything else.
struct Hello {
  std::string cluster_id;
  MemberId member_id = 0;
  uint32_t protocol_version = kProtocolVersion;
  friend bool operator==(const Hello&, const Hello&) = default;
};

struct Entry {
  Zxid zxid = 0;
  std::string payload;
  friend bool operator==(const Entry&, const Entry&) = default;
};

enum class ServerState : uint8_t { kLooking = 0, kFollowing = 1, kLeading = 2, kObserving = 3 };

struct Notification {
  MemberId leader = 0;
  Zxid zxid = 0;
  Epoch epoch = 0;
  uint64_t round = 0;
  ServerState state = ServerState::kLooking;
  friend bool operator==(const Notification&, const Notification&) = default;
};
struct FollowerInfo {
  Epoch accepted_epoch = 0;
  Zxid last_zxid = 0;
  friend bool operator==(const FollowerInfo&, const FollowerInfo&) = default;
};
struct LeaderInfo {
  Epoch epoch = 0;
  friend bool operator==(const LeaderInfo&, const LeaderInfo&) = default;
};
struct AckEpoch {
  Epoch epoch = 0;
  Epoch current_epoch = 0;
  Zxid last_zxid = 0;
  friend bool operator==(const AckEpoch&, const AckEpoch&) = default;
};
struct Trunc {
  Epoch epoch = 0;
  Zxid zxid = 0;
  friend bool operator==(const Trunc&, const Trunc&) = default;
};
struct Snap {
  Epoch epoch = 0;
  Zxid snapshot_zxid = 0;
  std::string snapshot_data;  // opaque
  friend bool operator==(const Snap&, const Snap&) = default;
};
struct Diff {
  Epoch epoch = 0;
  std::vector<Entry> entries;
  Zxid committed_zxid = 0;
  Zxid after = 0;  // the entries follow this zxid
  friend bool operator==(const Diff&, const Diff&) = default;
};
struct NewLeader {
  Epoch epoch = 0;
  Zxid last_zxid = 0;
  friend bool operator==(const NewLeader&, const NewLeader&) = default;
};
struct AckNewLeader {
  Epoch epoch = 0;
  Zxid zxid = 0;
  friend bool operator==(const AckNewLeader&, const AckNewLeader&) = default;
};
struct UpToDate {
  Epoch epoch = 0;
  Zxid committed_zxid = 0;
  friend bool operator==(const UpToDate&, const UpToDate&) = default;
};
struct Proposal {
  Epoch epoch = 0;
  Entry entry;
  friend bool operator==(const Proposal&, const Proposal&) = default;
};
struct Ack {
  Epoch epoch = 0;
  Zxid zxid = 0;
  friend bool operator==(const Ack&, const Ack&) = default;
};
struct Commit {
  Epoch epoch = 0;
  Zxid zxid = 0;
  friend bool operator==(const Commit&, const Commit&) = default;
};
struct Inform {
  Epoch epoch = 0;
  Entry entry;
  friend bool operator==(const Inform&, const Inform&) = default;
};
struct Ping {
  Epoch epoch = 0;
  Zxid committed_zxid = 0;
  friend bool operator==(const Ping&, const Ping&) = default;
};
struct PingAck {
  Epoch epoch = 0;
  friend bool operator==(const PingAck&, const PingAck&) = default;
};

// --- member messages: the replicas' own, not Zab's (coord/replica/member_messages.h) ---

// One identity a session has proven (coord::Identity).
struct Identity {
  std::string scheme;
  std::string id;
  friend bool operator==(const Identity&, const Identity&) = default;
};

// ForwardRequest: a session's client op, or a session to create, handed to the leader.
struct Forward {
  SessionId session = 0;
  int64_t request_id = 0;
  std::vector<Identity> identities;
  bool superuser = false;
  // An EncodeClientMessage(ClientRequest) frame body (protocol/client_codec.h); empty for a
  // session create, which uses `session` and the two fields below instead.
  std::string client_request;
  int32_t session_timeout_ms = 0;
  std::string session_password;
  friend bool operator==(const Forward&, const Forward&) = default;
};

struct ForwardReply {
  SessionId session = 0;
  int64_t request_id = 0;
  int32_t code = 0;  // a coord::Code
  std::string message;
  Zxid zxid = 0;
  friend bool operator==(const ForwardReply&, const ForwardReply&) = default;
};

struct SessionTouches {
  std::vector<SessionId> sessions;
  friend bool operator==(const SessionTouches&, const SessionTouches&) = default;
};

// Hello first, then the alternatives in coord::zab::Message's order, then the member messages
// (peer.fbs's union follows). New alternatives go at the end, never renumber.
using Message = std::variant<Hello, Notification, FollowerInfo, LeaderInfo, AckEpoch, Trunc, Snap,
                             Diff, NewLeader, AckNewLeader, UpToDate, Proposal, Ack, Commit, Inform,
                             Ping, PingAck, Forward, ForwardReply, SessionTouches>;

}  // namespace coord::peer
