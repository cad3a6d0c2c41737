#include "tools/coordsh/shell.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <ostream>
#include <thread>

#include "coord/recipes/leader_election.h"
#include "coord/recipes/lock.h"
#include "tools/coordsh/tree_yaml.h"

namespace coord::coordsh {

std::atomic<bool> g_interrupt{false};

namespace {

Status Usage(const std::string& usage) { return Status(Code::kBadArguments, "usage: " + usage); }

Result<int64_t> ParseInt(const std::string& text, const char* what) {
  try {
    size_t used = 0;
    long long v = std::stoll(text, &used, 10);
    if (used == text.size()) return static_cast<int64_t>(v);
  } catch (...) {
  }
  return Status(Code::kBadArguments, std::string("bad ") + what + " '" + text + "'");
}

std::string Child(const std::string& parent, const std::string& name) {
  return parent == "/" ? "/" + name : parent + "/" + name;
}

const char* EventName(WatchEventType type) {
  switch (type) {
    case WatchEventType::kNodeCreated:
      return "created";
    case WatchEventType::kNodeDeleted:
      return "deleted";
    case WatchEventType::kNodeDataChanged:
      return "data_changed";
    case WatchEventType::kNodeChildrenChanged:
      return "children_changed";
  }
  return "?";
}

}  // namespace

struct Shell::Command {
  const char* name;
  const char* usage;
  const char* help;
  Status (Shell::*run)(const Words&);
};

Shell::Shell(ShellOptions options, std::ostream& out, std::ostream& err)
    : options_(std::move(options)), out_(out), err_(err) {}

Shell::~Shell() = default;

Status Shell::Connect(const std::string& servers) {
  ClientOptions o;
  o.connect_string = servers;
  o.session_timeout_ms = options_.session_timeout_ms;
  o.request_timeout_ms = options_.connect_timeout_ms;
  Result<std::unique_ptr<Client>> client = Client::Open(o);
  if (!client.ok()) return client.status();
  Status connected = (*client)->WaitConnected(options_.connect_timeout_ms);
  if (!connected.ok()) {
    return Status(connected.code(), "cannot connect to " + servers + ": " + connected.message());
  }
  client_ = std::move(client).value();
  servers_ = servers;
  return Status::Ok();
}

std::string Shell::Prompt() const {
  const std::string state =
      client_ ? SessionStateName(client_->state()) : std::string("not connected");
  return "coord " + (servers_.empty() ? std::string("-") : servers_) + " " + state + " " + cwd_ +
         (multi_ ? " multi" : "") + "> ";
}

Status Shell::NeedClient() const {
  if (!client_) return Status(Code::kConnectionLoss, "not connected (use: connect HOST:PORT)");
  return Status::Ok();
}

Result<std::string> Shell::Resolve(const std::string& path) const {
  std::string joined = path.empty() ? cwd_ : path[0] == '/' ? path : Child(cwd_, path);
  // Normalize "." and ".." the way a shell user expects.
  std::vector<std::string> parts;
  size_t start = 1;
  while (start <= joined.size()) {
    size_t slash = joined.find('/', start);
    if (slash == std::string::npos) slash = joined.size();
    std::string part = joined.substr(start, slash - start);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(std::move(part));
    }
    start = slash + 1;
  }
  std::string out;
  for (const std::string& p : parts) out += "/" + p;
  return out.empty() ? std::string("/") : out;
}

void Shell::Print(const std::string& text) {
  std::lock_guard<std::mutex> lock(print_mu_);
  out_ << text;
  if (!text.empty() && text.back() != '\n') out_ << '\n';
  out_.flush();
}

void Shell::Notice(const std::string& text) {
  std::lock_guard<std::mutex> lock(print_mu_);
  err_ << text << '\n';
  err_.flush();
}

bool Shell::WaitInterrupted(int64_t timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (interrupted_ || g_interrupt) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return interrupted_ || g_interrupt;
}

Status Shell::Run(const Words& words) {
  if (words.empty()) return Status::Ok();
  interrupted_ = false;
  g_interrupt = false;
  return Dispatch(words);
}

Status Shell::Dispatch(const Words& words) {
  size_t count = 0;
  const Command* commands = Commands(&count);
  for (size_t i = 0; i < count; ++i) {
    if (words[0] == commands[i].name) return (this->*commands[i].run)(words);
  }
  if (words[0] == "exit") return Quit(words);
  if (words[0] == "ll") return Ls({"ls", "-l"});
  return Status(Code::kBadArguments, "unknown command '" + words[0] + "' (try: help)");
}

