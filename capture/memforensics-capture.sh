#!/bin/sh
# memforensics capture kit: samples the evidence of a memory leak hunt on the device, with an epoch
# stamp before every snapshot, into one folder that `memforensics analyze DIR` reads as it is.
# POSIX sh only: runs under dash, bash, busybox sh and toybox/mksh (Android); no Node, no Python.
#
#   sh memforensics-capture.sh -o DIR [-i INTERVAL_S] [-d DURATION_S] [-p PID]... [-n NAME]...
#      [-c CGROUP]... [--kmemleak MINUTES] [--trace SECONDS] [--dmesg] [--max-mb MB]
#      [--skip LIST] [--quiet]
#
# Stops cleanly after DURATION_S (0: until SIGINT/SIGTERM) or when the output reaches --max-mb,
# keeping every complete snapshot: a snapshot is written to a temporary file and appended whole.
# The manifest (manifest.txt) says what each file is, what could not be read and why, and the
# start and stop times; memforensics takes its times and limits from it.

set -u
VERSION=1
OUT=''
INTERVAL=5
DURATION=0
PIDS=''
NAMES=''
CGROUPS=''
KMEMLEAK_MIN=0
TRACE_S=0
DMESG=0
MAX_MB=512
SKIP=''
QUIET=0

usage() {
  cat <<'EOF'
usage: sh memforensics-capture.sh -o DIR [options]
  -o DIR            output folder (created; must be empty or new)
  -i SECONDS        interval between snapshots (default 5; fractions work where sleep takes them)
  -d SECONDS        stop after this long (default 0: until Ctrl-C / SIGTERM)
  -p PID            sample this process's RSS/PSS (repeatable)
  -n NAME           sample every process whose comm is NAME, following restarts (repeatable)
  -c CGROUP         sample this cgroup's memory files (path under /sys/fs/cgroup, or absolute; repeatable)
  --kmemleak MIN    trigger a kmemleak scan and save its report every MIN minutes (needs debugfs)
  --trace SECONDS   record kmem events with kernel stacks for SECONDS at the start (trace-cmd, else tracefs)
  --dmesg           save new kernel log lines (OOM kills, lmkd) at every snapshot
  --max-mb MB       stop when the folder reaches MB megabytes (default 512)
  --skip LIST       comma-separated sources not to sample: meminfo,slabinfo,buddyinfo,pagetypeinfo,zoneinfo,vmstat,pressure
  -q, --quiet       no progress lines on stderr
  -h, --help        this help
EOF
}

die() { echo "memforensics-capture: $*" >&2; exit 2; }
say() { [ "$QUIET" = 1 ] || echo "memforensics-capture: $*" >&2; }
is_uint() { case "$1" in '' | *[!0-9]*) return 1 ;; *) return 0 ;; esac; }
is_number() { case "$1" in '' | *[!0-9.]* | *.*.*) return 1 ;; *) return 0 ;; esac; }

while [ $# -gt 0 ]; do
  case "$1" in
    -o) [ $# -ge 2 ] || die "-o needs a folder"; OUT=$2; shift 2 ;;
    -i) [ $# -ge 2 ] && is_number "$2" || die "-i needs a number of seconds"; INTERVAL=$2; shift 2 ;;
    -d) [ $# -ge 2 ] && is_uint "$2" || die "-d needs a whole number of seconds"; DURATION=$2; shift 2 ;;
    -p) [ $# -ge 2 ] && is_uint "$2" || die "-p needs a pid"; PIDS="$PIDS $2"; shift 2 ;;
    -n) [ $# -ge 2 ] || die "-n needs a process name"; NAMES="$NAMES $2"; shift 2 ;;
    -c) [ $# -ge 2 ] || die "-c needs a cgroup"; CGROUPS="$CGROUPS $2"; shift 2 ;;
    --kmemleak) [ $# -ge 2 ] && is_uint "$2" || die "--kmemleak needs minutes"; KMEMLEAK_MIN=$2; shift 2 ;;
    --trace) [ $# -ge 2 ] && is_uint "$2" || die "--trace needs seconds"; TRACE_S=$2; shift 2 ;;
    --dmesg) DMESG=1; shift ;;
    --max-mb) [ $# -ge 2 ] && is_uint "$2" || die "--max-mb needs a number"; MAX_MB=$2; shift 2 ;;
    --skip) [ $# -ge 2 ] || die "--skip needs a list"; SKIP=",$2,"; shift 2 ;;
    -q | --quiet) QUIET=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option '$1'; try -h" ;;
  esac
