#!/usr/bin/env python3
"""kazoo (python3-kazoo, a ZooKeeper client used unchanged) running its recipes against coord's
ZooKeeper listener: Lock (contention among clients, mutual exclusion checked), Election, Counter,
Barrier, DoubleBarrier, LockingQueue and Queue, ChildrenWatch, DataWatch, and four-letter words
(ruok, srvr). With --cluster, against a 3-member cluster instead, with the leader killed (SIGKILL)
while the clients work: they must carry on through another member, keeping their sessions.

  kazoo_recipes_test.py --coordd PATH [--cluster]
  COORD_COMPAT_TARGET=zookeeper kazoo_recipes_test.py [--cluster]   (Apache ZooKeeper on
      127.0.0.1:2191, or 2201-2203 with --cluster; started by zookeeper_peer.sh)

Exit 77 (ctest's skip) when kazoo is not installed.
"""

import argparse
import collections
import faulthandler
import logging
import os
import sys
import threading
import time
import unittest

try:
    from kazoo.client import KazooClient
    from kazoo.exceptions import NodeExistsError
    from kazoo.protocol.states import KazooState
except ImportError:
    print("SKIPPED: kazoo is not installed (Debian: python3-kazoo)")
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compat_servers  # noqa: E402

WAIT_S = 30  # bound of every wait that must end
SERVERS = None  # set by main()


def wait_until(predicate, timeout_s=WAIT_S):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


class Workers:
    """Threads running fn(k) for k in range(n); join() re-raises the first failure."""

    def __init__(self, n, fn):
        self.errors = []
        self.threads = [threading.Thread(target=self._run, args=(fn, k), daemon=True)
                        for k in range(n)]
        for t in self.threads:
            t.start()

    def _run(self, fn, k):
        try:
            fn(k)
        except BaseException as e:  # reported by join()
            self.errors.append(f"worker {k}: {e!r}")

    def join(self, test, timeout_s=120):
        deadline = time.monotonic() + timeout_s
        for t in self.threads:
            t.join(max(0.0, deadline - time.monotonic()))
        test.assertEqual([t.name for t in self.threads if t.is_alive()], [],
                         "workers still running")
        test.assertEqual(self.errors, [])


class ExclusionCheck:
    """Counts holders inside a critical section; more than one at a time is a violation."""

    def __init__(self):
        self.guard = threading.Lock()
        self.inside = 0
        self.max_inside = 0
        self.entries = 0

    def enter(self):
        with self.guard:
            self.inside += 1
            self.entries += 1
            self.max_inside = max(self.max_inside, self.inside)

    def leave(self):
        with self.guard:
            self.inside -= 1


class CompatCase(unittest.TestCase):
    def setUp(self):
        self.root = f"/kazoo-{self._testMethodName}-{os.getpid()}"
        self.clients = []
        self.zk = self.client()
        self.zk.ensure_path(self.root)

    def tearDown(self):
        try:
            if self.zk.connected:
                self.zk.delete(self.root, recursive=True)
        finally:
            for c in self.clients:
                c.stop()
                c.close()

    def client(self, hosts=None):
        # By default every member, the last first.
        hosts = hosts or ",".join(SERVERS.address(i) for i in reversed(SERVERS.ids))
        c = KazooClient(hosts=hosts, timeout=10, randomize_hosts=False)
        c.start(timeout=WAIT_S)
        self.clients.append(c)
        return c


