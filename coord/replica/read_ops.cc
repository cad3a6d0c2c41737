#include "coord/replica/read_ops.h"

#include "coord/tree/path.h"

namespace coord {
namespace {

// Returns Fail(status) from a function that answers a read.
#define COORD_RETURN_IF_ERROR_AS(expr)                   \
  do {                                                   \
    ::coord::Status coord_status_ = (expr);              \
    if (!coord_status_.ok()) return Fail(coord_status_); \
  } while (0)

ClientResponse Fail(const Status& status) {
  ClientResponse r;
  r.code = status.code();
  r.message = status.message();
  return r;
}

Status Readable(const ReadContext& ctx, std::string_view path, uint32_t permission) {
  COORD_RETURN_IF_ERROR(ValidatePath(path));
  AclList acl;
  Stat stat;
  COORD_RETURN_IF_ERROR(ctx.tree.GetAcl(path, &acl, &stat));
  if (!HasPermission(acl, permission, ctx.auth)) {
    return Status(Code::kNoAuth, "no read permission on " + std::string(path));
  }
  return Status::Ok();
}

ClientResponse Watch(const ReadContext& ctx, const std::string& path, WatchKind kind,
                     ClientResponse r) {
  Status s = ctx.watches.Add(ctx.session, path, kind);
  return s.ok() ? r : Fail(s);
}

ClientResponse Exists(const ReadContext& ctx, const ExistsRequest& req) {
  COORD_RETURN_IF_ERROR_AS(ValidatePath(req.path));
  StatResponse body;
  Status s = ctx.tree.GetStat(req.path, &body.stat);
  ClientResponse r = s.ok() ? ClientResponse{} : Fail(s);
  if (s.ok()) r.body = body;
  // An exists watch is set whether or not the node exists: it fires on its creation.
  return req.watch ? Watch(ctx, req.path, WatchKind::kData, std::move(r)) : r;
}

ClientResponse GetData(const ReadContext& ctx, const GetDataRequest& req) {
  COORD_RETURN_IF_ERROR_AS(Readable(ctx, req.path, perm::kRead));
  GetDataResponse body;
  COORD_RETURN_IF_ERROR_AS(ctx.tree.GetData(req.path, &body.data, &body.stat));
  ClientResponse r;
  r.body = std::move(body);
  return req.watch ? Watch(ctx, req.path, WatchKind::kData, std::move(r)) : r;
}

// ZooKeeper's getChildren: every child in one reply. A list that cannot fit in one reply is an
// error, never a silently shortened list.
ClientResponse GetAllChildren(const ReadContext& ctx, const GetChildrenRequest& req) {
  ChildPage page;
  GetChildrenResponse body;
  COORD_RETURN_IF_ERROR_AS(ctx.tree.GetChildren(req.path, "", 0, &page, &body.stat));
  uint64_t bytes = 0;
  for (const std::string& name : page.names) bytes += name.size() + 8;
  if (bytes > ctx.limits.max_reply_bytes) {
    return Fail(Status(Code::kTooLarge, req.path + " has " + std::to_string(page.names.size()) +
                                            " children, too many names (" + std::to_string(bytes) +
                                            " bytes) for one reply"));
  }
  body.names = std::move(page.names);
  ClientResponse r;
  r.body = std::move(body);
  return req.watch ? Watch(ctx, req.path, WatchKind::kChildren, std::move(r)) : r;
}

ClientResponse GetChildren(const ReadContext& ctx, const GetChildrenRequest& req) {
  COORD_RETURN_IF_ERROR_AS(Readable(ctx, req.path, perm::kRead));
  if (req.all) return GetAllChildren(ctx, req);
  uint32_t limit = req.limit == 0 ? ctx.limits.max_children_per_page
                                  : std::min(req.limit, ctx.limits.max_children_per_page);
  ChildPage page;
  GetChildrenResponse body;
  COORD_RETURN_IF_ERROR_AS(ctx.tree.GetChildren(req.path, req.after, limit, &page, &body.stat));
  uint64_t bytes = 0;
  for (std::string& name : page.names) {
    if (bytes >= ctx.limits.max_page_bytes) {
      body.more = true;
      break;
    }
    bytes += name.size() + 8;
    body.names.push_back(std::move(name));
  }
  body.more = body.more || page.more;
  ClientResponse r;
  r.body = std::move(body);
  return req.watch ? Watch(ctx, req.path, WatchKind::kChildren, std::move(r)) : r;
}

// Walks the subtree (ZooKeeper's getAllChildrenNumber is as costly: it scans every path).
ClientResponse CountDescendants(const ReadContext& ctx, const CountDescendantsRequest& req) {
  COORD_RETURN_IF_ERROR_AS(Readable(ctx, req.path, perm::kRead));
  CountDescendantsResponse body;
  std::vector<std::string> todo = {req.path};
  while (!todo.empty()) {
    std::string path = std::move(todo.back());
    todo.pop_back();
    ChildPage page;
    Stat stat;
    if (!ctx.tree.GetChildren(path, "", 0, &page, &stat).ok()) continue;
    body.count += page.names.size();
    for (const std::string& name : page.names) {
      todo.push_back(path == "/" ? "/" + name : path + "/" + name);
    }
  }
  ClientResponse r;
  r.body = body;
  return r;
}

ClientResponse GetAcl(const ReadContext& ctx, const GetAclRequest& req) {
  COORD_RETURN_IF_ERROR_AS(ValidatePath(req.path));
  GetAclResponse body;
  COORD_RETURN_IF_ERROR_AS(ctx.tree.GetAcl(req.path, &body.acl, &body.stat));
  // ZooKeeper 3.8: reading an ACL needs READ or ADMIN; without ADMIN, digest ids show the user
  // only ("user:x"), so a reader cannot take the password hashes away to crack them.
  if (!HasPermission(body.acl, perm::kRead | perm::kAdmin, ctx.auth)) {
    return Fail(Status(Code::kNoAuth, "no read or admin permission on " + req.path));
  }
  if (!HasPermission(body.acl, perm::kAdmin, ctx.auth)) {
    for (Acl& acl : body.acl) {
      if (acl.scheme == "digest") acl.id = acl.id.substr(0, acl.id.find(':')) + ":x";
    }
  }
  ClientResponse r;
  r.body = std::move(body);
  return r;
}

OpResponse ToOp(ClientResponse r) {
  OpResponse op;
  op.code = r.code;
  if (auto* d = std::get_if<GetDataResponse>(&r.body)) {
    op.data = std::move(d->data);
    op.stat = d->stat;
  } else if (auto* c = std::get_if<GetChildrenResponse>(&r.body)) {
    op.names = std::move(c->names);
    op.stat = c->stat;
  } else if (auto* s = std::get_if<StatResponse>(&r.body)) {
    op.stat = s->stat;
  }
  return op;
}

ClientResponse MultiRead(const ReadContext& ctx, const MultiReadRequest& req) {
  MultiResponse body;
  for (const ReadOpRequest& op : req.ops) {
    // multi_read sets no watches.
    ClientResponse r = std::visit(
        [&](auto o) -> ClientResponse {
          o.watch = false;
          using T = decltype(o);
          if constexpr (std::is_same_v<T, GetDataRequest>)
            return GetData(ctx, o);
          else if constexpr (std::is_same_v<T, GetChildrenRequest>)
            return GetChildren(ctx, o);
          else
            return Exists(ctx, o);
        },
        op);
    body.results.push_back(ToOp(std::move(r)));
  }
  ClientResponse r;
  r.body = std::move(body);
  return r;
}

ClientResponse GetEphemerals(const ReadContext& ctx, const GetEphemeralsRequest& req) {
  GetEphemeralsResponse body;
  for (std::string& path : ctx.tree.EphemeralPaths(ctx.session)) {
    if (path.compare(0, req.prefix.size(), req.prefix) == 0) body.paths.push_back(std::move(path));
  }
  ClientResponse r;
  r.body = std::move(body);
  return r;
}

ClientResponse AddWatch(const ReadContext& ctx, const AddWatchRequest& req) {
  COORD_RETURN_IF_ERROR_AS(ValidatePath(req.path));
  WatchKind kind = req.mode == AddWatchMode::kPersistent ? WatchKind::kPersistent
                                                         : WatchKind::kPersistentRecursive;
  return Watch(ctx, req.path, kind, ClientResponse{});
}

ClientResponse RemoveWatches(const ReadContext& ctx, const RemoveWatchesRequest& req) {
  COORD_RETURN_IF_ERROR_AS(ValidatePath(req.path));
  bool removed = false;
  auto remove = [&](WatchKind kind) {
    removed |= req.check_only ? ctx.watches.Has(ctx.session, req.path, kind)
                              : ctx.watches.Remove(ctx.session, req.path, kind);
  };
  switch (req.type) {
    case WatcherType::kChildren:
      remove(WatchKind::kChildren);
      break;
    case WatcherType::kData:
      remove(WatchKind::kData);
      break;
    case WatcherType::kPersistent:
      remove(WatchKind::kPersistent);
      break;
    case WatcherType::kPersistentRecursive:
      remove(WatchKind::kPersistentRecursive);
      break;
    case WatcherType::kAny:
      for (WatchKind kind : {WatchKind::kData, WatchKind::kChildren, WatchKind::kPersistent,
                             WatchKind::kPersistentRecursive}) {
        remove(kind);
      }
      break;
  }
  if (!removed) return Fail(Status(Code::kNoWatcher, "no watch on " + req.path));
  return ClientResponse{};
}

}  // namespace

ClientResponse ExecuteRead(const ReadContext& ctx, const ClientOp& op) {
  if (auto* r = std::get_if<ExistsRequest>(&op)) return Exists(ctx, *r);
  if (auto* r = std::get_if<GetDataRequest>(&op)) return GetData(ctx, *r);
  if (auto* r = std::get_if<GetChildrenRequest>(&op)) return GetChildren(ctx, *r);
  if (auto* r = std::get_if<GetAclRequest>(&op)) return GetAcl(ctx, *r);
  if (auto* r = std::get_if<MultiReadRequest>(&op)) return MultiRead(ctx, *r);
  if (auto* r = std::get_if<GetEphemeralsRequest>(&op)) return GetEphemerals(ctx, *r);
  if (auto* r = std::get_if<AddWatchRequest>(&op)) return AddWatch(ctx, *r);
  if (auto* r = std::get_if<RemoveWatchesRequest>(&op)) return RemoveWatches(ctx, *r);
  if (auto* r = std::get_if<CountDescendantsRequest>(&op)) return CountDescendants(ctx, *r);
  return Fail(Status(Code::kUnimplemented, std::string(ClientOpName(op)) + " is not a read"));
}

std::vector<WatchEventMessage> RestoreWatches(const ReadContext& ctx,
                                              const SetWatchesRequest& req) {
  std::vector<WatchEventMessage> missed;
  const Zxid since = req.relative_zxid;
  const Zxid now = ctx.tree.last_zxid();
  auto event = [&](WatchEventType type, const std::string& path) {
    missed.push_back(WatchEventMessage{type, path, now});
  };
  Stat stat;
  for (const std::string& path : req.data) {
    if (!ctx.tree.GetStat(path, &stat).ok()) {
      event(WatchEventType::kNodeDeleted, path);
    } else if (stat.mzxid > since) {
      event(WatchEventType::kNodeDataChanged, path);
    } else {
      ctx.watches.Add(ctx.session, path, WatchKind::kData).IgnoreError();
    }
  }
  for (const std::string& path : req.exist) {
    if (ctx.tree.GetStat(path, &stat).ok()) {
      event(WatchEventType::kNodeCreated, path);
    } else {
      ctx.watches.Add(ctx.session, path, WatchKind::kData).IgnoreError();
    }
  }
  for (const std::string& path : req.child) {
    if (!ctx.tree.GetStat(path, &stat).ok()) {
      event(WatchEventType::kNodeDeleted, path);
    } else if (stat.pzxid > since) {
      event(WatchEventType::kNodeChildrenChanged, path);
    } else {
      ctx.watches.Add(ctx.session, path, WatchKind::kChildren).IgnoreError();
    }
  }
  // Persistent watches stay registered; changes missed while disconnected are not replayed, and
  // the client tells its application that events may have been missed.
  for (const std::string& path : req.persistent) {
    ctx.watches.Add(ctx.session, path, WatchKind::kPersistent).IgnoreError();
  }
  for (const std::string& path : req.persistent_recursive) {
    ctx.watches.Add(ctx.session, path, WatchKind::kPersistentRecursive).IgnoreError();
  }
  return missed;
}

}  // namespace coord
