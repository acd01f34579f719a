#!/usr/bin/env python3
"""The baseline a user writes today: pair kmalloc/kfree from a `trace-cmd report` text dump with
a regex per line, attach each kernel_stack to the previous event on the same CPU, and list what
was never freed by call site. Kept as the benchmark's reference point (bench/tracecmd/run.ts).

    python3 bench/tracecmd/baseline_pairs.py REPORT.txt

Prints one JSON line: events, outstanding by call site (top 10), peak RSS (KiB).
"""
import json
import re
import resource
import sys
from collections import defaultdict

EVENT_RE = re.compile(r'^\s*(.+)-(\d+)\s+\[(\d+)\]\s+(?:\S+\s+)?(\d+\.\d+):\s+(\w+):\s+(.*)$')
FIELD_RE = re.compile(r'(\w+)=(\S+)')
ALLOCS = {'kmalloc', 'kmalloc_node', 'kmem_cache_alloc', 'kmem_cache_alloc_node'}
FREES = {'kfree', 'kmem_cache_free'}


def main(path):
    live = {}  # ptr -> (site, comm, pid, bytes_alloc, stack)
    last_by_cpu = {}
    events = 0
    unmatched = 0
    reused = 0
    cur_stack = None
    with open(path, 'r', errors='replace') as f:
        for line in f:
            if line.startswith('=>'):
                if cur_stack is not None:
                    cur_stack.append(line[3:].split(' (', 1)[0].strip())
                continue
            m = EVENT_RE.match(line)
            if not m:
                continue
            comm, pid, cpu, ts, event, rest = m.groups()
            if event == 'kernel_stack':
                ev = last_by_cpu.get(cpu)
                cur_stack = [] if ev is None else ev['stack']
                continue
            cur_stack = None
            fields = dict(FIELD_RE.findall(rest))
            events += 1
            ptr = fields.get('ptr')
            rec = {'stack': []}
            last_by_cpu[cpu] = rec
            if event in ALLOCS:
                if ptr in live:
                    reused += 1
                site = fields.get('call_site', '?').split('+', 1)[0]
                rec.update(site=site, comm=comm, pid=int(pid), bytes=int(fields.get('bytes_alloc', 0)), ts=float(ts))
                live[ptr] = rec
            elif event in FREES:
                if ptr in ('(null)', '(nil)', '0', '0x10'):
                    continue
                if live.pop(ptr, None) is None:
                    unmatched += 1
    by_site = defaultdict(lambda: [0, 0])
    for rec in live.values():
        if rec['comm'] in ('trace-cmd', 'bpftrace', 'perf'):
            continue
        k = (rec['site'], rec['comm'], rec['pid'])
        by_site[k][0] += 1
        by_site[k][1] += rec['bytes']
    top = sorted(by_site.items(), key=lambda kv: -kv[1][1])[:10]
    print(json.dumps({
        'events': events,
        'unmatchedFrees': unmatched,
        'reused': reused,
        'top': [{'site': k[0], 'comm': k[1], 'pid': k[2], 'count': v[0], 'bytes': v[1]} for k, v in top],
        'peakRssKiB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        'cpuSeconds': resource.getrusage(resource.RUSAGE_SELF).ru_utime + resource.getrusage(resource.RUSAGE_SELF).ru_stime,
    }))


if __name__ == '__main__':
    main(sys.argv[1])
