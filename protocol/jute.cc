#include "protocol/jute.h"

namespace coord::jute {
namespace {

Status Malformed(const char* field, const std::string& why) {
  return Status(Code::kMarshallingError, std::string(field) + ": " + why);
}

}  // namespace

Status Reader::Need(size_t n, const char* field) const {
  if (remaining() < n) {
    return Malformed(
        field, "needs " + std::to_string(n) + " bytes, " + std::to_string(remaining()) + " left");
  }
  return Status::Ok();
}

Status Reader::Int(int32_t* out, const char* field) {
  COORD_RETURN_IF_ERROR(Need(4, field));
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(bytes_[at_++]);
  *out = static_cast<int32_t>(v);
  return Status::Ok();
}

Status Reader::Long(int64_t* out, const char* field) {
  COORD_RETURN_IF_ERROR(Need(8, field));
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(bytes_[at_++]);
  *out = static_cast<int64_t>(v);
  return Status::Ok();
}

Status Reader::Bool(bool* out, const char* field) {
  COORD_RETURN_IF_ERROR(Need(1, field));
  // Java's readBool is `readByte() != 0`; any non-zero byte is true.
  *out = bytes_[at_++] != 0;
  return Status::Ok();
}

Status Reader::Count(int32_t* out, size_t min_element_bytes, const char* field) {
  int32_t n = 0;
  COORD_RETURN_IF_ERROR(Int(&n, field));
  if (n == -1) n = 0;
  if (n < 0) return Malformed(field, "negative length " + std::to_string(n));
  if (static_cast<uint64_t>(n) * min_element_bytes > remaining()) {
    return Malformed(field, "length " + std::to_string(n) + " exceeds the " +
                                std::to_string(remaining()) + " bytes left");
  }
  *out = n;
  return Status::Ok();
}

Status Reader::Buffer(std::string* out, const char* field) {
  int32_t n = 0;
  COORD_RETURN_IF_ERROR(Count(&n, 1, field));
  out->assign(bytes_.substr(at_, static_cast<size_t>(n)));
  at_ += static_cast<size_t>(n);
  return Status::Ok();
}

Status Reader::Strings(std::vector<std::string>* out, const char* field) {
  int32_t n = 0;
  COORD_RETURN_IF_ERROR(Count(&n, 4, field));
  out->clear();
  out->reserve(static_cast<size_t>(n));
  for (int32_t i = 0; i < n; ++i) {
    std::string s;
    COORD_RETURN_IF_ERROR(String(&s, field));
    out->push_back(std::move(s));
  }
  return Status::Ok();
}

Status Reader::ExpectEnd(const char* record) const {
  if (done()) return Status::Ok();
  return Malformed(record, std::to_string(remaining()) + " unexpected trailing bytes");
}

void Writer::Int(int32_t v) {
  const auto u = static_cast<uint32_t>(v);
  for (int shift = 24; shift >= 0; shift -= 8) out_.push_back(static_cast<char>(u >> shift));
}

void Writer::Long(int64_t v) {
  const auto u = static_cast<uint64_t>(v);
  for (int shift = 56; shift >= 0; shift -= 8) out_.push_back(static_cast<char>(u >> shift));
}

void Writer::Bool(bool v) { out_.push_back(v ? 1 : 0); }

void Writer::Buffer(std::string_view v) {
  Int(static_cast<int32_t>(v.size()));
  out_.append(v);
}

void Writer::Strings(const std::vector<std::string>& v) {
  Int(static_cast<int32_t>(v.size()));
  for (const std::string& s : v) String(s);
}

}  // namespace coord::jute
