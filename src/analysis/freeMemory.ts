import type { TimeSeries } from '../core/models.js';

/**
 * Falling free memory is memory being consumed (seed 004's first clue: vmstat shows `free`
 * falling). The trend engine looks for a rising lower envelope, so a free-memory series is turned
 * into what was consumed since its first sample (first − now), with the limit at the point where
 * nothing is left (first − floor). What counts as free decides whether page-cache churn reads as
 * a leak: MemAvailable, or free + buff + cache, nets the reclaimable cache out; MemFree or
 * vmstat `free` alone falls whenever the page cache grows, and the series' name says so.
 */

/** How much of the reclaimable cache a free-memory measure already counts as available. */
export type FreeMemoryBasis = 'net-of-cache' | 'cache-not-netted';

export interface FreeMemoryInput {
  /** Free memory over time (kB, or any byte unit), oldest first. */
  free: TimeSeries;
  /** What `free` measures, as a user reads it (`MemAvailable`, `free+buff+cache`, `free_kb`). */
  label: string;
  basis: FreeMemoryBasis;
  /** Free memory that can never be used (the min watermark), in the series' unit; default 0. */
  floor?: number;
}

export interface FreeMemoryConsumption {
  /** Consumed since the first sample: first − free(t), same unit and times. */
  series: TimeSeries;
  /** Where free memory runs out, in consumed units: first − floor. */
  limit: number;
  basis: FreeMemoryBasis;
}

/**
 * Consumption from a falling free-memory series, or null with fewer than 3 samples or no
 * memory left to consume at the start.
 * @example
 * const c = freeMemoryConsumption({ free: { name: 'MemAvailable', unit: 'kB', t: [0, 2, 4], v: [1000, 900, 800] }, label: 'MemAvailable', basis: 'net-of-cache' });
 * c?.series.v // [0, 100, 200]
 * c?.limit    // 1000
 */
export function freeMemoryConsumption(input: FreeMemoryInput): FreeMemoryConsumption | null {
  const { free, label, basis } = input;
  if (free.v.length < 3) return null;
  const first = free.v[0];
  const limit = first - (input.floor ?? 0);
  if (!(limit > 0)) return null;
  const note = basis === 'net-of-cache' ? '' : ', page cache not netted out';
  return {
    series: {
      ...free,
      name: `consumed (fall of ${label}${note})`,
      v: free.v.map((x) => first - x),
    },
    limit,
    basis,
  };
}

/**
 * Sum of aligned series (same sample times), e.g. vmstat free + buff + cache; null when any is
 * missing or their samples differ.
 * @example sumSeries([{ name: 'free', unit: 'kB', t: [0, 1], v: [5, 4] }, { name: 'cache', unit: 'kB', t: [0, 1], v: [1, 2] }], 'free+cache')?.v // [6, 6]
 */
export function sumSeries(parts: readonly (TimeSeries | undefined)[], name: string): TimeSeries | null {
  const present = parts.filter((p): p is TimeSeries => p !== undefined);
  if (present.length !== parts.length || present.length === 0) return null;
  const [head] = present;
  for (const p of present) {
    if (p.t.length !== head.t.length || p.unit !== head.unit) return null;
    for (let i = 0; i < p.t.length; i++) if (p.t[i] !== head.t[i]) return null;
  }
  return { ...head, name, v: head.v.map((_, i) => present.reduce((a, p) => a + p.v[i], 0)) };
}
