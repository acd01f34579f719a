#!/usr/bin/env bash
# Captures a real memcg OOM: a process that leaks LEAK_KIB every STEP seconds inside its own memory
# cgroup with a hard limit, sampled every INTERVAL seconds until the kernel's memcg OOM killer kills
# it, then the kernel log of the kill.
#
# Writes into OUTDIR:
#   cgroup-memory.txt  every sample: `epoch <s.ms>`, then `grep -H . <cgroup>/memory.*` of the files
#                      below (one `path:line` per line, so each line names its cgroup and file), then `===`.
#                      v2: memory.current memory.max memory.peak memory.stat memory.events memory.pressure
#                      v1: memory.usage_in_bytes memory.limit_in_bytes memory.max_usage_in_bytes
#                          memory.failcnt memory.stat memory.oom_control
#   pressure.txt       every sample: `epoch <s.ms>`, then /proc/pressure/memory, then `===`.
#   dmesg.txt          the kernel log lines written during the run (`dmesg -T`, wall-clock stamps).
#   manifest.md       what was run: cgroup, version, limit, leak rate, leaker pid, start/stop epochs.
#
# Usage: samples/capture/capture-cgroup-oom.sh OUTDIR [LIMIT_MIB=256] [LEAK_KIB=1024] [STEP=0.25] [INTERVAL=1]
# Needs: root, python3, a memory cgroup (v2 with the memory controller at /sys/fs/cgroup, or v1 at
# /sys/fs/cgroup/memory), util-linux dmesg. No swap is assumed (with swap, the kill comes later).
set -euo pipefail
out=${1:?outdir}; limit_mib=${2:-256}; leak_kib=${3:-1024}; step=${4:-0.25}; interval=${5:-1}
mkdir -p "$out"
name="mf-leak-$$"
if grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
  version=v2; cg=/sys/fs/cgroup/$name
  files="memory.current memory.max memory.peak memory.stat memory.events memory.pressure"
else
  version=v1; cg=/sys/fs/cgroup/memory/$name
  files="memory.usage_in_bytes memory.limit_in_bytes memory.max_usage_in_bytes memory.failcnt memory.stat memory.oom_control"
fi
mkdir "$cg"
if [ "$version" = v2 ]; then echo $((limit_mib * 1024 * 1024)) > "$cg/memory.max"; echo 0 > "$cg/memory.swap.max" 2>/dev/null || true
else echo $((limit_mib * 1024 * 1024)) > "$cg/memory.limit_in_bytes"; fi
dmesg_lines_before=$(dmesg | wc -l)

sample() {
  local now; now=$(date +%s.%3N)
  { echo "epoch $now"; (cd "$cg" && for f in $files; do [ -r "$f" ] && grep -H . "$cg/$f"; done) || true; echo "==="; } >> "$out/cgroup-memory.txt"
  { echo "epoch $now"; cat /proc/pressure/memory; echo "==="; } >> "$out/pressure.txt"
}

sample   # the empty cgroup, before the leaker starts
start=$(date +%s.%3N)
# The leaker joins the cgroup before python starts, so everything it allocates is charged there.
sh -c "echo \$\$ > '$cg/cgroup.procs' && exec python3 -c '
import time
keep = []
while True:
    keep.append(bytearray($leak_kib * 1024))   # zero-filled, so every page is touched and charged
    time.sleep($step)
'" &
pid=$!
while kill -0 "$pid" 2>/dev/null; do sleep "$interval"; sample; done
wait "$pid" || true
stop=$(date +%s.%3N)
sleep 1; sample   # after the kill: the counters of the OOM (oom_kill, failcnt, max usage)
dmesg -T | tail -n +"$((dmesg_lines_before + 1))" > "$out/dmesg.txt"
cat > "$out/manifest.md" <<EOF
cgroup_version $version
cgroup_path /$name
limit_bytes $((limit_mib * 1024 * 1024))
leak_bytes_per_step $((leak_kib * 1024))
step_seconds $step
sample_interval_seconds $interval
leaker_pid $pid
start_epoch $start
leaker_gone_epoch $stop
kernel $(uname -r)
EOF
rmdir "$cg" 2>/dev/null || true
