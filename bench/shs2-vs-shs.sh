#!/usr/bin/env bash
# net~shs2 beside net~shs, Java client against Java server, in one run (same machine state), printed as a table.
#
#   bench/shs2-vs-shs.sh
#
# Starts one `multiserver serve` listening on net:127.0.0.1:0~shs2 and net:127.0.0.1:0~shs (one process, one key),
# then, RUNS times, measures with `multiserver bench` (a new client JVM per measurement, warm-up before timing):
#   handshakes over each (HANDSHAKES, CONCURRENCY in flight), throughput over each (MIB echoed in 64 KiB writes)
# alternating which protocol goes first, so a load change hurts neither side systematically. Each row carries the
# 1-minute load average taken just before its two measurements, the CPU seconds the client process and the server
# process used during each, and the server's CPU per connection (per echoed MiB), the figure a busy host moves least. There is no JS column: the shs2 reference (secret-handshake2) is unpublished, so
# bench/compare.sh (Java against JS) stays as it is.
#
# Environment:
#   HANDSHAKES=3000   handshakes per run        CONCURRENCY=16     in flight        WARMUP=400    round trips before timing
#   MIB=512           MiB per throughput run    WARMUP_MIB=64      MiB echoed before timing
#   SERVER_WARMUP=1000  handshakes (and WARMUP_MIB MiB) over each protocol before run 1, untimed (0 skips)
#   RUNS=2            repeat the whole set      MULTISERVER_JAR=ms-cli/target/multiserver.jar
#   MULTISERVER_JAVA_OPTS  extra JVM flags for server and clients      CLIENT_TIMEOUT=600 (seconds per client run)
# Every process started here is stopped on exit.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HANDSHAKES="${HANDSHAKES:-3000}"
CONCURRENCY="${CONCURRENCY:-16}"
WARMUP="${WARMUP:-400}"
MIB="${MIB:-512}"
WARMUP_MIB="${WARMUP_MIB:-64}"
SERVER_WARMUP="${SERVER_WARMUP:-1000}"
RUNS="${RUNS:-2}"
JAR="${MULTISERVER_JAR:-$root/ms-cli/target/multiserver.jar}"
CLIENT_TIMEOUT="${CLIENT_TIMEOUT:-600}"
read -r -a JAVA_OPTS <<< "${MULTISERVER_JAVA_OPTS:-}"
CLK_TCK="$(getconf CLK_TCK)"

log() { printf '%s\n' "shs2-vs-shs: $*" >&2; }
die() { log "$*"; exit 1; }

command -v java >/dev/null || die "java not found"
[ -f "$JAR" ] || die "$JAR missing: mvn -q -B package -DskipTests -pl ms-cli"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/ms-shs2-vs-shs.XXXXXX")"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# cpu_ticks PID: user+system clock ticks the process has used so far.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# children_ticks: user+system ticks of this shell's reaped children.
children_ticks() { awk '{ print $16 + $17 }' "/proc/$$/stat"; }
load1() { cut -d' ' -f1 /proc/loadavg; }

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
date_start="$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
log "load average before: $load_before"

java "${JAVA_OPTS[@]}" -jar "$JAR" serve --keys "$tmp/server.secret" \
  --listen 'net:127.0.0.1:0~shs2' --listen 'net:127.0.0.1:0~shs' > "$tmp/server.out" 2> "$tmp/server.err" &
server_pid=$!
for _ in $(seq 1 600); do
  grep -q '^net:' "$tmp/server.out" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/server.err" >&2; die "the server exited before listening"; }
  sleep 0.1
done
address="$(grep -m 1 '^net:' "$tmp/server.out")" || die "the server printed no address within 60 s"
shs2="$(tr ';' '\n' <<< "$address" | grep '~shs2:')" || die "no net~shs2 in '$address'"
shs="$(tr ';' '\n' <<< "$address" | grep '~shs:')" || die "no net~shs in '$address'"
log "server: $shs2 $shs"

# measure TAG KIND ADDRESS: one client run; leaves "figure client-cpu server-cpu" in $tmp/TAG.
measure() {
  local tag="$1" kind="$2" addr="$3" args field s0 s1 c0 c1 figure
  if [ "$kind" = handshakes ]; then
    args=(--count "$HANDSHAKES" --concurrency "$CONCURRENCY" --warmup "$WARMUP"); field=perSecond
  else
    args=(--mib "$MIB" --warmup-mib "$WARMUP_MIB"); field=mibPerSecond
  fi
  s0="$(cpu_ticks "$server_pid")"; c0="$(children_ticks)"
  if ! timeout "$CLIENT_TIMEOUT" java "${JAVA_OPTS[@]}" -jar "$JAR" bench "$kind" "$addr" "${args[@]}" \
      --keys "$tmp/client.secret" > "$tmp/$tag.json" 2> "$tmp/$tag.err"; then
    cat "$tmp/$tag.err" >&2
    die "$tag failed"
  fi
  c1="$(children_ticks)"; s1="$(cpu_ticks "$server_pid")"
  figure="$(sed -n "s/.*\"$field\":\([0-9.]*\).*/\1/p" "$tmp/$tag.json" | tail -n 1)"
  [ -n "$figure" ] || die "no figure in $tag: $(cat "$tmp/$tag.json")"
  awk -v f="$figure" -v c=$((c1 - c0)) -v s=$((s1 - s0)) -v hz="$CLK_TCK" \
    'BEGIN { printf "%s %.2f %.2f\n", f, c / hz, s / hz }' > "$tmp/$tag"
  log "$tag: $(tail -n 1 "$tmp/$tag.json") (cpu client $(cut -d' ' -f2 "$tmp/$tag") s, server $(cut -d' ' -f3 "$tmp/$tag") s)"
}

