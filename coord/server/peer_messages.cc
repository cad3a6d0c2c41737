#include "coord/server/peer_messages.h"

namespace coord::server {
namespace {

peer::Entry Wire(const zab::Entry& e) { return peer::Entry{e.zxid, e.payload}; }
zab::Entry Core(peer::Entry e) { return zab::Entry{e.zxid, std::move(e.payload)}; }

// The state enums share their values (kLooking .. kObserving = 0 .. 3).
static_assert(static_cast<int>(zab::ServerState::kObserving) ==
              static_cast<int>(peer::ServerState::kObserving));

peer::Message Wire(const zab::Notification& m) {
  return peer::Notification{m.vote.leader, m.vote.zxid, m.vote.epoch, m.round,
                            static_cast<peer::ServerState>(m.state)};
}
peer::Message Wire(const zab::FollowerInfo& m) {
  return peer::FollowerInfo{m.accepted_epoch, m.last_zxid};
}
peer::Message Wire(const zab::LeaderInfo& m) { return peer::LeaderInfo{m.epoch}; }
peer::Message Wire(const zab::AckEpoch& m) {
  return peer::AckEpoch{m.epoch, m.current_epoch, m.last_zxid};
}
peer::Message Wire(const zab::Trunc& m) { return peer::Trunc{m.epoch, m.zxid}; }
peer::Message Wire(const zab::Snap& m) {
  return peer::Snap{m.epoch, m.snapshot.zxid, m.snapshot.data};
}
peer::Message Wire(const zab::Diff& m) {
  peer::Diff out{m.epoch, {}, m.committed_zxid, m.after};
  out.entries.reserve(m.entries.size());
  for (const zab::Entry& e : m.entries) out.entries.push_back(Wire(e));
  return out;
}
peer::Message Wire(const zab::NewLeader& m) { return peer::NewLeader{m.epoch, m.last_zxid}; }
peer::Message Wire(const zab::AckNewLeader& m) { return peer::AckNewLeader{m.epoch, m.zxid}; }
peer::Message Wire(const zab::UpToDate& m) { return peer::UpToDate{m.epoch, m.committed_zxid}; }
peer::Message Wire(const zab::Proposal& m) { return peer::Proposal{m.epoch, Wire(m.entry)}; }
peer::Message Wire(const zab::Ack& m) { return peer::Ack{m.epoch, m.zxid}; }
peer::Message Wire(const zab::Commit& m) { return peer::Commit{m.epoch, m.zxid}; }
peer::Message Wire(const zab::Inform& m) { return peer::Inform{m.epoch, Wire(m.entry)}; }
peer::Message Wire(const zab::Ping& m) { return peer::Ping{m.epoch, m.committed_zxid}; }
peer::Message Wire(const zab::PingAck& m) { return peer::PingAck{m.epoch}; }

Result<zab::Message> Core(peer::Hello) {
  return Status(Code::kMarshallingError, "Hello after the handshake");
}
Result<zab::Message> Core(peer::Notification m) {
  return zab::Message(zab::Notification{zab::Vote{m.leader, m.zxid, m.epoch}, m.round,
                                        static_cast<zab::ServerState>(m.state)});
}
Result<zab::Message> Core(peer::FollowerInfo m) {
  return zab::Message(zab::FollowerInfo{m.accepted_epoch, m.last_zxid});
}
Result<zab::Message> Core(peer::LeaderInfo m) { return zab::Message(zab::LeaderInfo{m.epoch}); }
Result<zab::Message> Core(peer::AckEpoch m) {
  return zab::Message(zab::AckEpoch{m.epoch, m.current_epoch, m.last_zxid});
}
Result<zab::Message> Core(peer::Trunc m) { return zab::Message(zab::Trunc{m.epoch, m.zxid}); }
Result<zab::Message> Core(peer::Snap m) {
  return zab::Message(
      zab::Snap{m.epoch, zab::SnapshotData{m.snapshot_zxid, std::move(m.snapshot_data)}});
}
Result<zab::Message> Core(peer::Diff m) {
  zab::Diff out{m.epoch, {}, m.committed_zxid, m.after};
  out.entries.reserve(m.entries.size());
  for (peer::Entry& e : m.entries) out.entries.push_back(Core(std::move(e)));
  return zab::Message(std::move(out));
}
Result<zab::Message> Core(peer::NewLeader m) {
  return zab::Message(zab::NewLeader{m.epoch, m.last_zxid});
}
Result<zab::Message> Core(peer::AckNewLeader m) {
  return zab::Message(zab::AckNewLeader{m.epoch, m.zxid});
}
Result<zab::Message> Core(peer::UpToDate m) {
  return zab::Message(zab::UpToDate{m.epoch, m.committed_zxid});
}
Result<zab::Message> Core(peer::Proposal m) {
  return zab::Message(zab::Proposal{m.epoch, Core(std::move(m.entry))});
}
Result<zab::Message> Core(peer::Ack m) { return zab::Message(zab::Ack{m.epoch, m.zxid}); }
Result<zab::Message> Core(peer::Commit m) { return zab::Message(zab::Commit{m.epoch, m.zxid}); }
Result<zab::Message> Core(peer::Inform m) {
  return zab::Message(zab::Inform{m.epoch, Core(std::move(m.entry))});
}
Result<zab::Message> Core(peer::Ping m) {
  return zab::Message(zab::Ping{m.epoch, m.committed_zxid});
}
Result<zab::Message> Core(peer::PingAck m) { return zab::Message(zab::PingAck{m.epoch}); }

}  // namespace

peer::Message ToWire(const zab::Message& message) {
  return std::visit([](const auto& m) { return Wire(m); }, message);
}

Result<zab::Message> FromWire(peer::Message message) {
  return std::visit([](auto& m) { return Core(std::move(m)); }, message);
}

}  // namespace coord::server
