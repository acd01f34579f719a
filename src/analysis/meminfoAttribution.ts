import { z } from 'zod';
import type { Evidence, Finding } from '../core/models.js';
import { ASSUMED_TIME_AXIS_MARK, FindingSchema } from '../core/models.js';
import { formatBytes, formatQuantity } from '../core/format.js';
import type { MeminfoSnapshot } from '../parsers/meminfo/index.js';
import { detectLeakTrend, type LeakTrendResult } from './trend/index.js';
import { gradeLeak, type AlertThresholds } from './alerts.js';

/**
 * meminfo attribution: which /proc/meminfo component grows, and how much memory no counter
 * explains.
 *
 * "Used" is MemTotal - MemAvailable (MemFree undercounts: page cache and reclaimable slab are
 * free for practical purposes; MemAvailable, since 3.14, estimates that).
 *
 * Unaccounted memory. Every page is either free or counted by one of these, per
 * Documentation/filesystems/proc.rst ("meminfo") and the counters' definitions in
 * fs/proc/meminfo.c (Cached excludes SwapCached and Buffers; Shmem, Mapped and the file huge
 * pages are inside Cached; AnonHugePages is inside AnonPages; KReclaimable = SReclaimable + other
 * reclaimable kernel pages; VmallocUsed counts vmalloc'd pages since 5.3):
 *
 *   unaccounted = MemTotal - ( MemFree + Buffers + Cached + SwapCached + AnonPages
 *                              + SReclaimable + SUnreclaim + max(0, KReclaimable - SReclaimable)
 *                              + KernelStack + PageTables + SecPageTables + Percpu + VmallocUsed
 *                              + Hugetlb (or HugePages_Total x Hugepagesize) + Zswap + Unaccepted )
 *
 * Fields a kernel does not print count as 0. This is the usual "where did my memory go"
 * accounting; what is left is memory taken straight from the buddy allocator by drivers (GPU, DMA
 * buffers, balloon, network rings, BPF maps before memcg), which no meminfo counter shows: a
 * leak there appears only as a growing unaccounted remainder. MemFree is used here (not
 * MemAvailable) because the sum accounts for pages, not for what is "available". VmallocUsed
 * read 0 from 4.4 to 5.2: on those kernels vmalloc memory also lands in the remainder.
 */

export const MEMINFO_COMPONENTS = [
  'Used',
  'AnonPages',
  'Slab',
  'SReclaimable',
  'SUnreclaim',
  'VmallocUsed',
  'PageTables',
  'SecPageTables',
  'KernelStack',
  'Shmem',
  'Cached',
  'Buffers',
  'SwapCached',
  'Percpu',
  'Hugetlb',
  'Mlocked',
  'Unevictable',
  'Zswap',
] as const;

export const MeminfoAttributionOptionsSchema = z.object({
  source: z.string().optional(),
  /** Components to report (default MEMINFO_COMPONENTS; absent fields are skipped). */
  fields: z.array(z.string()).optional(),
  /** Fewer snapshots than this give `insufficient-data` (default 12). */
  minPoints: z.number().int().min(3).optional(),
  /** Findings only for components growing at least this fast (kB/h, default 0). */
  minSlopeKbPerHour: z.number().nonnegative().optional(),
});
export type MeminfoAttributionOptions = z.infer<typeof MeminfoAttributionOptionsSchema> & {
  /** Alert thresholds the findings are graded by (alerts.ts defaults). */
  thresholds?: Partial<AlertThresholds>;
};

const Pair = z.tuple([z.number(), z.number()]);
const TrendFields = {
  ci95KbPerHour: Pair.nullable(),
  pValue: z.number().nullable(),
  onset: z.number().nullable(),
  period: z.number().nullable(),
  /** Seconds until Used reaches MemTotal (Used only, leak only). */
  timeToLimitSeconds: z.number().nullable(),
  reason: z.string(),
  points: z.number().int(),
};

/** What is judged of one counter (a component, or the unaccounted remainder). */
const JudgedFields = {
  startKb: z.number(),
  peakKb: z.number(),
  endKb: z.number(),
  slopeKbPerHour: z.number().nullable(),
  verdict: z.string(),
  ...TrendFields,
};

export const MeminfoAttributionComponentSchema = z.object({ field: z.string(), ...JudgedFields });
export type MeminfoAttributionComponent = z.infer<typeof MeminfoAttributionComponentSchema>;

export const MeminfoAttributionResultSchema = z.object({
  source: z.string(),
  components: z.array(MeminfoAttributionComponentSchema),
  unaccounted: z
    .object({
      ...JudgedFields,
      /** The formula's terms that this capture printed. */
      terms: z.array(z.string()),
    })
    .nullable(),
  snapshots: z.number().int().nonnegative(),
  partialSkipped: z.number().int().nonnegative(),
  timeAssumed: z.boolean(),
  memTotalKb: z.number().nullable(),
  insufficientData: z.boolean(),
  findings: z.array(FindingSchema),
});
export type MeminfoAttributionResult = z.infer<typeof MeminfoAttributionResultSchema>;

