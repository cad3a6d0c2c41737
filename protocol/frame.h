// Framing of a client connection: each message is a 4-byte big-endian payload length followed by
// the payload (one encoded message, protocol/client_codec.h).
//
// FrameParser cuts a received byte stream into frame payloads. It is pure (no I/O): the server's
// read callback feeds it what arrived and takes out every complete frame. A zero length or a length
// above the maximum is a protocol violation after which the stream cannot be resynchronised; the
// server closes that connection with the Status's message as the logged reason.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "coord/base/status.h"

namespace coord {

constexpr size_t kFrameHeaderBytes = 4;
// The default maximum payload: 1 MiB of node data plus room for the path, ACL and the rest of the
// request around it.
constexpr size_t kDefaultMaxFrameBytes = (1 << 20) + 64 * 1024;

// One connection's parser. Not thread-safe: owned by the connection, used on its loop thread.
class FrameParser {
 public:
  // max_frame_bytes bounds a payload (the length in the header, the header itself not included);
  // 1 <= max_frame_bytes <= 2^32 - 1.
  explicit FrameParser(size_t max_frame_bytes = kDefaultMaxFrameBytes);

  // Appends bytes received from the connection. Call Next() until it returns nullopt after each
  // Feed; the parser then holds at most one incomplete frame plus one Feed's bytes. After an error,
  // further bytes are dropped.
  void Feed(std::string_view bytes);

  // The next complete frame's payload; nullopt when more bytes are needed. Errors, sticky (every
  // later call returns the same Status):
  //  - kTooLarge: the header announces more than max_frame_bytes (0xFFFFFFFF included, which a
  //    signed reader would take for -1), detected from the 4 header bytes alone, before any of the
  //    payload is buffered or waited for;
  //  - kMarshallingError: a zero length (an encoded message is never empty).
  Result<std::optional<std::string>> Next();

  // Bytes received and not yet returned as frames.
  size_t buffered_bytes() const { return buffer_.size() - offset_; }
  size_t max_frame_bytes() const { return max_frame_bytes_; }

 private:
  // Drops the bytes already returned once they are worth moving: at least half of the buffer.
  void Compact();

  size_t max_frame_bytes_;
  std::string buffer_;
  size_t offset_ = 0;  // start of the first byte not yet returned; buffer_ before it is consumed
  Status error_;
};

// The frame for `payload`: its length, big-endian, then the payload. CHECKs that the payload is
// not empty and that its length fits in 32 bits (the encoder's bug otherwise).
std::string EncodeFrame(std::string_view payload);
void AppendFrame(std::string* out, std::string_view payload);

}  // namespace coord
