#!/usr/bin/env bash
# Java against Java and JS against JS on loopback, side by side, written to docs/PERFORMANCE.md.
#
#   bench/compare.sh
#
# Measures, for each implementation against its own echo server (`multiserver serve` / `node interop/js/bench.js
# serve`, both on port 0):
#   net~shs handshakes (C in flight), ws~shs handshakes, net~shs throughput, ws~shs throughput
# and replaces the generated section of docs/PERFORMANCE.md (between the compare.sh markers; the rest of the file is
# kept) with the table, the CPU each side used, and the machine (nproc, CPU model, java/node versions, date, load
# average before and after).
#
# Environment (defaults finish in a few minutes on 2 busy cores):
#   HANDSHAKES=2000      handshakes per net~shs run          WS_HANDSHAKES=$HANDSHAKES   per ws~shs run (0 skips)
#   CONCURRENCY=16       handshakes in flight                MIB=256                     MiB per throughput run
#   RUNS=1               repeat the whole set (each run is one row per measurement)
#   OUT=docs/PERFORMANCE.md                                  MULTISERVER_JAR=ms-cli/target/multiserver.jar
#   MULTISERVER_JAVA_OPTS  extra JVM flags for the Java server and client (e.g. a JFR recording)
#   JAVA_SERVER_OPTS / JAVA_CLIENT_OPTS  extra JVM flags for one side only
#   NODE=node            CLIENT_TIMEOUT=600 (seconds per client run)
# The jar is built (offline, tests skipped) when missing. Every process started here is stopped on exit.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HANDSHAKES="${HANDSHAKES:-2000}"
WS_HANDSHAKES="${WS_HANDSHAKES:-$HANDSHAKES}"
CONCURRENCY="${CONCURRENCY:-16}"
MIB="${MIB:-256}"
RUNS="${RUNS:-1}"
OUT="${OUT:-$root/docs/PERFORMANCE.md}"
JAR="${MULTISERVER_JAR:-$root/ms-cli/target/multiserver.jar}"
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
if [ ! -d "$JS_DIR/node_modules" ]; then
  log "installing the pinned JS packages (npm ci)"
  (cd "$JS_DIR" && npm ci --no-audit --no-fund >&2) || die "npm ci failed"
fi

# ---- helpers --------------------------------------------------------------------------------------------------------
# cpu_ticks PID: user+system clock ticks the process has used so far.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# json FILE KEY: a field of the last JSON line of FILE.
json() {
  "$NODE" -e '
    const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(l => l.startsWith("{"));
    if (!lines.length) process.exit(1);
    const v = JSON.parse(lines[lines.length - 1])[process.argv[2]];
    if (v === undefined) process.exit(1);
    console.log(v)' "$1" "$2"
}

# start_server NAME FILE-PATTERN CMD...: starts CMD in the background (stdout to $tmp/NAME.out), waits for a line
# matching the pattern, and records the pid.
start_server() {
  local name="$1" pattern="$2"
  shift 2
  "$@" > "$tmp/$name.out" 2> "$tmp/$name.err" &
  local pid=$!
  pids+=("$pid")
  eval "${name//-/_}_pid=$pid"
  local i
  for i in $(seq 1 600); do
    if grep -qE "$pattern" "$tmp/$name.out" 2>/dev/null; then
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { cat "$tmp/$name.err" >&2; die "$name exited before listening"; }
    sleep 0.1
  done
  cat "$tmp/$name.err" >&2
  die "$name did not print its address within 60 s"
}

# run_client TAG SERVER-PID CMD...: runs one measurement; leaves the JSON in $tmp/TAG.json and
# "client-cpu-seconds server-cpu-seconds" in $tmp/TAG.cpu.
run_client() {
  local tag="$1" spid="$2"
  shift 2
  local s0 s1 t0 t1
  s0="$(cpu_ticks "$spid")"
  t0="$(awk '{ print $14 + $15 + $16 + $17 }' /proc/$$/stat)" # children's time is added when they are reaped
  if ! timeout "$CLIENT_TIMEOUT" "$@" > "$tmp/$tag.json" 2> "$tmp/$tag.err"; then
    cat "$tmp/$tag.err" >&2
    die "$tag failed: $*"
  fi
  t1="$(awk '{ print $14 + $15 + $16 + $17 }' /proc/$$/stat)"
  s1="$(cpu_ticks "$spid")"
  awk -v c=$((t1 - t0)) -v s=$((s1 - s0)) -v hz="$CLK_TCK" 'BEGIN { printf "%.2f %.2f\n", c / hz, s / hz }' \
    > "$tmp/$tag.cpu"
  log "$tag: $(tail -n 1 "$tmp/$tag.json") (cpu client $(cut -d' ' -f1 "$tmp/$tag.cpu") s, server $(cut -d' ' -f2 "$tmp/$tag.cpu") s)"
}

# ---- servers --------------------------------------------------------------------------------------------------------
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
date_start="$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
log "load average before: $load_before"

start_server java-server '^net:' java "${JAVA_OPTS[@]}" "${JAVA_SERVER_OPTS_A[@]}" -jar "$JAR" serve \
  --keys "$tmp/java-server.secret" --listen 'net:127.0.0.1:0~shs' --listen 'ws://127.0.0.1:0~shs'