class RecipesTest(CompatCase):
    def test_lock_is_mutually_exclusive_under_contention(self):
        n, rounds = 4, 6
        path, counter = self.root + "/lock", self.root + "/count"
        self.zk.create(counter, b"0")
        clients = [self.client() for _ in range(n)]
        check = ExclusionCheck()
        contenders_seen = []

        def work(k):
            lock = clients[k].Lock(path, f"worker-{k}")
            for _ in range(rounds):
                self.assertTrue(lock.acquire(timeout=WAIT_S), "lock not acquired in time")
                try:
                    check.enter()
                    contenders_seen.append(lock.contenders()[0])
                    # Unversioned read-modify-write: only exclusion keeps every increment.
                    data, _ = clients[k].get(counter)
                    clients[k].set(counter, str(int(data) + 1).encode())
                    check.leave()
                finally:
                    lock.release()

        Workers(n, work).join(self)
        self.assertEqual(check.max_inside, 1)
        self.assertEqual(int(self.zk.get(counter)[0]), n * rounds)
        # The first contender is always the holder itself.
        self.assertEqual(len(contenders_seen), n * rounds)
        self.assertEqual(self.zk.get_children(path), [], "every lock node is gone")

    def test_lock_waiter_gets_it_when_the_holder_session_closes(self):
        holder, waiter = self.client(), self.client()
        lock = holder.Lock(self.root + "/lock", "holder")
        self.assertTrue(lock.acquire(timeout=WAIT_S))
        other = waiter.Lock(self.root + "/lock", "waiter")
        self.assertFalse(other.acquire(blocking=False), "held by another session")
        self.assertEqual(other.contenders(), ["holder"])
        holder.stop()  # closes the session: its ephemeral lock node goes
        self.assertTrue(other.acquire(timeout=WAIT_S))
        self.assertEqual(other.contenders(), ["waiter"])
        other.release()

    def test_election_one_leader_at_a_time(self):
        n = 3
        clients = [self.client() for _ in range(n)]
        check = ExclusionCheck()
        leaders = []
        resign = [threading.Event() for _ in range(n)]
        elections = [c.Election(self.root + "/election", f"candidate-{k}")
                     for k, c in enumerate(clients)]

        def lead(k):
            check.enter()
            leaders.append(k)
            resign[k].wait(WAIT_S)
            check.leave()

        workers = Workers(n, lambda k: elections[k].run(lead, k))
        for round_ in range(n):
            self.assertTrue(wait_until(lambda: len(leaders) == round_ + 1),
                            f"no leader in round {round_}")
            # Every candidate still in the race is listed (in round 0, once all have entered).
            self.assertTrue(wait_until(lambda: len(elections[0].contenders()) == n - round_),
                            elections[0].contenders())
            self.assertEqual(elections[0].contenders()[0], f"candidate-{leaders[-1]}")
            resign[leaders[-1]].set()
        workers.join(self)
        self.assertEqual(sorted(leaders), list(range(n)))
        self.assertEqual(check.max_inside, 1)

    def test_counter_counts_every_increment(self):
        n, per_client = 4, 25
        clients = [self.client() for _ in range(n)]

        def work(k):
            counter = clients[k].Counter(self.root + "/counter")
            for _ in range(per_client):
                counter += 1

        Workers(n, work).join(self)
        counter = self.zk.Counter(self.root + "/counter")
        self.assertEqual(counter.value, n * per_client)
        counter -= 7
        self.assertEqual(counter.value, n * per_client - 7)
        self.assertEqual(counter.pre_value, n * per_client)
        self.assertEqual(counter.post_value, n * per_client - 7)

    def test_barrier_holds_waiters_until_removed(self):
        barrier = self.zk.Barrier(self.root + "/barrier")
        barrier.create()
        clients = [self.client() for _ in range(3)]
        results = []

        def wait(k):
            results.append(clients[k].Barrier(self.root + "/barrier").wait(timeout=WAIT_S))

        self.assertFalse(self.client().Barrier(self.root + "/barrier").wait(timeout=0.3))
        workers = Workers(3, wait)
        self.assertEqual(results, [], "nobody passes a standing barrier")
        barrier.remove()
        workers.join(self)
        self.assertEqual(results, [True, True, True])

    def test_double_barrier_enters_and_leaves_together(self):
        n = 3
        clients = [self.client() for _ in range(n)]
        guard = threading.Lock()
        started, seen_at_entry = [0], []

        def work(k):
            b = clients[k].DoubleBarrier(self.root + "/double", n)
            with guard:
                started[0] += 1
            b.enter()
            with guard:
                seen_at_entry.append(started[0])
            b.leave()

        Workers(n, work).join(self)
        self.assertEqual(seen_at_entry, [n] * n, "nobody enters before all have arrived")

    def test_locking_queue_delivers_each_item_once(self):
        items = [f"item-{i}".encode() for i in range(30)]
        producer = self.client().LockingQueue(self.root + "/lq")
        for i, item in enumerate(items[:20]):
            producer.put(item, priority=i % 3)
        producer.put_all(items[20:], priority=1)
        self.assertEqual(len(producer), len(items))
        clients = [self.client() for _ in range(3)]
        got = collections.Counter()
        guard = threading.Lock()

        def consume(k):
            q = clients[k].LockingQueue(self.root + "/lq")
            while True:
                item = q.get(timeout=1)
                if item is None:
                    return
                with guard:
                    got[item] += 1
                self.assertTrue(q.consume())

        Workers(3, consume).join(self)
        self.assertEqual(got, collections.Counter(items))
        self.assertEqual(len(producer), 0)

    def test_queue_orders_by_priority_then_arrival(self):
        q = self.zk.Queue(self.root + "/q")
        q.put(b"late-low", priority=50)
        q.put(b"first-high", priority=10)
        q.put(b"second-high", priority=10)
        q.put(b"a", priority=99)
        q.put(b"b", priority=99)
        other = self.client().Queue(self.root + "/q")
        self.assertEqual(len(other), 5)
        self.assertEqual([other.get() for _ in range(5)],
                         [b"first-high", b"second-high", b"late-low", b"a", b"b"])
        self.assertIsNone(other.get())

    def test_children_watch_follows_the_children(self):
        path = self.root + "/cw"
        self.zk.create(path)
        seen = []
        watcher = self.client()
        watcher.ChildrenWatch(path)(lambda children: seen.append(sorted(children)))
        self.assertTrue(wait_until(lambda: seen[:1] == [[]]))
        self.zk.create(path + "/a")
        self.assertTrue(wait_until(lambda: seen[-1] == ["a"]), seen)
        self.zk.create(path + "/b")
        self.zk.delete(path + "/a")
        self.assertTrue(wait_until(lambda: seen[-1] == ["b"]), seen)
        self.zk.set(path + "/b", b"data changes are not child changes")
        self.zk.create(path + "/c")
        self.assertTrue(wait_until(lambda: seen[-1] == ["b", "c"]), seen)
        self.assertNotIn(["b"], seen[seen.index(["b"]) + 1:-1])

    def test_data_watch_follows_the_data(self):
        path = self.root + "/dw"
        seen = []
        watcher = self.client()

        def on_change(data, stat):
            seen.append((data, stat.version if stat else None))

        watcher.DataWatch(path)(on_change)
        self.assertTrue(wait_until(lambda: seen[:1] == [(None, None)]), seen)
        self.zk.create(path, b"v0")
        self.assertTrue(wait_until(lambda: seen[-1] == (b"v0", 0)), seen)
        for i in range(1, 4):
            self.zk.set(path, f"v{i}".encode())
            self.assertTrue(wait_until(lambda i=i: seen[-1] == (f"v{i}".encode(), i)), seen)
        self.zk.delete(path)
        self.assertTrue(wait_until(lambda: seen[-1] == (None, None)), seen)
        versions = [v for _, v in seen if v is not None]
        self.assertEqual(versions, sorted(versions), "events in order")


    def test_four_letter_words(self):
        # kazoo sends them on its own connection's server (ruok and srvr are on by default).
        self.assertEqual(self.zk.command(b"ruok"), "imok")
        srvr = self.zk.command(b"srvr").splitlines()
        self.assertIn("Mode: standalone", srvr)
        self.assertTrue(any(line.startswith("Zxid: 0x") for line in srvr), srvr)
        self.assertTrue(any(line.startswith("Zookeeper version: ") for line in srvr), srvr)


