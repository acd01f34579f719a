#!/bin/sh
# Records two real kernel leaks reached from many short-lived pids (issue 15 item 5), for the
# site-across-tasks grouping of trace pairing (samples/captures/S1_sites):
#
# 1. schedstat (seed 001's shape): `trace-cmd record -e kmem:kmalloc -f 'bytes_alloc==4096' -e kmem:kfree -T`
#    while `cat /proc/schedstat` runs in a loop (its 4 KiB seq_file buffers are freed: noise) and,
#    every LEAK_PERIOD s, a NEW process (`schedstat-keeper`, a new pid each time) reads
#    /proc/schedstat into a 4000-byte buffer and msgsnd()s it to one SysV message queue that
#    nobody reads: load_msg -> alloc_msg -> kmalloc(4096), held by the queue after the process
#    exits. Like seed 001's leak, every leaked 4 KiB buffer holds /proc/schedstat text and each
#    comes from a different pid; unlike it the bug is in user space (a queue nobody drains).
# 2. softirq (network receive): a listener with backlog 4096 that never accept()s; every
#    CONN_PERIOD s a NEW process (`rst-client`) connects over loopback and closes with
#    SO_LINGER 0 (RST: no TIME_WAIT socket). The server's child socket is created in NET_RX
#    softirq (tcp_v4_syn_recv_sock -> sk_clone_lock -> sk_prot_alloc, kmem_cache TCP), in the
#    context of whichever task the softirq interrupted (the client, mostly), and stays in the
#    accept queue until the listener closes. Recorded with -T, reported with -l (latency format:
#    the irq-flags column shows `..s.`), so both the flags and the __do_softirq frames are there.
#
# Ground truth is measured, not assumed: msgqnum/msg bytes from `ipcs -q`, the accept queue from `ss -ltn`.
# Usage (root): record-sites.sh OUTDIR [LEAKS] [CONNS]
set -u
OUT=${1:?outdir}; LEAKS=${2:-150}; CONNS=${3:-200}
# /proc/schedstat needs CONFIG_SCHEDSTATS; without it /proc/meminfo (a seq_file read with the same 4 KiB buffer) stands in
PROCFILE=${PROCFILE:-/proc/schedstat}; [ -r "$PROCFILE" ] || PROCFILE=/proc/meminfo
LEAK_PERIOD=${LEAK_PERIOD:-0.1}; CONN_PERIOD=${CONN_PERIOD:-0.08}; PORT=${PORT:-47123}
mkdir -p "$OUT"
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing
BIN=$(mktemp -d)
cat > "$BIN/keeper.c" <<'C'
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <unistd.h>
/* Reads argv[2] (/proc/schedstat, repeated) into a 4000-byte message and leaves it in queue argv[1]. */
int main(int argc, char **argv) {
  static struct { long mtype; char text[4000]; } m;
  int qid = atoi(argv[1]);
  size_t n = 0;
  while (n < sizeof m.text) {
    int fd = open(argv[2], O_RDONLY);
    ssize_t r = read(fd, m.text + n, sizeof m.text - n);
    close(fd);
    if (r <= 0) break;
    n += (size_t)r;
  }
  m.mtype = 1;
  if (msgsnd(qid, &m, sizeof m.text, IPC_NOWAIT) != 0) { perror("msgsnd"); return 1; }
  return 0;
}
C
cat > "$BIN/rstclient.c" <<'C'
#include <arpa/inet.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
/* Connects to 127.0.0.1:argv[1] and closes with RST (SO_LINGER 0): no TIME_WAIT socket is left. */
int main(int argc, char **argv) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[1])) };
  a.sin_addr.s_addr = htonl(0x7f000001);
  if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) return 1;
  struct linger l = { 1, 0 };
  setsockopt(s, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  close(s);
  return 0;
}
C
cc -O2 -o "$BIN/schedstat-keeper" "$BIN/keeper.c" && cc -O2 -o "$BIN/rst-client" "$BIN/rstclient.c" || exit 1
echo "PROCFILE=$PROCFILE" > "$OUT/procfile.txt"
uname -r > "$OUT/uname.txt"; trace-cmd --version 2>&1 | head -2 >> "$OUT/uname.txt"

