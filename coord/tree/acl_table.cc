#include "coord/tree/acl_table.h"

#include "coord/base/bytes.h"
#include "coord/base/check.h"

namespace coord {
namespace {

std::string KeyOf(const AclList& acl) {
  std::string key;
  ByteWriter w(&key);
  for (const Acl& a : acl) {
    w.PutVarint(a.perms);
    w.PutBytes(a.scheme);
    w.PutBytes(a.id);
  }
  return key;
}

}  // namespace

uint32_t AclTable::Intern(const AclList& acl) {
  std::string key = KeyOf(acl);
  auto it = index_.find(key);
  if (it != index_.end()) {
    ++entries_[it->second].refs;
    return it->second;
  }
  uint32_t index;
  if (!free_.empty()) {
    index = free_.back();
    free_.pop_back();
  } else {
    index = static_cast<uint32_t>(entries_.size());
    entries_.emplace_back();
  }
  entries_[index] = Entry{std::make_shared<const AclList>(acl), key, 1};
  index_.emplace(std::move(key), index);
  return index;
}

void AclTable::Ref(uint32_t index) {
  CHECK_LT(index, entries_.size());
  CHECK_GT(entries_[index].refs, 0u);
  ++entries_[index].refs;
}

void AclTable::Release(uint32_t index) {
  CHECK_LT(index, entries_.size());
  Entry& entry = entries_[index];
  CHECK_GT(entry.refs, 0u);
  if (--entry.refs > 0) return;
  index_.erase(entry.key);
  entry = Entry();
  free_.push_back(index);
}

const std::shared_ptr<const AclList>& AclTable::Get(uint32_t index) const {
  CHECK_LT(index, entries_.size());
  CHECK(entries_[index].acl);
  return entries_[index].acl;
}

}  // namespace coord
