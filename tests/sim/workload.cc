#include "tests/sim/workload.h"

namespace coord::sim {

std::string Workload::Key() { return "/k" + std::to_string(prng_->Uniform(8)); }

SessionId Workload::AnySession() {
  if (sessions_.empty()) return 0;
  return sessions_[prng_->Uniform(sessions_.size())];
}

MultiOpTxn Workload::Op() {
  switch (prng_->Uniform(4)) {
    case 0: {
      CreateTxn c;
      c.path = Key();
      c.data = "c" + std::to_string(prng_->Uniform(100));
      c.acl = {Acl{perm::kAll, "world", "anyone"}};
      const SessionId owner = AnySession();
      if (owner != 0 && prng_->Uniform(3) == 0) {
        c.kind = NodeKind::kEphemeral;
        c.ephemeral_owner = owner;
      }
      return c;
    }
    case 1:
      return SetDataTxn{Key(), "s" + std::to_string(prng_->Uniform(100)), kAnyVersion};
    case 2:
      return DeleteTxn{Key(), kAnyVersion, false};
    default:
      return CheckTxn{Key(), kAnyVersion};
  }
}

TxnRecord Workload::Next(int64_t time_ms) {
  TxnRecord r;
  r.time_ms = time_ms;
  r.request_id = next_request_++;
  const uint64_t kind = prng_->Uniform(20);
  if (kind < 2) {
    const SessionId id = next_session_++;
    sessions_.push_back(id);
    r.session_id = id;
    r.txn = CreateSessionTxn{id, 30000, "pw" + std::to_string(id)};
  } else if (kind < 3 && !sessions_.empty()) {
    const size_t i = prng_->Uniform(sessions_.size());
    r.session_id = sessions_[i];
    r.txn = CloseSessionTxn{sessions_[i]};
    sessions_.erase(sessions_.begin() + static_cast<std::ptrdiff_t>(i));
  } else if (kind < 6) {
    MultiTxn m;
    const uint64_t n = 1 + prng_->Uniform(3);
    for (uint64_t i = 0; i < n; ++i) m.ops.push_back(Op());
    r.txn = std::move(m);
  } else {
    r.session_id = AnySession();
    std::visit([&](auto&& op) { r.txn = std::move(op); }, Op());
  }
  return r;
}

}  // namespace coord::sim
