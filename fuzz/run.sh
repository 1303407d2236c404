#!/usr/bin/env bash
# Runs one fuzz target for SECONDS of wall time, restarting libFuzzer after each crash or
# timeout (the input is kept in artifacts/TARGET/), and prints the totals.
#   fuzz/run.sh TARGET SECONDS
set -uo pipefail
cd "$(dirname "$0")"
target=$1 seconds=$2
bin=target/x86_64-unknown-linux-gnu/release/$target
mkdir -p "corpus/$target" "artifacts/$target" logs
start=$(date +%s) execs=0 crashes=0 runs=0
while :; do
  remaining=$((start + seconds - $(date +%s)))
  [ "$remaining" -gt 0 ] || break
  log="logs/$target.$runs.log"
  "$bin" "corpus/$target" -artifact_prefix="artifacts/$target/" -timeout=10 -rss_limit_mb=2048 \
    -max_total_time="$remaining" -print_final_stats=1 >"$log" 2>&1
  rc=$?
  n=$(awk '/stat::number_of_executed_units/ {print $2}' "$log" | tail -1)
  execs=$((execs + ${n:-0}))
  if [ "$rc" -ne 0 ]; then
    crashes=$((crashes + 1))
    grep -a -m1 -E "panicked at|ERROR: libFuzzer" "$log" | sed "s/^/$target crash: /"
  fi
  runs=$((runs + 1))
done
elapsed=$(($(date +%s) - start))
echo "$target: ${elapsed}s, $execs execs, $((execs / elapsed)) execs/s, $crashes crashes"
