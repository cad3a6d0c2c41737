// Json: a small JSON value (null, bool, number, string, array, object with keys in insertion
// order), its writer and its parser — enough for coordbench's result files, which it writes and
// reads back for --compare and --plot.
//
// Pure: no I/O. Parse errors are values with the byte offset.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "coord/base/status.h"

namespace coord::bench {

class Json {
 public:
  enum class Type : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };

  Json() = default;
  Json(bool b) : type_(Type::kBool), bool_(b) {}  // NOLINT: implicit by design
  Json(double n) : type_(Type::kNumber), number_(n) {}
  Json(int n) : Json(static_cast<double>(n)) {}
  Json(int64_t n) : Json(static_cast<double>(n)) {}
  Json(uint64_t n) : Json(static_cast<double>(n)) {}
  Json(std::string s) : type_(Type::kString), string_(std::move(s)) {}
  Json(const char* s) : Json(std::string(s)) {}
  static Json Array() { return Json(Type::kArray); }
  static Json Object() { return Json(Type::kObject); }

  Type type() const { return type_; }
  bool is_number() const { return type_ == Type::kNumber; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }
  double number() const { return number_; }
  bool boolean() const { return bool_; }
  const std::string& str() const { return string_; }

  // Arrays.
  void Push(Json value) { items_.push_back(std::move(value)); }
  const std::vector<Json>& items() const { return items_; }
  // Objects: Set replaces an existing key in place.
  void Set(const std::string& key, Json value);
  const Json* Find(const std::string& key) const;
  const std::vector<std::pair<std::string, Json>>& members() const { return members_; }

  // Compact JSON text; numbers that are integers print without a fraction.
  std::string Dump() const;
  static Result<Json> Parse(std::string_view text);

 private:
  explicit Json(Type type) : type_(type) {}
  void DumpTo(std::string* out) const;

  Type type_ = Type::kNull;
  bool bool_ = false;
  double number_ = 0;
  std::string string_;
  std::vector<Json> items_;
  std::vector<std::pair<std::string, Json>> members_;
};

}  // namespace coord::bench
