#!/usr/bin/env bash
# Java against JS on loopback, every client against every server, in one run; written to docs/PERFORMANCE.md.
#
#   bench/compare.sh
#
# Servers: one `multiserver serve` (net~shs, plain net, ws~shs) and three `node interop/js/bench.js serve` (the same
# three; multiserver 3.8.2 + secret-handshake 1.1.21 with sodium-native, TCP_NODELAY as Java sets it). Clients:
# `multiserver bench` (a new JVM per run) and `node interop/js/bench.js`, with the same loop and warm-ups.
#   1. The primitives' cost on this machine: JMH `sodium.PrimitivesBenchmark` (Java) and interop/js/primitives.js.
#   2. Every server is warmed (SERVER_WARMUP handshakes, twice that many plain connections, SERVER_WARMUP_MIB MiB),
#      so neither JIT compiles through the timed runs.
#   3. RUNS times, for each measurement (net~shs handshakes, ws~shs handshakes, plain net connections, net~shs echo,
#      ws~shs echo), the four pairs Java/JS client x Java/JS server, the order rotated every run so a change of load
#      hurts no pair systematically.
# The section of docs/PERFORMANCE.md between the compare.sh markers is replaced (bench/compare-report.js makes it):
# medians and ranges, the server's CPU per connection or MiB, each pair's ceiling from the primitives and the share of
# it reached, the machine and the load average before, during and after.
#
# Environment (the defaults take about 12 minutes on 2 cores):
#   HANDSHAKES=5000        timed net~shs handshakes per run    WARMUP=2000      client round trips before timing
#   WS_HANDSHAKES=3000     timed ws~shs handshakes per run     WS_WARMUP=1000
#   PLAIN=20000            timed plain net connections         PLAIN_WARMUP=10000
#   CONCURRENCY=16         round trips in flight
#   MIB=512                MiB echoed per timed throughput run WARMUP_MIB=64    MiB echoed first, untimed
#   SERVER_WARMUP=10000    handshakes per server before run 1  SERVER_WARMUP_MIB=256
#   RUNS=3                 PRIMITIVES=1 (0 skips step 1)        PRIMITIVE_SECONDS=1
#   OUT=docs/PERFORMANCE.md   MULTISERVER_JAR=ms-cli/target/multiserver.jar   BENCHMARKS_JAR=ms-benchmarks/target/benchmarks.jar
#   MULTISERVER_JAVA_OPTS  extra JVM flags for the Java server and clients; JAVA_SERVER_OPTS / JAVA_CLIENT_OPTS one side
#   NODE=node              CLIENT_TIMEOUT=600 (seconds per client run)   RESULTS=FILE keeps the raw per-run table (TSV)
# Jars are built (offline, tests skipped) when missing. Every process started here is stopped on exit.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HANDSHAKES="${HANDSHAKES:-5000}"
WARMUP="${WARMUP:-2000}"
WS_HANDSHAKES="${WS_HANDSHAKES:-3000}"
WS_WARMUP="${WS_WARMUP:-1000}"
PLAIN="${PLAIN:-20000}"
PLAIN_WARMUP="${PLAIN_WARMUP:-10000}"
CONCURRENCY="${CONCURRENCY:-16}"
MIB="${MIB:-512}"
WARMUP_MIB="${WARMUP_MIB:-64}"
SERVER_WARMUP="${SERVER_WARMUP:-10000}"
SERVER_WARMUP_MIB="${SERVER_WARMUP_MIB:-256}"
RUNS="${RUNS:-3}"
PRIMITIVES="${PRIMITIVES:-1}"
PRIMITIVE_SECONDS="${PRIMITIVE_SECONDS:-1}"
OUT="${OUT:-$root/docs/PERFORMANCE.md}"
JAR="${MULTISERVER_JAR:-$root/ms-cli/target/multiserver.jar}"
BENCH_JAR="${BENCHMARKS_JAR:-$root/ms-benchmarks/target/benchmarks.jar}"
NODE="${NODE:-node}"
CLIENT_TIMEOUT="${CLIENT_TIMEOUT:-600}"
JS_DIR="$root/interop/js"
read -r -a JAVA_OPTS <<< "${MULTISERVER_JAVA_OPTS:-}"
read -r -a JAVA_SERVER_OPTS_A <<< "${JAVA_SERVER_OPTS:-}"
read -r -a JAVA_CLIENT_OPTS_A <<< "${JAVA_CLIENT_OPTS:-}"
CLK_TCK="$(getconf CLK_TCK)"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/ms-compare.XXXXXX")"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '%s\n' "compare: $*" >&2; }
die() { log "$*"; exit 1; }