java_address="$(grep -E '^net:' "$tmp/java-server.out" | head -n 1)"
java_net="$(tr ';' '\n' <<< "$java_address" | grep '^net:')"
java_ws="$(tr ';' '\n' <<< "$java_address" | grep '^ws:')"
start_server js-net '^net:' "$NODE" "$JS_DIR/bench.js" serve --transport net
start_server js-ws '^ws:' "$NODE" "$JS_DIR/bench.js" serve --transport ws
js_net="$(grep -E '^net:' "$tmp/js-net.out" | head -n 1)"
js_ws="$(grep -E '^ws:' "$tmp/js-ws.out" | head -n 1)"
log "java: $java_net $java_ws"
log "js:   $js_net $js_ws"

java_client=(java "${JAVA_OPTS[@]}" "${JAVA_CLIENT_OPTS_A[@]}" -jar "$JAR" bench)
js_client=("$NODE" "$JS_DIR/bench.js")

# ---- measurements ---------------------------------------------------------------------------------------------------
# name|kind|unit|java-address|js-address|args
measurements=()
measurements+=("net~shs handshakes, $CONCURRENCY in flight|handshakes|handshakes/s|$java_net|$js_net|--count $HANDSHAKES --concurrency $CONCURRENCY")
if [ "$WS_HANDSHAKES" -gt 0 ]; then
  measurements+=("ws~shs handshakes, $CONCURRENCY in flight|handshakes|handshakes/s|$java_ws|$js_ws|--count $WS_HANDSHAKES --concurrency $CONCURRENCY")
fi
measurements+=("net~shs throughput, $MIB MiB echoed|throughput|MiB/s|$java_net|$js_net|--mib $MIB")
measurements+=("ws~shs throughput, $MIB MiB echoed|throughput|MiB/s|$java_ws|$js_ws|--mib $MIB")

rows=()
for run in $(seq 1 "$RUNS"); do
  i=0
  for m in "${measurements[@]}"; do
    IFS='|' read -r name kind unit jaddr saddr args <<< "$m"
    i=$((i + 1))
    read -r -a argv <<< "$args"
    # Alternate which implementation goes first, so a load change hurts neither side systematically.
    if [ $(((run + i) % 2)) -eq 0 ]; then
      run_client "java-$run-$i" "$java_server_pid" "${java_client[@]}" "$kind" "$jaddr" "${argv[@]}" --keys "$tmp/java-client.secret"
      srv_pid="$js_net_pid"; [[ "$saddr" == ws* ]] && srv_pid="$js_ws_pid"
      run_client "js-$run-$i" "$srv_pid" "${js_client[@]}" "$kind" "$saddr" "${argv[@]}"
    else
      srv_pid="$js_net_pid"; [[ "$saddr" == ws* ]] && srv_pid="$js_ws_pid"
      run_client "js-$run-$i" "$srv_pid" "${js_client[@]}" "$kind" "$saddr" "${argv[@]}"
      run_client "java-$run-$i" "$java_server_pid" "${java_client[@]}" "$kind" "$jaddr" "${argv[@]}" --keys "$tmp/java-client.secret"
    fi
    field=perSecond; [ "$kind" = throughput ] && field=mibPerSecond
    jv="$(json "$tmp/java-$run-$i.json" "$field")" || die "no figure from java-$run-$i"
    sv="$(json "$tmp/js-$run-$i.json" "$field")" || die "no figure from js-$run-$i"
    read -r jc js_ <<< "$(cat "$tmp/java-$run-$i.cpu")"
    read -r sc ss <<< "$(cat "$tmp/js-$run-$i.cpu")"
    rows+=("$(awk -v name="$name" -v run="$run" -v unit="$unit" -v jv="$jv" -v sv="$sv" \
      -v jc="$jc" -v js="$js_" -v sc="$sc" -v ss="$ss" 'BEGIN {
        printf "| %s | %d | %\047.1f %s | %\047.1f %s | **%.2f** | %.1f + %.1f | %.1f + %.1f |", name, run, jv, unit, sv, unit, jv / sv, jc, js, sc, ss
      }')")
  done
done

load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
log "load average after: $load_after"

# ---- report ---------------------------------------------------------------------------------------------------------
cpu_model="$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)"
java_version="$(java -version 2>&1 | head -n 2 | tail -n 1)"
{
  echo '<!-- compare.sh:begin (generated by bench/compare.sh; edits between these markers are overwritten) -->'
  echo "### Measured $date_start"
  echo
  echo "| measurement | run | Java vs Java | JS vs JS | java/js | Java CPU s, client + server | JS CPU s, client + server |"
  echo "| --- | --- | --- | --- | --- | --- | --- |"
  printf '%s\n' "${rows[@]}"
  echo
  echo "Machine: $(nproc) CPUs, ${cpu_model:-unknown CPU}, $(uname -sr); $java_version; node $("$NODE" --version)."
  echo "Load average (1, 5, 15 min) before: $load_before; after: $load_after."
  echo "Sizes: HANDSHAKES=$HANDSHAKES WS_HANDSHAKES=$WS_HANDSHAKES CONCURRENCY=$CONCURRENCY MIB=$MIB RUNS=$RUNS;"
  echo "JVM options: \`${MULTISERVER_JAVA_OPTS:-none}\`${JAVA_SERVER_OPTS:+, server \`$JAVA_SERVER_OPTS\`}${JAVA_CLIENT_OPTS:+, client \`$JAVA_CLIENT_OPTS\`}."
  echo "CPU seconds are user + system time of the client process (for Java including JVM start-up, about 1 to 2 s)"
  echo "and of the server process during that client run; both share the same cores."
  echo '<!-- compare.sh:end -->'
} > "$tmp/section.md"

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