std::vector<std::string> Shell::CommandNames() const {
  size_t count = 0;
  const Command* commands = Commands(&count);
  std::vector<std::string> names;
  for (size_t i = 0; i < count; ++i) names.push_back(commands[i].name);
  return names;
}

std::vector<std::string> Shell::CompletePath(const std::string& prefix) {
  std::vector<std::string> out;
  if (!client_) return out;
  const size_t slash = prefix.rfind('/');
  const std::string dir_part = slash == std::string::npos ? "" : prefix.substr(0, slash + 1);
  const std::string stem = slash == std::string::npos ? prefix : prefix.substr(slash + 1);
  Result<std::string> dir = Resolve(dir_part.empty() ? "." : dir_part);
  if (!dir.ok()) return out;
  Result<std::vector<std::string>> children = client_->GetAllChildren(*dir);
  if (!children.ok()) return out;
  std::sort(children->begin(), children->end());
  for (const std::string& c : *children) {
    if (c.rfind(stem, 0) == 0) out.push_back(dir_part + c);
  }
  return out;
}

// --- commands ----------------------------------------------------------------------------------

Status Shell::Help(const Words& w) {
  size_t count = 0;
  const Command* commands = Commands(&count);
  std::string text;
  for (size_t i = 0; i < count; ++i) {
    if (w.size() > 1 && w[1] != commands[i].name) continue;
    text += std::string("  ") + commands[i].usage + "\n      " + commands[i].help + "\n";
  }
  if (text.empty()) return Status(Code::kBadArguments, "no command '" + w[1] + "'");
  Print(text);
  return Status::Ok();
}

Status Shell::ConnectCmd(const Words& w) {
  if (w.size() != 2) return Usage("connect HOST:PORT[,HOST:PORT...]");
  client_.reset();
  servers_.clear();
  Status s = Connect(w[1]);
  if (s.ok() && options_.json) Print("{\"connected\":" + JsonString(w[1]) + "}");
  return s;
}

Status Shell::Cd(const Words& w) {
  if (w.size() > 2) return Usage("cd [PATH]");
  COORD_RETURN_IF_ERROR(NeedClient());
  COORD_ASSIGN_OR_RETURN(std::string path, Resolve(w.size() == 2 ? w[1] : "/"));
  Result<std::optional<Stat>> exists = client_->Exists(path);
  if (!exists.ok()) return exists.status();
  if (!exists->has_value()) return Status(Code::kNoNode, path + " does not exist");
  cwd_ = path;
  return Status::Ok();
}

Status Shell::Pwd(const Words&) {
  Print(options_.json ? JsonString(cwd_) : cwd_);
  return Status::Ok();
}

Status Shell::Ls(const Words& w) {
  bool long_form = false, recursive = false;
  std::string target;
  for (size_t i = 1; i < w.size(); ++i) {
    if (w[i] == "-l") {
      long_form = true;
    } else if (w[i] == "-R") {
      recursive = true;
    } else if (w[i] == "-lR" || w[i] == "-Rl") {
      long_form = recursive = true;
    } else if (target.empty() && (w[i].empty() || w[i][0] != '-')) {
      target = w[i];
    } else {
      return Usage("ls [-l] [-R] [PATH]");
    }
  }
  COORD_RETURN_IF_ERROR(NeedClient());
  COORD_ASSIGN_OR_RETURN(std::string root, Resolve(target));
  std::vector<std::string> lines;
  std::string json;
  std::function<Status(const std::string&)> list = [&](const std::string& dir) -> Status {
    Result<std::vector<std::string>> children = client_->GetAllChildren(dir);
    if (!children.ok()) return children.status();
    std::sort(children->begin(), children->end());
    for (const std::string& name : *children) {
      const std::string path = Child(dir, name);
      const std::string shown = recursive ? path : name;
      std::optional<Stat> stat;
      if (long_form || options_.json) {
        Result<std::optional<Stat>> s = client_->Exists(path);
        if (!s.ok()) return s.status();
        stat = *s;
      }
      if (options_.json) {
        if (!json.empty()) json += ",";
        json += "{\"name\":" + JsonString(shown) +
                (stat ? ",\"stat\":" + StatJson(*stat) : std::string()) + "}";
      } else if (long_form && stat) {
        char buf[160];
        std::snprintf(buf, sizeof(buf), "%-10s %8d %5d %7d  ",
                      stat->ephemeral_owner ? "ephemeral" : "persistent", stat->data_length,
                      stat->num_children, stat->version);
        lines.push_back(buf + shown);
      } else {
        lines.push_back(shown);
      }
      if (recursive) COORD_RETURN_IF_ERROR(list(path));
    }
    return Status::Ok();
  };
  COORD_RETURN_IF_ERROR(list(root));
  if (options_.json) {
    Print("[" + json + "]");
  } else {
    std::string text;
    if (long_form) text += "kind          bytes  kids version  name\n";
    for (const std::string& l : lines) text += l + "\n";
    if (!text.empty()) Print(text);
  }
  return Status::Ok();
}