# ---- prerequisites --------------------------------------------------------------------------------------------------
command -v java >/dev/null || die "java not found"
command -v "$NODE" >/dev/null || die "node not found"
if [ ! -f "$JAR" ]; then
  log "building $JAR (offline, tests skipped)"
  (cd "$root" && mvn -q -o -B -pl ms-cli -am package -DskipTests -Dmaven.javadoc.skip=true >&2) || die "build failed"
fi
if [ "$PRIMITIVES" = 1 ] && [ ! -f "$BENCH_JAR" ]; then
  log "building $BENCH_JAR (offline, tests skipped)"
  (cd "$root" && mvn -q -o -B -pl ms-benchmarks -am package -DskipTests -Dmaven.javadoc.skip=true >&2) || die "build failed"
fi
if [ ! -d "$JS_DIR/node_modules" ]; then
  log "installing the pinned JS packages (npm ci)"
  (cd "$JS_DIR" && npm ci --no-audit --no-fund >&2) || die "npm ci failed"
fi

# ---- helpers --------------------------------------------------------------------------------------------------------
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
children_ticks() { awk '{ print $16 + $17 }' "/proc/$$/stat"; }
load1() { cut -d' ' -f1 /proc/loadavg; }

# json FILE KEY: a field of the last JSON line of FILE.
json() {
  "$NODE" -e '
    const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(l => l.startsWith("{"));
    if (!lines.length) process.exit(1);
    const v = JSON.parse(lines[lines.length - 1])[process.argv[2]];
    if (v === undefined) process.exit(1);
    console.log(v)' "$1" "$2"
}

# start_server NAME PATTERN CMD...: starts CMD in the background, waits for a stdout line matching PATTERN, and
# records the pid in NAME_pid.
start_server() {
  local name="$1" pattern="$2"
  shift 2
  "$@" > "$tmp/$name.out" 2> "$tmp/$name.err" &
  local pid=$!
  pids+=("$pid")
  printf -v "${name//-/_}_pid" '%s' "$pid"
  local i
  for i in $(seq 1 600); do
    grep -qE "$pattern" "$tmp/$name.out" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$tmp/$name.err" >&2; die "$name exited before listening"; }
    sleep 0.1
  done
  cat "$tmp/$name.err" >&2
  die "$name did not print its address within 60 s"
}

# client IMPL KIND ADDRESS ARGS...: sets cmd to the command line of one client run.
client() {
  local impl="$1"
  shift
  if [ "$impl" = java ]; then
    cmd=(java "${JAVA_OPTS[@]}" "${JAVA_CLIENT_OPTS_A[@]}" -jar "$JAR" bench "$@" --keys "$tmp/java-client.secret")
  else
    cmd=("$NODE" "$JS_DIR/bench.js" "$@")
  fi
}

# run_client TAG SERVER-PID CMD...: one client run; leaves its JSON line in $tmp/TAG.json and
# "client-cpu-seconds server-cpu-seconds load1" in $tmp/TAG.cpu.
run_client() {
  local tag="$1" spid="$2"
  shift 2
  local s0 s1 t0 t1 load
  load="$(load1)"
  s0="$(cpu_ticks "$spid")"
  t0="$(children_ticks)"
  if ! timeout "$CLIENT_TIMEOUT" "$@" > "$tmp/$tag.json" 2> "$tmp/$tag.err"; then
    cat "$tmp/$tag.err" >&2
    die "$tag failed: $*"
  fi
  t1="$(children_ticks)"
  s1="$(cpu_ticks "$spid")"
  awk -v c=$((t1 - t0)) -v s=$((s1 - s0)) -v hz="$CLK_TCK" -v l="$load" 'BEGIN { printf "%.2f %.2f %s\n", c / hz, s / hz, l }' \
    > "$tmp/$tag.cpu"
  log "$tag: $(tail -n 1 "$tmp/$tag.json") (cpu client $(cut -d' ' -f1 "$tmp/$tag.cpu") s, server $(cut -d' ' -f2 "$tmp/$tag.cpu") s, load $load)"
}

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
date_start="$(date -u '+%Y-%m-%d %H:%M UTC')"
log "load average before: $load_before"

