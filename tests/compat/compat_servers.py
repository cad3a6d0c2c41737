"""Servers for the Python/bash compatibility suites: coord (standalone or a 3-member cluster,
each coordd started here with a ZooKeeper listener on a free loopback port) or Apache ZooKeeper
3.8 (started by tests/compat/zookeeper_peer.sh, which the ctest fixtures run).

Every process started here is stopped by PID in stop(); every wait is bounded.
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

PR_SET_PDEATHSIG = 1


def _die_with_parent():
    """In the child before exec: SIGKILL when the test process dies, even by os._exit."""
    import ctypes
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)

HERE = os.path.dirname(os.path.abspath(__file__))
ZOOKEEPER_PEER = os.path.join(HERE, "zookeeper_peer.sh")


def free_port():
    """A free loopback port (bound, read, released: a tiny race with other processes)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, proc, log_path, timeout_s=30):
    """Waits until 127.0.0.1:port accepts connections; raises with the log if it never does."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            break
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    with open(log_path, errors="replace") as f:
        log = f.read()[-4000:]
    raise RuntimeError(f"no server on 127.0.0.1:{port} after {timeout_s} s; log:\n{log}")


class CoordServers:
    """coordd processes: one standalone server, or the members of a cluster (ids 1..n)."""

    def __init__(self, coordd, members=0):
        self.coordd = coordd
        self.dir = tempfile.mkdtemp(prefix="coord_compat_")
        self.ids = list(range(1, members + 1)) if members else [1]
        self.zk_ports = {i: free_port() for i in self.ids}
        self.procs = {}
        self.configs = {}
        common = "tick_ms: 20\nmin_session_timeout_ms: 1000\nlog_level: info\n"
        if not members:
            self.configs[1] = common + (
                f"data_dir: {self.dir}/data-1\n"
                f"client_address: 127.0.0.1:{free_port()}\n"
                f"zookeeper_address: 127.0.0.1:{self.zk_ports[1]}\n")
            return
        entries = "".join(
            f"    - {{id: {i}, peer_address: 127.0.0.1:{free_port()}, "
            f"client_address: 127.0.0.1:{free_port()}, "
            f"zookeeper_address: 127.0.0.1:{self.zk_ports[i]}, role: voter}}\n"
            for i in self.ids)
        for i in self.ids:
            self.configs[i] = common + (
                f"data_dir: {self.dir}/data-{i}\n"
                "cluster:\n"
                "  cluster_id: compat\n"
                f"  member_id: {i}\n"
                "  election_timeout_ticks: 10\n"
                "  init_limit_ticks: 100\n"
                "  sync_limit_ticks: 25\n"
                "  heartbeat_ticks: 3\n"
                "  members:\n" + entries)

    def _log(self, i):
        return os.path.join(self.dir, f"member-{i}.log")

    def start(self, i=None):
        """Starts every member (or member i); one that runs already is left alone."""
        for m in [i] if i else self.ids:
            if m in self.procs:
                continue
            path = os.path.join(self.dir, f"member-{m}.yaml")
            with open(path, "w") as f:
                f.write(self.configs[m])
            with open(self._log(m), "ab") as log:
                self.procs[m] = subprocess.Popen([self.coordd, "--config", path],
                                                 stdout=log, stderr=log,
                                                 stdin=subprocess.DEVNULL,
                                                 preexec_fn=_die_with_parent)
        for m in [i] if i else self.ids:
            wait_listening(self.zk_ports[m], self.procs[m], self._log(m))

    def address(self, i):
        return f"127.0.0.1:{self.zk_ports[i]}"

    def kill9(self, i):
        p = self.procs.pop(i)
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=30)

    def log(self, i):
        with open(self._log(i), errors="replace") as f:
            return f.read()

    def stop(self):
        for p in self.procs.values():
            p.send_signal(signal.SIGKILL)
        for p in self.procs.values():
            p.wait(timeout=30)
        self.procs.clear()
        shutil.rmtree(self.dir, ignore_errors=True)


class ZooKeeperServers:
    """An Apache ZooKeeper already started by zookeeper_peer.sh (the ctest fixture)."""

    def __init__(self, members=0):
        self.ids = [1, 2, 3] if members else [1]
        self.ensemble = bool(members)

    def start(self, i=None):
        """The fixture started them; start(i) starts member i again if it is down."""
        if i is not None:
            subprocess.run([ZOOKEEPER_PEER, "restart", str(i)], check=True, timeout=120,
                           stdout=subprocess.DEVNULL)

    def address(self, i):
        if self.ensemble:
            return f"127.0.0.1:{2200 + i}"
        return os.environ.get("COORD_COMPAT_SERVER", "127.0.0.1:2191")

    def kill9(self, i):
        subprocess.run([ZOOKEEPER_PEER, "kill9", str(i)], check=True, timeout=30)

    def log(self, i):
        return ""

    def stop(self):
        pass


def servers_from(args_coordd, members=0):
    """The target named by COORD_COMPAT_TARGET (coord by default, or zookeeper)."""
    target = os.environ.get("COORD_COMPAT_TARGET", "coord")
    if target == "zookeeper":
        return ZooKeeperServers(members)
    if target != "coord":
        raise SystemExit(f"COORD_COMPAT_TARGET must be coord or zookeeper, not {target}")
    if not args_coordd:
        raise SystemExit("--coordd PATH is needed when the target is coord")
    return CoordServers(args_coordd, members)
