#include "protocol/txn_codec.h"

#include <flatbuffers/flatbuffers.h>

#include "protocol/txn_generated.h"

namespace coord {
namespace {

namespace fb = coord::fb;
using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

std::string_view View(const flatbuffers::String* s) {
  return s == nullptr ? std::string_view() : std::string_view(s->c_str(), s->size());
}
std::string Bytes(const flatbuffers::Vector<uint8_t>* v) {
  return v == nullptr ? std::string()
                      : std::string(reinterpret_cast<const char*>(v->data()), v->size());
}
Offset<flatbuffers::Vector<uint8_t>> PutBytes(FlatBufferBuilder& b, const std::string& s) {
  return b.CreateVector(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

// --- encoding ---------------------------------------------------------------------------------

Offset<flatbuffers::Vector<Offset<fb::Acl>>> PutAcl(FlatBufferBuilder& b, const AclList& acl) {
  std::vector<Offset<fb::Acl>> entries;
  entries.reserve(acl.size());
  for (const Acl& a : acl) {
    entries.push_back(fb::CreateAcl(b, a.perms, b.CreateString(a.scheme), b.CreateString(a.id)));
  }
  return b.CreateVector(entries);
}

Offset<void> Put(FlatBufferBuilder& b, const CreateTxn& t) {
  auto path = b.CreateString(t.path);
  auto data = PutBytes(b, t.data);
  auto acl = PutAcl(b, t.acl);
  return fb::CreateCreateTxn(b, path, data, acl, static_cast<fb::NodeKind>(t.kind),
                             t.ephemeral_owner, t.ttl_ms, t.sequential)
      .Union();
}
Offset<void> Put(FlatBufferBuilder& b, const DeleteTxn& t) {
  return fb::CreateDeleteTxn(b, b.CreateString(t.path), t.version, t.reap).Union();
}
Offset<void> Put(FlatBufferBuilder& b, const SetDataTxn& t) {
  auto path = b.CreateString(t.path);
  auto data = PutBytes(b, t.data);
  return fb::CreateSetDataTxn(b, path, data, t.version).Union();
}
Offset<void> Put(FlatBufferBuilder& b, const SetAclTxn& t) {
  auto path = b.CreateString(t.path);
  auto acl = PutAcl(b, t.acl);
  return fb::CreateSetAclTxn(b, path, acl, t.version).Union();
}
Offset<void> Put(FlatBufferBuilder& b, const CheckTxn& t) {
  return fb::CreateCheckTxn(b, b.CreateString(t.path), t.version).Union();
}
Offset<void> Put(FlatBufferBuilder& b, const CreateSessionTxn& t) {
  auto password = PutBytes(b, t.password);
  return fb::CreateCreateSessionTxn(b, t.session_id, t.timeout_ms, password).Union();
}
Offset<void> Put(FlatBufferBuilder& b, const CloseSessionTxn& t) {
  return fb::CreateCloseSessionTxn(b, t.session_id).Union();
}
Offset<void> Put(FlatBufferBuilder& b, const ErrorTxn& t) {
  return fb::CreateErrorTxn(b, static_cast<int32_t>(t.code), t.failed_op).Union();
}

fb::MultiOp MultiOpType(const MultiOpTxn& op) {
  switch (op.index()) {
    case 0:
      return fb::MultiOp::CreateTxn;
    case 1:
      return fb::MultiOp::DeleteTxn;
    case 2:
      return fb::MultiOp::SetDataTxn;
    case 3:
      return fb::MultiOp::SetAclTxn;
    default:
      return fb::MultiOp::CheckTxn;
  }
}

Offset<void> Put(FlatBufferBuilder& b, const MultiTxn& t) {
  std::vector<Offset<fb::MultiOpEntry>> ops;
  ops.reserve(t.ops.size());
  for (const MultiOpTxn& op : t.ops) {
    Offset<void> body = std::visit([&](const auto& o) { return Put(b, o); }, op);
    ops.push_back(fb::CreateMultiOpEntry(b, MultiOpType(op), body));
  }
  return fb::CreateMultiTxn(b, b.CreateVector(ops)).Union();
}

fb::TxnBody BodyType(const Txn& txn) {
  // The union's members are declared in the same order as the variant's alternatives.
  return static_cast<fb::TxnBody>(txn.index() + 1);
}

// --- decoding ---------------------------------------------------------------------------------

AclList GetAcl(const flatbuffers::Vector<Offset<fb::Acl>>* acl) {
  AclList out;
  if (acl == nullptr) return out;
  out.reserve(acl->size());
  for (const fb::Acl* a : *acl) {
    out.push_back(Acl{a->perms(), std::string(View(a->scheme())), std::string(View(a->id()))});
  }
  return out;
}

Result<NodeKind> GetKind(fb::NodeKind kind) {
  switch (kind) {
    case fb::NodeKind::Persistent:
      return NodeKind::kPersistent;
    case fb::NodeKind::Ephemeral:
      return NodeKind::kEphemeral;
    case fb::NodeKind::Container:
      return NodeKind::kContainer;
    case fb::NodeKind::Ttl:
      return NodeKind::kTtl;
  }
  return Status(Code::kCorruption, "unknown node kind " + std::to_string(static_cast<int>(kind)));
}

Status Missing(const char* what) {
  return Status(Code::kCorruption, std::string(what) + " missing");
}

Result<CreateTxn> Get(const fb::CreateTxn* t) {
  if (t == nullptr) return Missing("create txn");
  COORD_ASSIGN_OR_RETURN(NodeKind kind, GetKind(t->kind()));
  CreateTxn out;
  out.path = View(t->path());
  out.data = Bytes(t->data());
  out.acl = GetAcl(t->acl());
  out.kind = kind;
  out.ephemeral_owner = t->ephemeral_owner();
  out.ttl_ms = t->ttl_ms();
  out.sequential = t->sequential();
  return out;
}
Result<DeleteTxn> Get(const fb::DeleteTxn* t) {
  if (t == nullptr) return Missing("delete txn");
  return DeleteTxn{std::string(View(t->path())), t->version(), t->reap()};
}
Result<SetDataTxn> Get(const fb::SetDataTxn* t) {
  if (t == nullptr) return Missing("set_data txn");
  return SetDataTxn{std::string(View(t->path())), Bytes(t->data()), t->version()};
}
Result<SetAclTxn> Get(const fb::SetAclTxn* t) {
  if (t == nullptr) return Missing("set_acl txn");
  return SetAclTxn{std::string(View(t->path())), GetAcl(t->acl()), t->version()};
}
Result<CheckTxn> Get(const fb::CheckTxn* t) {
  if (t == nullptr) return Missing("check txn");
  return CheckTxn{std::string(View(t->path())), t->version()};
}

template <typename T, typename Out>
Status Assign(Result<T> result, Out* out) {
  if (!result.ok()) return result.status();
  *out = std::move(result).value();
  return Status::Ok();
}

Status GetMultiOp(const fb::MultiOpEntry* entry, MultiOpTxn* out) {
  if (entry == nullptr) return Missing("multi op");
  switch (entry->op_type()) {
    case fb::MultiOp::CreateTxn:
      return Assign(Get(entry->op_as_CreateTxn()), out);
    case fb::MultiOp::DeleteTxn:
      return Assign(Get(entry->op_as_DeleteTxn()), out);
    case fb::MultiOp::SetDataTxn:
      return Assign(Get(entry->op_as_SetDataTxn()), out);
    case fb::MultiOp::SetAclTxn:
      return Assign(Get(entry->op_as_SetAclTxn()), out);
    case fb::MultiOp::CheckTxn:
      return Assign(Get(entry->op_as_CheckTxn()), out);
    case fb::MultiOp::NONE:
      break;
  }
  return Status(Code::kCorruption, "unknown multi op type");
}

Status GetBody(const fb::TxnRecord* r, Txn* out) {
  switch (r->body_type()) {
    case fb::TxnBody::CreateTxn:
      return Assign(Get(r->body_as_CreateTxn()), out);
    case fb::TxnBody::DeleteTxn:
      return Assign(Get(r->body_as_DeleteTxn()), out);
    case fb::TxnBody::SetDataTxn:
      return Assign(Get(r->body_as_SetDataTxn()), out);
    case fb::TxnBody::SetAclTxn:
      return Assign(Get(r->body_as_SetAclTxn()), out);
    case fb::TxnBody::CheckTxn:
      return Assign(Get(r->body_as_CheckTxn()), out);
    case fb::TxnBody::MultiTxn: {
      const fb::MultiTxn* m = r->body_as_MultiTxn();
      if (m == nullptr) return Missing("multi txn");
      MultiTxn multi;
      if (m->ops() != nullptr) {
        multi.ops.resize(m->ops()->size());
        for (flatbuffers::uoffset_t i = 0; i < m->ops()->size(); ++i) {
          COORD_RETURN_IF_ERROR(GetMultiOp(m->ops()->Get(i), &multi.ops[i]));
        }
      }
      *out = std::move(multi);
      return Status::Ok();
    }
    case fb::TxnBody::CreateSessionTxn: {
      const fb::CreateSessionTxn* s = r->body_as_CreateSessionTxn();
      if (s == nullptr) return Missing("create_session txn");
      *out = CreateSessionTxn{s->session_id(), s->timeout_ms(), Bytes(s->password())};
      return Status::Ok();
    }
    case fb::TxnBody::CloseSessionTxn: {
      const fb::CloseSessionTxn* s = r->body_as_CloseSessionTxn();
      if (s == nullptr) return Missing("close_session txn");
      *out = CloseSessionTxn{s->session_id()};
      return Status::Ok();
    }
    case fb::TxnBody::ErrorTxn: {
      const fb::ErrorTxn* e = r->body_as_ErrorTxn();
      if (e == nullptr) return Missing("error txn");
      if (e->code() < 0 || e->code() > static_cast<int>(Code::kInternal)) {
        return Status(Code::kCorruption, "error txn with unknown code");
      }
      *out = ErrorTxn{static_cast<Code>(e->code()), e->failed_op()};
      return Status::Ok();
    }
    case fb::TxnBody::NONE:
      break;
  }
  return Status(Code::kCorruption, "txn record without a known body");
}

}  // namespace

std::string EncodeTxnRecord(const TxnRecord& record) {
  FlatBufferBuilder b(256);
  Offset<void> body = std::visit([&](const auto& t) { return Put(b, t); }, record.txn);
  b.Finish(fb::CreateTxnRecord(b, record.time_ms, record.session_id, record.request_id,
                               BodyType(record.txn), body));
  return std::string(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
}

Result<TxnRecord> DecodeTxnRecord(std::string_view bytes) {
  // FlatBuffers reads scalars in place; a buffer from LMDB or the network may be misaligned.
  std::string aligned;
  if (reinterpret_cast<uintptr_t>(bytes.data()) % alignof(std::max_align_t) != 0) {
    aligned.assign(bytes.data(), bytes.size());
    bytes = aligned;
  }
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  if (!fb::VerifyTxnRecordBuffer(verifier)) {
    return Status(Code::kCorruption, "txn record fails FlatBuffers verification");
  }
  const fb::TxnRecord* r = fb::GetTxnRecord(bytes.data());
  TxnRecord out;
  out.time_ms = r->time_ms();
  out.session_id = r->session_id();
  out.request_id = r->request_id();
  COORD_RETURN_IF_ERROR(GetBody(r, &out.txn));
  return out;
}

const char* TxnName(const Txn& txn) {
  static constexpr const char* kNames[] = {"create",         "delete",        "set_data",
                                           "set_acl",        "check",         "multi",
                                           "create_session", "close_session", "error"};
  return kNames[txn.index()];
}

}  // namespace coord
