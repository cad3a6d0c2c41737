// Encodes the client protocol's messages (protocol/client.h) as FlatBuffers (protocol/client.fbs)
// and decodes them back. One encoded message is the payload of one frame (protocol/frame.h).
//
// Decoding takes untrusted bytes from the network. It never crashes and never throws: the buffer
// passes the FlatBuffers Verifier (bounded depth and table count) before any field is read, and a
// buffer that fails it, lacks a required field, or carries an enum value, union member or code this
// version does not know is a kMarshallingError Status whose message names what is wrong. The
// decoded value never holds more bytes than the buffer did, so a small frame cannot expand into a
// huge message through shared offsets.
//
// Pure functions, no state: safe to call from any thread.
#pragma once

#include <string>
#include <string_view>

#include "coord/base/status.h"
#include "protocol/client.h"

namespace coord {

std::string EncodeClientMessage(const ClientMessage& message);
Result<ClientMessage> DecodeClientMessage(std::string_view bytes);

std::string EncodeServerMessage(const ServerMessage& message);
Result<ServerMessage> DecodeServerMessage(std::string_view bytes);

}  // namespace coord
