#include "tools/coordsh/render.h"

#include <cstdio>

#include "coord/base/sha1.h"

namespace coord::coordsh {
namespace {

// Length of the UTF-8 sequence starting at s[i], or 0 if it is not valid there.
size_t Utf8Length(std::string_view s, size_t i) {
  const auto b = static_cast<unsigned char>(s[i]);
  size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xe ? 3 : (b >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return 0;
  }
  return n;
}

}  // namespace

bool IsPrintableText(std::string_view data) {
  for (size_t i = 0; i < data.size();) {
    const size_t n = Utf8Length(data, i);
    if (n == 0) return false;
    if (n == 1) {
      const auto c = static_cast<unsigned char>(data[i]);
      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) return false;
    } else if (n == 2 && static_cast<unsigned char>(data[i]) == 0xc2 &&
               static_cast<unsigned char>(data[i + 1]) < 0xa0) {
      return false;  // C1 controls (U+0080..U+009F) can drive a terminal too
    }
    i += n;
  }
  return true;
}

std::string RenderData(std::string_view data, DataFormat format) {
  if (format == DataFormat::kText || (format == DataFormat::kAuto && IsPrintableText(data))) {
    return std::string(data);
  }
  if (format == DataFormat::kBase64) return Base64Encode(data);
  std::string out = "0x";
  char buf[3];
  for (unsigned char c : data) {
    std::snprintf(buf, sizeof(buf), "%02x", c);
    out += buf;
  }
  return out;
}

std::string RenderStat(const Stat& s) {
  std::string out;
  auto line = [&](const char* name, const std::string& value) {
    out += std::string(name) + " = " + value + "\n";
  };
  auto hex = [](uint64_t v) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "0x%llx", static_cast<unsigned long long>(v));
    return std::string(buf);
  };
  line("cZxid", hex(s.czxid));
  line("ctime", std::to_string(s.ctime_ms));
  line("mZxid", hex(s.mzxid));
  line("mtime", std::to_string(s.mtime_ms));
  line("pZxid", hex(s.pzxid));
  line("cversion", std::to_string(s.cversion));
  line("dataVersion", std::to_string(s.version));
  line("aclVersion", std::to_string(s.aversion));
  line("ephemeralOwner", hex(static_cast<uint64_t>(s.ephemeral_owner)));
  line("dataLength", std::to_string(s.data_length));
  line("numChildren", std::to_string(s.num_children));
  return out;
}

std::string StatJson(const Stat& s) {
  return "{\"czxid\":" + std::to_string(s.czxid) + ",\"mzxid\":" + std::to_string(s.mzxid) +
         ",\"pzxid\":" + std::to_string(s.pzxid) + ",\"ctime\":" + std::to_string(s.ctime_ms) +
         ",\"mtime\":" + std::to_string(s.mtime_ms) + ",\"version\":" + std::to_string(s.version) +
         ",\"cversion\":" + std::to_string(s.cversion) +
         ",\"aversion\":" + std::to_string(s.aversion) +
         ",\"ephemeralOwner\":" + std::to_string(s.ephemeral_owner) +
         ",\"dataLength\":" + std::to_string(s.data_length) +
         ",\"numChildren\":" + std::to_string(s.num_children) + "}";
}

std::string RenderAcl(const AclList& acl) {
  std::string out;
  for (const Acl& a : acl) {
    if (!out.empty()) out += ",";
    std::string perms;
    if (a.perms & perm::kCreate) perms += 'c';
    if (a.perms & perm::kRead) perms += 'r';
    if (a.perms & perm::kWrite) perms += 'w';
    if (a.perms & perm::kDelete) perms += 'd';
    if (a.perms & perm::kAdmin) perms += 'a';
    out += a.scheme + ":" + a.id + ":" + perms;
  }
  return out;
}

Result<AclList> ParseAcl(std::string_view text) {
  AclList acl;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view entry = text.substr(start, comma - start);
    const size_t first = entry.find(':');
    const size_t last = entry.rfind(':');
    if (first == std::string_view::npos || first == last) {
      return Status(Code::kBadArguments,
                    "bad ACL entry '" + std::string(entry) + "' (want scheme:id:perms)");
    }
    Acl a;
    a.scheme = std::string(entry.substr(0, first));
    a.id = std::string(entry.substr(first + 1, last - first - 1));
    for (char c : entry.substr(last + 1)) {
      switch (c) {
        case 'c':
          a.perms |= perm::kCreate;
          break;
        case 'r':
          a.perms |= perm::kRead;
          break;
        case 'w':
          a.perms |= perm::kWrite;
          break;
        case 'd':
          a.perms |= perm::kDelete;
          break;
        case 'a':
          a.perms |= perm::kAdmin;
          break;
        default:
          return Status(Code::kBadArguments,
                        std::string("bad permission '") + c + "' in ACL entry (letters of crwda)");
      }
    }
    acl.push_back(std::move(a));
    start = comma + 1;
  }
  return acl;
}

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  char buf[8];
  for (size_t i = 0; i < s.size();) {
    const size_t n = Utf8Length(s, i);
    const auto c = static_cast<unsigned char>(s[i]);
    if (n == 0) {
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
      ++i;
      continue;
    }
    if (n == 1) {
      if (c == '"') {
        out += "\\\"";
      } else if (c == '\\') {
        out += "\\\\";
      } else if (c == '\n') {
        out += "\\n";
      } else if (c == '\t') {
        out += "\\t";
      } else if (c == '\r') {
        out += "\\r";
      } else if (c < 0x20 || c == 0x7f) {
        std::snprintf(buf, sizeof(buf), "\\u%04x", c);
        out += buf;
      } else {
        out += static_cast<char>(c);
      }
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  return out + "\"";
}

std::string HumanBytes(uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " B";
  const char* units[] = {"KiB", "MiB", "GiB"};
  double v = static_cast<double>(bytes);
  int u = -1;
  while (v >= 1024 && u < 2) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f %s", v, units[u]);
  return buf;
}

}  // namespace coord::coordsh