Status Shell::TreeLines(const std::string& path, const std::string& indent, int depth,
                        int max_depth, std::string* out, size_t* nodes) {
  if (max_depth >= 0 && depth >= max_depth) return Status::Ok();
  Result<std::vector<std::string>> children = client_->GetAllChildren(path);
  if (!children.ok()) return children.status();
  std::sort(children->begin(), children->end());
  for (size_t i = 0; i < children->size(); ++i) {
    const bool last = i + 1 == children->size();
    const std::string child = Child(path, (*children)[i]);
    Result<std::optional<Stat>> stat = client_->Exists(child);
    if (!stat.ok()) return stat.status();
    std::string size;
    if (stat->has_value() && (*stat)->data_length > 0) {
      size = " (" + HumanBytes(static_cast<uint64_t>((*stat)->data_length)) + ")";
    }
    *out += indent + (last ? "└── " : "├── ") + (*children)[i] + size + "\n";
    ++*nodes;
    COORD_RETURN_IF_ERROR(
        TreeLines(child, indent + (last ? "    " : "│   "), depth + 1, max_depth, out, nodes));
  }
  return Status::Ok();
}

Status Shell::Tree(const Words& w) {
  std::string target;
  int max_depth = -1;
  for (size_t i = 1; i < w.size(); ++i) {
    if (w[i] == "--depth" && i + 1 < w.size()) {
      COORD_ASSIGN_OR_RETURN(int64_t d, ParseInt(w[++i], "depth"));
      if (d < 0) return Status(Code::kBadArguments, "depth must be >= 0");
      max_depth = static_cast<int>(d);
    } else if (target.empty()) {
      target = w[i];
    } else {
      return Usage("tree [PATH] [--depth N]");
    }
  }
  COORD_RETURN_IF_ERROR(NeedClient());
  COORD_ASSIGN_OR_RETURN(std::string root, Resolve(target));
  Result<std::optional<Stat>> stat = client_->Exists(root);
  if (!stat.ok()) return stat.status();
  if (!stat->has_value()) return Status(Code::kNoNode, root + " does not exist");
  std::string text = root + "\n";
  size_t nodes = 0;
  COORD_RETURN_IF_ERROR(TreeLines(root, "", 0, max_depth, &text, &nodes));
  Print(text);
  return Status::Ok();
}

Status Shell::Get(const Words& w) {
  bool with_stat = false, watch = false;
  DataFormat format = options_.format;
  std::string target;
  for (size_t i = 1; i < w.size(); ++i) {
    if (w[i] == "-s") {
      with_stat = true;
    } else if (w[i] == "-w") {
      watch = true;
    } else if (w[i] == "--hex") {
      format = DataFormat::kHex;
    } else if (w[i] == "--base64") {
      format = DataFormat::kBase64;
    } else if (w[i] == "--text") {
      format = DataFormat::kText;
    } else if (target.empty()) {
      target = w[i];
    } else {
      return Usage("get [-s] [-w] [--hex|--base64|--text] PATH");
    }
  }
  if (target.empty()) return Usage("get [-s] [-w] [--hex|--base64|--text] PATH");
  COORD_RETURN_IF_ERROR(NeedClient());
  COORD_ASSIGN_OR_RETURN(std::string path, Resolve(target));
  Watcher watcher;
  if (watch) {
    watcher = [this](const WatchEvent& e) {
      Notice("watch: " + std::string(EventName(e.type)) + " " + e.path);
    };
  }
  Result<GetDataResponse> got = client_->GetData(path, watcher);
  if (!got.ok()) return got.status();
  const bool text =
      format == DataFormat::kText || (format == DataFormat::kAuto && IsPrintableText(got->data));
  if (options_.json) {
    const char* encoding = text ? "text" : format == DataFormat::kBase64 ? "base64" : "hex";
    Print("{\"path\":" + JsonString(path) +
          ",\"data\":" + JsonString(RenderData(got->data, text ? DataFormat::kText : format)) +
          ",\"encoding\":\"" + encoding + "\"" +
          (with_stat ? ",\"stat\":" + StatJson(got->stat) : std::string()) + "}");
    return Status::Ok();
  }
  std::string shown = RenderData(got->data, format);
  if (!shown.empty() && shown.back() == '\n') shown.pop_back();
  std::lock_guard<std::mutex> lock(print_mu_);
  out_ << shown << '\n';
  if (with_stat) out_ << RenderStat(got->stat);
  out_.flush();
  return Status::Ok();
}

