// ZooKeeper's Java client 3.8 (Debian: libzookeeper-java, /usr/share/java/zookeeper.jar) against
// coord's ZooKeeper listener, for the requests the C client 3.8 cannot send: multiRead,
// checkWatches (removeWatches of one watcher), removeWatches, addWatch (persistent and persistent
// recursive, with the events each delivers, and setWatches2 bringing them back after a cut
// connection), getEphemerals, getAllChildrenNumber, whoAmI.
// Expected values are what Apache ZooKeeper 3.8 answers.
//
// Run as a single source file (the JDK compiles it in memory):
//   java -cp /usr/share/java/zookeeper.jar:/usr/share/java/slf4j-nop.jar JavaClientTest.java \
//       --coordd PATH                 (a coordd started here), or
//       --server HOST:PORT            (a running server, e.g. Apache ZooKeeper)
// Exit 0 pass, 1 fail. Every wait is bounded; the coordd started here is killed at the end.

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ClientInfo;
import org.apache.zookeeper.data.Stat;

public class JavaClientTest {
  static final long WAIT_MS = 15000;
  static int failures = 0;
  static String server;

  static void check(boolean ok, String what) {
    if (!ok) {
      failures++;
      System.out.println("FAIL: " + what);
    }
  }

  static void expectEq(Object expected, Object actual, String what) {
    check(expected.equals(actual), what + ": expected " + expected + ", got " + actual);
  }

  /** Collects every event of a watcher; next() waits a bounded time. */
  static class Events implements Watcher {
    final BlockingQueue<WatchedEvent> queue = new LinkedBlockingQueue<>();

    @Override
    public void process(WatchedEvent e) {
      if (e.getType() != Event.EventType.None) queue.add(e);
    }

    String next() throws InterruptedException {
      WatchedEvent e = queue.poll(WAIT_MS, TimeUnit.MILLISECONDS);
      return e == null ? "(no event)" : e.getType() + " " + e.getPath();
    }
  }

  /**
   * A loopback TCP proxy in front of the server, to cut the client's connection while the server
   * stays up; while blocked it closes new connections at once. Threads are daemons.
   */
  static class Proxy {
    final ServerSocket listener;
    final int upstreamPort;
    final List<Socket> open = Collections.synchronizedList(new ArrayList<>());
    volatile boolean blocked = false;

    Proxy(String upstream) throws Exception {
      upstreamPort = Integer.parseInt(upstream.substring(upstream.lastIndexOf(':') + 1));
      listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread t = new Thread(this::acceptLoop);
      t.setDaemon(true);
      t.start();
    }

    String address() {
      return "127.0.0.1:" + listener.getLocalPort();
    }

    void acceptLoop() {
      try {
        while (true) {
          Socket client = listener.accept();
          if (blocked) {
            client.close();
            continue;
          }
          Socket up = new Socket(InetAddress.getLoopbackAddress(), upstreamPort);
          open.add(client);
          open.add(up);
          pump(client, up);
          pump(up, client);
        }
      } catch (Exception closed) {
      }
    }

    void pump(Socket from, Socket to) {
      Thread t = new Thread(() -> {
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
          in.transferTo(out);
        } catch (Exception closed) {
        }
        try {
          from.close();
          to.close();
        } catch (Exception ignored) {
        }
      });
      t.setDaemon(true);
      t.start();
    }

