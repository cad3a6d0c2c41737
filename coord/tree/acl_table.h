// AclTable: interned, reference-counted ACL lists. Most nodes share one of a handful of ACLs
// (typically world:anyone), so a node stores a 32-bit index instead of its own list.
//
// Threading: none; owned by one DataTree.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "protocol/types.h"

namespace coord {

class AclTable {
 public:
  // Returns the index of `acl`, adding it if new, and takes one reference.
  uint32_t Intern(const AclList& acl);
  // Takes one more reference on an existing index.
  void Ref(uint32_t index);
  // Drops one reference; the list is forgotten when none is left.
  void Release(uint32_t index);
  const std::shared_ptr<const AclList>& Get(uint32_t index) const;
  size_t size() const { return index_.size(); }

 private:
  struct Entry {
    std::shared_ptr<const AclList> acl;
    std::string key;
    uint64_t refs = 0;
  };
  std::vector<Entry> entries_;
  std::vector<uint32_t> free_;
  absl::flat_hash_map<std::string, uint32_t> index_;
};

}  // namespace coord