# ---- 1. primitives (before any server runs) -------------------------------------------------------------------------
echo '{}' > "$tmp/java-primitives.json"
echo '{}' > "$tmp/js-primitives.json"
if [ "$PRIMITIVES" = 1 ]; then
  log "primitives: JMH sodium.PrimitivesBenchmark"
  java -jar "$BENCH_JAR" \
    'sodium.PrimitivesBenchmark.(secretboxDetached4096|secretboxOpenDetached4096|secretboxEasy18|secretboxOpenEasy18|scalarmult|boxKeypair|sign|verify|pkToCurve25519)$' \
    -f 1 -wi 2 -i 3 -w "${PRIMITIVE_SECONDS}s" -r "${PRIMITIVE_SECONDS}s" -tu us -rf json -rff "$tmp/jmh.json" \
    > "$tmp/jmh.out" 2>&1 || { tail -n 30 "$tmp/jmh.out" >&2; die "JMH failed"; }
  "$NODE" -e '
    const fs = require("fs");
    const [jmh, outFile, log] = process.argv.slice(1);
    const us = {};
    for (const r of JSON.parse(fs.readFileSync(jmh, "utf8"))) us[r.benchmark.split(".").pop()] = Math.round(r.primaryMetric.score * 100) / 100;
    const lib = (fs.readFileSync(log, "utf8").match(/^libsodium .*$/m) || ["libsodium (version not printed)"])[0];
    fs.writeFileSync(outFile, JSON.stringify({ impl: "java", kind: "primitives", library: "Lazysodium 5.1.4 / JNA, " + lib, us }) + "\n");
  ' "$tmp/jmh.json" "$tmp/java-primitives.json" "$tmp/jmh.out"
  log "primitives: interop/js/primitives.js"
  "$NODE" "$JS_DIR/primitives.js" --seconds "$PRIMITIVE_SECONDS" > "$tmp/js-primitives.json"
  log "java: $(cat "$tmp/java-primitives.json")"
  log "js:   $(cat "$tmp/js-primitives.json")"
fi

# ---- servers --------------------------------------------------------------------------------------------------------
start_server java-server '^net:' java "${JAVA_OPTS[@]}" "${JAVA_SERVER_OPTS_A[@]}" -jar "$JAR" serve \
  --keys "$tmp/java-server.secret" --listen 'net:127.0.0.1:0~shs' --listen 'net:127.0.0.1:0' --listen 'ws://127.0.0.1:0~shs'
java_address="$(grep -E '^net:' "$tmp/java-server.out" | head -n 1)"
declare -A address server_pid
address[java,net-shs]="$(tr ';' '\n' <<< "$java_address" | grep '^net:.*~shs')"
address[java,net-plain]="$(tr ';' '\n' <<< "$java_address" | grep -v '~' | grep '^net:')"
address[java,ws-shs]="$(tr ';' '\n' <<< "$java_address" | grep '^ws:')"
start_server js-net '^net:' "$NODE" "$JS_DIR/bench.js" serve --transport net
start_server js-plain '^net:' "$NODE" "$JS_DIR/bench.js" serve --transport net --plain
start_server js-ws '^ws:' "$NODE" "$JS_DIR/bench.js" serve --transport ws
address[js,net-shs]="$(head -n 1 "$tmp/js-net.out")"
address[js,net-plain]="$(head -n 1 "$tmp/js-plain.out")"
address[js,ws-shs]="$(head -n 1 "$tmp/js-ws.out")"
for stack in net-shs net-plain ws-shs; do
  server_pid[java,$stack]="$java_server_pid"
done
server_pid[js,net-shs]="$js_net_pid"
server_pid[js,net-plain]="$js_plain_pid"
server_pid[js,ws-shs]="$js_ws_pid"
for impl in java js; do
  log "$impl: ${address[$impl,net-shs]} ${address[$impl,net-plain]} ${address[$impl,ws-shs]}"
done

# ---- 2. server warm-up ----------------------------------------------------------------------------------------------
if [ "$SERVER_WARMUP" -gt 0 ]; then
  for impl in java js; do
    for stack in net-shs ws-shs; do
      log "warming the $impl server's $stack"
      client js handshakes "${address[$impl,$stack]}" --count "$SERVER_WARMUP" --concurrency "$CONCURRENCY" --warmup 1
      run_client "warm-$impl-$stack" "${server_pid[$impl,$stack]}" "${cmd[@]}"
      client js throughput "${address[$impl,$stack]}" --mib "$SERVER_WARMUP_MIB" --warmup-mib 0
      run_client "warm-mib-$impl-$stack" "${server_pid[$impl,$stack]}" "${cmd[@]}"
    done
    client js handshakes "${address[$impl,net-plain]}" --count $((2 * SERVER_WARMUP)) --concurrency "$CONCURRENCY" --warmup 1
    run_client "warm-$impl-net-plain" "${server_pid[$impl,net-plain]}" "${cmd[@]}"
  done
fi

