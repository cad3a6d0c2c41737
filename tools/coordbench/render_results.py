#!/usr/bin/env python3
"""Renders tools/coordbench/RESULTS.md from the JSON files tools/bench-vs-zookeeper leaves in its
results dir: coordbench's results (ID.json), the server-side figures beside each (ID.server.json:
the server processes' CPU time over the run), memory and restart (standalone-SERVER-memory.json),
failover (ensemble-SERVER-failover.json), meta.tsv (machine, versions) and zookeeper-version.txt.

    render_results.py --results DIR --out FILE [--plot=SVG ...]

Missing figures (a server or topology not run) render as "—"; a ratio needs both servers.
"""
import argparse
import glob
import json
import os
import statistics
import sys

TOPOLOGIES = ("standalone", "ensemble")
TOPOLOGY_TITLE = {"standalone": "Standalone", "ensemble": "3 members"}
# The client workloads in the order they are run; (id suffix, what it is).
WORKLOADS = (
    ("set", "set 1 KiB, 4 connections x 64 outstanding"),
    ("get", "get 1 KiB, 4 x 64"),
    ("get-low", "get 1 KiB, 1 x 1 (low load)"),
    ("set-low", "set 1 KiB, 1 x 1 (low load)"),
    ("mix", "mix 90% get / 10% set, 1 KiB, 4 x 64"),
    ("watch", "watch fan-out: set to the last of 100 watchers' events"),
    ("lock", "lock hand-off, 4 clients (acquisitions/s)"),
    ("session", "session create + close, 4 connections"),
)
SERVER_NAME = {"coord": "coord", "zookeeper": "ZooKeeper", "coord-zk": "coord (ZooKeeper client)"}


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def read_meta(results):
    meta = {}
    try:
        with open(os.path.join(results, "meta.tsv")) as f:
            for line in f:
                key, _, value = line.rstrip("\n").partition("\t")
                meta[key] = value
    except OSError:
        pass
    return meta


class Results:
    """Every figure of one results dir, looked up by id."""

    def __init__(self, results):
        self.dir = results
        self.meta = read_meta(results)
        self.runs = {}
        for path in glob.glob(os.path.join(results, "*.server.json")):
            run_id = os.path.basename(path)[: -len(".server.json")]
            bench = load_json(os.path.join(results, run_id + ".json"))
            server = load_json(path)
            if bench is not None and server is not None:
                samples = read_samples(os.path.join(results, run_id + ".cpu.tsv"))
                self.runs[run_id] = Run(bench, server, samples)
        self.memory = {s: load_json(os.path.join(results, f"standalone-{s}-memory.json"))
                       for s in ("coord", "zookeeper")}
        self.failover = {s: load_json(os.path.join(results, f"ensemble-{s}-failover.json"))
                         for s in ("coord", "zookeeper")}
        try:
            with open(os.path.join(results, "zookeeper-version.txt")) as f:
                self.zk_version = f.read().strip()
        except OSError:
            self.zk_version = ""

    def run(self, topo, server, workload, pinned=False):
        return self.runs.get(f"{topo}-{server}-{'pinned-' if pinned else ''}{workload}")


def read_samples(path):
    """sample_cpu's rows: (microseconds, server ticks, client ticks or -1, machine busy ticks)."""
    rows = []
    try:
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 4:
                    rows.append(tuple(int(p) for p in parts))
    except (OSError, ValueError):
        return []
    return rows


def interpolate(rows, t, column):
    """The column's value at time t, linear between the samples around it."""
    if t <= rows[0][0]:
        return rows[0][column]
    for a, b in zip(rows, rows[1:]):
        if a[0] <= t <= b[0]:
            if b[0] == a[0]:
                return b[column]
            return a[column] + (b[column] - a[column]) * (t - a[0]) / (b[0] - a[0])
    return rows[-1][column]


