// Maps the consensus core's messages (coord/zab/messages.h) to the peer wire's plain structs
// (protocol/peer.h) and back. It lives in coord/server because protocol/ may not see coord::zab;
// the two sets of structs mirror each other field by field, and the round-trip test in
// tests/server/peer_messages_test.cc keeps them in step.
//
// Pure functions, no state.
#pragma once

#include "coord/base/status.h"
#include "coord/zab/messages.h"
#include "protocol/peer.h"

namespace coord::server {

peer::Message ToWire(const zab::Message& message);
// Every wire message but Hello (the transport's own handshake) has a zab counterpart; a Hello is a
// kMarshallingError here (it is only valid as a connection's first frame).
Result<zab::Message> FromWire(peer::Message message);

}  // namespace coord::server
