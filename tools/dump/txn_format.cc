#include "tools/dump/txn_format.h"

#include <sstream>

namespace coord::tools {
namespace {

const char* KindName(NodeKind kind) {
  switch (kind) {
    case NodeKind::kPersistent:
      return "persistent";
    case NodeKind::kEphemeral:
      return "ephemeral";
    case NodeKind::kContainer:
      return "container";
    case NodeKind::kTtl:
      return "ttl";
  }
  return "?";
}

std::string Version(int32_t version) {
  return version == kAnyVersion ? "any version" : "version " + std::to_string(version);
}

struct Formatter {
  std::ostringstream& out;
  void operator()(const CreateTxn& t) {
    out << "create " << t.path << " (" << KindName(t.kind) << (t.sequential ? ", sequential" : "")
        << ", " << t.data.size() << " bytes, " << t.acl.size() << " acl";
    if (t.kind == NodeKind::kEphemeral)
      out << ", owner 0x" << std::hex << t.ephemeral_owner << std::dec;
    if (t.kind == NodeKind::kTtl) out << ", ttl " << t.ttl_ms << " ms";
    out << ")";
  }
  void operator()(const DeleteTxn& t) {
    out << (t.reap ? "reap " : "delete ") << t.path << " (" << Version(t.version) << ")";
  }
  void operator()(const SetDataTxn& t) {
    out << "set_data " << t.path << " (" << t.data.size() << " bytes, " << Version(t.version)
        << ")";
  }
  void operator()(const SetAclTxn& t) {
    out << "set_acl " << t.path << " (" << t.acl.size() << " acl, acl " << Version(t.version)
        << ")";
  }
  void operator()(const CheckTxn& t) {
    out << "check " << t.path << " (" << Version(t.version) << ")";
  }
  void operator()(const MultiTxn& t) {
    out << "multi [";
    for (size_t i = 0; i < t.ops.size(); ++i) {
      if (i > 0) out << "; ";
      std::visit(*this, t.ops[i]);
    }
    out << "]";
  }
  void operator()(const CreateSessionTxn& t) {
    out << "create_session 0x" << std::hex << t.session_id << std::dec << " (timeout "
        << t.timeout_ms << " ms)";
  }
  void operator()(const CloseSessionTxn& t) {
    out << "close_session 0x" << std::hex << t.session_id << std::dec;
  }
  void operator()(const ErrorTxn& t) {
    out << "error " << CodeName(t.code);
    if (t.failed_op >= 0) out << " (multi op " << t.failed_op << ")";
  }
};

}  // namespace

std::string FormatTxn(const Txn& txn) {
  std::ostringstream out;
  std::visit(Formatter{out}, txn);
  return out.str();
}

}  // namespace coord::tools
