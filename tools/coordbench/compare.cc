#include "tools/coordbench/compare.h"

#include <cmath>
#include <cstdio>
#include <set>

namespace coord::bench {
namespace {

std::string NameOf(const RunResult& r, const char* fallback) {
  std::string name = r.label.empty() ? r.backend : r.label;
  return name.empty() ? fallback : name;
}

// Markdown would read a '|' inside a cell as a column break.
std::string Cell(std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += "\\";
    out.push_back(c);
  }
  return out;
}

void Row(const std::string& figure, double a, double b, std::string* out) {
  *out += "| " + figure + " | " + FormatFigure(a) + " | " + FormatFigure(b) + " | " +
          FormatRatio(a, b) + " |\n";
}

double CpuPerOpUs(const RunResult& r) {
  return r.ops == 0 ? 0.0 : r.client_cpu_s * 1e6 / static_cast<double>(r.ops);
}

}  // namespace

std::string FormatFigure(double value) {
  char buf[48];
  if (std::fabs(value) >= 1000 || value == std::trunc(value)) {
    std::snprintf(buf, sizeof(buf), "%.0f", value);
  } else {
    std::snprintf(buf, sizeof(buf), "%.4g", value);
  }
  return buf;
}

std::string FormatRatio(double a, double b) {
  if (b == 0) return "-";
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%.2f", a / b);
  return buf;
}

std::string CompareTable(const RunResult& a, const RunResult& b) {
  std::string out;
  out += "workload: " + Cell(a.workload);
  if (b.workload != a.workload) out += " vs " + Cell(b.workload);
  out += "\n\n";
  out += "| figure | " + Cell(NameOf(a, "A")) + " | " + Cell(NameOf(b, "B")) + " | A/B |\n";
  out += "|---|---:|---:|---:|\n";
  Row("ops/s", a.ops_per_s, b.ops_per_s, &out);
  Row("ops", static_cast<double>(a.ops), static_cast<double>(b.ops), &out);
  Row("errors", static_cast<double>(a.errors), static_cast<double>(b.errors), &out);
  Row("duration s", a.duration_s, b.duration_s, &out);
  Row("latency mean µs", a.latency_us.mean, b.latency_us.mean, &out);
  Row("latency p50 µs", a.latency_us.p50, b.latency_us.p50, &out);
  Row("latency p90 µs", a.latency_us.p90, b.latency_us.p90, &out);
  Row("latency p99 µs", a.latency_us.p99, b.latency_us.p99, &out);
  Row("latency p99.9 µs", a.latency_us.p999, b.latency_us.p999, &out);
  Row("latency max µs", a.latency_us.max, b.latency_us.max, &out);
  Row("client CPU s", a.client_cpu_s, b.client_cpu_s, &out);
  Row("client CPU µs/op", CpuPerOpUs(a), CpuPerOpUs(b), &out);
  // Workload-specific figures: every numeric key of either run, in A's order then B's.
  std::set<std::string> done;
  for (const RunResult* r : {&a, &b}) {
    for (const auto& [key, value] : r->extra.members()) {
      if (!value.is_number() || !done.insert(key).second) continue;
      const Json* va = a.extra.Find(key);
      const Json* vb = b.extra.Find(key);
      double x = va != nullptr && va->is_number() ? va->number() : 0;
      double y = vb != nullptr && vb->is_number() ? vb->number() : 0;
      Row(Cell(key), x, y, &out);
    }
  }
  return out;
}

}  // namespace coord::bench
