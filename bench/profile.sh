#!/usr/bin/env bash
# Where the CPU goes: async-profiler on a warmed `multiserver serve` and on the client, for one measurement.
#
#   bench/profile.sh [handshakes|plain|throughput] [net|ws] [java|js]      (default: handshakes net java)
#
# Starts `multiserver serve` on net~shs, plain net and ws~shs with async-profiler loaded but idle, warms it
# (SERVER_WARMUP handshakes or MiB, untimed), then profiles the server (attached with jcmd) and, for a Java client,
# the client JVM too, during one `bench` run of COUNT handshakes or MIB MiB. Prints, per side: CPU samples per thread
# group and their split into libsodium, kernel, JNA stubs and Java, then the event loops' heaviest frames by the
# nearest Java caller. The collapsed stacks stay in OUT_DIR (flame graphs: async-profiler's converter, or any
# collapsed-stack viewer).
#
# Environment: COUNT=20000 (handshakes; plain: 3x), MIB=2048, SERVER_WARMUP=10000 (MiB: 256), CONCURRENCY=16,
#   OUT_DIR=a new temporary folder, ASYNC_PROFILER=4.2 (tools.profiler:async-profiler, fetched from Maven Central),
#   MULTISERVER_JAR=ms-cli/target/multiserver.jar, NODE=node, TOP=15 (frames listed per side).
# The server is sampled every 10 ms (jcmd cannot pass async-profiler's key=value options), the client every 1 ms.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KIND="${1:-handshakes}"
TRANSPORT="${2:-net}"
CLIENT="${3:-java}"
COUNT="${COUNT:-20000}"
MIB="${MIB:-2048}"
CONCURRENCY="${CONCURRENCY:-16}"
VERSION="${ASYNC_PROFILER:-4.2}"
JAR="${MULTISERVER_JAR:-$root/ms-cli/target/multiserver.jar}"
NODE="${NODE:-node}"
OUT_DIR="${OUT_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/ms-profile.XXXXXX")}"
mkdir -p "$OUT_DIR"
log() { printf '%s\n' "profile: $*" >&2; }
die() { log "$*"; exit 1; }
case "$KIND" in handshakes|plain|throughput) ;; *) die "kind must be handshakes, plain or throughput, got $KIND" ;; esac
case "$TRANSPORT" in net|ws) ;; *) die "transport must be net or ws, got $TRANSPORT" ;; esac
case "$CLIENT" in java|js) ;; *) die "client must be java or js, got $CLIENT" ;; esac
[ "$KIND/$TRANSPORT" != plain/ws ] || die "plain is net only"
[ -f "$JAR" ] || die "$JAR missing: mvn -q -B -pl ms-cli -am package -DskipTests"

# ---- async-profiler from Maven Central ------------------------------------------------------------------------------
ap_jar="$HOME/.m2/repository/tools/profiler/async-profiler/$VERSION/async-profiler-$VERSION.jar"
if [ ! -f "$ap_jar" ]; then
  log "fetching tools.profiler:async-profiler:$VERSION"
  mvn -q -B dependency:get -Dartifact="tools.profiler:async-profiler:$VERSION" -Dtransitive=false >&2 || die "fetch failed"
fi
ap_dir="$OUT_DIR/async-profiler"
mkdir -p "$ap_dir"
unzip -o -q "$ap_jar" 'linux-x64/*' -d "$ap_dir"
AP="$ap_dir/linux-x64/libasyncProfiler.so"

server_pid=""
cleanup() { if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi; }
trap cleanup EXIT

java -agentpath:"$AP" -jar "$JAR" serve --keys "$OUT_DIR/server.secret" --listen 'net:127.0.0.1:0~shs' \
  --listen 'net:127.0.0.1:0' --listen 'ws://127.0.0.1:0~shs' > "$OUT_DIR/server.out" 2> "$OUT_DIR/server.err" &
server_pid=$!
for _ in $(seq 1 300); do grep -qa '^net:' "$OUT_DIR/server.out" 2>/dev/null && break; sleep 0.1; done
address="$(grep -a '^net:' "$OUT_DIR/server.out" | head -n 1)" || die "the server printed no address"
case "$KIND/$TRANSPORT" in
  plain/*) target="$(tr ';' '\n' <<< "$address" | grep -v '~' | grep '^net:')"; COUNT=$((3 * COUNT)) ;;
  */net) target="$(tr ';' '\n' <<< "$address" | grep '^net:.*~shs')" ;;
  */ws) target="$(tr ';' '\n' <<< "$address" | grep '^ws:')" ;;