# The server is one process for every run: warm its JIT on both protocols first (untimed, not reported), so run 1
# does not pay the server's compilation for whichever protocol happens to go first.
if [ "$SERVER_WARMUP" -gt 0 ]; then
  for addr in "$shs2" "$shs"; do
    timeout "$CLIENT_TIMEOUT" java "${JAVA_OPTS[@]}" -jar "$JAR" bench handshakes "$addr" --count "$SERVER_WARMUP" \
      --concurrency "$CONCURRENCY" --warmup 0 --keys "$tmp/client.secret" > /dev/null 2> "$tmp/warm.err" \
      || { cat "$tmp/warm.err" >&2; die "server warm-up over $addr failed"; }
    timeout "$CLIENT_TIMEOUT" java "${JAVA_OPTS[@]}" -jar "$JAR" bench throughput "$addr" --mib "$WARMUP_MIB" \
      --warmup-mib 0 --keys "$tmp/client.secret" > /dev/null 2> "$tmp/warm.err" \
      || { cat "$tmp/warm.err" >&2; die "server warm-up over $addr failed"; }
  done
  log "server warmed up ($SERVER_WARMUP handshakes and $WARMUP_MIB MiB over each)"
fi

rows=()
for run in $(seq 1 "$RUNS"); do
  i=0
  for kind in handshakes throughput; do
    i=$((i + 1))
    load="$(load1)"
    if [ $(((run + i) % 2)) -eq 0 ]; then
      measure "shs2-$run-$kind" "$kind" "$shs2"; measure "shs-$run-$kind" "$kind" "$shs"
    else
      measure "shs-$run-$kind" "$kind" "$shs"; measure "shs2-$run-$kind" "$kind" "$shs2"
    fi
    read -r v2 c2 s2 < "$tmp/shs2-$run-$kind"
    read -r v1 c1 s1 < "$tmp/shs-$run-$kind"
    # The server is one warm process: its CPU per connection (per MiB), warm-up included, is the steadiest figure.
    if [ "$kind" = handshakes ]; then
      name="handshakes, $HANDSHAKES, $CONCURRENCY in flight"; unit="handshakes/s"
      per=$((HANDSHAKES + WARMUP)); per_unit="ms per connection"
    else
      name="throughput, $MIB MiB echoed"; unit="MiB/s"
      per=$((MIB + WARMUP_MIB)); per_unit="ms per MiB"
    fi
    rows+=("$(awk -v name="$name" -v run="$run" -v load="$load" -v unit="$unit" -v v2="$v2" -v v1="$v1" \
      -v c2="$c2" -v s2="$s2" -v c1="$c1" -v s1="$s1" -v per="$per" -v per_unit="$per_unit" 'BEGIN {
        printf "| %s | %d | %s | %\047.1f %s | %\047.1f %s | **%.2f** | %.1f + %.1f | %.1f + %.1f | %.2f / %.2f %s |", name, run, load, v2, unit, v1, unit, v2 / v1, c2, s2, c1, s1, s2 * 1000 / per, s1 * 1000 / per, per_unit
      }')")
  done
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
log "load average after: $load_after"

cpu_model="$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)"
echo "### net~shs2 beside net~shs, measured $date_start"
echo
echo "| measurement | run | load (1 min) | net~shs2 | net~shs | shs2/shs | shs2 CPU s, client + server | shs CPU s, client + server | server CPU, shs2 / shs |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
printf '%s\n' "${rows[@]}"
echo
echo "Machine: $(nproc) CPUs, ${cpu_model:-unknown CPU}, $(uname -sr); $(java -version 2>&1 | sed -n 2p)."
echo "Load average (1, 5, 15 min) before: $load_before; after: $load_after."
echo "Sizes: HANDSHAKES=$HANDSHAKES CONCURRENCY=$CONCURRENCY WARMUP=$WARMUP MIB=$MIB WARMUP_MIB=$WARMUP_MIB"
echo "SERVER_WARMUP=$SERVER_WARMUP RUNS=$RUNS;"
echo "JVM options: \`${MULTISERVER_JAVA_OPTS:-none}\`. One \`multiserver serve\` process serves both; each figure is a new"
echo "\`multiserver bench\` client JVM. CPU seconds: user + system time of the client process (JVM start-up and warm-up"
echo "included) and of the server process during that client run; all share the same cores. Server CPU per connection"
echo "(per MiB) divides the server's CPU seconds by the handshakes (MiB) of that run, warm-up included."