done
[ -n "$OUT" ] || die "-o DIR is required; try -h"
[ "$INTERVAL" != 0 ] || die "-i must be more than 0"
if [ -e "$OUT" ] && [ -n "$(ls -A "$OUT" 2>/dev/null)" ]; then die "$OUT exists and is not empty"; fi
mkdir -p "$OUT" || die "cannot create $OUT"

MANIFEST="$OUT/manifest.txt"
TMP="$OUT/.snapshot.tmp"
skipped() { case "$SKIP" in *",$1,"*) return 0 ;; *) return 1 ;; esac; }

# Epoch with 10 ms resolution and a clock that never steps back: the start's wall-clock second
# plus the uptime elapsed since (busybox and toybox date have no %N).
START_WALL=$(date +%s)
START_UP=$(cut -d' ' -f1 /proc/uptime)
now() { awk -v w="$START_WALL" -v u0="$START_UP" '{ printf "%.2f\n", w + ($1 - u0) }' /proc/uptime; }
START_EPOCH=$(now)

manifest() { printf '%s\n' "$*" >>"$MANIFEST"; }
manifest "# memforensics capture manifest v$VERSION"
manifest "start_epoch=$START_EPOCH"
manifest "interval_s=$INTERVAL"
manifest "duration_s=$DURATION"
manifest "kernel=$(uname -r 2>/dev/null)"
manifest "uname=$(uname -a 2>/dev/null | tr '\n' ' ')"
manifest "memtotal_kb=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)"
PAGE=$(getconf PAGESIZE 2>/dev/null || getconf PAGE_SIZE 2>/dev/null)
[ -n "$PAGE" ] || PAGE=$(awk '/^KernelPageSize:/ { print $2 * 1024; exit }' /proc/self/smaps 2>/dev/null)
manifest "page_size=${PAGE:-4096}"
manifest "shell=$(readlink /proc/$$/exe 2>/dev/null || echo sh)"

# file=NAME format=ID source=WHAT  (what the analyser needs to read it without guessing)
declare_file() { manifest "file=$1 format=$2 source=$3"; }
# unreadable=SOURCE reason=WHY
unreadable() { manifest "unreadable=$1 reason=$2"; say "skipping $1: $2"; }

# The /proc snapshots: each readable source gets its file.
SOURCES=''
add_source() { # name path format
  if skipped "$1"; then return; fi
  if [ -r "$2" ] && cat "$2" >/dev/null 2>&1; then
    SOURCES="$SOURCES $1"
    declare_file "$1.txt" "$3" "$2"
  elif [ -e "$2" ]; then unreadable "$2" "permission denied (run as root)"
  else unreadable "$2" "not present on this kernel"
  fi
}
add_source meminfo /proc/meminfo meminfo
add_source slabinfo /proc/slabinfo slabinfo
add_source buddyinfo /proc/buddyinfo buddyinfo
add_source pagetypeinfo /proc/pagetypeinfo pagetypeinfo
add_source zoneinfo /proc/zoneinfo zoneinfo
add_source vmstat /proc/vmstat vmstat
add_source pressure /proc/pressure/memory psi
src_path() {
  case "$1" in
    pressure) echo /proc/pressure/memory ;;
    *) echo "/proc/$1" ;;
  esac
}

# cgroups: v2 (memory.current) or v1 (memory.usage_in_bytes), files that exist.
CG_FILES='memory.current memory.max memory.high memory.stat memory.events memory.pressure memory.swap.current memory.usage_in_bytes memory.limit_in_bytes memory.max_usage_in_bytes memory.failcnt memory.memsw.usage_in_bytes'
CG_DIRS=''
for cg in $CGROUPS; do
  case "$cg" in
    /*) dir=$cg ;;
    *) dir=''
       for base in /sys/fs/cgroup /sys/fs/cgroup/unified /sys/fs/cgroup/memory; do
         if [ -d "$base/$cg" ]; then dir="$base/$cg"; break; fi
       done ;;
  esac
  if [ -z "$dir" ] || [ ! -d "$dir" ]; then unreadable "cgroup $cg" "no such cgroup"; continue; fi
  tag=$(echo "$cg" | tr '/' '_' | sed 's/^_*//')
  [ -n "$tag" ] || tag=root
  found=0
  for f in $CG_FILES; do [ -r "$dir/$f" ] && found=1; done
  if [ "$found" = 0 ]; then unreadable "cgroup $cg" "no memory controller files in $dir"; continue; fi
  CG_DIRS="$CG_DIRS $tag=$dir"
  declare_file "cgroup-$tag.txt" cgroup-memory "$dir"
