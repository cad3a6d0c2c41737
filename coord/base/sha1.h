// SHA-1 and base64: what ZooKeeper's digest ACL scheme is made of. A digest identity is
// "user:" + base64(sha1("user:password")), so coord stores and compares only that, never the
// password. (SHA-1 is what ZooKeeper clients expect here; it is not used for anything else.)
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace coord {

std::array<uint8_t, 20> Sha1(std::string_view bytes);
std::string Base64Encode(std::string_view bytes);
// Standard base64 with padding; nullopt for anything else (bad length, characters or padding).
std::optional<std::string> Base64Decode(std::string_view text);

// "user:password" -> "user:base64(sha1(user:password))"; the id a digest ACL names.
std::string DigestId(std::string_view user_colon_password);

}  // namespace coord
