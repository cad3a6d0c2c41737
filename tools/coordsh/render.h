// How coordsh shows things: node data (never garbling the terminal), Stat, ACLs and JSON.
#pragma once

#include <string>
#include <string_view>

#include "protocol/client.h"
#include "protocol/types.h"

namespace coord::coordsh {

enum class DataFormat : uint8_t {
  kAuto,    // text when it is printable UTF-8 (tabs and newlines allowed), else hex
  kText,    // as is (the user asked for it)
  kHex,     // "0x" + two hex digits per byte
  kBase64,  // standard base64
};

// The data as coordsh prints it.
std::string RenderData(std::string_view data, DataFormat format);
// True when the bytes are valid UTF-8 without control characters other than \t, \n, \r.
bool IsPrintableText(std::string_view data);

// "cZxid = 0x100000002" ... one field per line, ZooKeeper's names.
std::string RenderStat(const Stat& stat);
std::string StatJson(const Stat& stat);

// "digest:user:abc=:crwda" entries, comma separated (the setacl syntax).
std::string RenderAcl(const AclList& acl);
// Parses the setacl syntax: "scheme:id:perms[,scheme:id:perms...]" where perms are letters of
// "crwda" (create, read, write, delete, admin); "world:anyone:r". kBadArguments with the reason.
Result<AclList> ParseAcl(std::string_view text);

// A JSON string literal ("..." with escapes; bytes that are not UTF-8 become \u00XX).
std::string JsonString(std::string_view s);

// 1536 -> "1.5 KiB"; 12 -> "12 B".
std::string HumanBytes(uint64_t bytes);

}  // namespace coord::coordsh
