import { median } from 'simple-statistics';
import { bytesPerUnit, formatQuantity } from '../../core/format.js';

/**
 * Effect size before significance: a trend can be significant and meaningless (meminfo `Mlocked`
 * 10,584 -> 10,632 kB on a 24 GB machine is 12 pages; Mann-Kendall calls it a rise on 300 points).
 * A leak must raise its lower envelope by a material amount, the largest of an absolute floor (by
 * unit: 16 pages, i.e. 64 KiB, for sizes and page counters; none for counts), a fraction of the
 * series' own level (default 0.5 % for sizes and pages, none for counts) and a fraction of the limit (default none). The floor and the
 * rule that set it are reported with every verdict.
 */

export interface EffectFloorOptions {
  minRise?: number;
  minRiseFractionOfLevel?: number;
  minRiseFractionOfLimit?: number;
}

/** 16 pages of 4 KiB: below this a page-granular counter moved by a handful of pages. */
const DEFAULT_FLOOR_BYTES = 16 * 4096;
const DEFAULT_FRACTION_OF_LEVEL = 0.005;

/**
 * The floor a rise must reach, in the series' unit, and the rule that set it (for the report).
 * @example
 * effectFloor('kB', 10600, 24684092).floor // 64 (16 pages; 0.5 % of the level is 53 kB)
 */
export function effectFloor(unit: string | undefined, level: number, limit: number | null, options: EffectFloorOptions = {}): { floor: number; basis: string } {
  const perUnit = bytesPerUnit(unit);
  const isPages = (unit ?? '').toLowerCase().startsWith('page');
  const absolute = options.minRise ?? (isPages ? 16 : perUnit !== null ? DEFAULT_FLOOR_BYTES / perUnit : 0);
  // Counts (slab objects, allocations) have no default floor: a cache's level is the whole system's
  // objects of that kind, and a leak of 960 dentries among 122,000 is real (D2).
  const fLevel = options.minRiseFractionOfLevel ?? (perUnit !== null || isPages ? DEFAULT_FRACTION_OF_LEVEL : 0);
  const fLimit = options.minRiseFractionOfLimit ?? 0;
  const candidates: [number, string][] = [
    [absolute, options.minRise !== undefined ? `the set floor of ${formatQuantity(absolute, unit)}` : isPages ? '16 pages' : `${formatQuantity(absolute, unit)} (16 pages)`],
    [fLevel * Math.abs(level), `${+(fLevel * 100).toPrecision(3)} % of its level`],
    [limit !== null ? fLimit * limit : 0, `${+(fLimit * 100).toPrecision(3)} % of the limit`],
  ];
  let best = candidates[0];
  for (const c of candidates) if (c[0] > best[0]) best = c;
  return { floor: best[0], basis: best[1] };
}

/**
 * The rise of a lower envelope over its time range: the smaller of the fitted line's rise and the
 * rise between the medians of its first and last quarters (scaled to the whole range), so that a
 * slope drawn through equal start and end levels (VmallocUsed "grows 5 MiB/h", start = end) is not
 * taken for a rise.
 * @example
 * envelopeRise([0, 1, 2, 3, 4, 5, 6, 7], [0, 1, 2, 3, 4, 5, 6, 7], 1) // 7
 */
export function envelopeRise(t: readonly number[], y: readonly number[], slopePerSecond: number): number {
  const m = Math.min(t.length, y.length);
  if (m < 2) return 0;
  const span = t[m - 1] - t[0];
  const fitted = slopePerSecond * span;
  const q = Math.max(1, Math.floor(m / 4));
  const first = y.slice(0, q);
  const last = y.slice(m - q);
  const tFirst = median(t.slice(0, q) as number[]);
  const tLast = median(t.slice(m - q) as number[]);
  if (!(tLast > tFirst)) return fitted;
  const quarters = ((median(last as number[]) - median(first as number[])) * span) / (tLast - tFirst);
  return Math.min(fitted, quarters);
}
