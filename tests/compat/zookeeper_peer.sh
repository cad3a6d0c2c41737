#!/usr/bin/env bash
# Apache ZooKeeper 3.8 for the opt-in compatibility runs: ../shared/peers/zookeeper.sh (standalone
# on 127.0.0.1:2191, ensemble on 2201-2203) with its own state dir and the two server settings
# the suites rely on, passed as JVM properties through ZK_HEAP (the script's only JVM hook):
#   zookeeper.extendedTypesEnabled=true   TTL nodes (ZooKeeper refuses them by default)
#   znode.container.checkIntervalMs=500   empty containers and expired TTL nodes go within 0.5 s
#                                         (default 60 s; coord reaps on its own tick)
# The quorum ports move to 2981-2983 (+1000 for elections) to stay clear of conf/cluster/.
#
#   zookeeper_peer.sh start|stop standalone|ensemble [--fresh]
#   zookeeper_peer.sh kill9 N      SIGKILL ensemble member N (started by this script)
#   zookeeper_peer.sh restart N    start it again (the script starts what is not running)
set -euo pipefail

script=${COORD_ZOOKEEPER_SH:-$(cd "$(dirname "$0")/../.." && pwd)/../shared/peers/zookeeper.sh}
export ZK_BASE=${ZK_BASE:-/tmp/coord-compat-zookeeper}
export ZK_HEAP="${ZK_HEAP_SIZE:--Xmx512m} -Dzookeeper.extendedTypesEnabled=true -Dznode.container.checkIntervalMs=500"
export ZK_QUORUM_PORT=${ZK_QUORUM_PORT:-2981}

if [[ ! -x $script ]]; then
  echo "SKIPPED: $script (Apache ZooKeeper's launcher) not found; set COORD_ZOOKEEPER_SH" >&2
  exit 77
fi

case ${1:-} in
  kill9)
    pid=$(cat "$ZK_BASE/member-${2:?member}.pid")
    kill -9 "$pid"
    # Until it is reaped: the launcher's start skips a member whose pid still answers kill -0.
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.1; done
    echo "member $2 (pid $pid) did not go away after SIGKILL" >&2
    exit 1
    ;;
  restart) exec "$script" start ensemble ;;
  *) exec "$script" "$@" ;;
esac
