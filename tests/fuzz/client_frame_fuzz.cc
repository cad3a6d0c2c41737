// Fuzz target for what a client connection's bytes go through: FrameParser, then the client
// codec. Built as a libFuzzer binary with clang (client_frame_fuzz) and, with any compiler, into a
// replay driver that runs it over a deterministic corpus (client_frame_fuzz_replay.cc).
//
// Oracles, beyond "no crash, no sanitizer report":
//  - decoding either fails with kMarshallingError or yields a message m with
//    decode(encode(m)) == m and encode(decode(encode(m))) == encode(m);
//  - FrameParser fed the input in chunks returns exactly the frames, and then the error, of a
//    straightforward whole-buffer reference parser.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/client_codec.h"
#include "protocol/frame.h"

namespace coord {
namespace {

// Small, so that oversize frames are common.
constexpr size_t kFuzzMaxFrameBytes = 4096;

void Require(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "client_frame_fuzz: %s\n", what);
  std::abort();
}

template <typename Message, typename Encode, typename Decode>
void CheckDecode(std::string_view bytes, Encode encode, Decode decode) {
  Result<Message> decoded = decode(bytes);
  if (!decoded.ok()) {
    Require(decoded.code() == Code::kMarshallingError, "decode failed with another code");
    Require(!decoded.status().message().empty(), "decode failed without a reason");
    return;
  }
  const std::string encoded = encode(*decoded);
  Result<Message> again = decode(encoded);
  Require(again.ok(), "a decoded message does not decode after re-encoding");
  Require(*again == *decoded, "decode(encode(m)) != m");
  Require(encode(*again) == encoded, "encoding is not deterministic");
}

void CheckBothDirections(std::string_view bytes) {
  CheckDecode<ClientMessage>(bytes, EncodeClientMessage, DecodeClientMessage);
  CheckDecode<ServerMessage>(bytes, EncodeServerMessage, DecodeServerMessage);
}

// The reference: frames of the whole input, then the error code that ends it (kOk when the input
// ends on a frame boundary or inside an incomplete frame).
struct Framing {
  std::vector<std::string> frames;
  Code error = Code::kOk;
};
Framing ReferenceFrames(std::string_view in) {
  Framing out;
  while (in.size() >= kFrameHeaderBytes) {
    const auto* h = reinterpret_cast<const unsigned char*>(in.data());
    const uint64_t length = (uint64_t{h[0]} << 24) | (h[1] << 16) | (h[2] << 8) | h[3];
    if (length == 0) {
      out.error = Code::kMarshallingError;
      break;
    }
    if (length > kFuzzMaxFrameBytes) {
      out.error = Code::kTooLarge;
      break;
    }
    if (in.size() - kFrameHeaderBytes < length) break;
    out.frames.emplace_back(in.substr(kFrameHeaderBytes, length));
    in.remove_prefix(kFrameHeaderBytes + length);
  }
  return out;
}

// FrameParser fed `in` in chunks of `chunk` bytes, drained after each.
Framing ParserFrames(std::string_view in, size_t chunk) {
  FrameParser parser(kFuzzMaxFrameBytes);
  Framing out;
  for (size_t at = 0; at < in.size() && out.error == Code::kOk; at += chunk) {
    parser.Feed(in.substr(at, chunk));
    while (true) {
      Result<std::optional<std::string>> next = parser.Next();
      if (!next.ok()) {
        out.error = next.code();
        break;
      }
      if (!next->has_value()) break;
      out.frames.push_back(std::move(**next));
    }
  }
  return out;
}

}  // namespace
}  // namespace coord

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace coord;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // The input as one payload, so the decoder is reached without a valid frame header.
  CheckBothDirections(input);
  // The input as a connection's byte stream. The chunk size comes from the last byte, which is
  // also part of the stream: the same input always takes the same path.
  const size_t chunk = size == 0 ? 1 : 1 + data[size - 1] % 97;
  Framing reference = ReferenceFrames(input);
  Framing parsed = ParserFrames(input, chunk);
  Require(parsed.frames == reference.frames, "FrameParser frames differ from the reference");
  Require(parsed.error == reference.error, "FrameParser error differs from the reference");
  for (const std::string& frame : parsed.frames) CheckBothDirections(frame);
  return 0;
}