Status Shell::Set(const Words& w) {
  int32_t version = kAnyVersion;
  std::vector<std::string> args;
  for (size_t i = 1; i < w.size(); ++i) {
    if (w[i] == "-v" && i + 1 < w.size()) {
      COORD_ASSIGN_OR_RETURN(int64_t v, ParseInt(w[++i], "version"));
      version = static_cast<int32_t>(v);
    } else {
      args.push_back(w[i]);
    }
  }
  if (args.size() != 2) return Usage("set [-v VERSION] PATH DATA");
  COORD_ASSIGN_OR_RETURN(std::string path, Resolve(args[0]));
  if (multi_) {
    multi_->push_back(SetDataRequest{path, args[1], version});
    return Status::Ok();
  }
  COORD_RETURN_IF_ERROR(NeedClient());
  Result<Stat> stat = client_->SetData(path, args[1], version);
  if (!stat.ok()) return stat.status();
  if (options_.json) Print("{\"path\":" + JsonString(path) + ",\"stat\":" + StatJson(*stat) + "}");
  return Status::Ok();
}

Status Shell::Create(const Words& w) {
  CreateRequest r;
  std::vector<std::string> args;
  for (size_t i = 1; i < w.size(); ++i) {
    if (w[i] == "-e") {
      r.kind = NodeKind::kEphemeral;
    } else if (w[i] == "-s") {
      r.sequential = true;
    } else if (w[i] == "-c") {
      r.kind = NodeKind::kContainer;
    } else if (w[i] == "-t" && i + 1 < w.size()) {
      COORD_ASSIGN_OR_RETURN(r.ttl_ms, ParseInt(w[++i], "TTL"));
      r.kind = NodeKind::kTtl;
    } else {
      args.push_back(w[i]);
    }
  }
  if (args.empty() || args.size() > 2) {
    return Usage("create [-e] [-s] [-c] [-t TTL_MS] PATH [DATA]");
  }
  COORD_ASSIGN_OR_RETURN(r.path, Resolve(args[0]));
  if (args.size() == 2) r.data = args[1];
  if (multi_) {
    multi_->push_back(r);
    return Status::Ok();
  }
  COORD_RETURN_IF_ERROR(NeedClient());
  Result<CreateResponse> created = client_->Create(r);
  if (!created.ok()) return created.status();
  Print(options_.json ? "{\"path\":" + JsonString(created->path) + "}" : created->path);
  return Status::Ok();
}

Status Shell::Delete(const Words& w) {
  int32_t version = kAnyVersion;
  std::vector<std::string> args;
  for (size_t i = 1; i < w.size(); ++i) {
    if (w[i] == "-v" && i + 1 < w.size()) {
      COORD_ASSIGN_OR_RETURN(int64_t v, ParseInt(w[++i], "version"));
      version = static_cast<int32_t>(v);
    } else {
      args.push_back(w[i]);
    }
  }
  if (args.size() != 1) return Usage("delete [-v VERSION] PATH");
  COORD_ASSIGN_OR_RETURN(std::string path, Resolve(args[0]));
  if (multi_) {
    multi_->push_back(DeleteRequest{path, version});
    return Status::Ok();
  }
  COORD_RETURN_IF_ERROR(NeedClient());
  return client_->Delete(path, version);
}

Status Shell::DeleteTree(const std::string& path) {
  Result<std::vector<std::string>> children = client_->GetAllChildren(path);
  if (!children.ok()) return children.status();
  for (const std::string& c : *children) COORD_RETURN_IF_ERROR(DeleteTree(Child(path, c)));
  if (path == "/") return Status::Ok();
  Status s = client_->Delete(path);
  return s.code() == Code::kNoNode ? Status::Ok() : s;
}

