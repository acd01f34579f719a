import { describe, expect, it } from 'vitest';
import { SnapshotDecimator } from '../../src/analysis/snapshotDecimator.js';
import { slabGrowth } from '../../src/analysis/slabGrowth.js';
import type { SlabinfoSnapshot } from '../../src/parsers/slabinfo/index.js';

describe('SnapshotDecimator', () => {
  it('keeps a bounded, evenly spaced subsample that ends with the last snapshot', () => {
    const d = new SnapshotDecimator<number>({ max: 100 });
    for (let i = 0; i < 57_600; i++) d.push(i);
    const kept = d.snapshots();
    expect(d.seen).toBe(57_600);
    expect(kept.length).toBeGreaterThanOrEqual(100);
    expect(kept.length).toBeLessThanOrEqual(201);
    expect(kept[0]).toBe(0);
    expect(kept.at(-1)).toBe(57_599);
    const steps = new Set(kept.slice(0, -1).map((x, i) => (i === 0 ? d.stride : x - kept[i - 1])));
    expect([...steps]).toEqual([d.stride]);
  });

  it('keeps everything while short', () => {
    const d = new SnapshotDecimator<number>({ max: 10 });
    for (let i = 0; i < 7; i++) d.push(i);
    expect(d.snapshots()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(new SnapshotDecimator<number>().snapshots()).toEqual([]);
  });

  it('lets slabGrowth judge a 16-hour 1 Hz series from 2-4 k kept snapshots, release included', () => {
    const d = new SnapshotDecimator<SlabinfoSnapshot>({ max: 2048 });
    const n = 57_600;
    for (let i = 0; i < n; i++) {
      const leaked = i < n - 100 ? Math.floor(i / 2) : 0; // released 100 s before the end
      d.push({
        index: i,
        time: i,
        timeAssumed: false,
        line: 1 + i * 4,
        version: '2.1',
        partial: false,
        caches: {
          filp: { active_objs: 600 + leaked, num_objs: 630 + leaked, objsize: 192, objperslab: 21, pagesperslab: 1, tunables: null, slabdata: null },
          'kmalloc-64': { active_objs: 3000 + (i % 300 < 60 ? (i % 300) * 30 : 0), num_objs: 5000, objsize: 64, objperslab: 64, pagesperslab: 1, tunables: null, slabdata: null },
        },
      });
    }
    const kept = d.snapshots();
    expect(kept.length).toBeLessThanOrEqual(4097);
    const g = slabGrowth(kept);
    expect(g.entries[0].cache).toBe('filp');
    expect(g.entries[0].verdict).toBe('leak');
    expect(g.entries[0].released).toBe(true);
    expect(g.entries[0].slopeObjectsPerHour).toBeCloseTo(1800, -1);
    expect(g.entries.find((e) => e.cache === 'kmalloc-64')!.verdict).not.toBe('leak');
  });
});
