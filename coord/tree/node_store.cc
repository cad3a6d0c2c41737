#include "coord/tree/node_store.h"

#include <string>

namespace coord {

void Node::SetBytes(std::string_view name, std::string_view data) {
  CHECK_LE(name.size(), UINT16_MAX);
  const size_t total = name.size() + data.size();
  char* target;
  char* old_large = IsInline() ? nullptr : bytes.large;
  char fresh_small[kInlineBytes];
  if (total <= kInlineBytes) {
    target = fresh_small;
  } else {
    target = new char[total];
  }
  std::memcpy(target, name.data(), name.size());
  if (!data.empty()) std::memcpy(target + name.size(), data.data(), data.size());
  if (total <= kInlineBytes)
    std::memcpy(bytes.small, fresh_small, total);
  else
    bytes.large = target;
  delete[] old_large;
  name_len = static_cast<uint16_t>(name.size());
  data_len = static_cast<uint32_t>(data.size());
}

void Node::FreeBytes() {
  if (!IsInline()) delete[] bytes.large;
  name_len = 0;
  data_len = 0;
}

NodeSlab::~NodeSlab() {
  for (NodeId id = 0; id < next_unused_; ++id) {
    Node& node = at(id);
    if (node.in_use) node.FreeBytes();
  }
}

NodeId NodeSlab::Allocate() {
  NodeId id;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
  } else {
    CHECK_LT(next_unused_, kInvalidNodeId) << "node id space exhausted";
    if (next_unused_ == capacity()) chunks_.push_back(std::make_unique<Node[]>(kChunkNodes));
    id = next_unused_++;
  }
  Node& node = at(id);
  CHECK(!node.in_use);
  node.in_use = true;
  ++live_;
  return id;
}

void NodeSlab::Free(NodeId id) {
  Node& node = at(id);
  CHECK(node.in_use);
  node.FreeBytes();
  node.children.reset();
  node = Node();
  free_.push_back(id);
  --live_;
}

}  // namespace coord
