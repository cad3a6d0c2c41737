#include "coord/tree/path.h"

#include <string>

namespace coord {
namespace {

Status Invalid(std::string_view path, std::string_view why) {
  std::string shown(path.substr(0, 200));
  for (char& c : shown) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return Status(Code::kInvalidPath, "path \"" + shown + "\": " + std::string(why));
}

// Length of the UTF-8 sequence starting at s[i], or 0 if it is not well-formed (overlong
// encodings, surrogates and code points above U+10FFFF are rejected).
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return 1;
  size_t n;
  uint32_t min, cp;
  if ((b0 & 0xe0) == 0xc0) {
    n = 2, min = 0x80, cp = b0 & 0x1f;
  } else if ((b0 & 0xf0) == 0xe0) {
    n = 3, min = 0x800, cp = b0 & 0x0f;
  } else if ((b0 & 0xf8) == 0xf0) {
    n = 4, min = 0x10000, cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

}  // namespace

Status ValidatePath(std::string_view path) {
  if (path.empty()) return Invalid(path, "is empty");
  if (path[0] != '/') return Invalid(path, "must start with '/'");
  if (path.size() > kMaxPathBytes) {
    return Invalid(path, "is longer than " + std::to_string(kMaxPathBytes) + " bytes");
  }
  if (path.size() == 1) return Status::Ok();
  if (path.back() == '/') return Invalid(path, "must not end with '/'");
  for (size_t i = 0; i < path.size();) {
    const auto c = static_cast<unsigned char>(path[i]);
    if (c == 0) return Invalid(path, "contains a NUL character at byte " + std::to_string(i));
    if (c < 0x20 || c == 0x7f) {
      return Invalid(path, "contains a control character at byte " + std::to_string(i));
    }
    size_t n = Utf8SequenceLength(path, i);
    if (n == 0) return Invalid(path, "is not valid UTF-8 at byte " + std::to_string(i));
    // C1 controls U+0080..U+009F (0xc2 0x80..0x9f) are control characters too, as in ZooKeeper.
    if (n == 2 && c == 0xc2 && static_cast<unsigned char>(path[i + 1]) <= 0x9f) {
      return Invalid(path, "contains a control character at byte " + std::to_string(i));
    }
    i += n;
  }
  // Components: path[0] is '/', so each component starts after a slash.
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view component = path.substr(start, end - start);
    if (component.empty()) return Invalid(path, "has an empty component ('//')");
    if (component == ".") return Invalid(path, "has a '.' component");
    if (component == "..") return Invalid(path, "has a '..' component");
    start = end + 1;
  }
  return Status::Ok();
}

std::string_view ParentPath(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == 0 ? std::string_view("/") : path.substr(0, slash);
}

std::string_view BaseName(std::string_view path) { return path.substr(path.rfind('/') + 1); }

std::string JoinPath(std::string_view parent, std::string_view name) {
  std::string out(parent);
  if (out.size() != 1) out += '/';
  out += name;
  return out;
}

bool IsAtOrBelow(std::string_view path, std::string_view ancestor) {
  if (ancestor == "/") return true;
  if (path.size() < ancestor.size() || path.substr(0, ancestor.size()) != ancestor) return false;
  return path.size() == ancestor.size() || path[ancestor.size()] == '/';
}

}  // namespace coord