/** The counted terms of the accounting formula (see the module comment). */
const ACCOUNTED = [
  'MemFree',
  'Buffers',
  'Cached',
  'SwapCached',
  'AnonPages',
  'SReclaimable',
  'SUnreclaim',
  'KernelStack',
  'PageTables',
  'SecPageTables',
  'Percpu',
  'VmallocUsed',
  'Zswap',
  'Unaccepted',
] as const;

function hugetlbKb(s: MeminfoSnapshot): number {
  if (s.kb.Hugetlb !== undefined) return s.kb.Hugetlb;
  const total = s.counts.HugePages_Total;
  const size = s.kb.Hugepagesize;
  return total !== undefined && size !== undefined ? total * size : 0;
}

/**
 * MemTotal minus every counter that accounts for pages (null when MemTotal or MemFree is missing).
 * @example
 * unaccountedKb({ kb: { MemTotal: 1000, MemFree: 600, Cached: 300 }, counts: {} }) // 100
 */
export function unaccountedKb(s: Pick<MeminfoSnapshot, 'kb' | 'counts'>): number | null {
  const k = s.kb;
  if (k.MemTotal === undefined || k.MemFree === undefined) return null;
  let sum = 0;
  for (const f of ACCOUNTED) sum += k[f] ?? 0;
  if (k.KReclaimable !== undefined) sum += Math.max(0, k.KReclaimable - (k.SReclaimable ?? 0));
  sum += hugetlbKb(s as MeminfoSnapshot);
  return k.MemTotal - sum;
}

function valueOf(s: MeminfoSnapshot, field: string): number | undefined {
  if (field === 'Used') {
    const total = s.kb.MemTotal;
    const avail = s.kb.MemAvailable;
    return total !== undefined && avail !== undefined ? total - avail : undefined;
  }
  if (field === 'Hugetlb') return s.kb.Hugetlb ?? (s.counts.HugePages_Total !== undefined ? hugetlbKb(s) : undefined);
  return s.kb[field];
}

interface Judged {
  startKb: number;
  peakKb: number;
  endKb: number;
  slopeKbPerHour: number | null;
  verdict: string;
  ci95KbPerHour: [number, number] | null;
  pValue: number | null;
  onset: number | null;
  period: number | null;
  timeToLimitSeconds: number | null;
  reason: string;
  points: number;
}

function judge(t: number[], v: number[], name: string, minPoints: number, limit?: number): Judged {
  let peak = -Infinity;
  for (const x of v) if (x > peak) peak = x;
  const base = { startKb: v[0], peakKb: peak, endKb: v[v.length - 1], points: v.length };
  if (v.length < minPoints) {
    return { ...base, slopeKbPerHour: null, verdict: 'insufficient-data', ci95KbPerHour: null, pValue: null, onset: null, period: null, timeToLimitSeconds: null, reason: `only ${v.length} snapshots` };
  }
  const r: LeakTrendResult = detectLeakTrend({ t, v, name, unit: 'kB' }, { minPoints, limit });
  return {
    ...base,
    slopeKbPerHour: r.slopePerHour,
    verdict: r.verdict,
    ci95KbPerHour: r.ci95,
    pValue: r.pValue,
    onset: r.verdict === 'leak' ? r.onset : null,
    period: r.period,
    timeToLimitSeconds: r.timeToLimitSeconds,
    reason: r.reason,
  };
}

/** meminfo counters that are caches: their growth is load, not a leak (reclaimed under pressure). */
const RECLAIMABLE_FIELDS: ReadonlySet<string> = new Set(['Cached', 'Buffers', 'SReclaimable', 'KReclaimable', 'Active(file)', 'Inactive(file)', 'Mapped', 'SwapCached']);

/**
 * Per-component trends of a meminfo series and the unaccounted remainder, with findings for the
 * components that leak. Partial snapshots are skipped; snapshots without time use their index.
 * @example
 * const r = meminfoAttribution(parseMeminfo(text).records, { source: 'meminfo.txt' });
 * r.components.find((c) => c.field === 'AnonPages')?.verdict; // 'leak'
 */
