#!/usr/bin/env bash
# The reliability suite under full CPU load: `mvn -B verify` (the README's test command) RUNS times in a row on a clone
# of HEAD, with one busy-loop process per core beside it, stopping at the first failing run.
#
#   bench/verify-under-load.sh            RUNS=3 HOGS=$(nproc) WORK=/tmp/verify-under-load
#
# Prints one line per run: the commit, the 1-minute load average at its start and end, its wall time and its result;
# each run's Maven log is kept in $WORK/run-N.log. Needs what .ci/run installs (chromium, tor, microsocks, strace, the
# npm packages); the clone gets its own npm ci. Every process started here is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
HOGS=${HOGS:-$(nproc)}
WORK=${WORK:-/tmp/verify-under-load}
repo=$(pwd)
commit=$(git rev-parse --short HEAD)

hogs=()
stop() {
  for pid in "${hogs[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap stop EXIT

rm -rf "$WORK" && mkdir -p "$WORK"
git clone -q "$repo" "$WORK/clone"
ln -s "$repo/../shared" "$WORK/shared" 2>/dev/null || true
for dir in interop/js interop/browser; do
  (cd "$WORK/clone/$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
done
for _ in $(seq "$HOGS"); do
  ( while :; do :; done ) &
  hogs+=("$!")
done
load() { cut -d' ' -f1 /proc/loadavg; }

echo "| run | commit | load average (1 min) start -> end | time | result |"
echo "| --- | --- | --- | --- | --- |"
for run in $(seq "$RUNS"); do
  start=$(date +%s); before=$(load)
  if (cd "$WORK/clone" && mvn -B verify >"$WORK/run-$run.log" 2>&1); then result=pass; else result=fail; fi
  took=$(( $(date +%s) - start ))
  echo "| $run | $commit | $before -> $(load) | $((took / 60)) min $((took % 60)) s | $result |"
  if [ "$result" = fail ]; then
    grep -E "Tests run:.*FAIL|<<< (FAILURE|ERROR)" "$WORK/run-$run.log" | head -20 || true
    exit 1
  fi
done