class Run:
    """One coordbench run with the CPU time sampled around it."""

    def __init__(self, bench, server, samples=()):
        self.bench = bench
        self.server = server
        self.window = self._measured_window(samples)

    def _measured_window(self, samples):
        """CPU seconds (server, client, machine busy) over the measured part: the last
        duration_s seconds while the client was alive. None for a run bounded by count (the load)
        or without samples; the whole run's figures stand in then."""
        alive = [r for r in samples if r[2] >= 0]
        duration_s = self.bench.get("duration_s") or 0
        if len(alive) < 2 or duration_s <= 0 or (self.bench.get("params") or {}).get("count"):
            return None
        end = alive[-1][0]
        start = end - duration_s * 1e6
        if start < alive[0][0]:
            return None
        hz = self.server.get("hz") or 100
        return tuple((interpolate(alive, end, c) - interpolate(alive, start, c)) / hz
                     for c in (1, 2, 3))

    @property
    def ops_per_s(self):
        return self.bench.get("ops_per_s")

    def latency(self, key):
        return (self.bench.get("latency_us") or {}).get(key)

    def server_cpu_us_per_op(self):
        ops = self.bench.get("ops") or 0
        if not ops:
            return None
        cpu = self.window[0] if self.window else self.server["server_cpu_s"]
        return cpu * 1e6 / ops

    def client_cpu_us_per_op(self):
        ops = self.bench.get("ops") or 0
        cpu = self.window[1] if self.window else self.bench.get("client_cpu_s")
        return cpu * 1e6 / ops if ops and cpu is not None else None

    def other_cpu_s(self):
        """The machine's non-idle CPU time during the run that was neither server nor client."""
        if self.window:
            server, client, busy = self.window
        else:
            busy = self.server.get("machine_busy_s")
            server = self.server["server_cpu_s"]
            client = self.bench.get("client_cpu_s") or 0
        if busy is None:
            return None
        return max(0.0, busy - server - client)

    def wall_s(self):
        return (self.bench.get("duration_s") if self.window else self.server.get("wall_s")) or 0


def fmt(value, digits=0):
    if value is None:
        return "—"
    if digits == 0:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def fmt_ratio(r):
    return "—" if r is None else f"{r:.2f}x"


def median_failover(record):
    if not record or not record.get("rounds_s"):
        return None
    return statistics.median(record["rounds_s"])


def memory_mb(record, key):
    if not record or key not in record:
        return None
    return record[key] / 1024.0


# --- targets ------------------------------------------------------------------------------------


def target_rows(res):
    """(figure, coord value, ZooKeeper value, unit, target ratio, 'min' or 'max')."""
    rows = []

    def add(figure, c, z, unit, target, kind):
        rows.append((figure, c, z, unit, target, kind))

    for topo in TOPOLOGIES:
        title = TOPOLOGY_TITLE[topo].lower()
        c, z = res.run(topo, "coord", "set"), res.run(topo, "zookeeper", "set")
        add(f"write throughput, set 1 KiB 4 x 64, {title}", c and c.ops_per_s, z and z.ops_per_s,
            "ops/s", 2.0, "min")
    for topo in TOPOLOGIES:
        title = TOPOLOGY_TITLE[topo].lower()
        c, z = res.run(topo, "coord", "get"), res.run(topo, "zookeeper", "get")
        add(f"read throughput, get 1 KiB 4 x 64, {title}", c and c.ops_per_s, z and z.ops_per_s,
            "ops/s", 2.0, "min")
    for topo in TOPOLOGIES:
        title = TOPOLOGY_TITLE[topo].lower()
        c, z = res.run(topo, "coord", "set"), res.run(topo, "zookeeper", "set")
        add(f"p99 write latency at 4 x 64, {title}", c and c.latency("p99"),
            z and z.latency("p99"), "µs", 0.5, "max")
    for workload, what in (("get-low", "get"), ("set-low", "set")):
        c, z = res.run("standalone", "coord", workload), res.run("standalone", "zookeeper", workload)
        add(f"low-load {what} p50 (1 x 1), standalone", c and c.latency("p50"),
            z and z.latency("p50"), "µs", 0.5, "max")
    c, z = res.run("ensemble", "coord", "set-low"), res.run("ensemble", "zookeeper", "set-low")
    add("low-load set p50 (1 x 1) through a follower, 3 members", c and c.latency("p50"),
        z and z.latency("p50"), "µs", 0.5, "max")
    for workload in ("get", "set"):
        c, z = res.run("standalone", "coord", workload), res.run("standalone", "zookeeper", workload)
        add(f"server CPU per {workload} (4 x 64), standalone", c and c.server_cpu_us_per_op(),
            z and z.server_cpu_us_per_op(), "µs", 1 / 3, "max")
    mc, mz = res.memory["coord"], res.memory["zookeeper"]
    add(f"RSS holding {znodes(mc, mz)} znodes of 32 bytes, after a restart",
        memory_mb(mc, "rss_restarted_kb"), memory_mb(mz, "rss_restarted_kb"), "MB", 0.2, "max")
    add(f"restart until serving (kill -9, first read), {znodes(mc, mz)} znodes",
        mc and mc.get("restart_s"), mz and mz.get("restart_s"), "s", 0.2, "max")
    add("leader failover, 3 members (kill -9 leader until a write succeeds), median",
        median_failover(res.failover["coord"]), median_failover(res.failover["zookeeper"]), "s",
        0.5, "max")
    return rows


