#include "tools/coordbench/options.h"

#include <charconv>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>

namespace coord::bench {
namespace {

constexpr Workload kWorkloads[] = {
    Workload::kCreate, Workload::kSet,   Workload::kGet,  Workload::kGetChildren, Workload::kMix,
    Workload::kMulti,  Workload::kWatch, Workload::kLock, Workload::kSession,     Workload::kLoad,
};

Status Bad(const std::string& message) { return Status(Code::kBadArguments, message); }

template <typename T>
Status ParseInt(const std::string& name, const std::string& text, T min, T* out) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return Bad(name + ": not an integer: '" + text + "'");
  }
  if (value < min) return Bad(name + ": must be at least " + std::to_string(min));
  *out = value;
  return Status::Ok();
}

Status ParseDouble(const std::string& name, const std::string& text, double min, double max,
                   double* out) {
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size()) {
    return Bad(name + ": not a number: '" + text + "'");
  }
  if (!(value >= min && value <= max)) {
    return Bad(name + ": must be in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  *out = value;
  return Status::Ok();
}

Status Validate(Options& o, const std::set<std::string>& given) {
  if (o.mode == Mode::kCompare && o.inputs.size() != 2) {
    return Bad("--compare takes exactly two JSON files");
  }
  if (o.mode == Mode::kPlot && o.inputs.empty()) return Bad("--plot needs at least one JSON file");
  if (o.mode != Mode::kRun) return Status::Ok();
  if (!o.inputs.empty()) return Bad("unexpected argument '" + o.inputs.front() + "'");
  if (o.backend != "coord" && o.backend != "zookeeper") {
    return Bad("--backend must be coord or zookeeper");
  }
  if (o.servers.empty()) return Bad("--servers is required (H:P[,H:P...])");
  if (!given.count("--workload")) return Bad("--workload is required");
  if (o.prefix.size() < 2 || o.prefix[0] != '/' || o.prefix.back() == '/') {
    return Bad("--prefix must be an absolute path below / without a trailing slash");
  }
  if (o.workload == Workload::kLoad) {
    if (!given.count("--count") && !given.count("--duration")) o.count = 1000000;
    if (!given.count("--value-bytes")) o.value_bytes = 32;
  }
  if (o.count == 0 && o.duration_s == 0) o.duration_s = 10;
  return Status::Ok();
}

}  // namespace

const char* WorkloadName(Workload workload) {
  switch (workload) {
    case Workload::kCreate:
      return "create";
    case Workload::kSet:
      return "set";
    case Workload::kGet:
      return "get";
    case Workload::kGetChildren:
      return "get_children";
    case Workload::kMix:
      return "mix";
    case Workload::kMulti:
      return "multi";
    case Workload::kWatch:
      return "watch";
    case Workload::kLock:
      return "lock";
    case Workload::kSession:
      return "session";
    case Workload::kLoad:
      return "load";
  }
  return "?";
}

const char* Usage() {
  return R"(usage:
  coordbench --backend coord|zookeeper --servers H:P[,H:P...] --workload W [options]
  coordbench --compare A.json B.json [--md FILE]
  coordbench --plot OUT.svg|OUT.png [--plot-over-time] A.json [B.json ...]

workloads:
  create        create new znodes (value --value-bytes) under PREFIX/c
  set | get     set / get data of keys PREFIX/k/N picked uniformly from --keys
  get_children  list a node with --children children
  mix           get with probability --read-ratio, else set
  multi         one multi of --ops-per-multi sets per op
  watch         --watchers sessions watch one node; time from the set to the last event
  lock          --clients contenders cycling one lock; acquisitions/s, acquisition latency
  session       open and close sessions; sessions/s
  load          create --count (default 1000000) znodes of --value-bytes (default 32); kept

options:
  --connections C    sessions (default 4)         --outstanding N   in flight per session (64)
  --duration S       run for S seconds            --count N         run for N ops in total
  --warmup S         ops of the first S seconds are not measured
  --value-bytes B    (default 1024)               --keys K          key space (default 10000)
  --read-ratio R     mix (default 0.9)            --ops-per-multi N multi (default 8)
  --watchers N       watch (default 16)           --clients K       lock (default 4)
  --children N       get_children (default 16)    --session-timeout-ms T (default 10000)
  --prefix PATH      root of the tool's znodes (default /coordbench), removed before the run
                     and after it (unless --keep or the load workload)
  --json FILE  --label TEXT  --quiet  --seed N  --keep
  A run without --count or --duration lasts 10 s.
)";
}

