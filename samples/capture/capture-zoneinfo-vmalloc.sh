#!/usr/bin/env bash
# Captures /proc/zoneinfo and /proc/vmallocinfo series while vmalloc usage really grows: with
# CONFIG_VMAP_STACK every new task's kernel stack is a vmalloc area allocated by kernel_clone, so
# starting BATCH sleeping processes between snapshots grows that caller by BATCH areas
# (16 KiB + guard page each) per snapshot; the sleepers are killed at the end.
# Writes zoneinfo.txt and vmallocinfo.txt (each snapshot preceded by `epoch <s.ms>`, followed by `===`).
# Usage: samples/capture/capture-zoneinfo-vmalloc.sh OUTDIR [SNAPSHOTS=8] [BATCH=100] [INTERVAL=2]
# Needs: root (vmallocinfo hides addresses and callers from others).
set -euo pipefail
out=${1:?outdir}; snaps=${2:-8}; batch=${3:-100}; interval=${4:-2}
mkdir -p "$out"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
for i in $(seq 1 "$snaps"); do
  now=$(date +%s.%3N)
  { echo "epoch $now"; cat /proc/zoneinfo; echo "==="; } >> "$out/zoneinfo.txt"
  { echo "epoch $now"; cat /proc/vmallocinfo; echo "==="; } >> "$out/vmallocinfo.txt"
  [ "$i" -lt "$snaps" ] || break
  for _ in $(seq 1 "$batch"); do sleep 3600 & pids+=($!); done
  sleep "$interval"
done
echo "started $(( (snaps - 1) * batch )) sleepers, $batch per snapshot" > "$out/manifest.md"
