#!/usr/bin/env bash
# Real captures for issue 15 item 6, in two runs of samples/capture/leak-and-ring.c.
#
# Run 1 (OUTDIR/E1_bpf_memleak): leak 2 KiB / 250 ms (8 KiB/s) beside a ring of 64 x 64 KiB
# buffers (one pushed every 120 ms: full after ~8 s, then flat at 4 MiB), plus 4 KiB malloc/free
# churn every 10 ms; run twice: once under
#   memleak-bpfcc -p PID 5 30                       (bcc, outstanding bytes by stack)
# and once under three bpftrace scripts at the same time:
#   bpftrace malloc-sum-by-stack.bt PID             (seed 000: @[ustack] = sum(size), with time())
#   bpftrace malloc-sum-by-stack.bt without time()  (same script, no time line)
#   bpftrace malloc-live-bytes.bt PID               (@by_stack live bytes, no time line)
# Run 2 (OUTDIR/E2_free_falling): leak 4 MiB / 250 ms (16 MiB/s, touched) for 140 s while a
# page-cache churner writes and deletes 512 MiB files; system memory sampled every 2 s as
# meminfo (+ _epochs sidecar), fresh `vmstat -t -w 1 2` lines (procps 4.0.2 repeats the memory
# columns of a long-running vmstat), and a timestamp,free_kb,available_kb CSV.
# Run 3 (OUTDIR/E3_cache_churn_control, argument 3): the same page-cache churn and sampling with
# no leaker: free memory falls by 512 MiB and comes back, nothing is consumed.
# Usage: capture-user-evidence.sh OUTDIR   (root; bpftrace, bpfcc-tools, kernel headers)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?outdir}
bin=$(mktemp -d)/leak-and-ring
gcc -O0 -g -fno-omit-frame-pointer -o "$bin" "$here/leak-and-ring.c"

run1() {
  local d="$out/E1_bpf_memleak"; mkdir -p "$d"
  # 1a: bcc memleak alone (attached beside bpftrace's uprobes on the same malloc it failed with
  # "cannot attach uprobe, Invalid argument").
  "$bin" 2048 250 64 65536 120 170 > "$d/leaker-memleak.log" &
  local pid=$!
  sleep 0.3
  memleak-bpfcc -p "$pid" 5 30 > "$d/memleak.txt" 2> "$d/memleak.stderr" || true
  kill "$pid"; wait "$pid" 2>/dev/null || true
  # 1b: the three bpftrace scripts together on a second run of the same program.
  "$bin" 2048 250 64 65536 120 170 > "$d/leaker-bpftrace.log" &
  pid=$!
  sleep 0.3
  sed '/time(/s/time("%H:%M:%S\\n"); //' "$here/malloc-sum-by-stack.bt" > "$d/malloc-sum-by-stack-notime.bt"
  cp "$here/malloc-sum-by-stack.bt" "$here/malloc-live-bytes.bt" "$d/"
  bpftrace "$d/malloc-sum-by-stack.bt" "$pid" > "$d/malloc-sum-by-stack.txt" 2> "$d/malloc-sum-by-stack.stderr" &
  local b1=$!
  bpftrace "$d/malloc-sum-by-stack-notime.bt" "$pid" > "$d/malloc-sum-by-stack-notime.txt" 2> "$d/malloc-sum-by-stack-notime.stderr" &
  local b2=$!
  bpftrace "$d/malloc-live-bytes.bt" "$pid" > "$d/malloc-live-bytes.txt" 2> "$d/malloc-live-bytes.stderr" &
  local b3=$!
  sleep 152
  kill -INT "$b1" "$b2" "$b3"; wait "$b1" "$b2" "$b3" || true
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

run2() {
  local leak=${1:-leak}
  local d="$out/E2_free_falling"; [ "$leak" = leak ] || d="$out/E3_cache_churn_control"
  mkdir -p "$d"
  local secs=150
  (
    # Page-cache churn: 512 MiB written, read back, deleted, again: Cached rises and falls.
    for i in $(seq 1 12); do
      dd if=/dev/zero of=/tmp/ev-churn.bin bs=1M count=512 status=none; cat /tmp/ev-churn.bin > /dev/null
      sleep 3; rm -f /tmp/ev-churn.bin; sleep 3
    done
  ) &
  local churn=$!
  sleep 10
  local pid
  if [ "$leak" = leak ]; then "$bin" 4194304 250 4 4096 1000 "$secs" > "$d/leaker.log" & pid=$!
  else sleep "$secs" & pid=$!; fi
  echo "timestamp,free_kb,available_kb" > "$d/free_kb.csv"
  vmstat -t -w 1 1 | head -2 > "$d/vmstat-t-w.txt"
  for i in $(seq 1 $(((secs - 10) / 2))); do
    now=$(date +%s.%N)
    cat /proc/meminfo >> "$d/meminfo.txt"; echo "$now" >> "$d/meminfo_epochs.txt"
    vmstat -t -w 1 2 | tail -1 >> "$d/vmstat-t-w.txt" &
    awk -v t="$now" '/^MemFree:/{f=$2} /^MemAvailable:/{a=$2} END{printf "%.3f,%d,%d\n", t, f, a}' /proc/meminfo >> "$d/free_kb.csv"
    sleep 2
  done
  sleep 2
  kill "$pid" "$churn" 2>/dev/null || true
  wait "$pid" "$churn" 2>/dev/null || true
  rm -f /tmp/ev-churn.bin
}

case "${2:-all}" in
  1) run1 ;;
  2) run2 ;;
  3) run2 control ;;
  all) run1 & run2; wait ;;
esac
