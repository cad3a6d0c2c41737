# shellcheck shell=bash
# Server lifecycle for tools/bench-vs-zookeeper: start, stop, kill -9 and restart coordd or Apache
# ZooKeeper (through ../shared/peers/zookeeper.sh), standalone or as 3 members on loopback, find
# the leader, and read the servers' CPU time and RSS from /proc. Source it; it defines functions
# and sets no shell options.
#
# The caller sets before use:
#   BENCH_WORK   a scratch dir (configs, data dirs, logs, pid files); every server lives under it
#   COORDD       the coordd binary;  COORDSH  the coordsh binary (leader lookup)
#   ZK_SCRIPT    ../shared/peers/zookeeper.sh
# and exports ZK_BASE, ZK_PORT, ZK_ENSEMBLE_PORT, ZK_QUORUM_PORT for zookeeper.sh (bench_ports).
#
# A running server is described by globals: SRV_KIND (coord|zookeeper), SRV_TOPO
# (standalone|ensemble), SRV_MEMBERS (client addresses, member N at index N-1), SRV_CONNECT (the
# members joined by commas) and SRV_PIN (a taskset prefix, or empty). Only processes whose pid
# this file recorded are ever signalled.

# --- ports -------------------------------------------------------------------------------------

bench_port_free() { ! ss -Htln "sport = :$1" 2>/dev/null | grep -q .; }

# bench_free_run N: the first of N consecutive free ports, from a random start in 20000..39999.
# A port taken between this check and the server's bind makes that server fail to start, which
# the start functions report; the window is small.
bench_free_run() {
  local n=$1 base i ok
  for _ in $(seq 1 200); do
    base=$((20000 + RANDOM % 20000))
    ok=1
    for ((i = 0; i < n; i++)); do bench_port_free $((base + i)) || ok=0; done
    # ZooKeeper's election ports are quorum port + 1000; check them with the same run.
    for ((i = 0; i < n; i++)); do bench_port_free $((base + 1000 + i)) || ok=0; done
    if ((ok)); then
      echo "$base"
      return 0
    fi
  done
  return 1
}

# bench_ports: chooses every port this run uses (coord's and ZooKeeper's), all free now.
bench_ports() {
  COORD_PORT=$(bench_free_run 1) || return 1
  COORD_ENSEMBLE_PORT=$(bench_free_run 3) || return 1
  COORD_PEER_PORT=$(bench_free_run 3) || return 1
  COORD_ZK_PORT=$(bench_free_run 3) || return 1  # coordd's ZooKeeper-protocol listeners
  export ZK_BASE=$BENCH_WORK/zookeeper
  export ZK_PORT=${ZK_PORT:-$(bench_free_run 1)}
  export ZK_ENSEMBLE_PORT=${ZK_ENSEMBLE_PORT:-$(bench_free_run 3)}
  export ZK_QUORUM_PORT=${ZK_QUORUM_PORT:-$(bench_free_run 3)}
}

# --- /proc ------------------------------------------------------------------------------------

# srv_pids: the pids of the running members (one per line).
srv_pids() {
  local f
  for f in "$BENCH_WORK/pids/$SRV_KIND-$SRV_TOPO"-*.pid; do
    [[ -f $f ]] && kill -0 "$(cat "$f")" 2>/dev/null && cat "$f"
  done
  return 0
}

