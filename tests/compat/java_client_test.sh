#!/usr/bin/env bash
# Runs JavaClientTest.java — ZooKeeper's Java client 3.8 (libzookeeper-java, a dependency of the
# Debian package zookeeper) — against a coordd started by the test, or, with
# COORD_COMPAT_TARGET=zookeeper, against Apache ZooKeeper at COORD_COMPAT_SERVER
# (default 127.0.0.1:2191). The JDK runs the single source file directly (no build step).
#
#   java_client_test.sh --coordd PATH
# Exit 0 pass, 1 fail, 77 skip (the jar or a JDK is missing).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
jar=/usr/share/java/zookeeper.jar
if [[ ! -f $jar ]]; then
  echo "SKIPPED: $jar is missing (Debian: zookeeper)"
  exit 77
fi
if ! command -v javac >/dev/null; then
  echo "SKIPPED: no JDK to run a Java source file (Debian: default-jdk-headless)"
  exit 77
fi
classpath=$jar
[[ -f /usr/share/java/slf4j-nop.jar ]] && classpath+=:/usr/share/java/slf4j-nop.jar

if [[ ${COORD_COMPAT_TARGET:-coord} == zookeeper ]]; then
  target=(--server "${COORD_COMPAT_SERVER:-127.0.0.1:2191}")
else
  [[ ${1:-} == --coordd && -x ${2:-} ]] || { echo "usage: $0 --coordd PATH" >&2; exit 2; }
  target=(--coordd "$2")
fi
exec timeout 240 java -Xmx256m -cp "$classpath" "$here/JavaClientTest.java" "${target[@]}"
