// What the replicas of one ensemble tell each other besides the consensus core's messages: the
// client work a member hands to the leader (ZooKeeper's REQUEST packets and the session pings a
// follower relays). These are the application's messages, not Zab's: a Raft or Multi-Paxos engine
// behind the same seam uses them unchanged.
//
//   ForwardRequest  member -> leader: a session's write, close or sync, or a session to create,
//                   with the session's identities (the leader checks ACLs and prepares it).
//   ForwardReply    leader -> member: the answer to a forwarded sync (the leader's commit point
//                   when it arrived), or the refusal of a forwarded request the leader could not
//                   propose (not an established leader any more, throttled).
//   SessionTouches  member -> leader: the sessions that showed life on this member since the last
//                   touch message; the leader alone expires sessions (Zab rule 7).
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "coord/base/status.h"
#include "coord/base/types.h"
#include "coord/tree/acl.h"
#include "coord/tree/request.h"
#include "protocol/client.h"

namespace coord {

struct ForwardRequest {
  SessionId session = 0;
  int64_t request_id = 0;
  AuthContext auth;
  // A client op (a write, CloseSessionClientRequest or SyncRequest), or a session to create.
  std::variant<ClientOp, CreateSessionRequest> op;
};

struct ForwardReply {
  SessionId session = 0;
  int64_t request_id = 0;
  Code code = Code::kOk;
  std::string message;
  Zxid zxid = 0;  // a sync: the leader's commit point when the sync arrived
};

struct SessionTouches {
  std::vector<SessionId> sessions;
};

using MemberMessage = std::variant<ForwardRequest, ForwardReply, SessionTouches>;

}  // namespace coord