def znodes(*records):
    for r in records:
        if r and "znodes" in r:
            return f"{r['znodes']:,}"
    return "1,000,000"


def fmt_value(value, unit):
    if value is None:
        return "—"
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "MB":
        return f"{value:,.0f} MB"
    return f"{fmt(value)} {unit}"


def targets_table(res):
    lines = ["| figure | coord | ZooKeeper | coord / ZooKeeper | target | met |",
             "|---|---:|---:|---:|---:|---|"]
    met_count = total = 0
    for figure, c, z, unit, target, kind in target_rows(res):
        r = ratio(c, z)
        bound = (f"≥ {target:g}x" if kind == "min"
                 else ("≤ 1/3" if abs(target - 1 / 3) < 1e-9 else f"≤ {target:g}x"))
        if r is None:
            met = "—"
        else:
            ok = r >= target if kind == "min" else r <= target
            met = "met" if ok else "**not met**"
            total += 1
            met_count += ok
        lines.append(f"| {figure} | {fmt_value(c, unit)} | {fmt_value(z, unit)} | "
                     f"{fmt_ratio(r)} | {bound} | {met} |")
    return lines, met_count, total


# --- detail tables ------------------------------------------------------------------------------


def workload_table(res, topo, servers):
    lines = ["| workload | server | ops/s | p50 µs | p90 µs | p99 µs | p99.9 µs | max µs | errors "
             "| server CPU µs/op | client CPU µs/op | other CPU s |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    any_row = False
    for workload, what in WORKLOADS:
        runs = [(s, res.run(topo, s, workload)) for s in servers]
        if runs[0][1] is None:
            continue  # a workload the first server did not run has nothing to compare
        runs = [(s, r) for s, r in runs if r is not None]
        for server, run in runs:
            any_row = True
            lines.append(
                f"| {what} | {SERVER_NAME[server]} | {fmt(run.ops_per_s)} | "
                f"{fmt(run.latency('p50'))} | {fmt(run.latency('p90'))} | "
                f"{fmt(run.latency('p99'))} | {fmt(run.latency('p999'))} | "
                f"{fmt(run.latency('max'))} | {run.bench.get('errors', 0):,} | "
                f"{fmt(run.server_cpu_us_per_op(), 1)} | {fmt(run.client_cpu_us_per_op(), 1)} | "
                f"{fmt(run.other_cpu_s(), 1)} |")
        if len(runs) == 2:
            (_, a), (_, b) = runs
            lines.append(
                f"| | *ratio {SERVER_NAME[runs[0][0]]} / {SERVER_NAME[runs[1][0]]}* | "
                f"{fmt_ratio(ratio(a.ops_per_s, b.ops_per_s))} | "
                + " | ".join(fmt_ratio(ratio(a.latency(k), b.latency(k)))
                             for k in ("p50", "p90", "p99", "p999", "max"))
                + " | | " + fmt_ratio(ratio(a.server_cpu_us_per_op(), b.server_cpu_us_per_op()))
                + " | | |")
    return lines if any_row else []


def pinned_table(res, topo):
    lines = ["| workload | server | unpinned ops/s | pinned ops/s | unpinned p99 µs | pinned p99 µs "
             "| unpinned server CPU µs/op | pinned server CPU µs/op |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    any_row = False
    for workload in ("set", "get"):
        for server in ("coord", "zookeeper"):
            u, p = res.run(topo, server, workload), res.run(topo, server, workload, pinned=True)
            if p is None:
                continue
            any_row = True
            lines.append(
                f"| {workload} 1 KiB, 4 x 64 | {SERVER_NAME[server]} | {fmt(u and u.ops_per_s)} | "
                f"{fmt(p.ops_per_s)} | {fmt(u and u.latency('p99'))} | {fmt(p.latency('p99'))} | "
                f"{fmt(u and u.server_cpu_us_per_op(), 1)} | {fmt(p.server_cpu_us_per_op(), 1)} |")
    return lines if any_row else []


def memory_lines(res):
    mc, mz = res.memory["coord"], res.memory["zookeeper"]
    if not mc and not mz:
        return []
    lines = ["| | coord | ZooKeeper | coord / ZooKeeper |", "|---|---:|---:|---:|"]
    for key, what in (("rss_loaded_kb", "RSS after the bulk load"),
                      ("rss_served_kb", "RSS at the first read after the restart"),
                      ("rss_restarted_kb", "RSS 5 s after the restart"),
                      ("rss_anon_loaded_kb", "of which anonymous (RssAnon), after the load"),
                      ("rss_anon_restarted_kb", "of which anonymous (RssAnon), after the restart")):
        c, z = memory_mb(mc, key), memory_mb(mz, key)
        lines.append(f"| {what} | {fmt_value(c, 'MB')} | {fmt_value(z, 'MB')} | "
                     f"{fmt_ratio(ratio(c, z))} |")
    c, z = mc and mc.get("restart_s"), mz and mz.get("restart_s")
    lines.append(f"| restart until the first read (kill -9, then start) | {fmt_value(c, 's')} | "
                 f"{fmt_value(z, 's')} | {fmt_ratio(ratio(c, z))} |")
    lc, lz = res.run("standalone", "coord", "load"), res.run("standalone", "zookeeper", "load")
    lines.append(f"| bulk load (create, 4 x 64) | {fmt(lc and lc.ops_per_s)} ops/s | "
                 f"{fmt(lz and lz.ops_per_s)} ops/s | "
                 f"{fmt_ratio(ratio(lc and lc.ops_per_s, lz and lz.ops_per_s))} |")
    return lines


def failover_lines(res):
    fc, fz = res.failover["coord"], res.failover["zookeeper"]
    if not fc and not fz:
        return []

    def rounds(r):
        return ", ".join(f"{t:.2f}" for t in r["rounds_s"]) if r else "—"

    lines = ["| | coord | ZooKeeper | coord / ZooKeeper |", "|---|---:|---:|---:|"]
    c, z = median_failover(fc), median_failover(fz)
    lines.append(f"| median | {fmt_value(c, 's')} | {fmt_value(z, 's')} | {fmt_ratio(ratio(c, z))} |")
    lines.append(f"| each round (s) | {rounds(fc)} | {rounds(fz)} | |")

    def floors(r):
        if not r or not r.get("probe_floor_s"):
            return "—"
        return ", ".join(f"{t:.2f}" for t in r["probe_floor_s"])

    lines.append(f"| the probe against the healthy ensemble, before each kill (s): the floor "
                 f"of this measurement | {floors(fc)} | {floors(fz)} | |")
    for server, record in (("coord", fc), ("zookeeper", fz)):
        load = load_json(os.path.join(res.dir, f"ensemble-{server}-failover-load.json"))
        out_path = os.path.join(res.dir, f"ensemble-{server}-failover-load.out")
        if record and not load and os.path.exists(out_path):
            with open(out_path, errors="replace") as f:
                last = [line.strip() for line in f if line.strip()][-1:] or ["no output"]
            lines.append(f"| light load beside it: set 1 x 1, {SERVER_NAME[server]} | "
                         f"the load ended early: `{last[0][:160]}` | | |")
        if record and load:
            extra = load.get("extra") or {}
            gave_up = (f", gave up (first error: {extra.get('first_error', '?')})"
                       if extra.get("aborted") else "")
            lines.append(f"| light load beside it: set 1 x 1, {SERVER_NAME[server]} | "
                         f"{fmt(load.get('ops'))} ops, {fmt(load.get('errors'))} errors, "
                         f"max latency {fmt((load.get('latency_us') or {}).get('max'))} µs"
                         f"{gave_up} | | |")
    return lines


def interference_note(res):
    """How busy the machine was beside the benchmark: the sum of other CPU over all runs."""
    other = [r.other_cpu_s() for r in res.runs.values() if r.other_cpu_s() is not None]
    wall = sum(r.wall_s() for r in res.runs.values())
    if not other or wall <= 0:
        return None
    return sum(other), wall


# --- the document -------------------------------------------------------------------------------


def render(res, plots):
    m = res.meta
    out = ["# coord against Apache ZooKeeper", ""]
    out.append(f"Generated by `{m.get('command', 'tools/bench-vs-zookeeper')}` on "
               f"{m.get('date', '?')}, in {fmt(float(m['elapsed_s']) / 60, 1) if 'elapsed_s' in m else '?'} "
               "minutes. Issue [F]: coord / ZooKeeper on the same machine in the same run, fsync "
               "on for both (coord always fsyncs each group commit; ZooKeeper's forceSync=yes).")
    if "--only" in m.get("command", ""):
        out += ["", "This command ran one topology; the other's figures are from an earlier run "
                "kept in the same results dir (each section says when it was measured)."]
    if m.get("skip_zookeeper") == "1":
        when = sorted(r.server.get("measured_at", "?") for r in res.runs.values()
                      if r.server.get("server") == "zookeeper")
        out += ["", "**ZooKeeper was not run this time (--skip-zookeeper): its figures are from "
                f"an earlier run ({when[0] + ' to ' + when[-1] if when else 'none found'}).**"]
    if m.get("quick") == "1":
        out += ["", "**A --quick smoke run: durations of about a second and "
                f"{fmt(float(m.get('load_count', 0)))} znodes; not a measurement.**"]
    out += ["", "## Machine and versions", "", "| | |", "|---|---|"]
    for key, what in (("nproc", "CPUs (nproc)"), ("cpu", "CPU"), ("memory", "memory"),
                      ("kernel", "kernel"), ("disk", "disk of the data dirs"),
                      ("coord", "coord commit"), ("build", "coord build")):
        out.append(f"| {what} | {m.get(key, '—')} |")
    out.append(f"| ZooKeeper | {res.zk_version or '—'} (Debian's zookeeper package, "
               "../shared/peers/zookeeper.sh, -Xmx2g) |")
    out.append(f"| Java | {m.get('java', '—')} |")
    out.append(f"| load average at start / end | {m.get('loadavg_start', '—')} / "
               f"{m.get('loadavg_end', '—')} |")
    busy = m.get("busy_start", "").rstrip(", ")
    out.append(f"| processes using ≥ 5% CPU at start | {busy or 'none'} |")
    note = interference_note(res)
    if note:
        other, wall = note
        out += ["", f"The machine is shared: over {wall:,.0f} s of measured runs, other processes "
                f"(builds, other engineers' tests) used {other:,.0f} CPU-seconds of its "
                f"{m.get('nproc', '?')} CPUs (the \"other CPU\" column per run). Figures taken "
                "while that column is high are pessimistic for whichever server ran then."]

    lines, met, total = targets_table(res)
    out += ["", "## Targets (issue [F])", "",
            f"{met} of {total} measured targets met." if total else "No target has both figures.",
            ""] + lines
    out += ["", "Throughput and latency are coordbench's. Server CPU is utime + stime of the "
            "server processes (all members in an ensemble) from /proc/PID/stat, client CPU the "
            "same of the coordbench process, both sampled every 0.1 s and taken over the measured "
            "part of the run (its last duration_s seconds: no setup, no warmup), divided by the "
            "operations measured. \"other CPU\" is the rest of the machine's non-idle time (from "
            "/proc/stat) over the same seconds. The bulk load is counted over its whole run."]

    for topo in TOPOLOGIES:
        table = workload_table(res, topo, ("coord", "zookeeper"))
        if not table:
            continue
        out += ["", f"## {TOPOLOGY_TITLE[topo]}", ""]
        when = sorted(r.server.get("measured_at", "") for k, r in res.runs.items()
                      if k.startswith(topo + "-"))
        if when:
            out += [f"Measured {when[0].replace('T', ' ')} to {when[-1].replace('T', ' ')}.", ""]
        if topo == "ensemble":
            out += ["Throughput runs give coordbench all three members: each of its connections "
                    "picks one at random (both clients shuffle the connect string, so the spread "
                    "varies from run to run) and writes are forwarded to the leader. The low-load "
                    "runs connect to one follower.", ""]
        out += table
        pinned = pinned_table(res, topo)
        if pinned:
            out += ["", f"Pinned (`taskset`: server{'s' if topo == 'ensemble' else ''} on CPU 0, "
                    "coordbench on CPU 1; a fresh server) beside the unpinned run:", ""] + pinned
        cross = workload_table(res, topo, ("coord-zk", "zookeeper"))
        if any(res.run(topo, "coord-zk", w) for w, _ in WORKLOADS):
            out += ["", "Server against server: the same ZooKeeper C client (coordbench --backend "
                    "zookeeper) against coord's ZooKeeper-protocol listener and against "
                    "ZooKeeper:", ""] + cross

    mem = memory_lines(res)
    if mem:
        out += ["", "## Memory and restart (standalone)", "",
                f"A bulk load of {znodes(res.memory['coord'], res.memory['zookeeper'])} znodes of "
                "32 bytes (coordbench --workload load), RSS (VmRSS of the server process), then "
                "kill -9 and a start on the same data dir, timed until a fresh coordbench "
                "completes a get (polled every 20 ms; JVM start included for ZooKeeper).", ""] + mem
    fail = failover_lines(res)
    if fail:
        out += ["", "## Leader failover (3 members)", "",
                "A light write load runs throughout; the leader (coordsh status / ZooKeeper's "
                "`srvr`) is killed with kill -9, then a fresh coordbench client with all three "
                "members in its connect string retries one set every 20 ms; the time is from the "
                "kill to that set's success. The killed member is restarted and rejoins before "
                "the next round.", ""] + fail
    if plots:
        out += ["", "## Latency plots", ""]
        for p in plots:
            out.append(f"![{os.path.basename(p)}]({os.path.basename(p)})")
    out += ["", "## Reproduce", "", "```sh",
            "tools/bench-vs-zookeeper                 # everything, about 15 minutes",
            "tools/bench-vs-zookeeper --quick         # a smoke run",
            "tools/bench-vs-zookeeper --only ensemble --skip-zookeeper   # coord only, re-use ZooKeeper's JSON",
            "```", "",
            f"The JSON of every run is in the results dir ({m.get('results', 'var/bench-vs-zookeeper')}); "
            "`coordbench --compare A.json B.json` compares any two."]
    return "\n".join(out) + "\n"


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--plot", action="append", default=[])
    args = parser.parse_args(argv)
    res = Results(args.results)
    text = render(res, args.plot)
    with open(args.out, "w") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