# proc_cpu_ticks PID...: utime + stime of the processes, in clock ticks (fields 14 and 15 of
# /proc/PID/stat; the command name in field 2 may hold spaces, so fields count after its ')').
proc_cpu_ticks() {
  local pid total=0 stat rest
  for pid in "$@"; do
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
    rest=${stat##*) }
    read -r -a f <<<"$rest"
    total=$((total + f[11] + f[12]))
  done
  echo "$total"
}

# machine_busy_ticks: non-idle CPU time of the whole machine (/proc/stat "cpu" line: every field
# but idle and iowait), to show how much else ran beside the benchmark.
machine_busy_ticks() {
  awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}

# proc_status_kb FIELD PID...: a /proc/PID/status field in KiB (VmRSS, RssAnon, ...), summed.
proc_status_kb() {
  local field=$1 pid total=0 kb
  shift
  for pid in "$@"; do
    kb=$(awk -v f="$field:" '$1 == f { print $2 }' "/proc/$pid/status" 2>/dev/null)
    total=$((total + ${kb:-0}))
  done
  echo "$total"
}

# srv_rss_kb [FIELD]: the running members' summed VmRSS (or FIELD: RssAnon leaves out the pages of
# mapped files, e.g. LMDB's map, which the kernel may drop and re-read).
srv_rss_kb() {
  local pids
  mapfile -t pids < <(srv_pids)
  proc_status_kb "${1:-VmRSS}" "${pids[@]}"
}

now_ns() { date +%s%N; }

# stat_ticks FILE: sets STAT_TICKS to utime + stime from a /proc/PID/stat line, or -1 when it
# cannot be read. Builtins only (no subshell): it runs in the sampling loop below.
stat_ticks() {
  local stat rest
  STAT_TICKS=-1
  read -r stat <"$1" 2>/dev/null || return 0
  rest=${stat##*) }
  read -r -a f <<<"$rest"
  STAT_TICKS=$((f[11] + f[12]))
}

# sample_cpu OUT CLIENT_PID LIMIT_S SERVER_PID...: until CLIENT_PID exits, every 0.1 s appends
# "MICROSECONDS SERVER_TICKS CLIENT_TICKS MACHINE_BUSY_TICKS" to OUT (the servers' and the
# client's utime + stime, the machine's non-idle time). The figures per operation are taken over
# the client's measured part only — the last duration_s before it exited — so its setup (creating
# its keys) and warmup do not count (render_results.py interpolates). Kills the client after
# LIMIT_S, so a hung run is bounded.
sample_cpu() {
  local out=$1 client=$2 limit_us=$(($3 * 1000000)) start=${EPOCHREALTIME/./} now pid total c
  local _ user nice system irq softirq steal
  shift 3
  : >"$out"
  while kill -0 "$client" 2>/dev/null; do
    total=0
    for pid in "$@"; do
      stat_ticks "/proc/$pid/stat"
      if ((STAT_TICKS >= 0)); then total=$((total + STAT_TICKS)); fi
    done
    stat_ticks "/proc/$client/stat"
    c=$STAT_TICKS
    read -r _ user nice system _ _ irq softirq steal _ </proc/stat
    now=${EPOCHREALTIME/./}
    echo "$now $total $c $((user + nice + system + irq + softirq + steal))" >>"$out"
    if ((now - start > limit_us)); then
      echo "killing coordbench (pid $client) after $(($3)) s" >&2
      kill "$client" 2>/dev/null
    fi
    sleep 0.1
  done
}

# --- four-letter words (ZooKeeper) --------------------------------------------------------------

four_letter() { # host port word -> the reply, or nothing
  local reply
  { exec 3<>"/dev/tcp/$1/$2"; } 2>/dev/null || return 0
  printf '%s' "$3" >&3
  reply=$(timeout 2 cat <&3 || true)
  exec 3>&-
  printf '%s' "$reply"
}

# --- coordd -----------------------------------------------------------------------------------

# coordd speaks the ZooKeeper protocol when its config has zookeeper_address ([G]); detected by
# asking this coordd to check a config with the key, so this script works before and after that
# lands. The answer is cached in COORD_ZK_LISTENER.
coord_has_zk_listener() {
  if [[ -z ${COORD_ZK_LISTENER:-} ]]; then
    printf 'zookeeper_address: 127.0.0.1:0\n' >"$BENCH_WORK/zk-listener-check.yaml"
    COORD_ZK_LISTENER=no
    "$COORDD" --check-config --config "$BENCH_WORK/zk-listener-check.yaml" >/dev/null 2>&1 &&
      COORD_ZK_LISTENER=yes
  fi
  [[ $COORD_ZK_LISTENER == yes ]]
}

coord_member_dir() { echo "$BENCH_WORK/coord-$SRV_TOPO/member-$1"; }

# coord_write_configs: one YAML per member. log_level warn: an info line per session would cost
# the server CPU in the session workload that ZooKeeper (WARN logging) does not pay.
coord_write_configs() {
  local n members="" i count=1 dir
  [[ $SRV_TOPO == ensemble ]] && count=3
  for ((i = 1; i <= count; i++)); do
    members+="    - {id: $i, peer_address: 127.0.0.1:$((COORD_PEER_PORT + i - 1)), "
    members+="client_address: 127.0.0.1:$((COORD_ENSEMBLE_PORT + i - 1)), "
    if coord_has_zk_listener; then
      members+="zookeeper_address: 127.0.0.1:$((COORD_ZK_PORT + i - 1)), "
    fi
    members+="role: voter}"$'\n'
  done
  for ((n = 1; n <= count; n++)); do
    dir=$(coord_member_dir "$n")
    mkdir -p "$dir"
    {
      echo "data_dir: $dir/data"
      echo "log_level: warn"
      if [[ $SRV_TOPO == standalone ]]; then
        echo "client_address: 127.0.0.1:$COORD_PORT"
        if coord_has_zk_listener; then echo "zookeeper_address: 127.0.0.1:$COORD_ZK_PORT"; fi
      else
        printf 'cluster:\n  cluster_id: bench\n  member_id: %d\n  members:\n%s' "$n" "$members"
      fi
    } >"$dir/coord.yaml"
  done
}

# coord_launch N: starts member N in the background (pinned if SRV_PIN) and records its pid.
coord_launch() {
  local dir
  dir=$(coord_member_dir "$1")
  : >"$dir/coordd.log"
  # shellcheck disable=SC2086  # SRV_PIN is a word list ("taskset -c 0") or empty
  $SRV_PIN "$COORDD" --config "$dir/coord.yaml" >>"$dir/coordd.log" 2>&1 </dev/null &
  echo $! >"$BENCH_WORK/pids/coord-$SRV_TOPO-$1.pid"
  # Not a job of this shell: bash would report each kill -9 ("Killed") on its stderr. It still
  # reaps the process, so kill -0 sees it gone.
  disown $!
}

# coord_wait_listening N: until member N logs "listening on" (bounded: 60 s).
coord_wait_listening() {
  local dir
  dir=$(coord_member_dir "$1")
  for _ in $(seq 1 600); do
    grep -q 'listening on' "$dir/coordd.log" && return 0
    kill -0 "$(cat "$BENCH_WORK/pids/coord-$SRV_TOPO-$1.pid")" 2>/dev/null || break
    sleep 0.1
  done
  echo "coordd member $1 did not start; its log:" >&2
  tail -20 "$dir/coordd.log" >&2
  return 1
}

# --- either server -----------------------------------------------------------------------------

srv_member_count() { if [[ $SRV_TOPO == ensemble ]]; then echo 3; else echo 1; fi; }

# srv_start KIND TOPO [PIN]: a fresh server (new data dirs), waits until every member serves.
srv_start() {
  SRV_KIND=$1 SRV_TOPO=$2 SRV_PIN=${3:-}
  local n count
  count=$(srv_member_count)
  mkdir -p "$BENCH_WORK/pids"
  SRV_MEMBERS=()
  if [[ $SRV_KIND == coord ]]; then
    rm -rf "$BENCH_WORK/coord-$SRV_TOPO"
    coord_write_configs
    for ((n = 1; n <= count; n++)); do
      if [[ $SRV_TOPO == standalone ]]; then
        SRV_MEMBERS+=("127.0.0.1:$COORD_PORT")
      else
        SRV_MEMBERS+=("127.0.0.1:$((COORD_ENSEMBLE_PORT + n - 1))")
      fi
      coord_launch "$n"
    done
    for ((n = 1; n <= count; n++)); do coord_wait_listening "$n" || return 1; done
  else
    # shellcheck disable=SC2086
    $SRV_PIN "$ZK_SCRIPT" start "$SRV_TOPO" --fresh >"$BENCH_WORK/zk-start.log" 2>&1 || {
      cat "$BENCH_WORK/zk-start.log" >&2
      return 1
    }
    zk_record_pids
    for ((n = 1; n <= count; n++)); do
      if [[ $SRV_TOPO == standalone ]]; then
        SRV_MEMBERS+=("127.0.0.1:$ZK_PORT")
      else
        SRV_MEMBERS+=("127.0.0.1:$((ZK_ENSEMBLE_PORT + n - 1))")
      fi
    done
  fi
  # shellcheck disable=SC2034  # read by the sourcing script
  SRV_CONNECT=$(
    IFS=,
    echo "${SRV_MEMBERS[*]}"
  )
  srv_wait_serving 60
}

# zk_record_pids: zookeeper.sh keeps the java pids in ZK_BASE; mirror them where srv_pids looks.
zk_record_pids() {
  local name
  if [[ $SRV_TOPO == standalone ]]; then
    cp "$ZK_BASE/standalone.pid" "$BENCH_WORK/pids/zookeeper-standalone-1.pid"
  else
    for name in 1 2 3; do
      [[ -f $ZK_BASE/member-$name.pid ]] &&
        cp "$ZK_BASE/member-$name.pid" "$BENCH_WORK/pids/zookeeper-ensemble-$name.pid"
    done
  fi
  return 0
}

# srv_stop: SIGTERM every member, then SIGKILL what is left after 10 s.
srv_stop() {
  [[ -n ${SRV_KIND:-} ]] || return 0
  if [[ $SRV_KIND == zookeeper ]]; then
    "$ZK_SCRIPT" stop "$SRV_TOPO" >/dev/null 2>&1 || true
  fi
  local pid pids
  pids=$(srv_pids)
  for pid in $pids; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 100); do
    [[ -z $(srv_pids) ]] && break
    sleep 0.1
  done
  for pid in $(srv_pids); do kill -KILL "$pid" 2>/dev/null || true; done
  rm -f "$BENCH_WORK/pids/$SRV_KIND-$SRV_TOPO"-*.pid
  SRV_KIND=""
}

# srv_kill9 N: kill -9 member N and wait until it is gone.
srv_kill9() {
  local pidfile=$BENCH_WORK/pids/$SRV_KIND-$SRV_TOPO-$1.pid pid
  pid=$(cat "$pidfile")
  kill -KILL "$pid" 2>/dev/null || true
  # Gone, or a zombie that no one reaped yet (its parent may be init): dead either way.
  local state
  for _ in $(seq 1 100); do
    state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || break
    [[ -z $state || $state == Z || $state == X ]] && break
    sleep 0.05
  done
}

# srv_wait_reaped N: until killed member N's pid is gone, not only a zombie (bounded: 10 s).
# zookeeper.sh restarts only a member whose recorded pid answers no kill -0, and a killed java is
# not our child (its parent is init), so it stays a zombie until init reaps it.
srv_wait_reaped() {
  local old
  old=$(cat "$BENCH_WORK/pids/$SRV_KIND-$SRV_TOPO-$1.pid")
  for _ in $(seq 1 200); do
    kill -0 "$old" 2>/dev/null || return 0
    sleep 0.05
  done
}

# srv_relaunch N: starts member N again on its data dir without waiting (the caller times it).
srv_relaunch() {
  if [[ $SRV_KIND == coord ]]; then
    coord_launch "$1"
  else
    # zookeeper.sh starts only the members that are not running, then waits until all serve.
    # shellcheck disable=SC2086
    $SRV_PIN "$ZK_SCRIPT" start "$SRV_TOPO" >"$BENCH_WORK/zk-restart.log" 2>&1 &
    ZK_RESTART_PID=$!
  fi
}

# srv_relaunch_done: after srv_relaunch, waits (bounded) for the starter and re-reads pids.
srv_relaunch_done() {
  if [[ $SRV_KIND == zookeeper ]]; then
    wait "$ZK_RESTART_PID" || true
    zk_record_pids
  fi
}

# srv_role N: "leader", "follower", ... as member N reports it, or nothing if it does not answer.
srv_role() {
  local address=${SRV_MEMBERS[$(($1 - 1))]}
  if [[ $SRV_KIND == coord ]]; then
    timeout 5 "$COORDSH" --server "$address" -c status 2>/dev/null | sed -n 's/^role: //p'
  else
    four_letter "${address%:*}" "${address#*:}" srvr | sed -n 's/^Mode: //p'
  fi
}

# srv_leader: the member number of the leader (polls up to 30 s), or fails.
srv_leader() {
  local n
  for _ in $(seq 1 150); do
    for n in 1 2 3; do
      if [[ $(srv_role "$n") == leader ]]; then
        echo "$n"
        return 0
      fi
    done
    sleep 0.2
  done
  return 1
}

# srv_follower: the member number of some follower.
srv_follower() {
  local leader n
  leader=$(srv_leader) || return 1
  for n in 1 2 3; do
    if ((n != leader)) && [[ $(srv_role "$n") == follower ]]; then
      echo "$n"
      return 0
    fi
  done
  return 1
}

# --- probes -----------------------------------------------------------------------------------

# srv_backend: coordbench's --backend for the running server's own protocol.
srv_backend() { echo "$SRV_KIND"; }

# probe SERVERS WORKLOAD: one operation through a fresh coordbench, which connects, opens a
# session, prepares its own node under /bench-probe (a delete of what is left there and two
# creates), then does the one get or set; succeeds only if all of it did. Its own prefix keeps it
# off the workloads' /coordbench, which every run clears first. Bounded: 5 s.
probe() {
  timeout 5 "$COORDBENCH" --backend "$(srv_backend)" --servers "$1" --workload "$2" --count 1 \
    --connections 1 --outstanding 1 --keys 1 --value-bytes 32 --prefix /bench-probe --quiet \
    >/dev/null 2>&1
}

# srv_wait_serving SECONDS: until every member answers a real read.
srv_wait_serving() {
  local deadline=$((SECONDS + $1)) address
  for address in "${SRV_MEMBERS[@]}"; do
    until probe "$address" get; do
      if ((SECONDS >= deadline)); then
        echo "$SRV_KIND $SRV_TOPO: $address does not serve after $1 s" >&2
        return 1
      fi
      sleep 0.1
    done
  done
}
