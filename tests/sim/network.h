// SimNetwork: the simulated peer network of tests/sim. It carries what replicas send each other
// (PeerOutbound: a consensus message or a member message such as a forwarded request). Every
// packet gets a delivery tick drawn
// from the seeded PRNG (packets reorder across links; each directed link stays FIFO, as TCP is),
// may be dropped or duplicated, and is lost if a
// partition cuts its direction at delivery time. Partitions are sets of cut directed links, so
// one-way partitions come for free.
//
// Threading: none; owned by the SimCluster. Deterministic given the PRNG it is handed.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <variant>
#include <vector>

#include "coord/base/prng.h"
#include "coord/replica/member_messages.h"
#include "coord/zab/messages.h"

namespace coord::sim {

// The same variant as PeerOutbound::message (coord/replica/replica.h).
using PeerMessage = std::variant<zab::Message, MemberMessage>;

struct NetworkFaults {
  uint32_t drop_per_mille = 0;
  uint32_t duplicate_per_mille = 0;
  int64_t max_extra_delay_ticks = 0;  // a packet arrives 1 + Uniform[0, max] ticks later
};

struct Packet {
  int64_t deliver_at = 0;
  uint64_t seq = 0;  // tie-break: send order
  zab::MemberId from = 0;
  zab::MemberId to = 0;
  PeerMessage message;
};

class SimNetwork {
 public:
  SimNetwork(Prng* prng, NetworkFaults faults) : prng_(prng), faults_(faults) {}

  void set_faults(NetworkFaults faults) { faults_ = faults; }
  void Send(int64_t now, zab::MemberId from, zab::MemberId to, PeerMessage message);
  // Removes and returns the packets due at `now`, in (deliver_at, seq) order, minus those a
  // partition cuts.
  std::vector<Packet> TakeDue(int64_t now);
  // A crashed member loses what was addressed to it and what it had sent.
  void DropFor(zab::MemberId id);

  void Cut(zab::MemberId from, zab::MemberId to) { cut_.insert({from, to}); }
  void Heal() { cut_.clear(); }
  bool partitioned() const { return !cut_.empty(); }
  bool IsCut(zab::MemberId from, zab::MemberId to) const { return cut_.contains({from, to}); }
  size_t in_flight() const { return queue_.size(); }

 private:
  Prng* prng_;
  NetworkFaults faults_;
  uint64_t next_seq_ = 0;
  std::vector<Packet> queue_;  // unordered; TakeDue sorts what is due
  std::set<std::pair<zab::MemberId, zab::MemberId>> cut_;
  std::map<std::pair<zab::MemberId, zab::MemberId>, int64_t> link_last_;  // FIFO per link
};

}  // namespace coord::sim