Status Shell::DeleteAll(const Words& w) {
  if (w.size() != 2) return Usage("deleteall PATH");
  COORD_RETURN_IF_ERROR(NeedClient());
  COORD_ASSIGN_OR_RETURN(std::string path, Resolve(w[1]));
  Result<std::optional<Stat>> exists = client_->Exists(path);
  if (!exists.ok()) return exists.status();
  if (!exists->has_value()) return Status(Code::kNoNode, path + " does not exist");
  return DeleteTree(path);
}

Status Shell::StatCmd(const Words& w) {
  if (w.size() != 2) return Usage("stat PATH");
  COORD_RETURN_IF_ERROR(NeedClient());
  COORD_ASSIGN_OR_RETURN(std::string path, Resolve(w[1]));
  Result<std::optional<Stat>> stat = client_->Exists(path);
  if (!stat.ok()) return stat.status();
  if (!stat->has_value()) return Status(Code::kNoNode, path + " does not exist");
  Print(options_.json ? StatJson(**stat) : RenderStat(**stat));
  return Status::Ok();
}

Status Shell::Exists(const Words& w) {
  if (w.size() != 2) return Usage("exists PATH");
  COORD_RETURN_IF_ERROR(NeedClient());
  COORD_ASSIGN_OR_RETURN(std::string path, Resolve(w[1]));
  Result<std::optional<Stat>> stat = client_->Exists(path);
  if (!stat.ok()) return stat.status();
  Print(stat->has_value() ? "true" : "false");
  return Status::Ok();
}

Status Shell::Watch(const Words& w) {
  bool recursive = false;
  int64_t count = -1;
  std::string target;
  for (size_t i = 1; i < w.size(); ++i) {
    if (w[i] == "-r") {
      recursive = true;
    } else if (w[i] == "--count" && i + 1 < w.size()) {
      COORD_ASSIGN_OR_RETURN(count, ParseInt(w[++i], "count"));
    } else if (target.empty()) {
      target = w[i];
    } else {
      return Usage("watch PATH [-r] [--count N]");
    }
  }
  if (target.empty()) return Usage("watch PATH [-r] [--count N]");
  COORD_RETURN_IF_ERROR(NeedClient());
  COORD_ASSIGN_OR_RETURN(std::string path, Resolve(target));
  std::atomic<int64_t> seen{0};
  Status added = client_->AddWatch(
      path, recursive ? AddWatchMode::kPersistentRecursive : AddWatchMode::kPersistent,
      [this, &seen](const WatchEvent& e) {
        Print(options_.json ? "{\"event\":\"" + std::string(EventName(e.type)) + "\",\"path\":" +
                                  JsonString(e.path) + ",\"zxid\":" + std::to_string(e.zxid) + "}"
                            : std::string(EventName(e.type)) + " " + e.path);
        ++seen;
      });
  if (!added.ok()) return added;
  if (!options_.json)
    Notice("watching " + path + (recursive ? " and below" : "") + " (Ctrl-C ends)");
  while (!(count >= 0 && seen >= count)) {
    if (WaitInterrupted(50)) break;
  }
  Status removed = client_->RemoveWatches(path, WatcherType::kAny);
  (void)removed;
  return Status::Ok();
}

Status Shell::Sync(const Words& w) {
  if (w.size() > 2) return Usage("sync [PATH]");
  COORD_RETURN_IF_ERROR(NeedClient());
  COORD_ASSIGN_OR_RETURN(std::string path, Resolve(w.size() == 2 ? w[1] : "/"));
  return client_->Sync(path);
}

Status Shell::GetAcl(const Words& w) {
  if (w.size() != 2) return Usage("getacl PATH");
  COORD_RETURN_IF_ERROR(NeedClient());
  COORD_ASSIGN_OR_RETURN(std::string path, Resolve(w[1]));
  Result<GetAclResponse> acl = client_->GetAcl(path);
  if (!acl.ok()) return acl.status();
  Print(options_.json ? "{\"acl\":" + JsonString(RenderAcl(acl->acl)) + "}" : RenderAcl(acl->acl));
  return Status::Ok();
}

