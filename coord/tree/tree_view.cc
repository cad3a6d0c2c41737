#include "coord/tree/tree_view.h"

#include <vector>

namespace coord {

std::optional<NodeView> Overlay::Find(std::string_view path) const {
  auto it = nodes_.find(path);
  if (it != nodes_.end()) return it->second.node;
  return base_->Find(path);
}

bool Overlay::SessionExists(SessionId session) const {
  auto it = sessions_.find(session);
  if (it != sessions_.end()) return it->second.exists;
  return base_->SessionExists(session);
}

void Overlay::PutNode(std::string_view path, std::optional<NodeView> node, Zxid tag) {
  auto it = nodes_.find(path);
  if (it == nodes_.end()) {
    nodes_.emplace(std::string(path), NodeChange{std::move(node), tag});
  } else {
    it->second = NodeChange{std::move(node), tag};
  }
}

void Overlay::PutSession(SessionId session, bool exists, Zxid tag) {
  sessions_[session] = SessionChange{exists, tag};
}

void Overlay::Absorb(Overlay&& other) {
  for (auto& [path, change] : other.nodes_) PutNode(path, std::move(change.node), change.tag);
  for (auto& [session, change] : other.sessions_) sessions_[session] = change;
  other.Clear();
}

void Overlay::Retire(Zxid applied_zxid) {
  std::erase_if(nodes_, [&](const auto& entry) { return entry.second.tag <= applied_zxid; });
  std::erase_if(sessions_, [&](const auto& entry) { return entry.second.tag <= applied_zxid; });
}

void Overlay::Clear() {
  nodes_.clear();
  sessions_.clear();
}

std::vector<std::string> Overlay::EphemeralsOf(SessionId session) const {
  std::vector<std::string> out;
  for (const auto& [path, change] : nodes_) {
    if (change.node && change.node->kind == NodeKind::kEphemeral &&
        change.node->ephemeral_owner == session) {
      out.push_back(path);
    }
  }
  return out;
}

}  // namespace coord
