#!/usr/bin/env bash
# ZooKeeper's own shell, zkCli.sh (Debian package zookeeper: the Java client 3.8), against coord's
# ZooKeeper listener: the one-shot form (`zkCli.sh -server HOST:PORT CMD ARGS`) for create, ls,
# get, set, stat and delete, then one scripted session for what the C client 3.8 cannot send —
# getAllChildrenNumber, getEphemerals, whoami, addWatch (persistent and persistent recursive) and
# removewatches — and for container/TTL/sequential creates, versioned sets, ACLs with addauth,
# sync and deleteall. Its output is compared with what Apache ZooKeeper 3.8 prints (zxids, times
# and session ids masked; watch events compared as a set, since they interleave).
#
#   zkcli_test.sh --coordd PATH                        a coordd started here (standalone)
#   COORD_COMPAT_TARGET=zookeeper zkcli_test.sh        Apache ZooKeeper at COORD_COMPAT_SERVER
#                                                      (default 127.0.0.1:2191)
# Exit 0 pass, 1 fail, 77 skip (zkCli.sh or java missing).
set -uo pipefail

zkcli=${ZKCLI:-/usr/share/zookeeper/bin/zkCli.sh}
if [[ ! -x $zkcli ]] || ! command -v java >/dev/null; then
  echo "SKIPPED: $zkcli or java is missing (Debian: zookeeper)"
  exit 77
fi

