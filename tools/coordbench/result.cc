#include "tools/coordbench/result.h"

namespace coord::bench {
namespace {

Status Missing(const std::string& field) {
  return Status(Code::kInvalidArgument,
                "not a coordbench result: missing or bad \"" + field + "\"");
}

Result<double> NumberField(const Json& object, const std::string& key) {
  const Json* v = object.Find(key);
  if (v == nullptr || !v->is_number()) return Missing(key);
  return v->number();
}

Result<std::string> StringField(const Json& object, const std::string& key) {
  const Json* v = object.Find(key);
  if (v == nullptr || !v->is_string()) return Missing(key);
  return v->str();
}

}  // namespace

void SetLatency(const Histogram& latency_ns, RunResult* result) {
  auto us = [](uint64_t ns) { return static_cast<double>(ns) / 1000.0; };
  result->latency_us.mean = latency_ns.mean_ns() / 1000.0;
  result->latency_us.p50 = us(latency_ns.Percentile(0.50));
  result->latency_us.p90 = us(latency_ns.Percentile(0.90));
  result->latency_us.p99 = us(latency_ns.Percentile(0.99));
  result->latency_us.p999 = us(latency_ns.Percentile(0.999));
  result->latency_us.max = us(latency_ns.max_ns());
  result->histogram.clear();
  for (const auto& [bound, count] : latency_ns.Buckets()) {
    result->histogram.emplace_back(us(bound), count);
  }
}

Json ParamsOf(const Options& o) {
  Json p = Json::Object();
  p.Set("connections", o.connections);
  p.Set("outstanding", o.outstanding);
  p.Set("duration_s", o.duration_s);
  p.Set("count", o.count);
  p.Set("warmup_s", o.warmup_s);
  p.Set("value_bytes", o.value_bytes);
  p.Set("keys", o.keys);
  p.Set("prefix", o.prefix);
  p.Set("read_ratio", o.read_ratio);
  p.Set("ops_per_multi", o.ops_per_multi);
  p.Set("watchers", o.watchers);
  p.Set("clients", o.clients);
  p.Set("children", o.children);
  p.Set("session_timeout_ms", o.session_timeout_ms);
  p.Set("keep", o.keep);
  p.Set("seed", o.seed);
  return p;
}

Json ToJson(const RunResult& r) {
  Json j = Json::Object();
  j.Set("tool", "coordbench");
  j.Set("version", kResultVersion);
  j.Set("label", r.label);
  j.Set("backend", r.backend);
  j.Set("servers", r.servers);
  j.Set("workload", r.workload);
  j.Set("params", r.params);
  j.Set("started_at", r.started_at);
  j.Set("duration_s", r.duration_s);
  j.Set("ops", r.ops);
  j.Set("errors", r.errors);
  j.Set("ops_per_s", r.ops_per_s);
  Json lat = Json::Object();
  lat.Set("mean", r.latency_us.mean);
  lat.Set("p50", r.latency_us.p50);
  lat.Set("p90", r.latency_us.p90);
  lat.Set("p99", r.latency_us.p99);
  lat.Set("p999", r.latency_us.p999);
  lat.Set("max", r.latency_us.max);
  j.Set("latency_us", std::move(lat));
  Json per_second = Json::Array();
  for (uint64_t n : r.per_second) per_second.Push(n);
  j.Set("per_second", std::move(per_second));
  Json histogram = Json::Array();
  for (const auto& [bound, count] : r.histogram) {
    Json pair = Json::Array();
    pair.Push(bound);
    pair.Push(count);
    histogram.Push(std::move(pair));
  }
  j.Set("histogram", std::move(histogram));
  j.Set("client_cpu_s", r.client_cpu_s);
  j.Set("extra", r.extra);
  return j;
}

Result<RunResult> FromJson(const Json& j) {
  if (!j.is_object()) return Missing("tool");
  COORD_ASSIGN_OR_RETURN(std::string tool, StringField(j, "tool"));
  if (tool != "coordbench") return Missing("tool");
  COORD_ASSIGN_OR_RETURN(double version, NumberField(j, "version"));
  if (version != kResultVersion) {
    return Status(Code::kInvalidArgument,
                  "unsupported result version " + std::to_string(static_cast<int>(version)));
  }
  RunResult r;
  COORD_ASSIGN_OR_RETURN(r.label, StringField(j, "label"));
  COORD_ASSIGN_OR_RETURN(r.backend, StringField(j, "backend"));
  COORD_ASSIGN_OR_RETURN(r.servers, StringField(j, "servers"));
  COORD_ASSIGN_OR_RETURN(r.workload, StringField(j, "workload"));
  COORD_ASSIGN_OR_RETURN(r.started_at, StringField(j, "started_at"));
  COORD_ASSIGN_OR_RETURN(r.duration_s, NumberField(j, "duration_s"));
  COORD_ASSIGN_OR_RETURN(double ops, NumberField(j, "ops"));
  COORD_ASSIGN_OR_RETURN(double errors, NumberField(j, "errors"));
  r.ops = static_cast<uint64_t>(ops);
  r.errors = static_cast<uint64_t>(errors);
  COORD_ASSIGN_OR_RETURN(r.ops_per_s, NumberField(j, "ops_per_s"));
  COORD_ASSIGN_OR_RETURN(r.client_cpu_s, NumberField(j, "client_cpu_s"));
  const Json* lat = j.Find("latency_us");
  if (lat == nullptr || !lat->is_object()) return Missing("latency_us");
  COORD_ASSIGN_OR_RETURN(r.latency_us.mean, NumberField(*lat, "mean"));
  COORD_ASSIGN_OR_RETURN(r.latency_us.p50, NumberField(*lat, "p50"));
  COORD_ASSIGN_OR_RETURN(r.latency_us.p90, NumberField(*lat, "p90"));
  COORD_ASSIGN_OR_RETURN(r.latency_us.p99, NumberField(*lat, "p99"));
  COORD_ASSIGN_OR_RETURN(r.latency_us.p999, NumberField(*lat, "p999"));
  COORD_ASSIGN_OR_RETURN(r.latency_us.max, NumberField(*lat, "max"));
  const Json* per_second = j.Find("per_second");
  if (per_second == nullptr || !per_second->is_array()) return Missing("per_second");
  for (const Json& n : per_second->items()) {
    if (!n.is_number()) return Missing("per_second");
    r.per_second.push_back(static_cast<uint64_t>(n.number()));
  }
  const Json* histogram = j.Find("histogram");
  if (histogram == nullptr || !histogram->is_array()) return Missing("histogram");
  for (const Json& pair : histogram->items()) {
    if (!pair.is_array() || pair.items().size() != 2 || !pair.items()[0].is_number() ||
        !pair.items()[1].is_number()) {
      return Missing("histogram");
    }
    r.histogram.emplace_back(pair.items()[0].number(),
                             static_cast<uint64_t>(pair.items()[1].number()));
  }
  const Json* params = j.Find("params");
  if (params == nullptr || !params->is_object()) return Missing("params");
  r.params = *params;
  const Json* extra = j.Find("extra");
  if (extra == nullptr || !extra->is_object()) return Missing("extra");
  r.extra = *extra;
  return r;
}

}  // namespace coord::bench
