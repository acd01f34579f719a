#!/usr/bin/env python3
"""Ground truth of a capture-untimed-loops.sh run, computed (not captured) from the truth directory.

Each loop wrote the epoch of every iteration to TRUTHDIR/NAME.epochs (outside the capture folder),
so the true rates are the least-squares slopes of the captured values against those epochs.
Usage: samples/capture/untimed-loops-truth.py CAPTUREDIR TRUTHDIR > TRUTHDIR/groundtruth.json
"""
import gzip, json, os, re, sys

cap, truth = sys.argv[1], sys.argv[2]

def epochs(name):
    """The loop's epoch of each sample: TRUTHDIR/NAME.epochs, or the folder's own loop-epochs.log (MODE=epochlog)."""
    try:
        return [float(x) for x in open(f"{truth}/{name}.epochs")]
    except FileNotFoundError:
        return [float(x) for x in open(f"{cap}/loop-epochs.log")]

def slope(t, v):
    n = len(t); mt = sum(t) / n; mv = sum(v) / n
    return sum((a - mt) * (b - mv) for a, b in zip(t, v)) / sum((a - mt) ** 2 for a in t)

def interval(t):
    return (t[-1] - t[0]) / (len(t) - 1)

out = {"computed_by": "samples/capture/untimed-loops-truth.py", "kernel": open(f"{truth}/uname.txt").read().strip()}
log = [l.split() for l in open(f"{truth}/leaker.log")]
start = float(log[0][1]); stop = float(log[-1][1])
prog = [(float(l[0]), int(l[1][4:]), int(l[2][4:])) for l in log[1:-1]]
out["leaker"] = {
    "design": {"eventfds_per_second": 50, "user_bytes_per_second": 256 * 1024},
    "start_epoch": start, "stop_epoch": stop,
    "fds_per_second_logged": slope([p[0] for p in prog], [p[1] for p in prog]),
    "user_kib_per_second_logged": slope([p[0] for p in prog], [p[2] for p in prog]),
}
loops = {}
t = epochs("ps-rss"); rss = [int(x) for x in open(f"{cap}/ps-rss.txt") if x.strip()]
assert len(t) == len(rss), (len(t), len(rss))
loops["ps-rss.txt"] = {"samples": len(t), "first_epoch": t[0], "last_epoch": t[-1], "interval_seconds": interval(t),
                       "rss_kb_per_second": slope(t, rss)}
t = epochs("meminfo")
loops["meminfo.txt"] = {"samples": len(t), "first_epoch": t[0], "last_epoch": t[-1], "interval_seconds": interval(t)}
t = epochs("slabinfo")
caches = {"filp": [], "kmalloc-64": [], "lsm_file_cache": []}
slab = f"{cap}/slabinfo.txt.gz" if os.path.exists(f"{cap}/slabinfo.txt.gz") else f"{cap}/slabinfo.txt"
with (gzip.open(slab, "rt") if slab.endswith(".gz") else open(slab)) as f:
    for line in f:
        name = line.split(" ", 1)[0]
        if name in caches: caches[name].append(int(line.split()[1]))
for name, v in caches.items(): assert len(v) == len(t), (name, len(v), len(t))
loops["slabinfo.txt.gz"] = {"samples": len(t), "first_epoch": t[0], "last_epoch": t[-1], "interval_seconds": interval(t),
                            "active_objs_per_second": {k: slope(t, v) for k, v in caches.items()}}
vm = [l for l in open(f"{cap}/vmstat-t.txt") if re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$", l.strip())] if os.path.exists(f"{cap}/vmstat-t.txt") else None
if vm: out["vmstat-t.txt"] = {"samples": len(vm), "first": vm[0].split()[-2] + " " + vm[0].split()[-1], "last": vm[-1].split()[-2] + " " + vm[-1].split()[-1]}
out["loops"] = loops
json.dump(out, sys.stdout, indent=1)
print()
