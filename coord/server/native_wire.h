// NativeWire: coord's own client protocol on a connection — frames (protocol/frame.h) carrying
// FlatBuffers messages (protocol/client_codec.h). See wire.h.
#pragma once

#include "coord/server/wire.h"
#include "protocol/frame.h"

namespace coord::server {

class NativeWire final : public Wire {
 public:
  explicit NativeWire(size_t max_frame_bytes) : parser_(max_frame_bytes) {}

  Status Feed(std::string_view bytes, Sink& sink) override;
  bool Encode(const ServerMessage& message, std::string* out) override;
  const char* name() const override { return "native"; }

 private:
  FrameParser parser_;
};

}  // namespace coord::server