done

# Processes: by pid (fixed) and by name (resolved at every snapshot, so restarts are followed).
for p in $PIDS; do
  if [ -r "/proc/$p/status" ]; then declare_file "proc-$p.rss.txt" rss "/proc/$p/status VmRSS (pid $p)"
  else unreadable "pid $p" "no such process"; fi
done
for n in $NAMES; do declare_file "proc-$n.rss.txt" rss "/proc/*/status VmRSS of every process named $n"; done

[ "$DMESG" = 1 ] && declare_file dmesg.txt oom "dmesg (new lines at each snapshot)"

KMEMLEAK=/sys/kernel/debug/kmemleak
if [ "$KMEMLEAK_MIN" -gt 0 ]; then
  if [ ! -e "$KMEMLEAK" ]; then
    mount -t debugfs none /sys/kernel/debug 2>/dev/null
  fi
  if [ -w "$KMEMLEAK" ]; then declare_file "kmemleak-NNN.txt" kmemleak "$KMEMLEAK (one file per scan)"
  else unreadable "$KMEMLEAK" "kmemleak not available (CONFIG_DEBUG_KMEMLEAK, debugfs, root)"; KMEMLEAK_MIN=0
  fi
fi

bytes_used() { du -sk "$OUT" 2>/dev/null | awk '{ print $1 * 1024 }'; }

# Appends one stamped snapshot of a source: the epoch line, the content, written whole.
snapshot() { # file path stamp
  { printf 'epoch=%s\n' "$3"; cat "$2" 2>/dev/null; } >"$TMP" && cat "$TMP" >>"$OUT/$1"
}

rss_kb() { awk '/^VmRSS:/ { print $2; exit }' "/proc/$1/status" 2>/dev/null; }

