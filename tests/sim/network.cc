#include "tests/sim/network.h"

#include <algorithm>

namespace coord::sim {

void SimNetwork::Send(int64_t now, zab::MemberId from, zab::MemberId to, PeerMessage message) {
  if (prng_->Uniform(1000) < faults_.drop_per_mille) return;
  const int copies = prng_->Uniform(1000) < faults_.duplicate_per_mille ? 2 : 1;
  for (int i = 0; i < copies; ++i) {
    const int64_t delay = 1 + static_cast<int64_t>(prng_->Uniform(
                                  static_cast<uint64_t>(faults_.max_extra_delay_ticks) + 1));
    // Peers talk over TCP: FIFO per directed link. Packets reorder across links, never within one.
    int64_t& link_last = link_last_[{from, to}];
    link_last = std::max(link_last, now + delay);
    queue_.push_back({link_last, next_seq_++, from, to, message});
  }
}

std::vector<Packet> SimNetwork::TakeDue(int64_t now) {
  std::vector<Packet> due;
  std::vector<Packet> later;
  for (Packet& p : queue_) {
    (p.deliver_at <= now ? due : later).push_back(std::move(p));
  }
  queue_ = std::move(later);
  std::sort(due.begin(), due.end(), [](const Packet& a, const Packet& b) {
    return a.deliver_at != b.deliver_at ? a.deliver_at < b.deliver_at : a.seq < b.seq;
  });
  std::erase_if(due, [&](const Packet& p) { return cut_.contains({p.from, p.to}); });
  return due;
}

void SimNetwork::DropFor(zab::MemberId id) {
  std::erase_if(queue_, [&](const Packet& p) { return p.from == id || p.to == id; });
}

}  // namespace coord::sim
