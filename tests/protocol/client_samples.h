// Sample client-protocol messages with non-default values in every field, for the codec tests and
// the fuzz target's replay driver (tests/fuzz). Together they cover every ClientOp, every response
// body and every message variant.
#pragma once

#include <string>
#include <vector>

#include "protocol/client.h"

namespace coord::testing {

// Bytes with NULs and high bytes: data must survive as bytes, not as C strings.
extern const std::string kBinary;

AclList SampleAcl();
Stat SampleStat();  // every field set, none zero

// One ClientRequest per ClientOp alternative (some alternatives more than once: a resumed and a
// new connect, an empty and a mixed multi), and both kinds of ConnectRequest.
std::vector<ClientMessage> SampleClientMessages();

// ConnectResponses, a ClientResponse per ResponseBody alternative (the empty body with an error
// code), and a WatchEvent per event type.
std::vector<ServerMessage> SampleServerMessages();

}  // namespace coord::testing
