// The asynchronous API: each operation maps the application's paths to the server's (chroot),
// hands a Call to the engine, and turns the reply into the Result its callback expects.
#include <memory>

#include "clients/client_impl.h"

namespace coord {
namespace {

using client::Call;
using client::Chroot;

Status StatusOf(const ClientResponse& r) {
  return r.code == Code::kOk ? Status::Ok() : Status(r.code, r.message);
}

template <typename Body>
Result<Body> BodyOf(ClientResponse& r, const char* op) {
  if (r.code != Code::kOk) return Status(r.code, r.message);
  if (auto* body = std::get_if<Body>(&r.body)) return std::move(*body);
  return Status(Code::kMarshallingError, std::string("the reply to ") + op + " lacks its body");
}

template <typename T>
void Run(const Callback<T>& done, Result<T> result) {
  if (done) done(std::move(result));
}
void Run(const StatusCallback& done, Status status) {
  if (done) done(std::move(status));
}

// A Call whose reply is converted by `convert` (ClientResponse& -> Result<T> or Status) and
// passed to `done`.
template <typename D, typename F>
Call MakeCall(D done, F convert) {
  Call call;
  call.done = [done = std::move(done), convert = std::move(convert)](ClientResponse r) {
    Run(done, convert(r));
  };
  return call;
}

Status MapMultiOp(const Chroot& chroot, MultiOpRequest* op) {
  return std::visit(
      [&](auto& r) -> Status {
        using T = std::decay_t<decltype(r)>;
        bool sequential = false;
        if constexpr (std::is_same_v<T, CreateRequest>) sequential = r.sequential;
        COORD_ASSIGN_OR_RETURN(r.path, chroot.ToServer(r.path, sequential));
        return Status::Ok();
      },
      *op);
}

Status MapReadOp(const Chroot& chroot, ReadOpRequest* op) {
  return std::visit(
      [&](auto& r) -> Status {
        COORD_ASSIGN_OR_RETURN(r.path, chroot.ToServer(r.path));
        r.watch = false;
        return Status::Ok();
      },
      *op);
}

// Pages through every child of a node; each page is a new get_children call.
struct ChildPager : std::enable_shared_from_this<ChildPager> {
  Client* client;
  std::string path;
  std::vector<std::string> names;
  Callback<std::vector<std::string>> done;