sample_processes() { # stamp
  for p in $PIDS; do
    v=$(rss_kb "$p")
    [ -n "$v" ] && printf '%s %s\n' "$1" "$v" >>"$OUT/proc-$p.rss.txt"
  done
  for n in $NAMES; do
    # A ps-style table per snapshot (stamp, header, one row per process of that name): a
    # restarted process is a new pid in the same file.
    printf 'epoch=%s\n  PID   RSS COMMAND\n' "$1" >"$TMP"
    for d in /proc/[0-9]*; do
      # read is a shell builtin: no process per /proc entry (the loop runs at every snapshot).
      c=''
      { read -r c <"$d/comm"; } 2>/dev/null
      [ "$c" = "$n" ] || continue
      pid=${d#/proc/}
      v=$(rss_kb "$pid")
      [ -n "$v" ] && printf '%5s %5s %s\n' "$pid" "$v" "$n" >>"$TMP"
    done
    cat "$TMP" >>"$OUT/proc-$n.rss.txt"
  done
}

sample_cgroups() { # stamp
  for entry in $CG_DIRS; do
    tag=${entry%%=*}
    dir=${entry#*=}
    {
      printf 'epoch=%s\n' "$1"
      for f in $CG_FILES; do
        [ -r "$dir/$f" ] || continue
        printf '==> %s <==\n' "$f"
        cat "$dir/$f" 2>/dev/null
      done
    } >"$TMP" && cat "$TMP" >>"$OUT/cgroup-$tag.txt"
  done
}

DMESG_SEEN=0
sample_dmesg() {
  lines=$(dmesg 2>/dev/null | wc -l)
  if [ "$lines" -gt "$DMESG_SEEN" ]; then
    dmesg 2>/dev/null | tail -n $((lines - DMESG_SEEN)) >>"$OUT/dmesg.txt"
  fi
  DMESG_SEEN=$lines
}
# Only what the kernel logs during the capture: the log before it is history.
[ "$DMESG" = 1 ] && DMESG_SEEN=$(dmesg 2>/dev/null | wc -l)

KMEMLEAK_N=0
KMEMLEAK_NEXT=0
kmemleak_scan() { # stamp
  echo scan >"$KMEMLEAK" 2>/dev/null || return
  KMEMLEAK_N=$((KMEMLEAK_N + 1))
  { printf 'epoch=%s\n' "$1"; cat "$KMEMLEAK" 2>/dev/null; } >"$OUT/$(printf 'kmemleak-%03d.txt' "$KMEMLEAK_N")"
}

TRACE_PID=''
start_trace() {
  if command -v trace-cmd >/dev/null 2>&1; then
    declare_file trace.dat trace-dat "trace-cmd record -e kmem:kmalloc -e kmem:kfree -e kmem:kmem_cache_alloc -e kmem:kmem_cache_free -e kmem:mm_page_alloc -e kmem:mm_page_free -T for $TRACE_S s"
    (cd "$OUT" && exec trace-cmd record -q -o trace.dat -T -e kmem:kmalloc -e kmem:kfree -e kmem:kmem_cache_alloc -e kmem:kmem_cache_free -e kmem:mm_page_alloc -e kmem:mm_page_free sleep "$TRACE_S" >/dev/null 2>"$OUT/trace-cmd.log") &
    TRACE_PID=$!
    return
  fi
  T=/sys/kernel/tracing
  [ -d "$T/events" ] || T=/sys/kernel/debug/tracing
  [ -d "$T/events" ] || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
  if [ ! -w "$T/trace" ] && [ -w /sys/kernel/tracing/trace ]; then T=/sys/kernel/tracing; fi
  if [ ! -w "$T/trace" ]; then unreadable tracefs "no trace-cmd and no writable tracefs (root, CONFIG_FTRACE)"; return; fi
  declare_file trace.txt ftrace "tracefs kmem events with stacktrace for $TRACE_S s"
  echo 0 >"$T/tracing_on"; echo >"$T/trace"
  for e in kmalloc kfree kmem_cache_alloc kmem_cache_free mm_page_alloc mm_page_free; do
    [ -e "$T/events/kmem/$e/enable" ] && echo 1 >"$T/events/kmem/$e/enable"
  done
  echo 1 >"$T/options/stacktrace" 2>/dev/null
  echo 1 >"$T/tracing_on"
  (sleep "$TRACE_S"; echo 0 >"$T/tracing_on"; cat "$T/trace" >"$OUT/trace.txt"; echo 0 >"$T/options/stacktrace" 2>/dev/null
   for e in kmalloc kfree kmem_cache_alloc kmem_cache_free mm_page_alloc mm_page_free; do [ -e "$T/events/kmem/$e/enable" ] && echo 0 >"$T/events/kmem/$e/enable"; done) &
  TRACE_PID=$!
}

STOP=''
trap 'STOP=signal' INT TERM HUP
[ "$TRACE_S" -gt 0 ] && start_trace
say "sampling every ${INTERVAL}s into $OUT$([ "$DURATION" -gt 0 ] && echo " for ${DURATION}s")"

SNAPSHOTS=0
MAX_BYTES=$((MAX_MB * 1024 * 1024))
while [ -z "$STOP" ]; do
  stamp=$(now)
  for s in $SOURCES; do snapshot "$s.txt" "$(src_path "$s")" "$stamp"; done
  sample_cgroups "$stamp"
  sample_processes "$stamp"
  [ "$DMESG" = 1 ] && sample_dmesg
  if [ "$KMEMLEAK_MIN" -gt 0 ]; then
    el=$(awk -v a="$stamp" -v b="$START_EPOCH" 'BEGIN { printf "%d", a - b }')
    if [ "$el" -ge "$KMEMLEAK_NEXT" ]; then kmemleak_scan "$stamp"; KMEMLEAK_NEXT=$((el + KMEMLEAK_MIN * 60)); fi
  fi
  SNAPSHOTS=$((SNAPSHOTS + 1))
  [ "$QUIET" = 1 ] || printf '\rmemforensics-capture: %d snapshots' "$SNAPSHOTS" >&2
  if [ "$DURATION" -gt 0 ] && awk -v a="$(now)" -v b="$START_EPOCH" -v d="$DURATION" 'BEGIN { exit !(a - b >= d) }'; then STOP=duration; break; fi
  if [ "$(bytes_used)" -ge "$MAX_BYTES" ]; then STOP=size-cap; break; fi
  # In the background so that a signal ends the wait at once, not after the interval.
  sleep "$INTERVAL" &
  wait $! 2>/dev/null
done

[ -n "$TRACE_PID" ] && { kill "$TRACE_PID" 2>/dev/null; wait "$TRACE_PID" 2>/dev/null; }
rm -f "$TMP"
manifest "stop_epoch=$(now)"
manifest "stop_reason=$STOP"
manifest "snapshots=$SNAPSHOTS"
[ "$QUIET" = 1 ] || echo >&2
say "stopped ($STOP) after $SNAPSHOTS snapshots; analyse with: memforensics analyze $OUT"
exit 0
