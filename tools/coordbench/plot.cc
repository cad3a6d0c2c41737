#include "tools/coordbench/plot.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace coord::bench {
namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A gnuplot string literal in single quotes: a quote is doubled.
std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'";
    out.push_back(c);
  }
  return out + "'";
}

Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  f.close();
  if (!f) return Status(Code::kIoError, "cannot write " + path);
  return Status::Ok();
}

}  // namespace

std::string CdfData(const RunResult& r) {
  uint64_t total = 0;
  for (const auto& [bound, count] : r.histogram) total += count;
  std::string out;
  uint64_t seen = 0;
  char line[64];
  for (const auto& [bound, count] : r.histogram) {
    seen += count;
    // A log axis cannot show 0: the smallest bucket (0 ns) is drawn at 0.001 µs.
    std::snprintf(line, sizeof(line), "%.3f %.6f\n", bound > 0 ? bound : 0.001,
                  static_cast<double>(seen) / static_cast<double>(total));
    out += line;
  }
  return out;
}

std::string OverTimeData(const RunResult& r) {
  std::string out;
  // The last second is usually a fraction (the run ended inside it, or only the requests in
  // flight drained there): drawn as a second it would show a false drop. A run shorter than a
  // second keeps its only point.
  size_t seconds = r.per_second.size();
  if (seconds > 1 && r.duration_s < static_cast<double>(seconds)) --seconds;
  for (size_t i = 0; i < seconds; ++i) {
    out += std::to_string(i + 1) + " " + std::to_string(r.per_second[i]) + "\n";
  }
  return out;
}

Result<std::string> PlotScript(const std::string& out_path, bool over_time,
                               const std::vector<std::string>& data_files,
                               const std::vector<std::string>& titles) {
  std::string terminal;
  if (EndsWith(out_path, ".svg")) {
    terminal = "svg size 900,560 dynamic";
  } else if (EndsWith(out_path, ".png")) {
    terminal = "pngcairo size 900,560";
  } else {
    return Status(Code::kBadArguments, "--plot: the output must end in .svg or .png");
  }
  std::string s = "set terminal " + terminal + "\nset output " + Quote(out_path) + "\n";
  s += "set grid\nset key bottom right\n";
  if (over_time) {
    s += "set title 'throughput over time'\nset xlabel 'second'\nset ylabel 'ops/s'\n"
         "set yrange [0:*]\nset key top right\n";
  } else {
    s += "set title 'latency CDF'\nset logscale x\nset xlabel 'latency (µs)'\n"
         "set ylabel 'fraction of ops'\nset yrange [0:1]\n";
  }
  s += "plot ";
  for (size_t i = 0; i < data_files.size(); ++i) {
    if (i > 0) s += ", ";
    s += Quote(data_files[i]) + " using 1:2 with " + (over_time ? "linespoints" : "steps") +
         " title " + Quote(titles[i]);
  }
  return s + "\n";
}

Status RunGnuplot(const std::string& out_path, bool over_time,
                  const std::vector<RunResult>& results) {
  char dir_template[] = "/tmp/coordbench-plot-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) return Status(Code::kIoError, "mkdtemp failed");
  const std::string dir = dir_template;
  std::vector<std::string> files, titles;
  Status status;
  for (size_t i = 0; i < results.size() && status.ok(); ++i) {
    files.push_back(dir + "/run" + std::to_string(i) + ".dat");
    const RunResult& r = results[i];
    titles.push_back((r.label.empty() ? r.backend : r.label) + " " + r.workload);
    status = WriteFile(files.back(), over_time ? OverTimeData(r) : CdfData(r));
  }
  Result<std::string> script = PlotScript(out_path, over_time, files, titles);
  if (status.ok() && !script.ok()) status = script.status();
  const std::string script_path = dir + "/plot.gp";
  if (status.ok()) status = WriteFile(script_path, *script);
  if (status.ok()) {
    ::unlink(out_path.c_str());
    const std::string command = "gnuplot " + Quote(script_path) + " 2>&1";
    int rc = std::system(command.c_str());
    struct stat st {};
    if (rc == -1 || !WIFEXITED(rc) || WEXITSTATUS(rc) != 0) {
      status = Status(Code::kIoError, "gnuplot failed (is gnuplot-nox installed?)");
    } else if (::stat(out_path.c_str(), &st) != 0 || st.st_size == 0) {
      status = Status(Code::kIoError, "gnuplot did not write " + out_path);
    }
  }
  for (const std::string& f : files) ::unlink(f.c_str());
  ::unlink(script_path.c_str());
  ::rmdir(dir.c_str());
  return status;
}

}  // namespace coord::bench