Result<Options> ParseOptions(const std::vector<std::string>& args) {
  Options o;
  std::set<std::string> given;
  // Options that take a value, each with its setter.
  using Setter = std::function<Status(const std::string&)>;
  std::map<std::string, Setter> valued = {
      {"--backend",
       [&](const std::string& v) {
         o.backend = v;
         return Status::Ok();
       }},
      {"--servers",
       [&](const std::string& v) {
         o.servers = v;
         return Status::Ok();
       }},
      {"--workload",
       [&](const std::string& v) {
         for (Workload w : kWorkloads) {
           if (v == WorkloadName(w)) {
             o.workload = w;
             return Status::Ok();
           }
         }
         return Bad("--workload: unknown workload '" + v + "'");
       }},
      {"--connections",
       [&](const std::string& v) { return ParseInt("--connections", v, 1, &o.connections); }},
      {"--outstanding",
       [&](const std::string& v) { return ParseInt("--outstanding", v, 1, &o.outstanding); }},
      {"--duration",
       [&](const std::string& v) {
         return ParseDouble("--duration", v, 0.001, 1e7, &o.duration_s);
       }},
      {"--count",
       [&](const std::string& v) { return ParseInt<int64_t>("--count", v, 1, &o.count); }},
      {"--warmup",
       [&](const std::string& v) { return ParseDouble("--warmup", v, 0, 1e6, &o.warmup_s); }},
      {"--value-bytes",
       [&](const std::string& v) { return ParseInt("--value-bytes", v, 0, &o.value_bytes); }},
      {"--keys", [&](const std::string& v) { return ParseInt("--keys", v, 1, &o.keys); }},
      {"--prefix",
       [&](const std::string& v) {
         o.prefix = v;
         return Status::Ok();
       }},
      {"--read-ratio",
       [&](const std::string& v) { return ParseDouble("--read-ratio", v, 0, 1, &o.read_ratio); }},
      {"--ops-per-multi",
       [&](const std::string& v) { return ParseInt("--ops-per-multi", v, 1, &o.ops_per_multi); }},
      {"--watchers",
       [&](const std::string& v) { return ParseInt("--watchers", v, 1, &o.watchers); }},
      {"--clients", [&](const std::string& v) { return ParseInt("--clients", v, 1, &o.clients); }},
      {"--children",
       [&](const std::string& v) { return ParseInt("--children", v, 0, &o.children); }},
      {"--session-timeout-ms",
       [&](const std::string& v) {
         return ParseInt("--session-timeout-ms", v, 1, &o.session_timeout_ms);
       }},
      {"--json",
       [&](const std::string& v) {
         o.json_path = v;
         return Status::Ok();
       }},
      {"--label",
       [&](const std::string& v) {
         o.label = v;
         return Status::Ok();
       }},
      {"--seed", [&](const std::string& v) { return ParseInt<uint64_t>("--seed", v, 0, &o.seed); }},
      {"--md",
       [&](const std::string& v) {
         o.md_path = v;
         return Status::Ok();
       }},
      {"--plot",
       [&](const std::string& v) {
         o.mode = Mode::kPlot;
         o.plot_path = v;
         return Status::Ok();
       }},
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      o.mode = Mode::kHelp;
      return o;
    }
    if (a == "--quiet") {
      o.quiet = true;
    } else if (a == "--keep") {
      o.keep = true;
    } else if (a == "--plot-over-time") {
      o.plot_over_time = true;
    } else if (a == "--compare") {
      o.mode = Mode::kCompare;
    } else if (auto it = valued.find(a); it != valued.end()) {
      if (i + 1 >= args.size()) return Bad(a + " needs a value");
      COORD_RETURN_IF_ERROR(it->second(args[++i]));
      given.insert(a);
    } else if (a.size() > 1 && a[0] == '-') {
      return Bad("unknown option '" + a + "'");
    } else {
      o.inputs.push_back(a);
    }
  }
  if (o.plot_over_time && o.mode != Mode::kPlot) return Bad("--plot-over-time needs --plot");
  if (!o.md_path.empty() && o.mode != Mode::kCompare) return Bad("--md needs --compare");
  COORD_RETURN_IF_ERROR(Validate(o, given));
  return o;
}

}  // namespace coord::bench
