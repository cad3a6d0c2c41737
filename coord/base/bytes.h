// ByteWriter / ByteReader: the little-endian binary encoding of snapshots (protocol/ encodes
// messages with FlatBuffers; snapshots are a stream of millions of small records, for which a
// flat varint encoding is smaller and faster). ByteSink is where a writer flushes its bytes.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "coord/base/status.h"

namespace coord {

// Receives a stream of bytes (a file, a buffer, a checksum); implemented by storage/.
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual Status Write(std::string_view bytes) = 0;
};

class ByteWriter {
 public:
  explicit ByteWriter(std::string* out) : out_(out) {}

  void PutU8(uint8_t v) { out_->push_back(static_cast<char>(v)); }
  void PutU32(uint32_t v) { PutFixed(&v, 4); }
  void PutU64(uint64_t v) { PutFixed(&v, 8); }
  void PutVarint(uint64_t v) {
    while (v >= 0x80) {
      out_->push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out_->push_back(static_cast<char>(v));
  }
  // Zig-zag, so small negative values (version -1) stay small.
  void PutSignedVarint(int64_t v) {
    PutVarint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
  }
  void PutBytes(std::string_view bytes) {
    PutVarint(bytes.size());
    out_->append(bytes.data(), bytes.size());
  }

 private:
  void PutFixed(const void* v, size_t n) { out_->append(static_cast<const char*>(v), n); }
  std::string* out_;
};

// Reads what a ByteWriter wrote. Every getter returns false once the input is exhausted or
// malformed; the reader then stays failed, so a caller may check once at the end of a record.
class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}

  bool ok() const { return ok_; }
  size_t remaining() const { return in_.size(); }

  bool GetU8(uint8_t* v) { return GetFixed(v, 1); }
  bool GetU32(uint32_t* v) { return GetFixed(v, 4); }
  bool GetU64(uint64_t* v) { return GetFixed(v, 8); }
  bool GetVarint(uint64_t* v) {
    uint64_t result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (!ok_ || in_.empty()) return Fail();
      uint8_t byte = static_cast<uint8_t>(in_[0]);
      in_.remove_prefix(1);
      if (shift == 63 && byte > 1) return Fail();  // bits beyond 64: malformed, not truncated
      result |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) {
        *v = result;
        return true;
      }
    }
    return Fail();
  }
  bool GetSignedVarint(int64_t* v) {
    uint64_t u;
    if (!GetVarint(&u)) return false;
    *v = static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
    return true;
  }
  // A view into the input; valid while the input is.
  bool GetBytes(std::string_view* bytes) {
    uint64_t size;
    if (!GetVarint(&size)) return false;
    if (size > in_.size()) return Fail();
    *bytes = in_.substr(0, size);
    in_.remove_prefix(size);
    return true;
  }

 private:
  bool GetFixed(void* v, size_t n) {
    if (!ok_ || in_.size() < n) return Fail();
    std::memcpy(v, in_.data(), n);
    in_.remove_prefix(n);
    return true;
  }
  bool Fail() {
    ok_ = false;
    return false;
  }
  std::string_view in_;
  bool ok_ = true;
};

}  // namespace coord
