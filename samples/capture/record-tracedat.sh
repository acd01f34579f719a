#!/bin/sh
# Records real trace.dat files for the trace-dat parser's tests (samples/captures/T1_tracedat).
# A python leaker keeps eventfd/timerfd objects open (kernel objects that are never freed while it
# runs) and closes noise objects; trace-cmd records the kmem events system-wide with -T stacks.
# Usage (root): [SCOPE=all] [BUFFER=name] record-tracedat.sh OUTDIR [COUNT] [RATE_HZ]
# The events are recorded in a tracefs instance of their own (trace-cmd record -B $BUFFER, default
# "tracedat") so that other recordings on the same machine (the top buffer) are not clobbered; the
# trace.dat then holds that instance, and trace-cmd report prefixes its lines with "tracedat: ".
# On the Firecracker VM `-d --no-filter` is needed (ftrace_enabled / set_ftrace_pid give EPERM);
# trace-cmd then exits 1 after writing a complete file.
# The recording is stopped (SIGINT) while the leaker still holds its eventfds, DRAIN seconds
# (default 7) after its last step: the kernel frees kfree_rcu objects (the closed epoll and timerfd
# contexts) in batches up to 5 s late, and a recording stopped earlier, or ended by the leaker's exit
# (which frees the eventfds), shows the noise as outstanding and the leak as freed.
set -u
OUT=${1:?outdir}; COUNT=${2:-200}; RATE=${3:-100}; DRAIN=${DRAIN:-7}
mkdir -p "$OUT"
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing
LEAKER=$(cat <<'PY'
import ctypes, os, sys, time, select
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl(15, b"kobjleak", 0, 0, 0)                 # PR_SET_NAME: comm "kobjleak" (the filter's key)
count, rate = int(sys.argv[1]), float(sys.argv[2])
kept = []
for i in range(count):
    kept.append(libc.eventfd(0, 0o2000000))          # leaked: never closed while we run (EFD_CLOEXEC)
    if i % 2 == 0:
        os.close(libc.timerfd_create(1, 0))          # noise: a timerfd closed at once
    ep = select.epoll(); ep.close()                  # noise
    time.sleep(1.0 / rate)
print("DONE", len(kept), flush=True)
time.sleep(float(sys.argv[3]))                       # hold the eventfds until the recording is stopped
PY
)
# SCOPE=kobjleak: each event filtered to the leaker's comm (small files for samples/); SCOPE=all: system-wide
SCOPE=${SCOPE:-kobjleak}
BUFFER=${BUFFER:-tracedat}
EVENTS="-B $BUFFER"
for e in kmalloc kfree kmem_cache_alloc kmem_cache_free; do
  EVENTS="$EVENTS -e kmem:$e"
  [ "$SCOPE" = all ] || EVENTS="$EVENTS -f comm==\"kobjleak\""
done
# record NAME TRACE-CMD-ARGS...: trace-cmd records until SIGINT, the leaker runs meanwhile
record() {
  name=$1; shift
  trace-cmd record -d --no-filter "$@" -o "$OUT/$name.dat" > "$OUT/$name.record.log" 2>&1 &
  tc=$!
  sleep 2                                             # the recorder's threads are reading
  python3 -c "$LEAKER" "$COUNT" "$RATE" 600 > "$OUT/$name.leaker.log" 2>&1 &
  lk=$!
  until grep -q DONE "$OUT/$name.leaker.log"; do sleep 0.2; done
  sleep "$DRAIN"
  kill -INT $tc; wait $tc
  echo "trace-cmd record rc=$? for $name" >> "$OUT/$name.record.log"
  kill $lk; wait $lk 2>/dev/null
}
rec() { # name, extra trace-cmd args...
  name=$1; shift
  record "$name" $EVENTS "$@"
  trace-cmd report -i "$OUT/$name.dat" > "$OUT/$name.report.txt" 2> "$OUT/$name.report.err"
  trace-cmd report --stat -i "$OUT/$name.dat" > "$OUT/$name.report-stat.txt" 2>/dev/null
}
rec v6-stacks --file-version 6 -T
rec v7-zstd-stacks -T
rec v7-zlib-stacks --compression zlib -T
rec v6-nostacks --file-version 6
# page allocations (mm_page_alloc / mm_page_free) without stacks
PAGEF=""; [ "$SCOPE" = all ] || PAGEF='-f comm=="kobjleak"'
record v6-pages -B "$BUFFER" -e kmem:mm_page_alloc $PAGEF -e kmem:mm_page_free $PAGEF --file-version 6
trace-cmd report -i "$OUT/v6-pages.dat" > "$OUT/v6-pages.report.txt" 2> "$OUT/v6-pages.report.err"
uname -r > "$OUT/uname.txt"; trace-cmd --version 2>&1 | head -2 >> "$OUT/uname.txt"
