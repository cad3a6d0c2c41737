// Preparer: turns write requests into transactions (ZooKeeper's "prep" step), on the leader.
//
// Each request is validated against the committed tree plus every change that has been prepared
// but not yet applied (the pending Overlay), so pipelined writes validate as they will apply:
// create /a then create /a/b in one batch succeeds, and two sequential creates under one parent
// get distinct names. Validation includes ACLs (the session's AuthContext), sequential naming,
// "auth" ACL expansion and ephemeral ownership. A request that fails becomes an ErrorTxn, still
// logged, so its reply keeps its place in the session's order.
//
// The caller assigns zxids in order, calls Applied(zxid) after DataTree::Apply of that zxid so
// the pending changes it covered retire, and Reset() when pending transactions are abandoned
// (e.g. on losing leadership).
//
// Threading: none; used on the loop thread together with the DataTree it reads.
#pragma once

#include "coord/base/status.h"
#include "coord/tree/acl.h"
#include "coord/tree/data_tree.h"
#include "coord/tree/request.h"
#include "coord/tree/tree_view.h"
#include "protocol/txn.h"

namespace coord {

struct Prepared {
  TxnRecord record;  // the transaction to log at the zxid given to Prepare
  Status status;     // ok, or why the request failed (record.txn is then an ErrorTxn)
};

class Preparer {
 public:
  explicit Preparer(const DataTree* tree) : tree_(tree), pending_(tree) {}

  Prepared Prepare(const WriteRequest& request, SessionId session, int64_t request_id,
                   const AuthContext& auth, Zxid zxid, int64_t time_ms);

  // The transaction at `zxid` has been applied to the tree.
  void Applied(Zxid zxid) { pending_.Retire(zxid); }
  // Forgets every pending change.
  void Reset() { pending_.Clear(); }
  size_t pending_changes() const { return pending_.size(); }

 private:
  struct Context {
    SessionId session;
    const AuthContext& auth;
    Zxid zxid;
    int64_t time_ms;
  };
  Status PrepareOp(const MultiOpRequest& op, const Context& ctx, Overlay& view, MultiOpTxn* out);
  Status PrepareCreate(const CreateRequest& r, const Context& ctx, const TreeView& view,
                       CreateTxn* out);
  Result<Txn> PrepareCloseSession(const CloseSessionRequest& r, const Context& ctx, Overlay& view);

  const DataTree* tree_;
  Overlay pending_;
};

// The sequential suffix: the counter in decimal, zero-padded to at least 10 digits (ZooKeeper's
// width, so its clients parse it) and growing past 10 digits after 9,999,999,999 children
// (ZooKeeper's 32-bit counter would wrap there). Recipes compare the number, not the text.
std::string SequenceSuffix(uint64_t counter);

}  // namespace coord
