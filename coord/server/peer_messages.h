// Maps the consensus core's messages (coord/zab/messages.h) and the replicas' member messages
// (coord/replica/member_messages.h) to the peer wire's plain structs (protocol/peer.h) and back.
// It lives in coord/server because protocol/ may not see coord::zab or coord/replica; the sets of
// structs mirror each other, and the round-trip tests in tests/server/peer_messages_test.cc keep
// them in step.
//
// Pure functions, no state.
#pragma once

#include "coord/base/status.h"
#include "coord/replica/member_messages.h"
#include "coord/zab/messages.h"
#include "protocol/peer.h"

namespace coord::server {

peer::Message ToWire(const zab::Message& message);
// Every wire message but Hello (the transport's own handshake) and the member messages has a zab
// counterpart; those are a kMarshallingError here (a Hello is only valid as a connection's first
// frame, a member message goes to MemberFromWire).
Result<zab::Message> FromWire(peer::Message message);

// A ForwardRequest's client op travels as an encoded ClientRequest{request_id, op}
// (protocol/client_codec.h); a session create as the Forward's session, session_timeout_ms and
// session_password with no client request, so its CreateSessionRequest.session_id must equal the
// ForwardRequest's session (CHECKed).
peer::Message ToWire(const MemberMessage& message);
// Forward, ForwardReply and SessionTouches; anything else is a kMarshallingError, and so is a
// Forward whose client request does not decode to a ClientRequest with the Forward's request id,
// or a ForwardReply whose code is not a coord::Code.
Result<MemberMessage> MemberFromWire(peer::Message message);

}  // namespace coord::server
