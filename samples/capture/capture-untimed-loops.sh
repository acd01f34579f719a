#!/usr/bin/env bash
# Real capture of series WITHOUT timestamps beside a timestamped sibling of the same run
# (issue 15 item 4): a process that leaks user memory (128 KiB every 0.5 s = 256 KiB/s of RSS)
# and kernel objects (5 eventfds held every 0.1 s = 50 filp/s) at fixed rates on an absolute
# schedule, while three `sleep 2` loops append /proc/slabinfo, /proc/meminfo and `ps -o rss=` of it
# with no time stamp at all, and `vmstat -t 2` logs the same run with its timestamp column.
# The capture folder holds only what a field engineer would have; the truth (each loop iteration's
# epoch, the leaker's own log) goes to TRUTHDIR, outside it.
# MODE=epochlog instead runs ONE loop that appends `date +%s.%N` to OUTDIR/loop-epochs.log and then the
# three samples, and no vmstat: the loop's own epoch log is the only clock in the folder.
# Usage: [MODE=vmstat|epochlog] [PERIOD=2] samples/capture/capture-untimed-loops.sh OUTDIR TRUTHDIR [SECONDS]
# Needs: root (slabinfo), python3 >= 3.10 (os.eventfd), procps (ps, vmstat).
set -euo pipefail
out=${1:?outdir}; truth=${2:?truthdir}; secs=${3:-240}; mode=${MODE:-vmstat}; period=${PERIOD:-2}
mkdir -p "$out" "$truth"
rm -f "$out"/{slabinfo,meminfo,ps-rss,vmstat-t}.txt "$out"/loop-epochs.log "$truth"/*.epochs "$truth"/leaker.log
ulimit -n "$(ulimit -Hn)"   # 50 fds/s for SECONDS must fit (240 s: 12,000)
python3 -u -c '
import os, sys, time
log = open(sys.argv[1], "w")
keep, fds = [], []
t0 = time.time()
print(f"start {t0:.3f}", file=log, flush=True)
k = 0
while True:
    k += 1
    target = t0 + 0.1 * k          # absolute schedule: the rates do not drift with the work done
    delay = target - time.time()
    if delay > 0: time.sleep(delay)
    for _ in range(5): fds.append(os.eventfd(0))
    if k % 5 == 0:
        b = bytearray(128 * 1024)  # zero-filled, so every page is touched and resident
        keep.append(b)
    if k % 50 == 0: print(f"{time.time():.3f} fds={len(fds)} kib={128 * len(keep)}", file=log, flush=True)
' "$truth/leaker.log" &
leaker=$!
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; kill "$leaker" 2>/dev/null || true; }
trap cleanup EXIT
sleep 0.5
if [ "$mode" = epochlog ]; then
  ( while :; do
      date +%s.%N >> "$out/loop-epochs.log"
      cat /proc/slabinfo >> "$out/slabinfo.txt"; cat /proc/meminfo >> "$out/meminfo.txt"; ps -o rss= -p "$leaker" >> "$out/ps-rss.txt"
      sleep "$period"
    done ) & pids+=($!)
else
  vmstat -t "$period" > "$out/vmstat-t.txt" & pids+=($!)
  ( while :; do date +%s.%N >> "$truth/slabinfo.epochs"; cat /proc/slabinfo >> "$out/slabinfo.txt"; sleep "$period"; done ) & pids+=($!)
  ( while :; do date +%s.%N >> "$truth/meminfo.epochs"; cat /proc/meminfo >> "$out/meminfo.txt"; sleep "$period"; done ) & pids+=($!)
  ( while :; do date +%s.%N >> "$truth/ps-rss.epochs"; ps -o rss= -p "$leaker" >> "$out/ps-rss.txt"; sleep "$period"; done ) & pids+=($!)
fi
sleep "$secs"
kill "${pids[@]}"; wait "${pids[@]}" 2>/dev/null || true
pids=()
echo "stop $(date +%s.%3N)" >> "$truth/leaker.log"
uname -r > "$truth/uname.txt"