# --- 1. schedstat: 4 KiB kmalloc leak, one new pid per leaked buffer
OLD_MNB=$(cat /proc/sys/kernel/msgmnb)
echo $((LEAKS * 4096 + 65536)) > /proc/sys/kernel/msgmnb
QID=$(ipcmk -Q | awk '{print $NF}')
trace-cmd record -d --no-filter -B sites -e kmem:kmalloc -f 'bytes_alloc==4096' -e kmem:kfree -T -o "$OUT/schedstat.dat" sleep $((LEAKS / 10 + 6)) > "$OUT/schedstat.record.log" 2>&1 &
REC=$!
sleep 2
( while kill -0 $REC 2>/dev/null; do cat "$PROCFILE" > /dev/null; sleep 0.02; done ) &
NOISE=$!
i=0; while [ $i -lt "$LEAKS" ]; do "$BIN/schedstat-keeper" "$QID" "$PROCFILE"; i=$((i + 1)); sleep "$LEAK_PERIOD"; done
ipcs -q -i "$QID" > "$OUT/schedstat.truth-ipcs.txt" 2>&1
ipcs -q | awk -v q="$QID" '$2 == q' >> "$OUT/schedstat.truth-ipcs.txt"
wait $REC; echo "trace-cmd record rc=$?" >> "$OUT/schedstat.record.log"
kill $NOISE 2>/dev/null; wait $NOISE 2>/dev/null
ipcrm -q "$QID"; echo "$OLD_MNB" > /proc/sys/kernel/msgmnb
trace-cmd report -i "$OUT/schedstat.dat" > "$OUT/schedstat.report.txt" 2> "$OUT/schedstat.report.err"
trace-cmd report --stat -i "$OUT/schedstat.dat" > "$OUT/schedstat.report-stat.txt" 2>/dev/null
# the unfiltered kfree events (with -T stacks) make the full report ~100 MB: keep what pairing can match
cat > "$BIN/reduce.py" <<'PY'
"""Cuts a system-wide `trace-cmd report` of `-e kmem:kmalloc -f 'bytes_alloc==N' -e kmem:kfree -T` down
to what pairing can use: every kmalloc event (kept by the record filter) and each kfree of a pointer
that such a kmalloc left live, each with its stack lines. The frees of every other object (unfiltered
kfree, 99 % of the file) match nothing and are dropped; the `cpus=` header is kept. Pairing results
are the same as on the full report except the count of unmatched frees.
Usage: python3 reduce.py < full.report.txt > reduced.report.txt"""
import re, sys
ptr_re = re.compile(r"\bptr=(0x[0-9a-f]+|\(nil\)|\(null\))")
cpu_re = re.compile(r" \[(\d+)\] ")
live = set()
keep = False
# an event's kernel_stack comes after it on the same CPU; another CPU's events can come between
kept_on_cpu = {}
out = sys.stdout
for line in sys.stdin:
    if line.startswith("=>"):
        if keep: out.write(line)
        continue
    m = cpu_re.search(line[:80])
    cpu = m.group(1) if m else None
    if "kernel_stack:" in line:
        keep = kept_on_cpu.pop(cpu, False)
        if keep: out.write(line)
        continue
    if "kmalloc:" in line:
        m = ptr_re.search(line)
        if m: live.add(m.group(1))
        keep = True
    elif "kfree:" in line:
        m = ptr_re.search(line)
        keep = m is not None and m.group(1) in live
        if keep: live.discard(m.group(1))
    else:
        keep = line.startswith("cpus=")
    kept_on_cpu[cpu] = keep
    if keep: out.write(line)
PY
python3 "$BIN/reduce.py" < "$OUT/schedstat.report.txt" > "$OUT/schedstat.reduced.report.txt"

# --- 2. softirq: TCP child sockets created in NET_RX softirq, held in an accept queue
python3 - "$PORT" <<'PY' > "$OUT/softirq.listener.log" 2>&1 &
import signal, socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(4096)
print("listening", flush=True)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
while True: time.sleep(1)   # never accept(): every child socket stays queued
PY
LISTENER=$!
sleep 1
CACHES='name=="TCP" || name=="request_sock_TCP" || name=="tw_sock_TCP"'
trace-cmd record -d --no-filter -B sites -e kmem:kmem_cache_alloc -f "$CACHES" -e kmem:kmem_cache_free -f "$CACHES" -T -o "$OUT/softirq.dat" sleep $((CONNS / 12 + 6)) > "$OUT/softirq.record.log" 2>&1 &
REC=$!
sleep 2
i=0; while [ $i -lt "$CONNS" ]; do "$BIN/rst-client" "$PORT"; i=$((i + 1)); sleep "$CONN_PERIOD"; done
ss -ltn "sport = :$PORT" > "$OUT/softirq.truth-ss.txt"
wait $REC; echo "trace-cmd record rc=$?" >> "$OUT/softirq.record.log"
kill $LISTENER; wait $LISTENER 2>/dev/null
trace-cmd report -l -i "$OUT/softirq.dat" > "$OUT/softirq.report.txt" 2> "$OUT/softirq.report.err"
trace-cmd report --stat -i "$OUT/softirq.dat" > "$OUT/softirq.report-stat.txt" 2>/dev/null
rm -rf "$BIN"
