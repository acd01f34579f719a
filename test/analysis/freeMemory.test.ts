import { describe, expect, it } from 'vitest';
import { freeMemoryConsumption, sumSeries } from '../../src/analysis/freeMemory.js';

describe('free memory as consumption', () => {
  it('turns a falling free series into what was consumed since the first sample, limit where nothing is left', () => {
    const c = freeMemoryConsumption({ free: { name: 'MemAvailable', unit: 'kB', t: [0, 2, 4, 6], v: [1000, 900, 850, 700] }, label: 'MemAvailable', basis: 'net-of-cache', floor: 100 });
    expect(c).toMatchObject({ limit: 900, basis: 'net-of-cache' });
    expect(c!.series).toMatchObject({ name: 'consumed (fall of MemAvailable)', unit: 'kB', t: [0, 2, 4, 6], v: [0, 100, 150, 300] });
  });

  it('says when the page cache is not netted out, and needs 3 samples and memory to consume', () => {
    const free = { name: 'free', unit: 'kB', t: [0, 1, 2], v: [10, 9, 8] };
    expect(freeMemoryConsumption({ free, label: 'free', basis: 'cache-not-netted' })!.series.name).toBe('consumed (fall of free, page cache not netted out)');
    expect(freeMemoryConsumption({ free: { ...free, t: [0, 1], v: [10, 9] }, label: 'free', basis: 'cache-not-netted' })).toBeNull();
    expect(freeMemoryConsumption({ free: { ...free, v: [0, 0, 0] }, label: 'free', basis: 'cache-not-netted' })).toBeNull();
  });

  it('sums aligned series (free + buff + cache: cache churn cancels out) and refuses misaligned ones', () => {
    const t = [0, 2, 4];
    const s = sumSeries([{ name: 'free', unit: 'kB', t, v: [100, 50, 100] }, { name: 'buff', unit: 'kB', t, v: [1, 1, 1] }, { name: 'cache', unit: 'kB', t, v: [10, 60, 10] }], 'free+buff+cache');
    expect(s!.v).toEqual([111, 111, 111]);
    expect(sumSeries([{ name: 'free', unit: 'kB', t, v: [1, 2, 3] }, undefined], 'x')).toBeNull();
    expect(sumSeries([{ name: 'free', unit: 'kB', t, v: [1, 2, 3] }, { name: 'cache', unit: 'kB', t: [0, 2, 5], v: [1, 2, 3] }], 'x')).toBeNull();
  });
});