class ClusterTest(CompatCase):
    def test_srvr_names_one_leader(self):
        clients = [self.client(SERVERS.address(i)) for i in SERVERS.ids]

        def modes():
            return sorted(line[len("Mode: "):] for c in clients
                          for line in c.command(b"srvr").splitlines()
                          if line.startswith("Mode: "))

        # Right after a start a member may still be electing: wait for a settled answer.
        self.assertTrue(wait_until(lambda: modes() == ["follower", "follower", "leader"]),
                        modes())


    def test_clients_carry_on_when_a_member_is_killed(self):
        n, max_rounds = 6, 400
        ids = SERVERS.ids

        def hosts_from(first):  # member `first` is tried first, then the others
            order = ids[ids.index(first):] + ids[:ids.index(first)]
            return ",".join(SERVERS.address(i) for i in order)

        # The victim is the leader: its clients must move, and everybody's writes wait for a new
        # leader.
        victim = None
        # One client per member, which also shows that every member serves sessions.
        per_member = {i: self.client(SERVERS.address(i)) for i in ids}

        def find_leader():
            nonlocal victim
            for i, c in per_member.items():
                if "Mode: leader" in c.command(b"srvr").splitlines():
                    victim = i
            return victim is not None

        self.assertTrue(wait_until(find_leader), "no member says it leads")
        clients = [self.client(hosts_from(ids[k % len(ids)])) for k in range(n)]
        # kazoo does not say which server it uses; its socket does.
        victim_port = int(SERVERS.address(victim).rsplit(":", 1)[1])
        on_victim = [k for k, c in enumerate(clients)
                     if c._connection._socket.getpeername()[1] == victim_port]
        self.assertEqual(on_victim, [k for k in range(n) if ids[k % len(ids)] == victim])
        sessions = [c.client_id[0] for c in clients]
        states = [[] for _ in range(n)]
        for k, c in enumerate(clients):
            c.add_listener(lambda state, k=k: states[k].append(state))
        work_dir, lock_path = self.root + "/work", self.root + "/lock"
        self.zk.ensure_path(work_dir)
        seen_children = []
        self.client(hosts_from(ids[-1])).ChildrenWatch(work_dir)(
            lambda children: seen_children.append(len(children)))
        check = ExclusionCheck()
        done = threading.Event()

        def work(k):
            # Each round, under the lock, creates one node: the nodes count the rounds exactly.
            zk = clients[k]
            lock = zk.Lock(lock_path, f"worker-{k}")
            for i in range(max_rounds):
                if done.is_set():
                    return
                self.assertTrue(lock.acquire(timeout=60), "lock not acquired in time")
                try:
                    check.enter()
                    node = f"{work_dir}/{k}-{i}"

                    def create_once():
                        try:  # a create whose reply was lost is found on the retry
                            zk.create(node)
                        except NodeExistsError:
                            pass

                    zk.retry(create_once)
                    check.leave()
                finally:
                    zk.retry(lock.release)

        workers = Workers(n, work)
        self.assertTrue(wait_until(lambda: check.entries >= 20), "the clients work")
        self.addCleanup(SERVERS.start, victim)
        SERVERS.kill9(victim)
        entries_at_kill = check.entries
        progressed = wait_until(lambda: check.entries >= entries_at_kill + 60, timeout_s=60)
        done.set()
        workers.join(self, timeout_s=120)
        self.assertTrue(progressed, f"stuck after the kill at {check.entries} rounds")

        self.assertEqual(check.max_inside, 1)
        self.assertEqual(len(self.zk.get_children(work_dir)), check.entries)
        self.assertTrue(wait_until(lambda: seen_children[-1:] == [check.entries]),
                        seen_children[-3:])
        for k, c in enumerate(clients):
            self.assertEqual(c.client_id[0], sessions[k], f"client {k} kept its session")
            self.assertNotIn(KazooState.LOST, states[k], f"client {k}")
            if k in on_victim:  # it must have moved to another member
                self.assertTrue(wait_until(lambda k=k: states[k][-1:] == [KazooState.CONNECTED]),
                                f"client {k} was cut and reconnected: {states[k]}")
                self.assertIn(KazooState.SUSPENDED, states[k], f"client {k} was cut")
                self.assertEqual(c.client_id[0], sessions[k], f"client {k} kept its session")

        # The killed member comes back and catches up.
        SERVERS.start(victim)
        back = self.client(SERVERS.address(victim))
        back.sync(work_dir)
        self.assertEqual(len(back.get_children(work_dir)), check.entries)


def main():
    global SERVERS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--coordd", help="the coordd binary (target coord)")
    parser.add_argument("--cluster", action="store_true", help="a 3-member cluster")
    args, rest = parser.parse_known_args()
    logging.basicConfig(level=logging.ERROR)
    # The whole run is bounded: a hang prints every thread's stack and exits.
    faulthandler.dump_traceback_later(int(os.environ.get("COORD_COMPAT_WATCHDOG_S", "240")),
                                      exit=True)
    SERVERS = compat_servers.servers_from(args.coordd, 3 if args.cluster else 0)
    case = ClusterTest if args.cluster else RecipesTest
    try:
        SERVERS.start()
        suite = unittest.defaultTestLoader.loadTestsFromTestCase(case)
        result = unittest.TextTestRunner(verbosity=2).run(suite)
        if not result.wasSuccessful():
            for i in SERVERS.ids:
                print(f"---- member {i} log (tail) ----\n{SERVERS.log(i)[-3000:]}")
        return 0 if result.wasSuccessful() else 1
    finally:
        SERVERS.stop()


if __name__ == "__main__":
    sys.exit(main())
