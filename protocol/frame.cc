#include "protocol/frame.h"

#include <limits>

#include "coord/base/check.h"

namespace coord {
namespace {

// A parser keeps up to this much buffer capacity between frames; more is released once drained.
constexpr size_t kRetainedCapacityBytes = 64 * 1024;

}  // namespace

FrameParser::FrameParser(size_t max_frame_bytes) : max_frame_bytes_(max_frame_bytes) {
  CHECK(max_frame_bytes >= 1 && max_frame_bytes <= std::numeric_limits<uint32_t>::max())
      << "max_frame_bytes " << max_frame_bytes;
}

void FrameParser::Feed(std::string_view bytes) {
  if (!error_.ok() || bytes.empty()) return;
  Compact();
  buffer_.append(bytes.data(), bytes.size());
}

Result<std::optional<std::string>> FrameParser::Next() {
  if (!error_.ok()) return error_;
  const size_t available = buffer_.size() - offset_;
  if (available < kFrameHeaderBytes) return std::optional<std::string>();
  const auto* header = reinterpret_cast<const unsigned char*>(buffer_.data() + offset_);
  const uint32_t length = (uint32_t{header[0]} << 24) | (uint32_t{header[1]} << 16) |
                          (uint32_t{header[2]} << 8) | uint32_t{header[3]};
  if (length == 0) {
    error_ = Status(Code::kMarshallingError, "zero-length frame");
    return error_;
  }
  if (length > max_frame_bytes_) {
    error_ = Status(Code::kTooLarge, "frame of " + std::to_string(length) +
                                         " bytes exceeds the maximum of " +
                                         std::to_string(max_frame_bytes_));
    return error_;
  }
  if (available - kFrameHeaderBytes < length) {
    // Grow once to the whole frame rather than by doubling as its bytes trickle in.
    buffer_.reserve(offset_ + kFrameHeaderBytes + length);
    return std::optional<std::string>();
  }
  std::string payload(buffer_, offset_ + kFrameHeaderBytes, length);
  offset_ += kFrameHeaderBytes + length;
  return std::optional<std::string>(std::move(payload));
}

void FrameParser::Compact() {
  if (offset_ == buffer_.size() && buffer_.capacity() > kRetainedCapacityBytes) {
    // Everything was consumed: let one large frame's buffer go rather than keep it for the life
    // of the connection.
    std::string().swap(buffer_);
    offset_ = 0;
    return;
  }
  // Moving the unconsumed tail costs at most what was consumed since the last move, so every byte
  // is moved O(1) times: many small frames in one Feed stay linear.
  if (offset_ == 0 || offset_ < buffer_.size() - offset_) return;
  buffer_.erase(0, offset_);
  offset_ = 0;
}

void AppendFrame(std::string* out, std::string_view payload) {
  CHECK(!payload.empty()) << "an empty frame";
  CHECK(payload.size() <= std::numeric_limits<uint32_t>::max()) << "frame of " << payload.size();
  const auto length = static_cast<uint32_t>(payload.size());
  const char header[kFrameHeaderBytes] = {
      static_cast<char>(length >> 24), static_cast<char>(length >> 16),
      static_cast<char>(length >> 8), static_cast<char>(length)};
  out->append(header, kFrameHeaderBytes);
  out->append(payload.data(), payload.size());
}

std::string EncodeFrame(std::string_view payload) {
  std::string out;
  out.reserve(kFrameHeaderBytes + payload.size());
  AppendFrame(&out, payload);
  return out;
}

}  // namespace coord
