#include "tests/sim/checker.h"

#include <algorithm>
#include <iterator>

#include "coord/base/check.h"
#include "coord/base/types.h"

namespace coord::sim {
namespace {

uint64_t PayloadHash(const std::string& payload) { return std::hash<std::string>{}(payload); }

}  // namespace

Checker::Checker(int members, uint64_t empty_digest, std::function<std::string()> context)
    : context_(std::move(context)), last_applied_(static_cast<size_t>(members), 0) {
  digest_at_[0] = empty_digest;
}

void Checker::CheckDigest(zab::MemberId id, Zxid zxid, uint64_t digest) {
  auto [it, inserted] = digest_at_.emplace(zxid, digest);
  CHECK(inserted || it->second == digest)
      << "VIOLATION tree digest differs at zxid " << ZxidToString(zxid) << ": member " << id
      << " has " << digest << ", another member had " << it->second << context_();
}

void Checker::OnApply(zab::MemberId id, Zxid zxid, const std::string& payload,
                      std::optional<uint64_t> digest) {
  Zxid& last = last_applied_[static_cast<size_t>(id - 1)];
  CHECK_GT(zxid, last) << "VIOLATION member " << id << " applied " << ZxidToString(zxid)
                       << " after " << ZxidToString(last) << " (order)" << context_();
  const uint64_t hash = PayloadHash(payload);
  auto it = committed_.find(zxid);
  if (it != committed_.end()) {
    CHECK_EQ(it->second, hash) << "VIOLATION member " << id << " applied a different payload at "
                               << ZxidToString(zxid) << context_();
  } else {
    CHECK_GT(zxid, max_applied_anywhere_)
        << "VIOLATION member " << id << " applied " << ZxidToString(zxid)
        << " which another member skipped (it applied up to " << ZxidToString(max_applied_anywhere_)
        << ")" << context_();
    committed_.emplace(zxid, hash);
  }
  auto next = committed_.upper_bound(last);
  CHECK(next != committed_.end() && next->first == zxid)
      << "VIOLATION member " << id << " applied " << ZxidToString(zxid) << " right after "
      << ZxidToString(last) << " but " << ZxidToString(next->first)
      << " was committed in between (gap)" << context_();
  if (digest) CheckDigest(id, zxid, *digest);
  last = zxid;
  max_applied_anywhere_ = std::max(max_applied_anywhere_, zxid);
}

void Checker::OnInstall(zab::MemberId id, Zxid zxid, std::optional<uint64_t> digest) {
  CHECK(zxid == 0 || committed_.contains(zxid))
      << "VIOLATION member " << id << " installed a snapshot at " << ZxidToString(zxid)
      << ", a zxid nobody applied" << context_();
  if (digest) CheckDigest(id, zxid, *digest);
  last_applied_[static_cast<size_t>(id - 1)] = zxid;
}

void Checker::OnAcknowledged(Zxid zxid) {
  CHECK(committed_.contains(zxid)) << "VIOLATION acknowledged " << ZxidToString(zxid)
                                   << " was never applied by any member" << context_();
  acked_.insert(zxid);
}

void Checker::TrackEphemeral(std::string path, SessionId owner, Zxid czxid) {
  ephemerals_.push_back({std::move(path), owner, czxid});
}

void Checker::OnClientViolation(const std::string& why) {
  CHECK(false) << "VIOLATION " << why << context_();
}

void Checker::CheckEphemerals(const MemberView& m) const {
  const DataTree& tree = *m.tree;
  for (const Ephemeral& e : ephemerals_) {
    if (tree.last_zxid() < e.czxid) continue;  // not applied here yet (or an older snapshot)
    const bool owner_alive = tree.SessionExists(e.owner);
    std::optional<NodeView> node = tree.Find(e.path);
    CHECK(node || !owner_alive) << "VIOLATION acknowledged ephemeral " << e.path << " of session "
                                << e.owner << " vanished from member " << m.id << " at "
                                << ZxidToString(tree.last_zxid())
                                << " while its session still exists there" << context_();
    CHECK(!node || owner_alive || node->ephemeral_owner != e.owner)
        << "VIOLATION ephemeral " << e.path << " outlived its session " << e.owner << " on member "
        << m.id << " at " << ZxidToString(tree.last_zxid()) << context_();
  }
}

Zxid Checker::MaxAckedBefore(Epoch epoch) const {
  auto it = acked_.lower_bound(MakeZxid(epoch, 0));
  if (it == acked_.begin()) return 0;
  return *std::prev(it);
}

void Checker::Step(const std::vector<MemberView>& members) {
  for (const MemberView& m : members) {
    if (m.tree) CheckEphemerals(m);
    if (!m.up || !m.established) continue;
    if (m.role == zab::Role::kLeading) {
      auto [it, inserted] = leader_of_.emplace(m.epoch, m.id);
      CHECK(inserted || it->second == m.id)
          << "VIOLATION two established leaders in epoch " << m.epoch << ": " << it->second
          << " and " << m.id << context_();
    }
    if (!m.voter) continue;
    const Zxid must_hold = MaxAckedBefore(m.epoch);
    CHECK_GE(m.last_zxid, must_hold)
        << "VIOLATION established member " << m.id << " (epoch " << m.epoch
        << ") lacks acknowledged " << ZxidToString(must_hold) << ", its history ends at "
        << ZxidToString(m.last_zxid) << context_();
    if (m.role == zab::Role::kLeading) {
      CHECK_GE(m.committed_zxid, must_hold)
          << "VIOLATION established leader " << m.id << " has not committed acknowledged "
          << ZxidToString(must_hold) << context_();
    }
  }
}

void Checker::Final(const std::vector<MemberView>& members,
                    const std::vector<Expectation>& objects) {
  const Zxid last_acked = acked_.empty() ? 0 : *acked_.rbegin();
  for (const MemberView& m : members) {
    CHECK(m.up) << "final: member " << m.id << " is down" << context_();
    CHECK_EQ(m.tree_zxid, members.front().tree_zxid)
        << "final: member " << m.id << " applied up to " << ZxidToString(m.tree_zxid) << ", member "
        << members.front().id << " up to " << ZxidToString(members.front().tree_zxid) << context_();
    // Each member applied a gap-free prefix of the one committed history (OnApply), so holding
    // the last acknowledged zxid means holding every acknowledged one.
    CHECK_GE(m.tree_zxid, last_acked)
        << "VIOLATION acknowledged " << ZxidToString(last_acked) << " missing from member " << m.id
        << " at the end" << context_();
    for (const Expectation& e : objects) {
      std::string data;
      Stat stat;
      const Status s = m.tree->GetData(e.path, &data, &stat);
      CHECK(s.ok()) << "VIOLATION acknowledged " << e.path << " missing from member " << m.id
                    << " at the end: " << s.ToString() << context_();
      CHECK(std::find(e.allowed.begin(), e.allowed.end(), data) != e.allowed.end())
          << "VIOLATION member " << m.id << " has " << e.path << " = '" << data
          << "', not the acknowledged data '" << e.allowed.front()
          << "' (nor a later unanswered write's)" << context_();
    }
  }
}

}  // namespace coord::sim
