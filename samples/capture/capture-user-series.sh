#!/usr/bin/env bash
# Captures real user-space series of a process that leaks 256 KiB every 0.5 s (512 KiB/s):
# pidstat -r, /proc/PID/smaps_rollup snapshots with epoch lines, ps -o pid,rss,comm tables,
# a timestamp,used_kb CSV of the system, plus slabtop -o and vmstat -s once.
# Usage: samples/capture/capture-user-series.sh OUTDIR [SECONDS]
# Needs: python3, procps (ps, slabtop, vmstat), sysstat (pidstat). Run as root for slabtop.
set -euo pipefail
out=${1:?outdir}; secs=${2:-30}
mkdir -p "$out"
python3 -c '
import time, sys
keep = []
while True:
    keep.append(bytearray(256 * 1024))   # touched: bytearray zero-fills, so RSS grows
    time.sleep(0.5)
' &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
sleep 1
pidstat -r -p "$pid" 1 "$secs" > "$out/pidstat-r.txt" &
pidstat_pid=$!
echo "timestamp,used_kb" > "$out/used_kb.csv"
for i in $(seq 1 "$secs"); do
  now=$(date +%s.%3N)
  { echo "epoch $now"; cat "/proc/$pid/smaps_rollup"; echo "==="; } >> "$out/smaps_rollup.txt"
  { date; ps -o pid,rss,comm -p "$pid"; } >> "$out/ps-rss.txt"
  awk -v t="$now" '/^MemTotal:/{tot=$2} /^MemAvailable:/{av=$2} END{printf "%s,%d\n", t, tot-av}' /proc/meminfo >> "$out/used_kb.csv"
  sleep 1
done
wait "$pidstat_pid" || true
slabtop -o > "$out/slabtop-o.txt" 2>/dev/null || true
vmstat -s > "$out/vmstat-s.txt"
vmstat -t -w -a 1 5 > "$out/vmstat-t-w-a.txt"

