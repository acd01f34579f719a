#!/usr/bin/env bash
# Real controls for the verdict (issue 15): runs a program with an oscillating working set and
# samples the system and the process once per second, in the layout of D4 (meminfo.txt with `===`
# separators and epochs in meminfo_epochs.txt, rss.txt `epoch rss_kB`, timeline.txt one line per
# cycle with what the program really held).
#
#   MODE=control  150-350 MiB working set allocated, touched, held 1.5 s and freed every cycle, nothing
#                 retained, while a second process churns the page cache (writes and re-reads a
#                 512 MiB file, deletes it, again). Truth: no leak.
#   MODE=warmup   80-200 MiB working set per cycle; for the first WARM_CYCLES cycles 2 MiB is kept per
#                 cycle (a cache warming up), then nothing more for longer than the rise lasted.
#                 Truth: bounded growth (warm-up), no leak in the current regime.
#
# Usage: MODE=control|warmup samples/capture/capture-controls.sh OUTDIR [SECONDS]
# Needs: python3, procps (ps). The page-cache churn writes to OUTDIR/../churn.tmp (deleted after).
set -euo pipefail
out=${1:?outdir}; secs=${2:-360}
mode=${MODE:-control}
warm_cycles=${WARM_CYCLES:-60}
mkdir -p "$out"
: > "$out/meminfo.txt"; : > "$out/meminfo_epochs.txt"; : > "$out/rss.txt"; : > "$out/timeline.txt"

python3 - "$mode" "$warm_cycles" "$out/timeline.txt" <<'EOF' &
import random, sys, time
mode, warm_cycles, log = sys.argv[1], int(sys.argv[2]), open(sys.argv[3], 'w', buffering=1)
rnd = random.Random(1234)
kept = []
cycle = 0
log.write(f"begin epoch={time.time():.3f} mode={mode}\n")
while True:
    lo, hi = (150, 350) if mode == 'control' else (80, 200)
    mib = rnd.randint(lo, hi)
    block = bytearray(mib << 20)          # zero-filled by the kernel on first touch...
    for off in range(0, len(block), 4096):
        block[off] = 1                    # ...so touch every page: RSS really grows
    time.sleep(1.5 if mode == 'control' else 1.0)
    del block
    if mode == 'warmup' and cycle < warm_cycles:
        chunk = bytearray(2 << 20)
        for off in range(0, len(chunk), 4096):
            chunk[off] = 1
        kept.append(chunk)
    log.write(f"cycle {cycle} epoch={time.time():.3f} block_mib={mib} kept_mib={2 * len(kept)}\n")
    cycle += 1
    time.sleep(1.0 if mode == 'control' else 0.5)
EOF
prog=$!
churn=
if [ "$mode" = control ]; then
  ( while true; do
      dd if=/dev/urandom of="$out/../churn.tmp" bs=1M count=512 status=none
      cat "$out/../churn.tmp" > /dev/null; sleep 2; rm -f "$out/../churn.tmp"; sleep 3
    done ) &
  churn=$!
fi
trap 'kill $prog $churn 2>/dev/null || true; rm -f "$out/../churn.tmp"' EXIT
for _ in $(seq 1 "$secs"); do
  date +%s.%N >> "$out/meminfo_epochs.txt"; cat /proc/meminfo >> "$out/meminfo.txt"; echo "===" >> "$out/meminfo.txt"
  echo "$(date +%s.%3N) $(ps -o rss= -p "$prog" | tr -d ' ')" >> "$out/rss.txt"
  sleep 1
done
echo "end epoch=$(date +%s.%3N)" >> "$out/timeline.txt"
