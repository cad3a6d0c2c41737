#include "tests/zab/cluster.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "coord/base/check.h"

namespace coord::zab::testing {

TestCluster::TestCluster(int voters, int observers, uint64_t seed,
                         std::function<void(Options&)> tweak)
    : seed_(seed), tweak_(std::move(tweak)) {
  for (int i = 1; i <= voters; ++i) voters_.push_back(i);
  for (int i = voters + 1; i <= voters + observers; ++i) observers_.push_back(i);
  for (int i = 1; i <= voters + observers; ++i) {
    members_.push_back(std::make_unique<Member>());
    members_.back()->id = i;
  }
  for (int i = 1; i <= voters + observers; ++i) Restart(i);
}

std::vector<MemberId> TestCluster::ids() const {
  std::vector<MemberId> out;
  for (const auto& m : members_) out.push_back(m->id);
  return out;
}

Options TestCluster::OptionsFor(MemberId id) {
  Options o;
  o.id = id;
  o.voters = voters_;
  o.observers = observers_;
  o.seed = seed_ * 1000 + static_cast<uint64_t>(id) * 7919 + static_cast<uint64_t>(tick_);
  Member* m = &member(id);
  o.snapshot_source = [m] {
    return SnapshotData{m->applied.empty() ? m->disk.snapshot.zxid : m->applied.back().zxid,
                        EncodeState(m->applied)};
  };
  if (tweak_) tweak_(o);
  return o;
}

void TestCluster::Restart(MemberId id) {
  Member& m = member(id);
  m.unflushed.clear();
  m.applied = DecodeState(m.disk.snapshot.data);  // rule 5: rebuilt from durable state
  DurableState durable{m.disk.hard_state, m.disk.snapshot.zxid, m.disk.log};
  m.node = std::make_unique<Node>(OptionsFor(id), std::move(durable));
  Pump();
}

void TestCluster::Crash(MemberId id) {
  Member& m = member(id);
  m.node.reset();
  m.unflushed.clear();  // unpersisted state is lost
  std::erase_if(network_, [&](const Packet& p) { return p.from == id || p.to == id; });
}

void TestCluster::Cut(const std::vector<MemberId>& a, const std::vector<MemberId>& b) {
  for (MemberId x : a) {
    for (MemberId y : b) {
      cut_.insert({x, y});
      cut_.insert({y, x});
    }
  }
}

void TestCluster::Isolate(MemberId id) {
  std::vector<MemberId> others;
  for (MemberId other : ids()) {
    if (other != id) others.push_back(other);
  }
  Cut({id}, others);
}

void TestCluster::Tick() {
  ++tick_;
  for (auto& m : members_) {
    if (m->node) m->node->Tick();
  }
  Pump();
}

void TestCluster::Pump() {
  for (int rounds = 0;; ++rounds) {
    CHECK_LT(rounds, 100000) << "the cluster never quiesces";
    bool busy = false;
    for (auto& m : members_) {
      while (m->node && m->node->HasReady()) {
        HandleReady(*m, m->node->TakeReady());
        busy = true;
      }
    }
    if (!network_.empty()) {
      Packet p = std::move(network_.front());
      network_.pop_front();
      Deliver(std::move(p));
      busy = true;
    }
    if (!busy) return;
  }
}

void TestCluster::Deliver(Packet p) {
  if (cut_.contains({p.from, p.to})) return;
  Member& to = member(p.to);
  if (!to.node) return;
  delivered_.push_back(p);
  to.node->Step(p.from, p.message);
}

void TestCluster::HandleReady(Member& m, Ready ready) {
  if (!m.auto_persist) {
    m.unflushed.push_back(std::move(ready));
    return;
  }
  Complete(m, ready);
}

void TestCluster::Flush(MemberId id) {
  Member& m = member(id);
  std::vector<Ready> readys = std::move(m.unflushed);
  m.unflushed.clear();
  for (Ready& r : readys) Complete(m, r);
  Pump();
}

void TestCluster::Complete(Member& m, Ready& ready) {
  // 1. PERSIST
  if (ready.persist.id != 0) {
    if (m.fail_next_persist) {
      m.fail_next_persist = false;
      m.node->PersistFailed();
      return;
    }
    WriteDisk(m, ready.persist);
    m.node->Persisted(ready.persist.id);
  }
  // 2. SEND
  for (Envelope& e : ready.messages) network_.push_back({m.id, e.to, std::move(e.message)});
  // 3. APPLY
  if (ready.persist.snapshot) m.applied = DecodeState(ready.persist.snapshot->data);
  for (Entry& e : ready.committed) {
    CHECK(m.applied.empty() || m.applied.back().zxid < e.zxid) << "apply out of zxid order";
    m.applied.push_back(std::move(e));
  }
}

void TestCluster::WriteDisk(Member& m, const PersistBatch& batch) {
  Disk& d = m.disk;
  if (batch.snapshot) {
    d.snapshot = *batch.snapshot;
    d.log.clear();
  }
  if (batch.truncate_after) {
    std::erase_if(d.log, [&](const Entry& e) { return e.zxid > *batch.truncate_after; });
  }
  for (const Entry& e : batch.entries) {
    CHECK(d.log.empty() || d.log.back().zxid < e.zxid) << "log append out of order";
    d.log.push_back(e);
  }
  if (batch.hard_state) d.hard_state = *batch.hard_state;
}

std::optional<MemberId> TestCluster::Leader() const {
  std::optional<MemberId> leader;
  for (const auto& m : members_) {
    if (m->node && m->node->role() == Role::kLeading && m->node->established()) {
      if (leader) return std::nullopt;  // two established leaders: not "the" leader
      leader = m->id;
    }
  }
  return leader;
}

bool TestCluster::AllEstablished() const {
  for (const auto& m : members_) {
    if (m->node && !m->node->established()) return false;
  }
  return true;
}

bool TestCluster::RunUntil(const std::function<bool()>& pred, int max_ticks) {
  for (int i = 0; i < max_ticks; ++i) {
    if (pred()) return true;
    Tick();
  }
  return pred();
}

Result<Zxid> TestCluster::Propose(MemberId leader, std::string payload) {
  Result<Zxid> zxid = node(leader).Propose(std::move(payload));
  Pump();
  return zxid;
}

std::string TestCluster::EncodeState(const std::vector<Entry>& applied) {
  std::ostringstream out;
  for (const Entry& e : applied) out << e.zxid << ' ' << e.payload << '\n';
  return out.str();
}

std::vector<Entry> TestCluster::DecodeState(const std::string& data) {
  std::vector<Entry> out;
  std::istringstream in(data);
  Entry e;
  while (in >> e.zxid >> e.payload) out.push_back(e);
  return out;
}

}  // namespace coord::zab::testing