export function meminfoAttribution(snapshots: readonly MeminfoSnapshot[], options: MeminfoAttributionOptions = {}): MeminfoAttributionResult {
  const source = options.source ?? 'meminfo';
  const minPoints = options.minPoints ?? 12;
  const usable = snapshots.filter((s) => !s.partial);
  const timeAssumed = usable.some((s) => s.timeAssumed || s.time === null);
  const t = usable.map((s) => s.time ?? s.index);
  const memTotal = usable.length ? (usable[usable.length - 1].kb.MemTotal ?? null) : null;
  const components: MeminfoAttributionComponent[] = [];
  for (const field of options.fields ?? MEMINFO_COMPONENTS) {
    const tt: number[] = [];
    const vv: number[] = [];
    usable.forEach((s, i) => {
      const x = valueOf(s, field);
      if (x !== undefined) {
        tt.push(t[i]);
        vv.push(x);
      }
    });
    if (vv.length === 0) continue;
    components.push({ field, ...judge(tt, vv, field, minPoints, field === 'Used' && memTotal !== null ? memTotal : undefined) });
  }
  const ut: number[] = [];
  const uv: number[] = [];
  usable.forEach((s, i) => {
    const x = unaccountedKb(s);
    if (x !== null) {
      ut.push(t[i]);
      uv.push(x);
    }
  });
  const terms = usable.length
    ? [...ACCOUNTED, 'KReclaimable', 'Hugetlb'].filter((f) => usable[0].kb[f] !== undefined || (f === 'Hugetlb' && usable[0].counts.HugePages_Total !== undefined))
    : [];
  const unaccounted = uv.length ? { ...judge(ut, uv, 'Unaccounted', minPoints), terms } : null;

  const findings: Finding[] = [];
  const unreclaimable = components.find((c) => c.field === 'SUnreclaim');
  const slabRiseIsReclaimable = unreclaimable !== undefined && unreclaimable.verdict !== 'leak';
  const minSlope = options.minSlopeKbPerHour ?? 0;
  const lines: [number, number] | undefined = usable.length ? [usable[0].line, usable[usable.length - 1].line] : undefined;
  const add = (field: string, c: Judged) => {
    if (c.verdict !== 'leak' || (c.slopeKbPerHour ?? 0) < minSlope) return;
    const rate = `${formatBytes((c.slopeKbPerHour ?? 0) * 1024)}/h`;
    const evidence: Evidence[] = [
      {
        source,
        lines,
        detail: `${field}: ${formatQuantity(c.startKb, 'kB')} -> ${formatQuantity(c.endKb, 'kB')} (peak ${formatQuantity(c.peakKb, 'kB')}), ${rate}${c.pValue !== null ? `, p=${c.pValue.toPrecision(2)}` : ''}${timeAssumed ? ` ${ASSUMED_TIME_AXIS_MARK}` : ''}: ${c.reason}`,
        values: { startKb: c.startKb, peakKb: c.peakKb, endKb: c.endKb, slopeKbPerHour: c.slopeKbPerHour, onset: c.onset, timeToLimitSeconds: c.timeToLimitSeconds },
      },
    ];
    // A rise that ended below where it started (owner exited, reclaim, cache drop) is reported, not alarmed.
    const fellBack = c.endKb < c.startKb;
    const kernel = field !== 'AnonPages' && field !== 'Used' && field !== 'Shmem' && field !== 'Mlocked';
    // Slab = SReclaimable + SUnreclaim: a Slab rise that SUnreclaim does not share is reclaimable
    // cache (dentries, inodes of a page-cache churn), not a kernel leak.
    const reclaimable = RECLAIMABLE_FIELDS.has(field) || (field === 'Slab' && slabRiseIsReclaimable);
    // One grading path (alerts.ts): the rate against MemTotal and the projected time to it.
    const severity = fellBack || reclaimable
      ? 'info'
      : gradeLeak(
          { confirmed: true, bytesPerHour: (c.slopeKbPerHour ?? 0) * 1024, timeToLimitSeconds: c.timeToLimitSeconds, limitBytes: memTotal !== null ? memTotal * 1024 : null },
          options.thresholds,
        );
    findings.push({
      kind: field === 'Unaccounted' ? 'unaccounted-memory-growth' : 'meminfo-growth',
      severity,
      title:
        (field === 'Unaccounted'
          ? `Memory no meminfo counter explains grows ${rate} (driver/buddy allocations?)`
          : `meminfo ${field} grows ${rate}`) + (fellBack ? `, then fell below its start (${c.startKb} -> ${c.endKb} kB)` : ''),
      evidence,
      source,
      score: c.pValue === null ? 0 : 1 - c.pValue,
      space: field === 'Used' ? 'unknown' : kernel ? 'kernel' : 'user',
      ...(reclaimable ? { reclaimable: true } : {}),
    });
  };
  for (const c of components) add(c.field, c);
  if (unaccounted) add('Unaccounted', unaccounted);
  return {
    source,
    components,
    unaccounted,
    snapshots: usable.length,
    partialSkipped: snapshots.length - usable.length,
    timeAssumed,
    memTotalKb: memTotal,
    insufficientData: usable.length < minPoints,
    findings,
  };
}