  void Next(std::string after, Watcher watcher) {
    GetChildrenRequest request;
    request.path = path;
    request.after = after;
    client->GetChildrenAsync(
        std::move(request),
        [self = shared_from_this(), after](Result<GetChildrenResponse> page) {
          if (!page.ok()) return Run(self->done, Result<std::vector<std::string>>(page.status()));
          for (std::string& name : page->names) self->names.push_back(std::move(name));
          if (!page->more) return Run(self->done, Result(std::move(self->names)));
          if (self->names.empty() || self->names.back() <= after) {
            return Run(self->done,
                       Result<std::vector<std::string>>(
                           Status(Code::kMarshallingError,
                                  "get_children paging made no progress after '" + after + "'")));
          }
          self->Next(self->names.back(), {});
        },
        std::move(watcher));
  }
};

}  // namespace

void Client::CreateAsync(CreateRequest request, Callback<CreateResponse> done) {
  Call call = MakeCall(std::move(done), [chroot = &impl_->chroot](ClientResponse& r) {
    Result<CreateResponse> body = BodyOf<CreateResponse>(r, "create");
    if (body.ok()) body->path = chroot->ToClient(body->path);
    return body;
  });
  Result<std::string> path = impl_->chroot.ToServer(request.path, request.sequential);
  if (!path.ok()) return impl_->Submit(std::move(call), path.status());
  request.path = std::move(path).value();
  call.op = std::move(request);
  impl_->Submit(std::move(call));
}

void Client::DeleteAsync(std::string path, int32_t version, StatusCallback done) {
  Call call = MakeCall(std::move(done), [](ClientResponse& r) { return StatusOf(r); });
  Result<std::string> server = impl_->chroot.ToServer(path);
  if (!server.ok()) return impl_->Submit(std::move(call), server.status());
  call.op = DeleteRequest{std::move(server).value(), version};
  impl_->Submit(std::move(call));
}

void Client::ExistsAsync(std::string path, Callback<std::optional<Stat>> done, Watcher watcher) {
  Call call = MakeCall(std::move(done), [](ClientResponse& r) -> Result<std::optional<Stat>> {
    if (r.code == Code::kNoNode) return std::optional<Stat>();
    COORD_ASSIGN_OR_RETURN(StatResponse body, BodyOf<StatResponse>(r, "exists"));
    return std::optional<Stat>(body.stat);
  });
  Result<std::string> server = impl_->chroot.ToServer(path);
  if (!server.ok()) return impl_->Submit(std::move(call), server.status());
  call.op = ExistsRequest{std::move(server).value(), watcher != nullptr};
  call.watcher = impl_->WrapWatcher(std::move(watcher));
  impl_->Submit(std::move(call));
}

void Client::GetDataAsync(std::string path, Callback<GetDataResponse> done, Watcher watcher) {
  Call call = MakeCall(std::move(done),
                       [](ClientResponse& r) { return BodyOf<GetDataResponse>(r, "get_data"); });
  Result<std::string> server = impl_->chroot.ToServer(path);
  if (!server.ok()) return impl_->Submit(std::move(call), server.status());
  call.op = GetDataRequest{std::move(server).value(), watcher != nullptr};
  call.watcher = impl_->WrapWatcher(std::move(watcher));
  impl_->Submit(std::move(call));
}

void Client::SetDataAsync(std::string path, std::string data, int32_t version,
                          Callback<Stat> done) {
  Call call = MakeCall(std::move(done), [](ClientResponse& r) -> Result<Stat> {
    COORD_ASSIGN_OR_RETURN(StatResponse body, BodyOf<StatResponse>(r, "set_data"));
    return body.stat;
  });
  Result<std::string> server = impl_->chroot.ToServer(path);
  if (!server.ok()) return impl_->Submit(std::move(call), server.status());
  call.op = SetDataRequest{std::move(server).value(), std::move(data), version};
  impl_->Submit(std::move(call));
}

void Client::GetChildrenAsync(GetChildrenRequest request, Callback<GetChildrenResponse> done,
                              Watcher watcher) {
  Call call = MakeCall(std::move(done), [](ClientResponse& r) {
    return BodyOf<GetChildrenResponse>(r, "get_children");
  });
  Result<std::string> server = impl_->chroot.ToServer(request.path);
  if (!server.ok()) return impl_->Submit(std::move(call), server.status());
  request.path = std::move(server).value();
  request.watch = watcher != nullptr;
  call.op = std::move(request);
  call.watcher = impl_->WrapWatcher(std::move(watcher));
  impl_->Submit(std::move(call));
}

void Client::GetAllChildrenAsync(std::string path, Callback<std::vector<std::string>> done,
                                 Watcher watcher) {
  auto pager = std::make_shared<ChildPager>();
  pager->client = this;
  pager->path = std::move(path);
  pager->done = std::move(done);
  pager->Next("", std::move(watcher));
}

void Client::GetAclAsync(std::string path, Callback<GetAclResponse> done) {
  Call call = MakeCall(std::move(done),
                       [](ClientResponse& r) { return BodyOf<GetAclResponse>(r, "get_acl"); });
  Result<std::string> server = impl_->chroot.ToServer(path);
  if (!server.ok()) return impl_->Submit(std::move(call), server.status());
  call.op = GetAclRequest{std::move(server).value()};
  impl_->Submit(std::move(call));
}

void Client::SetAclAsync(std::string path, AclList acl, int32_t version, Callback<Stat> done) {
  Call call = MakeCall(std::move(done), [](ClientResponse& r) -> Result<Stat> {
    COORD_ASSIGN_OR_RETURN(StatResponse body, BodyOf<StatResponse>(r, "set_acl"));
    return body.stat;
  });
  Result<std::string> server = impl_->chroot.ToServer(path);
  if (!server.ok()) return impl_->Submit(std::move(call), server.status());
  call.op = SetAclRequest{std::move(server).value(), std::move(acl), version};
  impl_->Submit(std::move(call));
}

void Client::MultiAsync(std::vector<MultiOpRequest> ops, Callback<MultiResponse> done) {
  Call call = MakeCall(
      std::move(done), [chroot = &impl_->chroot](ClientResponse& r) -> Result<MultiResponse> {
        auto* body = std::get_if<MultiResponse>(&r.body);
        if (r.code != Code::kOk) {
          // Name the failing op: the first whose code is neither ok nor runtime_inconsistency.
          if (body != nullptr) {
            for (size_t i = 0; i < body->results.size(); ++i) {
              Code c = body->results[i].code;
              if (c != Code::kOk && c != Code::kRuntimeInconsistency) {
                return Status(r.code, "op " + std::to_string(i) + ": " + r.message);
              }
            }
          }
          return Status(r.code, r.message);
        }
        if (body == nullptr)
          return Status(Code::kMarshallingError, "the reply to multi lacks its body");
        for (OpResponse& op : body->results) {
          if (!op.path.empty()) op.path = chroot->ToClient(op.path);
        }
        return std::move(*body);
      });
  for (MultiOpRequest& op : ops) {
    Status mapped = MapMultiOp(impl_->chroot, &op);
    if (!mapped.ok()) return impl_->Submit(std::move(call), mapped);
  }
  call.op = MultiRequest{std::move(ops)};
  impl_->Submit(std::move(call));
}

void Client::MultiReadAsync(std::vector<ReadOpRequest> ops, Callback<MultiResponse> done) {
  Call call = MakeCall(std::move(done),
                       [](ClientResponse& r) { return BodyOf<MultiResponse>(r, "multi_read"); });
  for (ReadOpRequest& op : ops) {
    Status mapped = MapReadOp(impl_->chroot, &op);
    if (!mapped.ok()) return impl_->Submit(std::move(call), mapped);
  }
  call.op = MultiReadRequest{std::move(ops)};
  impl_->Submit(std::move(call));
}

void Client::SyncAsync(std::string path, StatusCallback done) {
  Call call = MakeCall(std::move(done), [](ClientResponse& r) { return StatusOf(r); });
  Result<std::string> server = impl_->chroot.ToServer(path);
  if (!server.ok()) return impl_->Submit(std::move(call), server.status());
  call.op = SyncRequest{std::move(server).value()};
  impl_->Submit(std::move(call));
}

void Client::AddWatchAsync(std::string path, AddWatchMode mode, Watcher watcher,
                           StatusCallback done) {
  Call call = MakeCall(std::move(done), [](ClientResponse& r) { return StatusOf(r); });
  if (!watcher) {
    return impl_->Submit(std::move(call), Status(Code::kBadArguments, "add_watch needs a watcher"));
  }
  Result<std::string> server = impl_->chroot.ToServer(path);
  if (!server.ok()) return impl_->Submit(std::move(call), server.status());
  call.op = AddWatchRequest{std::move(server).value(), mode};
  call.watcher = impl_->WrapWatcher(std::move(watcher));
  impl_->Submit(std::move(call));
}

void Client::RemoveWatchesAsync(std::string path, WatcherType type, StatusCallback done) {
  Call call = MakeCall(std::move(done), [](ClientResponse& r) { return StatusOf(r); });
  Result<std::string> server = impl_->chroot.ToServer(path);
  if (!server.ok()) return impl_->Submit(std::move(call), server.status());
  call.op = RemoveWatchesRequest{std::move(server).value(), type};
  impl_->Submit(std::move(call));
}

void Client::GetEphemeralsAsync(std::string prefix, Callback<std::vector<std::string>> done) {
  Call call =
      MakeCall(std::move(done),
               [chroot = &impl_->chroot](ClientResponse& r) -> Result<std::vector<std::string>> {
                 COORD_ASSIGN_OR_RETURN(GetEphemeralsResponse body,
                                        BodyOf<GetEphemeralsResponse>(r, "get_ephemerals"));
                 for (std::string& path : body.paths) path = chroot->ToClient(path);
                 return std::move(body.paths);
               });
  Result<std::string> server = impl_->chroot.PrefixToServer(prefix);
  if (!server.ok()) return impl_->Submit(std::move(call), server.status());
  call.op = GetEphemeralsRequest{std::move(server).value()};
  impl_->Submit(std::move(call));
}

void Client::AddAuthAsync(std::string scheme, std::string auth, StatusCallback done) {
  Call call = MakeCall(std::move(done), [](ClientResponse& r) { return StatusOf(r); });
  call.op = AddAuthRequest{std::move(scheme), std::move(auth)};
  impl_->Submit(std::move(call));
}

void Client::WhoAmIAsync(Callback<std::vector<ClientIdentity>> done) {
  Call call =
      MakeCall(std::move(done), [](ClientResponse& r) -> Result<std::vector<ClientIdentity>> {
        COORD_ASSIGN_OR_RETURN(WhoAmIResponse body, BodyOf<WhoAmIResponse>(r, "whoami"));
        return std::move(body.identities);
      });
  call.op = WhoAmIRequest{};
  impl_->Submit(std::move(call));
}

void Client::ServerStatusAsync(Callback<ServerStatusResponse> done) {
  Call call = MakeCall(std::move(done), [](ClientResponse& r) {
    return BodyOf<ServerStatusResponse>(r, "server_status");
  });
  call.op = ServerStatusRequest{};
  impl_->Submit(std::move(call));
}

void Client::CloseAsync(StatusCallback done) {
  Call call = MakeCall(std::move(done), [](ClientResponse& r) { return StatusOf(r); });
  call.op = CloseSessionClientRequest{};
  call.close = true;
  impl_->Submit(std::move(call));
}

}  // namespace coord
