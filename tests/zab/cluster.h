// TestCluster: 3 or 5 zab::Node cores wired through an in-memory FIFO network and an in-memory
// disk, driven tick by tick. Deterministic given the seed.
//
// Each member follows the Ready contract (persist, then send, then apply). A member in manual
// persistence mode keeps its Readys unflushed (nothing persisted, sent or applied) until Flush();
// Crash() drops them with the in-flight messages to and from it, and Restart() rebuilds the core
// from the disk and the state machine from the snapshot (rule 5).
//
// The state machine is the list of applied entries; its snapshot is that list, encoded.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "coord/zab/node.h"

namespace coord::zab::testing {

struct Disk {
  HardState hard_state;
  SnapshotData snapshot;
  std::vector<Entry> log;
};

struct Member {
  MemberId id = 0;
  std::unique_ptr<Node> node;  // null while crashed
  Disk disk;
  std::vector<Entry> applied;  // the state machine
  std::vector<Ready> unflushed;
  bool auto_persist = true;
  bool fail_next_persist = false;
};

struct Packet {
  MemberId from;
  MemberId to;
  Message message;
};

class TestCluster {
 public:
  TestCluster(int voters, int observers, uint64_t seed,
              std::function<void(Options&)> tweak = nullptr);

  Member& member(MemberId id) { return *members_.at(id - 1); }
  Node& node(MemberId id) { return *member(id).node; }
  std::vector<MemberId> ids() const;

  void Tick();
  // Runs until no member has a Ready and no packet is in flight.
  void Pump();
  // Ticks until pred() holds (true) or max_ticks passed (false).
  bool RunUntil(const std::function<bool()>& pred, int max_ticks);
  // The single established leader among live members, if any.
  std::optional<MemberId> Leader() const;
  bool AllEstablished() const;

  Result<Zxid> Propose(MemberId leader, std::string payload);

  void SetAutoPersist(MemberId id, bool on) { member(id).auto_persist = on; }
  void Flush(MemberId id);
  void Crash(MemberId id);
  void Restart(MemberId id);
  // Cuts both directions between every member of `a` and every member of `b`.
  void Cut(const std::vector<MemberId>& a, const std::vector<MemberId>& b);
  void Isolate(MemberId id);
  void Heal() { cut_.clear(); }

  // Every packet delivered, for tests that look at the message sequence.
  const std::vector<Packet>& delivered() const { return delivered_; }
  int64_t now() const { return tick_; }

  static std::string EncodeState(const std::vector<Entry>& applied);
  static std::vector<Entry> DecodeState(const std::string& data);

 private:
  Options OptionsFor(MemberId id);
  void HandleReady(Member& m, Ready ready);
  void Complete(Member& m, Ready& ready);
  void WriteDisk(Member& m, const PersistBatch& batch);
  void Deliver(Packet packet);

  uint64_t seed_;
  std::vector<MemberId> voters_;
  std::vector<MemberId> observers_;
  std::function<void(Options&)> tweak_;
  std::vector<std::unique_ptr<Member>> members_;
  std::deque<Packet> network_;
  std::set<std::pair<MemberId, MemberId>> cut_;
  std::vector<Packet> delivered_;
  int64_t tick_ = 0;
};

}  // namespace coord::zab::testing
