// Jute, the record encoding of Apache ZooKeeper's client protocol: big-endian fixed-width
// integers, a one-byte bool, and length-prefixed buffers, strings and vectors (length -1 = null).
//
// JuteReader reads from untrusted bytes: every read checks the remaining length, and a length
// prefix is checked against what is left before anything is allocated, so a hostile length cannot
// make the reader allocate more than the packet holds. Errors are kMarshallingError Statuses
// naming the field. JuteWriter appends to a string. Pure; no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "coord/base/status.h"

namespace coord::jute {

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  Status Int(int32_t* out, const char* field);
  Status Long(int64_t* out, const char* field);
  Status Bool(bool* out, const char* field);
  // A buffer or a ustring: int32 length then bytes. -1 (null) reads as empty.
  Status Buffer(std::string* out, const char* field);
  Status String(std::string* out, const char* field) { return Buffer(out, field); }
  // int32 count then `count` strings; -1 (null) reads as empty.
  Status Strings(std::vector<std::string>* out, const char* field);
  // A vector's count: -1 (null) reads as 0; a count above what the remaining bytes could hold
  // (each element takes at least `min_element_bytes`) is refused.
  Status Count(int32_t* out, size_t min_element_bytes, const char* field);

  size_t remaining() const { return bytes_.size() - at_; }
  bool done() const { return at_ == bytes_.size(); }
  // Fails unless every byte was read: a record with trailing bytes is malformed.
  Status ExpectEnd(const char* record) const;

 private:
  Status Need(size_t n, const char* field) const;

  std::string_view bytes_;
  size_t at_ = 0;
};

class Writer {
 public:
  void Int(int32_t v);
  void Long(int64_t v);
  void Bool(bool v);
  void Buffer(std::string_view v);
  void String(std::string_view v) { Buffer(v); }
  void Strings(const std::vector<std::string>& v);

  const std::string& bytes() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace coord::jute
