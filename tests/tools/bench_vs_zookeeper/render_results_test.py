#!/usr/bin/env python3
"""render_results.py against a results dir built here: the CPU window taken from the samples,
the ratios, and each target judged met or not met in its direction."""
import importlib.util
import json
import os
import sys
import tempfile
import unittest

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tools",
                      "coordbench", "render_results.py")
spec = importlib.util.spec_from_file_location("render_results", SCRIPT)
render_results = importlib.util.module_from_spec(spec)
spec.loader.exec_module(render_results)


def write(path, value):
    with open(path, "w") as f:
        f.write(value if isinstance(value, str) else json.dumps(value))


def bench(ops_per_s, p50, p99, duration_s=10.0, count=0, client_cpu_s=1.0):
    return {"label": "x", "backend": "coord", "servers": "127.0.0.1:1", "workload": "set",
            "params": {"count": count, "warmup_s": 2}, "duration_s": duration_s,
            "ops": int(ops_per_s * duration_s), "errors": 0, "ops_per_s": ops_per_s,
            "latency_us": {"mean": p50, "p50": p50, "p90": p99, "p99": p99, "p999": p99,
                           "max": p99},
            "per_second": [], "histogram": [], "client_cpu_s": client_cpu_s, "extra": {}}


def sidecar(server, topo, server_cpu_s=100.0):
    return {"id": "x", "server": server, "topology": topo, "pinned": False, "server_processes": 1,
            "hz": 100, "server_cpu_s": server_cpu_s, "machine_busy_s": server_cpu_s + 5,
            "wall_s": 12.0, "loadavg": "1 1 1", "measured_at": "2026-01-01T00:00:00Z"}


def samples(setup_s, measured_s, server_ticks_per_s, client_ticks_per_s, setup_server_ticks):
    """sample_cpu rows: a setup phase burning setup_server_ticks, then a steady measured phase,
    then one row after the client exited (client ticks -1)."""
    rows, t = [], 0
    server = client = busy = 0
    step_us = 100_000
    while t <= (setup_s + measured_s) * 1e6:
        rows.append(f"{t} {server} {client} {busy}")
        t += step_us
        if t <= setup_s * 1e6:
            ds, dc = setup_server_ticks * step_us / (setup_s * 1e6), 0
        else:
            ds, dc = server_ticks_per_s / 10, client_ticks_per_s / 10
        server += ds
        client += dc
        busy += ds + dc + 1  # 10 ticks/s of other work
    rows.append(f"{t} {server} -1 {busy}")
    return "\n".join(r for r in (" ".join(str(int(round(float(x)))) for x in row.split())
                                 for row in rows)) + "\n"


class RenderTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def add_run(self, run_id, server, topo, bench_value, sample_text=None, server_cpu_s=100.0):
        write(os.path.join(self.dir, run_id + ".json"), bench_value)
        write(os.path.join(self.dir, run_id + ".server.json"), sidecar(server, topo, server_cpu_s))
        if sample_text is not None:
            write(os.path.join(self.dir, run_id + ".cpu.tsv"), sample_text)

    def render(self):
        out = os.path.join(self.dir, "RESULTS.md")
        self.assertEqual(render_results.main(["--results", self.dir, "--out", out]), 0)
        with open(out) as f:
            return f.read()

    def row(self, text, figure):
        for line in text.splitlines():
            if line.startswith("| " + figure + " |"):
                return [cell.strip() for cell in line.strip("|").split("|")]
        self.fail(f"no row {figure!r} in:\n{text}")

    def test_cpu_per_op_counts_only_the_measured_window(self):
        # 10 s measured at 20,000 ops/s; the server burns 40 ticks/s (0.4 s CPU per s) while
        # measuring and 500 ticks in a 3 s setup that must not count: 0.4 s / 20,000 = 20 µs.
        self.add_run("standalone-coord-set", "coord", "standalone", bench(20000, 100, 900),
                     samples(3, 10, 40, 20, 500), server_cpu_s=9.0)
        run = render_results.Results(self.dir).run("standalone", "coord", "set")
        self.assertAlmostEqual(run.server_cpu_us_per_op(), 20.0, delta=0.5)
        self.assertAlmostEqual(run.client_cpu_us_per_op(), 10.0, delta=0.5)
        self.assertAlmostEqual(run.other_cpu_s(), 1.0, delta=0.1)

    def test_without_samples_the_whole_run_counts(self):
        self.add_run("standalone-coord-load", "coord", "standalone",
                     bench(50000, 100, 900, count=1000), server_cpu_s=5.0)
        run = render_results.Results(self.dir).run("standalone", "coord", "load")
        self.assertAlmostEqual(run.server_cpu_us_per_op(), 5.0 * 1e6 / 500000)

    def test_targets_judged_in_their_direction(self):
        # Writes: coord 2.5x the throughput (met, >= 2x) but p99 0.6x (not met, <= 0.5x).
        self.add_run("standalone-coord-set", "coord", "standalone", bench(25000, 100, 600))
        self.add_run("standalone-zookeeper-set", "zookeeper", "standalone",
                     bench(10000, 300, 1000))
        write(os.path.join(self.dir, "standalone-coord-memory.json"),
              {"server": "coord", "znodes": 1000000, "rss_loaded_kb": 150000,
               "rss_served_kb": 120000, "rss_restarted_kb": 102400, "restart_s": 0.5})
        write(os.path.join(self.dir, "standalone-zookeeper-memory.json"),
              {"server": "zookeeper", "znodes": 1000000, "rss_loaded_kb": 900000,
               "rss_served_kb": 700000, "rss_restarted_kb": 716800, "restart_s": 5.0})
        write(os.path.join(self.dir, "ensemble-coord-failover.json"),
              {"server": "coord", "rounds_s": [0.9, 0.2, 0.3]})
        write(os.path.join(self.dir, "ensemble-zookeeper-failover.json"),
              {"server": "zookeeper", "rounds_s": [2.0, 1.0, 3.0]})
        text = self.render()
        throughput = self.row(text, "write throughput, set 1 KiB 4 x 64, standalone")
        self.assertEqual(throughput[1:], ["25,000 ops/s", "10,000 ops/s", "2.50x", "≥ 2x", "met"])
        p99 = self.row(text, "p99 write latency at 4 x 64, standalone")
        self.assertEqual(p99[3:], ["0.60x", "≤ 0.5x", "**not met**"])
        rss = self.row(text, "RSS holding 1,000,000 znodes of 32 bytes, after a restart")
        self.assertEqual(rss[1:], ["100 MB", "700 MB", "0.14x", "≤ 0.2x", "met"])
        restart = self.row(text, "restart until serving (kill -9, first read), 1,000,000 znodes")
        self.assertEqual(restart[3:], ["0.10x", "≤ 0.2x", "met"])
        failover = self.row(text, "leader failover, 3 members (kill -9 leader until a write "
                                  "succeeds), median")
        self.assertEqual(failover[1:], ["0.30 s", "2.00 s", "0.15x", "≤ 0.5x", "met"])
        # No samples: the whole run's server CPU, 100 s over 250,000 and 100,000 ops.
        cpu = self.row(text, "server CPU per set (4 x 64), standalone")
        self.assertEqual(cpu[1:], ["400 µs", "1,000 µs", "0.40x", "≤ 1/3", "**not met**"])
        self.assertIn("4 of 6 measured targets met.", text)

    def test_missing_server_has_no_ratio(self):
        self.add_run("ensemble-coord-get", "coord", "ensemble", bench(90000, 50, 400))
        text = self.render()
        row = self.row(text, "read throughput, get 1 KiB 4 x 64, 3 members")
        self.assertEqual(row[1:], ["90,000 ops/s", "—", "—", "≥ 2x", "—"])
        self.assertIn("No target has both figures.", text)


if __name__ == "__main__":
    sys.exit(unittest.main())
