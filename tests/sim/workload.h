// Workload: the seeded client load of tests/sim. It invents TxnRecords over a small key space —
// creates (persistent and ephemeral), sets, deletes, multis, create_session and close_session —
// as a leader's request processor would log them. They need not succeed: DataTree::Apply
// validates each one deterministically, so a failing txn is still a replicated no-op.
//
// Threading: none; owned by the SimCluster.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "coord/base/prng.h"
#include "protocol/txn.h"

namespace coord::sim {

class Workload {
 public:
  explicit Workload(Prng* prng) : prng_(prng) {}

  // The next transaction, prepared at `time_ms`.
  TxnRecord Next(int64_t time_ms);

 private:
  std::string Key();
  SessionId AnySession();
  MultiOpTxn Op();

  Prng* prng_;
  SessionId next_session_ = 1;
  int64_t next_request_ = 1;
  std::vector<SessionId> sessions_;  // created (maybe not committed, maybe already closed)
};

}  // namespace coord::sim
