// Encodes peer messages (protocol/peer.h) as FlatBuffers (protocol/peer.fbs, file identifier
// "CPEE") and decodes them back. One encoded message is the payload of one frame
// (protocol/frame.h) on a peer connection.
//
// Decoding takes untrusted bytes from the network. It never crashes and never throws: the buffer
// passes the FlatBuffers Verifier (bounded depth and table count) before any field is read; a
// buffer that fails it, has another file identifier, lacks a body or carries an enum value or
// union member this version does not know is a kMarshallingError Status naming what is wrong. The
// decoded value never holds more payload bytes than the buffer did, so entries sharing one offset
// cannot expand a small frame into a huge message.
//
// Pure functions, no state: safe to call from any thread.
#pragma once

#include <string>
#include <string_view>

#include "coord/base/status.h"
#include "protocol/peer.h"

namespace coord {

std::string EncodePeerMessage(const peer::Message& message);
Result<peer::Message> DecodePeerMessage(std::string_view bytes);

// "Hello", "Proposal", ... for logs and test failures.
const char* PeerMessageName(const peer::Message& message);

}  // namespace coord