esac
mode=handshakes; [ "$KIND" = throughput ] && mode=throughput
if [ "$mode" = handshakes ]; then
  warm=(--count "${SERVER_WARMUP:-10000}" --concurrency "$CONCURRENCY"); timed=(--count "$COUNT" --concurrency "$CONCURRENCY")
else
  warm=(--mib "${SERVER_WARMUP:-256}"); timed=(--mib "$MIB")
fi
log "warming the server: $target"
"$NODE" "$root/interop/js/bench.js" "$mode" "$target" "${warm[@]}" > /dev/null

ticks() { awk '{ print $14 + $15 }' "/proc/$server_pid/stat"; }
lines0="$(wc -l < "$OUT_DIR/server.out")"
jcmd "$server_pid" JVMTI.agent_load "$AP" "start,threads" > /dev/null
t0="$(ticks)"
if [ "$CLIENT" = java ]; then
  java -agentpath:"$AP=start,event=cpu,interval=1ms,threads,collapsed,file=$OUT_DIR/client.collapsed" -jar "$JAR" bench \
    "$mode" "$target" "${timed[@]}" --keys "$OUT_DIR/client.secret" | tee "$OUT_DIR/result.json"
else
  "$NODE" "$root/interop/js/bench.js" "$mode" "$target" "${timed[@]}" | tee "$OUT_DIR/result.json"
fi
t1="$(ticks)"
jcmd "$server_pid" JVMTI.agent_load "$AP" "stop,collapsed" > /dev/null
sleep 1
tail -n +"$((lines0 + 1))" "$OUT_DIR/server.out" | grep -a '^\[' > "$OUT_DIR/server.collapsed" || true
ops="${COUNT}"; [ "$mode" = throughput ] && ops="$MIB"
awk -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v n="$ops" -v mode="$mode" 'BEGIN {
  if (mode == "throughput") printf "server CPU: %.2f s, %.2f ms per MiB (warm-up round trips included)\n", t / hz, 1000 * t / hz / n;
  else printf "server CPU: %.2f s, %.0f µs per connection (warm-up round trips included)\n", t / hz, 1e6 * t / hz / n }'

# summary FILE PERIOD-MS: samples per thread group, split by what ran; then the event loops' heaviest callers.
summary() {
  awk -v period="$2" '
    { n = $NF; line = substr($0, 1, length($0) - length(n) - 1); k = split(line, f, ";")
      th = f[1]; sub(/ tid=[0-9]+\]/, "", th); sub(/^\[/, "", th); gsub(/-[0-9]+$/, "", th); gsub(/#[0-9]+$/, "", th)
      leaf = f[k]; cat = "java"
      if (leaf ~ /libsodium|^crypto_|salsa|poly1305/) cat = "libsodium"
      else if (leaf ~ /_\[k\]$/) cat = "kernel"
      else if (leaf ~ /jna|ffi_/) cat = "jna"
      tot[th] += n; c[th, cat] += n
      if (th ~ /^multiserver-[0-9]/) {
        j = "(no Java frame)"
        for (i = k; i > 1; i--) if (f[i] ~ /^[a-z]+\/[A-Za-z0-9_\/$]+\.[A-Za-z0-9_<>$]+$/) { j = f[i]; break }
        loop += n; by[cat " " j] += n
      } }
    END {
      for (t in tot) if (tot[t] * period >= 20)
        printf "T %d\t%-26s %8d %8d %8.1f%% %7.1f%% %5.1f%% %5.1f%%\n", tot[t], t, tot[t], tot[t] * period, 100 * c[t, "libsodium"] / tot[t],
          100 * c[t, "kernel"] / tot[t], 100 * c[t, "jna"] / tot[t], 100 * c[t, "java"] / tot[t]
      for (x in by) if (by[x] / loop >= 0.01) printf "L %5.1f%%  %s\n", 100 * by[x] / loop, x
    }' "$1" > "$OUT_DIR/summary.tmp"
  printf '%-26s %8s %8s %9s %8s %6s %6s\n' "thread group" samples "CPU ms" libsodium kernel jna java
  grep '^T ' "$OUT_DIR/summary.tmp" | cut -c3- | sort -t$'\t' -k1,1nr | cut -f2-
  echo "event loops, by what ran and its nearest Java frame:"
  grep '^L ' "$OUT_DIR/summary.tmp" | cut -c3- | sort -rn | head -n "${TOP:-15}"
}
echo
echo "== server ($OUT_DIR/server.collapsed, 10 ms samples)"
summary "$OUT_DIR/server.collapsed" 10
if [ -f "$OUT_DIR/client.collapsed" ]; then
  echo
  echo "== client ($OUT_DIR/client.collapsed, 1 ms samples; JVM start and the client's warm-up included)"
  summary "$OUT_DIR/client.collapsed" 1
fi