coordd=
[[ ${1:-} == --coordd ]] && coordd=${2:?coordd path}
work=$(mktemp -d /tmp/coord_zkcli_XXXXXX)
coordd_pid=
cleanup() {
  if [[ -n $coordd_pid ]]; then
    kill -9 "$coordd_pid" 2>/dev/null
    wait "$coordd_pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' TERM INT # run the cleanup on a ctest timeout too

# The server: an external ZooKeeper, or coordd with its ZooKeeper listener on a port it picks.
if [[ ${COORD_COMPAT_TARGET:-coord} == zookeeper ]]; then
  server=${COORD_COMPAT_SERVER:-127.0.0.1:2191}
else
  [[ -x $coordd ]] || { echo "error: --coordd PATH is needed for the coord target" >&2; exit 1; }
  printf 'data_dir: %s/data\nclient_address: 127.0.0.1:0\nzookeeper_address: 127.0.0.1:0\ntick_ms: 20\n' \
    "$work" >"$work/coord.yaml"
  "$coordd" --config "$work/coord.yaml" >"$work/coordd.out" 2>"$work/coordd.log" </dev/null &
  coordd_pid=$!
  for _ in $(seq 1 200); do # 20 s
    server=$(sed -n 's/^coordd listening for ZooKeeper clients on //p' "$work/coordd.out")
    [[ -n $server ]] && break
    sleep 0.1
  done
  [[ -n $server ]] || { echo "coordd did not start:"; cat "$work/coordd.log"; exit 1; }
fi
echo "server: $server"

failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# zk CMD ARGS...: one zkCli.sh run; its output without the JVM's logging noise in $work/out, the
# exit code in $rc.
zk() {
  timeout 60 "$zkcli" -server "$server" -waitforconnection -timeout 15000 "$@" >"$work/raw" 2>&1
  rc=$?
  grep -v -e '^SLF4J' -e '^$' -e '^Connecting to ' -e '^WATCHER::' \
    -e '^WatchedEvent state:SyncConnected type:None path:null' "$work/raw" >"$work/out"
}
# expect_out TEXT: the output of the last zk run is exactly TEXT.
expect_out() {
  if [[ $(cat "$work/out") != "$1" ]]; then
    fail "zkCli $last: expected"
    printf '%s\n' "$1" | sed 's/^/    /'
    echo "  got (exit $rc)"
    sed 's/^/    /' "$work/raw"
  fi
}
run() {
  last="$*"
  zk "$@"
}

root=/zkcli-$$-$RANDOM

# --- one-shot commands -------------------------------------------------------------------------
run create "$root" "root data"
expect_out "Created $root"
run create "$root/child" "hello world"
expect_out "Created $root/child"
run ls "$root"
expect_out "[child]"
run get "$root/child"
expect_out "hello world"
run set "$root/child" "changed"
expect_out ""
run get "$root/child"
expect_out "changed"
run stat "$root/child"
sed -i -E 's/^(cZxid|mZxid|pZxid) = 0x[0-9a-f]+$/\1 = ZXID/; s/^(ctime|mtime) = .*/\1 = TIME/' "$work/out"
expect_out "cZxid = ZXID
ctime = TIME
mZxid = ZXID
mtime = TIME
pZxid = ZXID
cversion = 0
dataVersion = 1
aclVersion = 0
ephemeralOwner = 0x0
dataLength = 7
numChildren = 0"
run create "$root/child" "again"
expect_out "Node already exists: $root/child"
run delete "$root"
expect_out "Node not empty: $root"
run delete "$root/child"
expect_out ""
[[ $rc == 0 ]] || fail "delete exit code $rc"
run get "$root/child"
expect_out "Node does not exist: $root/child"
[[ $rc != 0 ]] || fail "get of a missing node exits 0"
run ls /
grep -qx "\[.*${root#/}.*\]" "$work/out" || fail "ls / does not list ${root#/}: $(cat "$work/out")"

# --- one scripted session ----------------------------------------------------------------------
# Commands run in order; watch events arrive in between, so they are checked apart.
R=$root
cat >"$work/script" <<SCRIPT
create $R/a alpha
create $R/seq
create $R/seq/plain
create -s $R/seq/s- x
create -e $R/e eph
create -c $R/c
create -t 60000 $R/t
ls $R
get -s $R/a
set $R/a beta
set -v 0 $R/a gamma
set -s -v 1 $R/a delta
getAllChildrenNumber $R
getEphemerals $R
whoami
addWatch $R
addWatch -m PERSISTENT $R/a
addWatch -m PERSISTENT_RECURSIVE $R/c
create $R/c/x
create $R/new
set $R/a epsilon
set $R/a zeta
removewatches $R
removewatches $R/a
set $R/a eta
create $R/after-remove
sync $R
setAcl $R/a digest:compat:vsMoek7F1sUFrzDIF24UBo9/apc=:cdrwa
get $R/a
getAcl $R/a
addauth digest compat:secret
whoami
get $R/a
getAcl $R/a
delete $R/c/x
deleteall $R
ls $R
quit
SCRIPT
last="(scripted session)"
timeout 60 "$zkcli" -server "$server" -waitforconnection -timeout 15000 <"$work/script" >"$work/raw" 2>&1
rc=$?
mask='s/^(cZxid|mZxid|pZxid) = 0x[0-9a-f]+$/\1 = ZXID/; s/^(ctime|mtime) = .*/\1 = TIME/'
grep -v -e '^SLF4J' -e '^$' -e '^Connecting to ' -e '^Welcome to ZooKeeper' \
  -e '^JLine support' -e '^WATCHER::' -e '^WatchedEvent' -e '^ip: ' -e '^digest: ' "$work/raw" |
  sed -E "$mask" >"$work/out"
grep '^WatchedEvent' "$work/raw" | grep -v -e 'type:None' | sort >"$work/events"
# whoami's identities, in no particular order (ZooKeeper lists digest before ip).
grep -e '^ip: ' -e '^digest: ' "$work/raw" | sort >"$work/identities"

# ZooKeeper's sequential suffix is the parent's cversion (the plain sibling counts); coord numbers
# a parent's sequential creates (README, "Using ZooKeeper clients"): unique and increasing both.
if [[ ${COORD_COMPAT_TARGET:-coord} == zookeeper ]]; then first_seq=0000000001; else first_seq=0000000000; fi
expect_out "Created $R/a
Created $R/seq
Created $R/seq/plain
Created $R/seq/s-$first_seq
Created $R/e
Created $R/c
Created $R/t
[a, c, e, seq, t]
alpha
cZxid = ZXID
ctime = TIME
mZxid = ZXID
mtime = TIME
pZxid = ZXID
cversion = 0
dataVersion = 0
aclVersion = 0
ephemeralOwner = 0x0
dataLength = 5
numChildren = 0
version No is not valid : $R/a
cZxid = ZXID
ctime = TIME
mZxid = ZXID
mtime = TIME
pZxid = ZXID
cversion = 0
dataVersion = 2
aclVersion = 0
ephemeralOwner = 0x0
dataLength = 5
numChildren = 0
7
[$R/e]
Auth scheme: User
Created $R/c/x
Created $R/new
Created $R/after-remove
Sync is OK
Insufficient permission : $R/a
Insufficient permission : $R/a
Auth scheme: User
eta
'digest,'compat:vsMoek7F1sUFrzDIF24UBo9/apc=
: cdrwa
Node does not exist: $R"

p="WatchedEvent state:SyncConnected"
expected_events=$(sort <<EVENTS
$p type:NodeCreated path:$R/c/x
$p type:NodeCreated path:$R/new
$p type:NodeDataChanged path:$R/a
$p type:NodeDataChanged path:$R/a
$p type:PersistentWatchRemoved path:$R
$p type:PersistentWatchRemoved path:$R/a
$p type:NodeDeleted path:$R/c/x
$p type:NodeDeleted path:$R/c
EVENTS
)
if [[ $(cat "$work/events") != "$expected_events" ]]; then
  fail "scripted session: watch events differ; expected"
  printf '%s\n' "$expected_events" | sed 's/^/    /'
  echo "  got"
  sed 's/^/    /' "$work/events"
fi

if [[ $(cat "$work/identities") != $'digest: compat\nip: 127.0.0.1\nip: 127.0.0.1' ]]; then
  fail "whoami: expected ip: 127.0.0.1 twice and digest: compat once, got: $(cat "$work/identities")"
fi

if ((failures > 0)); then
  echo "$failures zkCli check(s) failed against $server"
  [[ -n $coordd_pid ]] && { echo "---- coordd log (tail) ----"; tail -50 "$work/coordd.log"; }
  exit 1
fi
echo "all zkCli checks passed against $server"
