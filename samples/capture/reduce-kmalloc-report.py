#!/usr/bin/env python3
"""Cuts a system-wide `trace-cmd report` of `-e kmem:kmalloc -f 'bytes_alloc==N' -e kmem:kfree -T` down
to what pairing can use: every kmalloc event (kept by the record filter) and each kfree of a pointer
that such a kmalloc left live, each with its stack lines. The frees of every other object (unfiltered
kfree, 99 % of the file) match nothing and are dropped; the `cpus=` header is kept. Pairing results
are the same as on the full report except the count of unmatched frees.
Usage: reduce-kmalloc-report.py < full.report.txt > reduced.report.txt"""
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
