#include "coord/server/native_wire.h"

#include "protocol/client_codec.h"

namespace coord::server {

Status NativeWire::Feed(std::string_view bytes, Sink& sink) {
  parser_.Feed(bytes);
  while (true) {
    Result<std::optional<std::string>> frame = parser_.Next();
    if (!frame.ok()) return Status(frame.code(), "bad frame: " + frame.status().ToString());
    if (!frame->has_value()) return Status::Ok();
    Result<ClientMessage> message = DecodeClientMessage(**frame);
    if (!message.ok()) {
      return Status(message.code(), "undecodable message: " + message.status().ToString());
    }
    if (!sink.Deliver(std::move(message).value())) return Status::Ok();
  }
}

bool NativeWire::Encode(const ServerMessage& message, std::string* out) {
  AppendFrame(out, EncodeServerMessage(message));
  return true;
}

}  // namespace coord::server