# ---- 3. measurements ------------------------------------------------------------------------------------------------
# id|stack|kind|args|operations the server serves per run
measurements=(
  "net-shs-handshakes|net-shs|handshakes|--count $HANDSHAKES --concurrency $CONCURRENCY --warmup $WARMUP|$((HANDSHAKES + WARMUP))"
  "ws-shs-handshakes|ws-shs|handshakes|--count $WS_HANDSHAKES --concurrency $CONCURRENCY --warmup $WS_WARMUP|$((WS_HANDSHAKES + WS_WARMUP))"
  "net-plain-connections|net-plain|handshakes|--count $PLAIN --concurrency $CONCURRENCY --warmup $PLAIN_WARMUP|$((PLAIN + PLAIN_WARMUP))"
  "net-shs-throughput|net-shs|throughput|--mib $MIB --warmup-mib $WARMUP_MIB|$((MIB + WARMUP_MIB))"
  "ws-shs-throughput|ws-shs|throughput|--mib $MIB --warmup-mib $WARMUP_MIB|$((MIB + WARMUP_MIB))"
)
pairs=("java java" "js js" "java js" "js java")
: > "$tmp/results.tsv"
for run in $(seq 1 "$RUNS"); do
  for m in "${measurements[@]}"; do
    IFS='|' read -r id stack kind args ops <<< "$m"
    field=perSecond; [ "$kind" = throughput ] && field=mibPerSecond
    for k in 0 1 2 3; do
      read -r c s <<< "${pairs[$(((k + run) % 4))]}"
      tag="$run-$id-$c-$s"
      read -r -a argv <<< "$args"
      client "$c" "$kind" "${address[$s,$stack]}" "${argv[@]}"
      run_client "$tag" "${server_pid[$s,$stack]}" "${cmd[@]}"
      value="$(json "$tmp/$tag.json" "$field")" || die "no figure from $tag"
      read -r ccpu scpu load < "$tmp/$tag.cpu"
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$run" "$id" "$c" "$s" "$value" "$ccpu" "$scpu" "$ops" "$load" \
        >> "$tmp/results.tsv"
    done
  done
done

load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
log "load average after: $load_after"

# ---- report ---------------------------------------------------------------------------------------------------------
cpu_model="$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)"
java_version="$(java -version 2>&1 | head -n 2 | tail -n 1)"
MACHINE="$(nproc) CPUs, ${cpu_model:-unknown CPU}, $(uname -sr); $java_version; node $("$NODE" --version)" \
DATE_START="$date_start" DATE_END="$(date -u '+%H:%M UTC')" LOAD_BEFORE="$load_before" LOAD_AFTER="$load_after" \
SIZES="HANDSHAKES=$HANDSHAKES WARMUP=$WARMUP WS_HANDSHAKES=$WS_HANDSHAKES WS_WARMUP=$WS_WARMUP PLAIN=$PLAIN PLAIN_WARMUP=$PLAIN_WARMUP CONCURRENCY=$CONCURRENCY MIB=$MIB WARMUP_MIB=$WARMUP_MIB SERVER_WARMUP=$SERVER_WARMUP SERVER_WARMUP_MIB=$SERVER_WARMUP_MIB RUNS=$RUNS; JVM options: ${MULTISERVER_JAVA_OPTS:-none}${JAVA_SERVER_OPTS:+, server $JAVA_SERVER_OPTS}${JAVA_CLIENT_OPTS:+, client $JAVA_CLIENT_OPTS}" \
RUNS="$RUNS" CORES="$(nproc)" "$NODE" -e '
  const e = process.env;
  console.log(JSON.stringify({ machine: e.MACHINE, dateStart: e.DATE_START, dateEnd: e.DATE_END, loadBefore: e.LOAD_BEFORE,
    loadAfter: e.LOAD_AFTER, sizes: e.SIZES, runs: +e.RUNS, cores: +e.CORES }));' > "$tmp/meta.json"
"$NODE" "$root/bench/compare-report.js" "$tmp/results.tsv" "$tmp/java-primitives.json" "$tmp/js-primitives.json" \
  "$tmp/meta.json" > "$tmp/section.md"
if [ -n "${RESULTS:-}" ]; then cp "$tmp/results.tsv" "$RESULTS"; fi

mkdir -p "$(dirname "$OUT")"
if [ -f "$OUT" ] && grep -q '<!-- compare.sh:begin' "$OUT"; then
  "$NODE" -e '
    const fs = require("fs");
    const [out, section] = process.argv.slice(1);
    const text = fs.readFileSync(out, "utf8");
    const begin = text.indexOf("<!-- compare.sh:begin");
    const endMarker = "<!-- compare.sh:end -->";
    const end = text.indexOf(endMarker, begin);
    if (end < 0) { console.error("compare: " + out + " has a begin marker but no end marker"); process.exit(1); }
    fs.writeFileSync(out, text.slice(0, begin) + fs.readFileSync(section, "utf8").trimEnd() + text.slice(end + endMarker.length));
  ' "$OUT" "$tmp/section.md"
else
  {
    echo '# Performance: Java against JS'
    echo
    echo 'Run `bench/compare.sh` to refresh the table below.'
    echo
    cat "$tmp/section.md"
  } >> "$OUT"
fi
cat "$tmp/section.md"
log "wrote $OUT"
