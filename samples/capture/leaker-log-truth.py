#!/usr/bin/env python3
"""Ground truth of a leak-and-ring run from its own log (one line per ~1 s: epoch, leaked_bytes,
ring_bytes): the least-squares leak rate over [t0, t1] and when the ring reached its final size.
Usage: leaker-log-truth.py LOG [T0 T1]"""
import json, sys

rows = []
for line in open(sys.argv[1]):
    if line.startswith('epoch='):
        d = dict(kv.split('=') for kv in line.split())
        rows.append((float(d['epoch']), int(d['leaked_bytes']), int(d['ring_bytes'])))
t0 = float(sys.argv[2]) if len(sys.argv) > 2 else rows[0][0]
t1 = float(sys.argv[3]) if len(sys.argv) > 3 else rows[-1][0]
w = [r for r in rows if t0 <= r[0] <= t1]
n = len(w)
mt = sum(r[0] for r in w) / n
mv = sum(r[1] for r in w) / n
rate = sum((r[0] - mt) * (r[1] - mv) for r in w) / sum((r[0] - mt) ** 2 for r in w)
final_ring = rows[-1][2]
full_at = next(r[0] for r in rows if r[2] == final_ring)
print(json.dumps({
    'window': [w[0][0], w[-1][0]], 'samples': n,
    'leakBytesPerSecond': round(rate, 1),
    'leakedBytesAtEnd': w[-1][1],
    'ringFinalBytes': final_ring, 'ringFullSecondsAfterStart': round(full_at - rows[0][0], 1),
}))
