import { z } from 'zod';

/**
 * Restarts: a counter that grew and then falls back to (near) where it started - the process was
 * OOM-killed or restarted, a leaker exited, a cgroup was recreated - begins a new segment, and
 * each segment is analysed on its own (a leak that was killed is still a leak; the fall is not a
 * "negative trend"). Detected on the reduced trough series so that an oscillation (which drops to
 * the floor every cycle) never looks like a restart. Gaps (missing samples) are reported by the
 * reduction and never split a segment by themselves: the tests work on irregular times.
 */

export const SegmentSchema = z.object({
  /** Bin index range [start, end). */
  start: z.number().int(),
  end: z.number().int(),
  /** Why this segment starts. */
  reason: z.enum(['start', 'restart']),
});
export type Segment = z.infer<typeof SegmentSchema>;

export interface RestartOptions {
  /** Minimum rise above the segment's start level, in robust sigmas, before a fall counts (default 8). */
  minRiseSigmas?: number;
  /** The fall must bring the level within this fraction of the rise above the start (default 0.25). */
  backToStart?: number;
}

function median3(x: readonly number[], i: number): number {
  const w = x.slice(i, Math.min(x.length, i + 3)).sort((a, b) => a - b);
  return w[Math.floor((w.length - 1) / 2)];
}

/**
 * Splits a reduced series into segments at restarts.
 * @example
 * splitRestarts([1, 2, 3, 4, 5, 6, 1, 2, 3], 0.1).map((s) => s.start); // [0, 6]
 */
export function splitRestarts(v: readonly number[], sigma: number, options: RestartOptions = {}): Segment[] {
  const minRise = (options.minRiseSigmas ?? 8) * sigma;
  const back = options.backToStart ?? 0.25;
  // Work on a running median of 3 so one trough caught high (or low) is neither a rise nor a fall.
  const raw = v;
  v = raw.map((_, i) => (i === 0 || i === raw.length - 1 ? raw[i] : median3(raw, i - 1)));
  const out: Segment[] = [];
  let segStart = 0;
  let base = v.length ? v[0] : 0;
  let max = base;
  for (let i = 1; i < v.length; i++) {
    if (i === segStart + 2) base = median3(v, segStart);
    const rise = max - base;
    if (i > segStart + 2 && rise > minRise && rise > 0 && v[i] < v[i - 1] - 0.5 * rise && median3(v, i) <= base + back * rise) {
      out.push({ start: segStart, end: i, reason: out.length === 0 ? 'start' : 'restart' });
      segStart = i;
      base = v[i];
      max = v[i];
      continue;
    }
    if (v[i] > max) max = v[i];
  }
  out.push({ start: segStart, end: v.length, reason: out.length === 0 ? 'start' : 'restart' });
  return out;
}