    void cut() throws Exception {
      synchronized (open) {
        for (Socket s : open) s.close();
        open.clear();
      }
    }
  }

  static ZooKeeper connect() throws Exception {
    return connect(server, null);
  }

  /** A session with `address`; `states` (if given) receives every state change. */
  static ZooKeeper connect(String address, BlockingQueue<Watcher.Event.KeeperState> states)
      throws Exception {
    CountDownLatch connected = new CountDownLatch(1);
    ZooKeeper zk = new ZooKeeper(address, 30000, e -> {
      if (e.getType() != Watcher.Event.EventType.None) return;
      if (states != null) states.add(e.getState());
      if (e.getState() == Watcher.Event.KeeperState.SyncConnected) connected.countDown();
    });
    if (!connected.await(WAIT_MS, TimeUnit.MILLISECONDS)) throw new Exception("no session");
    return zk;
  }

  static boolean waitState(BlockingQueue<Watcher.Event.KeeperState> states,
      Watcher.Event.KeeperState wanted) throws InterruptedException {
    long deadline = System.currentTimeMillis() + WAIT_MS;
    while (System.currentTimeMillis() < deadline) {
      Watcher.Event.KeeperState s = states.poll(100, TimeUnit.MILLISECONDS);
      if (s == wanted) return true;
    }
    return false;
  }

  static void persistentWatchesSurviveReconnect(ZooKeeper other, String root) throws Exception {
    // Two nodes: ZooKeeper keeps one watch mode per path and session (a second addWatch on the
    // same path replaces the first on the server).
    String p = root + "/reconnect-p", r = root + "/reconnect-r";
    create(other, p, "", CreateMode.PERSISTENT);
    create(other, r, "", CreateMode.PERSISTENT);
    Proxy proxy = new Proxy(server);
    BlockingQueue<Watcher.Event.KeeperState> states = new LinkedBlockingQueue<>();
    ZooKeeper zk = connect(proxy.address(), states);
    try {
      long session = zk.getSessionId();
      Events persistent = new Events(), recursive = new Events();
      zk.addWatch(p, persistent, AddWatchMode.PERSISTENT);
      zk.addWatch(r, recursive, AddWatchMode.PERSISTENT_RECURSIVE);
      proxy.blocked = true;
      proxy.cut();
      check(waitState(states, Watcher.Event.KeeperState.Disconnected), "the client sees the cut");
      proxy.blocked = false;
      check(waitState(states, Watcher.Event.KeeperState.SyncConnected), "the client is back");
      expectEq(session, zk.getSessionId(), "the same session");
      // setWatches2 registers both persistent watches again. It goes first on the new
      // connection, so once a later request of this session is answered, it is in place; a
      // change made before that may pass unseen (persistent watches have no catch-up).
      zk.exists(p, false);
      other.setData(p, "after".getBytes(StandardCharsets.UTF_8), -1);
      expectEq("NodeDataChanged " + p, persistent.next(), "persistent watch after reconnect");
      create(other, p + "/c", "", CreateMode.PERSISTENT);
      expectEq("NodeChildrenChanged " + p, persistent.next(), "persistent watch, child");
      create(other, r + "/c", "", CreateMode.PERSISTENT);
      expectEq("NodeCreated " + r + "/c", recursive.next(), "recursive watch after reconnect");
      other.setData(r + "/c", "x".getBytes(StandardCharsets.UTF_8), -1);
      expectEq("NodeDataChanged " + r + "/c", recursive.next(), "recursive watch, data below");
    } finally {
      zk.close();
      proxy.listener.close();
      proxy.cut();
    }
  }

  static void create(ZooKeeper zk, String path, String data, CreateMode mode) throws Exception {
    zk.create(path, data.getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE, mode);
  }

  static void multiRead(ZooKeeper zk, String root) throws Exception {
    create(zk, root + "/m", "data", CreateMode.PERSISTENT);
    create(zk, root + "/m/x", "", CreateMode.PERSISTENT);
    create(zk, root + "/m/y", "", CreateMode.PERSISTENT);
    List<OpResult> r = zk.multi(Arrays.asList(Op.getData(root + "/m"),
        Op.getChildren(root + "/m"), Op.getData(root + "/missing")));
    expectEq(3, r.size(), "multiRead results");
    OpResult.GetDataResult d = (OpResult.GetDataResult) r.get(0);
    expectEq("data", new String(d.getData(), StandardCharsets.UTF_8), "multiRead getData");
    expectEq(2, d.getStat().getNumChildren(), "multiRead getData stat");
    List<String> children = new ArrayList<>(((OpResult.GetChildrenResult) r.get(1)).getChildren());
    Collections.sort(children);
    expectEq(Arrays.asList("x", "y"), children, "multiRead getChildren");
    // A read that fails answers with its error in place; the others still answer.
    expectEq(KeeperException.Code.NONODE.intValue(), ((OpResult.ErrorResult) r.get(2)).getErr(),
        "multiRead getData of a missing node");
  }

  static void removeWatches(ZooKeeper zk, String root) throws Exception {
    String p = root + "/w";
    create(zk, p, "", CreateMode.PERSISTENT);
    Events data = new Events(), child = new Events();
    zk.getData(p, data, new Stat());
    zk.getChildren(p, child);
    // One watcher of one type: the client asks the server with checkWatches, then removes it.
    zk.removeWatches(p, data, Watcher.WatcherType.Data, false);
    expectEq("DataWatchRemoved " + p, data.next(), "removeWatches(data watcher)");
    // Every watch of the path: removeWatches.
    zk.removeAllWatches(p, Watcher.WatcherType.Any, false);
    expectEq("ChildWatchRemoved " + p, child.next(), "removeAllWatches");
    zk.setData(p, "x".getBytes(StandardCharsets.UTF_8), -1);
    create(zk, p + "/c", "", CreateMode.PERSISTENT);
    // Events of this session's own writes come before the reply to its later sync.
    CountDownLatch synced = new CountDownLatch(1);
    zk.sync(p, (rc, path, ctx) -> synced.countDown(), null);
    check(synced.await(WAIT_MS, TimeUnit.MILLISECONDS), "sync answered");
    check(data.queue.isEmpty() && child.queue.isEmpty(), "no event after removal: "
        + data.queue + child.queue);
    try {
      zk.removeAllWatches(p, Watcher.WatcherType.Any, false);
      check(false, "removeAllWatches without watches: expected NoWatcherException");
    } catch (KeeperException.NoWatcherException expected) {
    }
  }

  static void persistentWatch(ZooKeeper zk, ZooKeeper other, String root) throws Exception {
    String p = root + "/pw";
    create(zk, p, "", CreateMode.PERSISTENT);
    Events w = new Events();
    zk.addWatch(p, w, AddWatchMode.PERSISTENT);
    other.setData(p, "1".getBytes(StandardCharsets.UTF_8), -1);
    expectEq("NodeDataChanged " + p, w.next(), "persistent watch: data change");
    other.setData(p, "2".getBytes(StandardCharsets.UTF_8), -1);
    expectEq("NodeDataChanged " + p, w.next(), "persistent watch: fires again");
    create(other, p + "/c", "", CreateMode.PERSISTENT);
    expectEq("NodeChildrenChanged " + p, w.next(), "persistent watch: child created");
    create(other, p + "/c/deep", "", CreateMode.PERSISTENT);
    other.delete(p + "/c/deep", -1);
    other.delete(p + "/c", -1);
    expectEq("NodeChildrenChanged " + p, w.next(), "persistent watch: not for grandchildren");
    other.delete(p, -1);
    expectEq("NodeDeleted " + p, w.next(), "persistent watch: delete");
    create(other, p, "", CreateMode.PERSISTENT);
    expectEq("NodeCreated " + p, w.next(), "persistent watch: outlives the node");
    zk.removeWatches(p, w, Watcher.WatcherType.Any, false);
    expectEq("PersistentWatchRemoved " + p, w.next(), "persistent watch removed");
  }

  static void recursiveWatch(ZooKeeper zk, ZooKeeper other, String root) throws Exception {
    String p = root + "/rw";
    create(zk, p, "", CreateMode.PERSISTENT);
    Events w = new Events();
    zk.addWatch(p, w, AddWatchMode.PERSISTENT_RECURSIVE);
    create(other, p + "/a", "", CreateMode.PERSISTENT);
    expectEq("NodeCreated " + p + "/a", w.next(), "recursive watch: child created");
    create(other, p + "/a/b", "", CreateMode.PERSISTENT);
    expectEq("NodeCreated " + p + "/a/b", w.next(), "recursive watch: grandchild created");
    other.setData(p + "/a/b", "x".getBytes(StandardCharsets.UTF_8), -1);
    expectEq("NodeDataChanged " + p + "/a/b", w.next(), "recursive watch: data change below");
    other.delete(p + "/a/b", -1);
    expectEq("NodeDeleted " + p + "/a/b", w.next(), "recursive watch: delete below");
    other.setData(p, "y".getBytes(StandardCharsets.UTF_8), -1);
    expectEq("NodeDataChanged " + p, w.next(), "recursive watch: the node itself");
  }

  static void sessionQueries(ZooKeeper zk, ZooKeeper other, String root) throws Exception {
    create(zk, root + "/q", "", CreateMode.PERSISTENT);
    create(zk, root + "/q/e1", "", CreateMode.EPHEMERAL);
    create(zk, root + "/q/p", "", CreateMode.PERSISTENT);
    create(zk, root + "/q/p/e2", "", CreateMode.EPHEMERAL);
    create(other, root + "/q/theirs", "", CreateMode.EPHEMERAL);
    List<String> mine = new ArrayList<>(zk.getEphemerals(root + "/q"));
    Collections.sort(mine);
    expectEq(Arrays.asList(root + "/q/e1", root + "/q/p/e2"), mine,
        "getEphemerals(prefix): this session's only");
    expectEq(Arrays.asList(root + "/q/p/e2"), zk.getEphemerals(root + "/q/p"),
        "getEphemerals(narrower prefix)");
    expectEq(4, zk.getAllChildrenNumber(root + "/q"), "getAllChildrenNumber (all descendants)");
    expectEq(0, zk.getAllChildrenNumber(root + "/q/e1"), "getAllChildrenNumber of a leaf");
    try {
      zk.getAllChildrenNumber(root + "/none");
      check(false, "getAllChildrenNumber of a missing node: expected NoNodeException");
    } catch (KeeperException.NoNodeException expected) {
    }

    List<String> who = new ArrayList<>();
    for (ClientInfo c : zk.whoAmI()) who.add(c.getAuthScheme() + ":" + c.getUser());
    expectEq(Arrays.asList("ip:127.0.0.1"), who, "whoAmI");
    zk.addAuthInfo("digest", "compat:secret".getBytes(StandardCharsets.UTF_8));
    who.clear();
    for (ClientInfo c : zk.whoAmI()) who.add(c.getAuthScheme() + ":" + c.getUser());
    Collections.sort(who);
    expectEq(Arrays.asList("digest:compat", "ip:127.0.0.1"), who, "whoAmI after addAuthInfo");
  }

  static void deleteTree(ZooKeeper zk, String path) throws Exception {
    try {
      for (String c : zk.getChildren(path, false)) deleteTree(zk, path + "/" + c);
      zk.delete(path, -1);
    } catch (KeeperException.NoNodeException gone) {
    }
  }

  static Process startCoordd(String coordd) throws Exception {
    Path dir = Files.createTempDirectory("coord_java_");
    Path config = dir.resolve("coord.yaml");
    Files.writeString(config, "data_dir: " + dir.resolve("data") + "\n"
        + "client_address: 127.0.0.1:0\nzookeeper_address: 127.0.0.1:0\ntick_ms: 20\n");
    Process p = new ProcessBuilder(coordd, "--config", config.toString())
                    .redirectError(dir.resolve("coordd.log").toFile())
                    .start();
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()));
    String marker = "coordd listening for ZooKeeper clients on ";
    long deadline = System.currentTimeMillis() + 20000;
    for (String line; (line = out.readLine()) != null && System.currentTimeMillis() < deadline;) {
      if (line.startsWith(marker)) {
        server = line.substring(marker.length()).trim();
        return p;
      }
    }
    p.destroyForcibly();
    throw new Exception("coordd did not start; see " + dir.resolve("coordd.log"));
  }

  public static void main(String[] args) throws Exception {
    Process coordd = null;
    if (args.length == 2 && args[0].equals("--coordd")) {
      coordd = startCoordd(args[1]);
      Process started = coordd;  // also killed when the JVM is stopped by a signal
      Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly));
    } else if (args.length == 2 && args[0].equals("--server")) {
      server = args[1];
    } else {
      System.out.println("usage: JavaClientTest (--coordd PATH | --server HOST:PORT)");
      System.exit(2);
    }
    System.out.println("server: " + server);
    String root = "/java-" + ProcessHandle.current().pid();
    ZooKeeper zk = null, other = null;
    try {
      zk = connect();
      other = connect();
      create(zk, root, "", CreateMode.PERSISTENT);
      String[] names = {"multiRead", "removeWatches", "persistentWatch", "recursiveWatch",
          "persistentWatchesSurviveReconnect", "sessionQueries"};
      for (String name : names) {
        int before = failures;
        try {
          switch (name) {
            case "multiRead": multiRead(zk, root); break;
            case "removeWatches": removeWatches(zk, root); break;
            case "persistentWatch": persistentWatch(zk, other, root); break;
            case "recursiveWatch": recursiveWatch(zk, other, root); break;
            case "persistentWatchesSurviveReconnect":
              persistentWatchesSurviveReconnect(other, root);
              break;
            default: sessionQueries(zk, other, root); break;
          }
        } catch (Exception e) {
          failures++;
          System.out.println("FAIL: " + name + " threw " + e);
        }
        System.out.println((failures == before ? "ok   " : "FAIL ") + name);
      }
      deleteTree(zk, root);
    } finally {
      if (zk != null) zk.close();
      if (other != null) other.close();
      if (coordd != null) {
        coordd.destroyForcibly();
        coordd.waitFor(20, TimeUnit.SECONDS);
      }
    }
    System.out.println(failures == 0 ? "all Java client checks passed" : failures + " failed");
    System.exit(failures == 0 ? 0 : 1);
  }
}