Status Shell::SetAcl(const Words& w) {
  int32_t version = kAnyVersion;
  std::vector<std::string> args;
  for (size_t i = 1; i < w.size(); ++i) {
    if (w[i] == "-v" && i + 1 < w.size()) {
      COORD_ASSIGN_OR_RETURN(int64_t v, ParseInt(w[++i], "version"));
      version = static_cast<int32_t>(v);
    } else {
      args.push_back(w[i]);
    }
  }
  if (args.size() != 2) return Usage("setacl [-v VERSION] PATH scheme:id:perms[,...]");
  COORD_RETURN_IF_ERROR(NeedClient());
  COORD_ASSIGN_OR_RETURN(std::string path, Resolve(args[0]));
  COORD_ASSIGN_OR_RETURN(AclList acl, ParseAcl(args[1]));
  return client_->SetAcl(path, std::move(acl), version).status();
}

Status Shell::AddAuth(const Words& w) {
  if (w.size() != 3) return Usage("addauth SCHEME AUTH   (e.g. addauth digest user:password)");
  COORD_RETURN_IF_ERROR(NeedClient());
  return client_->AddAuth(w[1], w[2]);
}

Status Shell::Multi(const Words& w) {
  if (w.size() != 1) return Usage("multi   (then create / set / delete / check ..., then commit)");
  if (multi_) return Status(Code::kBadArguments, "a multi block is already open");
  multi_.emplace();
  return Status::Ok();
}

Status Shell::Commit(const Words& w) {
  if (w.size() != 1) return Usage("commit");
  if (!multi_) return Status(Code::kBadArguments, "no multi block is open (start one with: multi)");
  std::vector<MultiOpRequest> ops = std::move(*multi_);
  multi_.reset();
  COORD_RETURN_IF_ERROR(NeedClient());
  Result<MultiResponse> r = client_->Multi(std::move(ops));
  if (!r.ok()) {
    std::string detail;
    if (r.status().code() != Code::kConnectionLoss) {
      // The failing op, as the server reported it (later ops show runtime_inconsistency).
      detail = r.status().message();
    }
    return Status(r.status().code(), detail.empty() ? "multi failed" : detail);
  }
  std::string text;
  for (const OpResponse& op : r->results) {
    if (!op.path.empty()) text += op.path + "\n";
  }
  if (options_.json) {
    std::string json;
    for (const OpResponse& op : r->results) {
      if (!json.empty()) json += ",";
      json += "{\"code\":\"" + std::string(CodeName(op.code)) +
              "\",\"path\":" + JsonString(op.path) + "}";
    }
    Print("[" + json + "]");
  } else if (!text.empty()) {
    Print(text);
  }
  return Status::Ok();
}

Status Shell::Abort(const Words&) {
  if (!multi_) return Status(Code::kBadArguments, "no multi block is open");
  multi_.reset();
  return Status::Ok();
}

Status Shell::LockCmd(const Words& w) {
  if (w.size() < 2) return Usage("lock PATH [-- CMD ARGS...]");
  COORD_RETURN_IF_ERROR(NeedClient());
  COORD_ASSIGN_OR_RETURN(std::string path, Resolve(w[1]));
  std::vector<std::string> command;
  if (w.size() > 2) {
    if (w[2] != "--" || w.size() == 3) return Usage("lock PATH [-- CMD ARGS...]");
    command.assign(w.begin() + 3, w.end());
  }
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  recipes::Lock lock(client_.get(), path, std::string(host) + " pid " + std::to_string(getpid()),
                     [this](recipes::LockEvent e) {
                       Notice(std::string("lock ") + recipes::LockEventName(e));
                       if (e == recipes::LockEvent::kLost) interrupted_ = true;
                     });
  Result<uint64_t> token = lock.Acquire(-1);
  if (!token.ok()) return token.status();
  Print(options_.json ? "{\"fencing_token\":" + std::to_string(*token) + "}"
                      : "fencing token: " + std::to_string(*token));
  if (command.empty()) {
    if (!options_.json) Notice("holding " + path + " (Ctrl-C releases)");
    while (!WaitInterrupted(1000)) {
    }
    return lock.Release();
  }
  std::vector<char*> argv;
  for (std::string& a : command) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t child = fork();
  if (child < 0) return Status(Code::kInternal, "fork failed");
  if (child == 0) {
    setenv("COORD_FENCING_TOKEN", std::to_string(*token).c_str(), 1);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  Status released = lock.Release();
  exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (*exit_status_ != 0) {
    return Status(Code::kInternal,
                  command[0] + " exited with status " + std::to_string(*exit_status_));
  }
  return released;
}

Status Shell::Elect(const Words& w) {
  if (w.size() < 2 || w.size() > 3) return Usage("elect PATH [PAYLOAD]");
  COORD_RETURN_IF_ERROR(NeedClient());
  COORD_ASSIGN_OR_RETURN(std::string path, Resolve(w[1]));
  recipes::LeaderElection election(
      client_.get(), path, w.size() == 3 ? w[2] : "coordsh", [this](recipes::ElectionEvent e) {
        Notice(std::string("leadership ") + recipes::ElectionEventName(e));
        if (e == recipes::ElectionEvent::kLost) interrupted_ = true;
      });
  Result<std::optional<recipes::LeaderInfo>> current = election.Leader();
  if (current.ok() && current->has_value() && !options_.json) {
    Notice("current leader: " + (*current)->payload + " (waiting for leadership; Ctrl-C ends)");
  }
  Result<uint64_t> term = election.Campaign(-1);
  if (!term.ok()) return term.status();
  Print(options_.json ? "{\"leading\":true,\"term\":" + std::to_string(*term) + "}"
                      : "leading (term " + std::to_string(*term) + ")");
  while (!WaitInterrupted(1000)) {
  }
  return election.Resign();
}

Status Shell::Status_(const Words& w) {
  if (w.size() != 1) return Usage("status");
  COORD_RETURN_IF_ERROR(NeedClient());
  Result<ServerStatusResponse> s = client_->ServerStatus();
  if (!s.ok()) return s.status();
  if (options_.json) {
    std::string members;
    for (const MemberStatus& m : s->members) {
      if (!members.empty()) members += ",";
      members += "{\"id\":" + std::to_string(m.id) + ",\"role\":" + JsonString(m.role) +
                 ",\"last_zxid\":" + std::to_string(m.last_zxid) +
                 ",\"lag\":" + std::to_string(m.lag) + "}";
    }
    Print("{\"role\":" + JsonString(s->role) + ",\"server_id\":" + std::to_string(s->server_id) +
          ",\"leader_id\":" + std::to_string(s->leader_id) + ",\"epoch\":" +
          std::to_string(s->epoch) + ",\"last_zxid\":" + std::to_string(s->last_zxid) +
          ",\"committed_zxid\":" + std::to_string(s->committed_zxid) +
          ",\"znodes\":" + std::to_string(s->node_count) +
          ",\"sessions\":" + std::to_string(s->session_count) + ",\"members\":[" + members + "]}");
    return Status::Ok();
  }
  char zxid[64];
  std::snprintf(zxid, sizeof(zxid), "0x%llx (committed 0x%llx)",
                static_cast<unsigned long long>(s->last_zxid),
                static_cast<unsigned long long>(s->committed_zxid));
  std::string text = "role: " + s->role + "\nserver: " + std::to_string(s->server_id) +
                     "\nleader: " + std::to_string(s->leader_id) +
                     "\nepoch: " + std::to_string(s->epoch) + "\nzxid: " + zxid +
                     "\nznodes: " + std::to_string(s->node_count) +
                     "\nsessions: " + std::to_string(s->session_count) + "\n";
  for (const MemberStatus& m : s->members) {
    text +=
        "member " + std::to_string(m.id) + ": " + m.role + ", lag " + std::to_string(m.lag) + "\n";
  }
  Print(text);
  return Status::Ok();
}

Status Shell::WhoAmI(const Words& w) {
  if (w.size() != 1) return Usage("whoami");
  COORD_RETURN_IF_ERROR(NeedClient());
  Result<std::vector<ClientIdentity>> ids = client_->WhoAmI();
  if (!ids.ok()) return ids.status();
  std::string text, json;
  for (const ClientIdentity& id : *ids) {
    text += id.scheme + ":" + id.id + "\n";
    if (!json.empty()) json += ",";
    json += JsonString(id.scheme + ":" + id.id);
  }
  Print(options_.json ? "[" + json + "]" : text);
  return Status::Ok();
}

Status Shell::Export(const Words& w) {
  if (w.size() != 2) return Usage("export PATH");
  COORD_RETURN_IF_ERROR(NeedClient());
  COORD_ASSIGN_OR_RETURN(std::string path, Resolve(w[1]));
  COORD_ASSIGN_OR_RETURN(std::string yaml, ExportYaml(client_.get(), path));
  Print(yaml);
  return Status::Ok();
}

Status Shell::Import(const Words& w) {
  bool dry_run = false;
  std::vector<std::string> args;
  for (size_t i = 1; i < w.size(); ++i) {
    if (w[i] == "--dry-run") {
      dry_run = true;
    } else {
      args.push_back(w[i]);
    }
  }
  if (args.size() != 2) return Usage("import [--dry-run] FILE PATH");
  COORD_RETURN_IF_ERROR(NeedClient());
  COORD_ASSIGN_OR_RETURN(std::string path, Resolve(args[1]));
  COORD_ASSIGN_OR_RETURN(ImportReport report, ImportYaml(client_.get(), args[0], path, dry_run));
  std::string text;
  for (const std::string& line : report.actions) text += line + "\n";
  text += (dry_run ? "would create " : "created ") + std::to_string(report.created) +
          (dry_run ? ", would update " : ", updated ") + std::to_string(report.updated) + "\n";
  Print(text);
  return Status::Ok();
}

Status Shell::Quit(const Words&) {
  quit_ = true;
  return Status::Ok();
}

// --- the command table ---------------------------------------------------------------------------

const Shell::Command* Shell::Commands(size_t* count) {
  static const Shell::Command kCommands[] = {
      {"help", "help [COMMAND]", "this list, or one command's usage", &Shell::Help},
      {"connect", "connect HOST:PORT[,HOST:PORT...]", "open a session with these servers",
       &Shell::ConnectCmd},
      {"cd", "cd [PATH]", "change the current node (relative paths, . and ..)", &Shell::Cd},
      {"pwd", "pwd", "print the current node", &Shell::Pwd},
      {"ls", "ls [-l] [-R] [PATH]", "children; -l with kind, size, children, version; -R all below",
       &Shell::Ls},
      {"tree", "tree [PATH] [--depth N]", "the subtree, drawn, with data sizes", &Shell::Tree},
      {"get", "get [-s] [-w] [--hex|--base64|--text] PATH",
       "the data (binary as hex unless asked); -s the Stat; -w a watch (event on stderr)",
       &Shell::Get},
      {"set", "set [-v VERSION] PATH DATA", "replace the data (only at VERSION with -v)",
       &Shell::Set},
      {"create", "create [-e] [-s] [-c] [-t TTL_MS] PATH [DATA]",
       "create a node (ephemeral, sequential, container, TTL); prints the created path",
       &Shell::Create},
      {"delete", "delete [-v VERSION] PATH", "delete a node without children", &Shell::Delete},
      {"deleteall", "deleteall PATH", "delete a node and everything below it", &Shell::DeleteAll},
      {"stat", "stat PATH", "the node's Stat", &Shell::StatCmd},
      {"exists", "exists PATH", "true or false", &Shell::Exists},
      {"watch", "watch PATH [-r] [--count N]",
       "stream changes of PATH (and below with -r) until Ctrl-C or N events", &Shell::Watch},
      {"sync", "sync [PATH]", "make later reads see everything committed before", &Shell::Sync},
      {"getacl", "getacl PATH", "the ACL as scheme:id:perms", &Shell::GetAcl},
      {"setacl", "setacl [-v VERSION] PATH scheme:id:perms[,...]",
       "replace the ACL (perms: letters of crwda)", &Shell::SetAcl},
      {"addauth", "addauth SCHEME AUTH", "add credentials to the session (digest user:password)",
       &Shell::AddAuth},
      {"multi", "multi", "open a block: create / set / delete until commit run as one transaction",
       &Shell::Multi},
      {"commit", "commit", "commit the open multi block atomically", &Shell::Commit},
      {"abort", "abort", "discard the open multi block", &Shell::Abort},
      {"lock", "lock PATH [-- CMD ARGS...]",
       "take the lock and print its fencing token; hold it until Ctrl-C, or run CMD while "
       "holding it (COORD_FENCING_TOKEN in its environment) and exit with its status",
       &Shell::LockCmd},
      {"elect", "elect PATH [PAYLOAD]", "campaign for leadership; lead until Ctrl-C",
       &Shell::Elect},
      {"status", "status", "the server's role, epoch, zxid, leader and members' lag",
       &Shell::Status_},
      {"whoami", "whoami", "the session's identities", &Shell::WhoAmI},
      {"export", "export PATH", "the subtree as YAML on stdout", &Shell::Export},
      {"import", "import [--dry-run] FILE PATH",
       "YAML (as export writes it) into the tree under PATH, atomically per batch", &Shell::Import},
      {"quit", "quit", "leave (also: exit, Ctrl-D)", &Shell::Quit},
  };
  *count = sizeof(kCommands) / sizeof(kCommands[0]);
  return kCommands;
}

}  // namespace coord::coordsh
