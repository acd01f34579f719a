import { z } from 'zod';
import { olsSlope } from './trend/ols.js';
import type { Finding } from '../core/models.js';
import { formatBytes, formatTime } from '../core/format.js';
import { zoneKey, type BuddyinfoSnapshot, type BuddyZone, type ExtfragSnapshot } from '../parsers/buddyinfo/index.js';

/**
 * External fragmentation of the buddy allocator, computed exactly as the kernel does in
 * mm/vmstat.c (fill_contig_page_info, unusable_free_index, __fragmentation_index: integer
 * thousandths), plus what the kernel does not print: high-order capacity over time, the split
 * of a high-order loss into "less free memory" and "free memory in smaller pieces", and what
 * happens in the idle window after the stress stops.
 */

/** Orders above this are "costly" for the page allocator (include/linux/mmzone.h). */
export const PAGE_ALLOC_COSTLY_ORDER = 3;
/** The usual pageblock / huge page order on x86_64 (2 MiB with 4 KiB pages). */
export const DEFAULT_HIGH_ORDER = 9;

export interface ContigPageInfo {
  freePages: number;
  freeBlocksTotal: number;
  /** Free blocks of the suitable order that the free lists could provide (larger blocks split). */
  freeBlocksSuitable: number;
}

/**
 * mm/vmstat.c fill_contig_page_info(): free pages, free blocks, and blocks usable for an
 * allocation of `suitableOrder`.
 * @example contigPageInfo([4, 0, 1], 1) // { freePages: 8, freeBlocksTotal: 5, freeBlocksSuitable: 2 }
 */
export function contigPageInfo(freeBlocks: readonly number[], suitableOrder: number): ContigPageInfo {
  let freePages = 0;
  let freeBlocksTotal = 0;
  let freeBlocksSuitable = 0;
  for (let order = 0; order < freeBlocks.length; order++) {
    const blocks = freeBlocks[order];
    freeBlocksTotal += blocks;
    freePages += blocks * 2 ** order;
    if (order >= suitableOrder) freeBlocksSuitable += blocks * 2 ** (order - suitableOrder);
  }
  return { freePages, freeBlocksTotal, freeBlocksSuitable };
}

/**
 * mm/vmstat.c unusable_free_index(): the share of free memory unusable for an allocation of
 * `order`, in thousandths (0 = none, 1000 = all; no free memory counts as all unusable).
 * @example unusableFreeIndex(1, contigPageInfo([4, 0, 1], 1)) // 500
 */
export function unusableFreeIndex(order: number, info: ContigPageInfo): number {
  if (info.freePages === 0) return 1000;
  return Math.floor(((info.freePages - info.freeBlocksSuitable * 2 ** order) * 1000) / info.freePages);
}

/**
 * mm/vmstat.c __fragmentation_index(), in thousandths: -1000 when the allocation would succeed,
 * 0 when there are no free blocks; otherwise towards 0 = fails for lack of memory, towards
 * 1000 = fails because of fragmentation.
 * @example fragmentationIndex(2, contigPageInfo([3000], 2)) // 750
 */
export function fragmentationIndex(order: number, info: ContigPageInfo): number {
  const requested = 2 ** order;
  if (info.freeBlocksTotal === 0) return 0;
  if (info.freeBlocksSuitable > 0) return -1000;
  return 1000 - Math.floor((1000 + Math.floor((info.freePages * 1000) / requested)) / info.freeBlocksTotal);
}

export const ZoneIndicesSchema = z.object({
  node: z.number().int(),
  zone: z.string(),
  freePages: z.number(),
  /** unusable_index per order, thousandths (what the kernel prints as d.ddd). */
  unusableMilli: z.array(z.number().int()),
  /** extfrag_index per order, thousandths (-1000 = would succeed). */
  extfragMilli: z.array(z.number().int()),
});
export type ZoneIndices = z.infer<typeof ZoneIndicesSchema>;

/**
 * Both kernel indices for every order of one zone, from its free lists.
 * @example
 * fragmentationIndices({ node: 0, zone: 'DMA', freeBlocks: [3000, 0, 0] }).extfragMilli // [-1000, 500, 750]
 */
export function fragmentationIndices(zone: BuddyZone): ZoneIndices {
  const unusableMilli: number[] = [];
  const extfragMilli: number[] = [];
  for (let order = 0; order < zone.freeBlocks.length; order++) {
    const info = contigPageInfo(zone.freeBlocks, order);
    unusableMilli.push(unusableFreeIndex(order, info));
    extfragMilli.push(fragmentationIndex(order, info));
  }
  return { node: zone.node, zone: zone.zone, freePages: contigPageInfo(zone.freeBlocks, 0).freePages, unusableMilli, extfragMilli };
}

/**
 * Pages held in free blocks of `order` or larger (what an order-`order` request can use).
 * @example highOrderPages([5, 1, 2], 1) // 2 + 8 = 10
 */
export function highOrderPages(freeBlocks: readonly number[], order: number): number {
  let pages = 0;
  for (let o = order; o < freeBlocks.length; o++) pages += freeBlocks[o] * 2 ** o;
  return pages;
}

export const KernelIndexCheckSchema = z.object({
  kind: z.enum(['unusable_index', 'extfrag_index']),
  /** Snapshot pairs matched by time (or by position when neither has time). */
  snapshotsCompared: z.number().int().nonnegative(),
  valuesCompared: z.number().int().nonnegative(),
  mismatches: z.array(
    z.object({ time: z.number().nullable(), zone: z.string(), order: z.number().int(), computed: z.number().int(), kernel: z.number().int() }),
  ),
  /** Snapshots of the kernel file with no buddyinfo snapshot at the same instant. */
  unmatched: z.number().int().nonnegative(),
});
export type KernelIndexCheck = z.infer<typeof KernelIndexCheckSchema>;

/**
 * Checks computed indices against the kernel's own extfrag file captured beside the buddyinfo
 * (same epoch lines): every zone and order must agree to the thousandth.
 * @example
 * checkKernelIndices(buddy.records, unusable.records, 'unusable_index').mismatches // []
 */
export function checkKernelIndices(
  buddy: readonly BuddyinfoSnapshot[],
  kernel: readonly ExtfragSnapshot[],
  kind: 'unusable_index' | 'extfrag_index',
  maxMismatches = 50,
): KernelIndexCheck {
  const byTime = new Map<number, BuddyinfoSnapshot>();
  for (const b of buddy) if (b.time !== null && !b.timeAssumed && !b.partial) byTime.set(b.time, b);
  const mismatches: KernelIndexCheck['mismatches'] = [];
  let snapshotsCompared = 0;
  let valuesCompared = 0;
  let unmatched = 0;
  for (const k of kernel) {
    if (k.partial) continue;
    const b = k.time !== null && !k.timeAssumed ? byTime.get(k.time) : buddy[k.index];
    if (!b || b.partial) {
      unmatched++;
      continue;
    }
    snapshotsCompared++;
    for (const kz of k.zones) {
      const bz = b.zones.find((z) => z.node === kz.node && z.zone === kz.zone);
      if (!bz) continue;
      const ix = fragmentationIndices(bz);
      const computed = kind === 'unusable_index' ? ix.unusableMilli : ix.extfragMilli;
      for (let o = 0; o < kz.milli.length && o < computed.length; o++) {
        valuesCompared++;
        if (computed[o] !== kz.milli[o] && mismatches.length < maxMismatches) {
          mismatches.push({ time: k.time, zone: zoneKey(kz), order: o, computed: computed[o], kernel: kz.milli[o] });
        }
      }
    }
  }
  return { kind, snapshotsCompared, valuesCompared, mismatches, unmatched };
}

// ---------------------------------------------------------------- analysis over time

export const FragmentationOptionsSchema = z.object({
  /** The order whose capacity and unusable index headline the analysis (pageblock order, 9 on x86_64). */
  highOrder: z.number().int().min(1).max(20).optional(),
  /** Bytes per page (4096 unless told). */
  pageSize: z.number().int().positive().optional(),
});
export type FragmentationOptions = z.infer<typeof FragmentationOptionsSchema>;

const PointSchema = z.object({
  index: z.number().int(),
  time: z.number(),
  freePages: z.number(),
  order0Blocks: z.number(),
  highOrderPages: z.number(),
  /** Share of free memory in blocks of highOrder or larger (0..1; 0 when no free memory). */
  highOrderShare: z.number(),
  /** unusable_index at highOrder, decimal. */
  unusableHigh: z.number(),
  /** unusable_index at PAGE_ALLOC_COSTLY_ORDER + 1, decimal. */
  unusableCostly: z.number(),
});
export type FragmentationPoint = z.infer<typeof PointSchema>;

export const CapacityLossSchema = z.object({
  from: PointSchema,
  to: PointSchema,
  order: z.number().int(),
  /** Change of pages in blocks >= order (negative = capacity lost). */
  deltaPages: z.number(),
  /** The part explained by the change of free memory at the old high-order share. */
  lessFreeMemoryPages: z.number(),
  /** The part explained by the free memory being in smaller pieces (share change x new free). */
  smallerPiecesPages: z.number(),
  /** smallerPieces / delta when capacity was lost (0..1 typically), else null. */
  smallerPiecesShare: z.number().nullable(),
});
export type CapacityLoss = z.infer<typeof CapacityLossSchema>;

export const IdleWindowSchema = z.object({
  /** The snapshot before the release (largest rise of free memory after the worst point). */
  before: PointSchema,
  start: PointSchema,
  end: PointSchema,
  durationSeconds: z.number(),
  /** (free_end - free_before) / (free_baseline - free_before); null when free memory had not dropped. */
  freeRecovery: z.number().nullable(),
  /** Same for pages in high-order blocks. */
  highOrderRecovery: z.number().nullable(),
  /** unusable index at highOrder: end / baseline (null when the baseline is 0). */
  unusableHighVsBaseline: z.number().nullable(),
  order0VsBaseline: z.number().nullable(),
  /** Order-0 blocks per second over the window (negative = re-merging). */
  order0SlopePerSecond: z.number().nullable(),
  recovered: z.enum(['full', 'partial', 'none']),
});
export type IdleWindow = z.infer<typeof IdleWindowSchema>;

export const ZoneFragmentationSchema = z.object({
  node: z.number().int(),
  zone: z.string(),
  key: z.string(),
  orders: z.number().int(),
  /** Series for charts (heatmap: t x order): t, free pages, free blocks[order][i], unusable[order][i]. */
  t: z.array(z.number()),
  freePages: z.array(z.number()),
  freeBlocks: z.array(z.array(z.number())),
  unusable: z.array(z.array(z.number())),
  extfrag: z.array(z.array(z.number())),
  highOrderPages: z.array(z.number()),
  highOrderShare: z.array(z.number()),
  baseline: PointSchema,
  worst: PointSchema,
  end: PointSchema,
  /** Baseline -> worst point, at highOrder. */
  loss: CapacityLossSchema,
  idleWindow: IdleWindowSchema.nullable(),
  /** The zone's free memory moved by more than 1% of its largest free value. */
  active: z.boolean(),
  /** At the worst point the free memory was in smaller pieces than at baseline, markedly. */
  fragmented: z.boolean(),
  /** Still fragmented at the end of the capture (unusable index at highOrder >= 1.5x baseline). */
  persistent: z.boolean(),
  /** Every extfrag_index computed from the free lists is -1 (every order would still succeed). */
  allOrdersSucceed: z.boolean(),
});
export type ZoneFragmentation = z.infer<typeof ZoneFragmentationSchema>;

export const FragmentationAnalysisSchema = z.object({
  costlyOrder: z.number().int(),
  highOrder: z.number().int(),
  pageSize: z.number().int(),
  snapshots: z.number().int().nonnegative(),
  partialSnapshotsSkipped: z.number().int().nonnegative(),
  timeAssumed: z.boolean(),
  zones: z.array(ZoneFragmentationSchema),
  /** The zone where most happens (largest swing of free memory), null without data. */
  primaryZone: z.string().nullable(),
  insufficientData: z.boolean(),
  notes: z.array(z.string()),
});
export type FragmentationAnalysis = z.infer<typeof FragmentationAnalysisSchema>;

function point(index: number, time: number, freeBlocks: readonly number[], highOrder: number): FragmentationPoint {
  const info0 = contigPageInfo(freeBlocks, 0);
  const hp = highOrderPages(freeBlocks, highOrder);
  const costly = PAGE_ALLOC_COSTLY_ORDER + 1;
  return {
    index,
    time,
    freePages: info0.freePages,
    order0Blocks: freeBlocks[0] ?? 0,
    highOrderPages: hp,
    highOrderShare: info0.freePages === 0 ? 0 : hp / info0.freePages,
    unusableHigh: unusableFreeIndex(highOrder, contigPageInfo(freeBlocks, highOrder)) / 1000,
    unusableCostly: unusableFreeIndex(costly, contigPageInfo(freeBlocks, costly)) / 1000,
  };
}

/**
 * Splits the change of high-order capacity between two points: H = F x s (free pages x share
 * in high-order blocks), so dH = dF x s_from ("less free memory") + F_to x ds ("smaller pieces").
 * @example
 * splitCapacityLoss(a, b, 9).smallerPiecesPages
 */
export function splitCapacityLoss(from: FragmentationPoint, to: FragmentationPoint, order: number): CapacityLoss {
  const deltaPages = to.highOrderPages - from.highOrderPages;
  const lessFreeMemoryPages = (to.freePages - from.freePages) * from.highOrderShare;
  const smallerPiecesPages = to.freePages * (to.highOrderShare - from.highOrderShare);
  return {
    from,
    to,
    order,
    deltaPages,
    lessFreeMemoryPages,
    smallerPiecesPages,
    smallerPiecesShare: deltaPages < 0 ? smallerPiecesPages / deltaPages + 0 : null,
  };
}

function ratio(a: number, b: number): number | null {
  return b === 0 ? null : a / b;
}

function analyzeZone(
  key: string,
  node: number,
  zone: string,
  rows: ReadonlyArray<{ index: number; time: number; freeBlocks: readonly number[] }>,
  highOrder: number,
): ZoneFragmentation {
  const orders = rows.reduce((m, r) => Math.max(m, r.freeBlocks.length), 0);
  const t: number[] = [];
  const freePages: number[] = [];
  const freeBlocks: number[][] = Array.from({ length: orders }, () => []);
  const unusable: number[][] = Array.from({ length: orders }, () => []);
  const extfrag: number[][] = Array.from({ length: orders }, () => []);
  const hop: number[] = [];
  const hos: number[] = [];
  const points: FragmentationPoint[] = [];
  let allSucceed = true;
  for (const r of rows) {
    const ix = fragmentationIndices({ node, zone, freeBlocks: [...r.freeBlocks] });
    t.push(r.time);
    freePages.push(ix.freePages);
    for (let o = 0; o < orders; o++) {
      freeBlocks[o].push(r.freeBlocks[o] ?? 0);
      unusable[o].push((ix.unusableMilli[o] ?? 1000) / 1000);
      extfrag[o].push((ix.extfragMilli[o] ?? 0) / 1000);
      if ((ix.extfragMilli[o] ?? 0) !== -1000) allSucceed = false;
    }
    const p = point(r.index, r.time, r.freeBlocks, highOrder);
    points.push(p);
    hop.push(p.highOrderPages);
    hos.push(Number(p.highOrderShare.toFixed(4)));
  }
  const baseline = points[0];
  const end = points[points.length - 1];
  // The worst point: the largest unusable index at highOrder (ties: the earliest).
  let worst = baseline;
  for (const p of points) if (p.unusableHigh > worst.unusableHigh) worst = p;
  const maxFree = freePages.reduce((m, x) => Math.max(m, x), 0);
  const minFree = freePages.reduce((m, x) => Math.min(m, x), Infinity);
  const active = maxFree > 0 && (maxFree - minFree) / maxFree > 0.01;

  // Idle window: after the largest rise of free memory at or after the worst point.
  let idleWindow: IdleWindow | null = null;
  const wi = points.indexOf(worst);
  let bestRise = 0;
  let riseAt = -1;
  for (let i = Math.max(1, wi + 1); i < points.length; i++) {
    const rise = points[i].freePages - points[i - 1].freePages;
    if (rise > bestRise) {
      bestRise = rise;
      riseAt = i;
    }
  }
  if (riseAt > 0 && maxFree > 0 && bestRise / maxFree > 0.02) {
    const before = points[riseAt - 1];
    const start = points[riseAt];
    const win = points.slice(riseAt);
    const freeRecovery = baseline.freePages > before.freePages ? (end.freePages - before.freePages) / (baseline.freePages - before.freePages) : null;
    const highOrderRecovery =
      baseline.highOrderPages > before.highOrderPages ? (end.highOrderPages - before.highOrderPages) / (baseline.highOrderPages - before.highOrderPages) : null;
    const uRatio = ratio(end.unusableHigh, baseline.unusableHigh);
    const o0Ratio = ratio(end.order0Blocks, baseline.order0Blocks);
    const stillWorse = end.unusableHigh >= Math.max(baseline.unusableHigh * 1.5, baseline.unusableHigh + 0.02);
    const recovered: IdleWindow['recovered'] = !stillWorse && (freeRecovery === null || freeRecovery > 0.9) ? 'full' : (freeRecovery ?? 1) > 0.3 || !stillWorse ? 'partial' : 'none';
    idleWindow = {
      before,
      start,
      end,
      durationSeconds: end.time - start.time,
      freeRecovery,
      highOrderRecovery,
      unusableHighVsBaseline: uRatio,
      order0VsBaseline: o0Ratio,
      order0SlopePerSecond: olsSlope(
        win.map((p) => p.time),
        win.map((p) => p.order0Blocks),
        3,
      ),
      recovered,
    };
  }
  const loss = splitCapacityLoss(baseline, worst, highOrder);
  const fragmented =
    worst.unusableHigh >= Math.max(0.1, baseline.unusableHigh * 3, baseline.unusableHigh + 0.05) &&
    worst.freePages > 0 &&
    (loss.smallerPiecesShare === null || loss.smallerPiecesShare >= 0.15 || worst.highOrderShare < baseline.highOrderShare * 0.9);
  const persistent = fragmented && end.unusableHigh >= Math.max(baseline.unusableHigh * 1.5, baseline.unusableHigh + 0.02);
  return {
    node,
    zone,
    key,
    orders,
    t,
    freePages,
    freeBlocks,
    unusable,
    extfrag,
    highOrderPages: hop,
    highOrderShare: hos,
    baseline,
    worst,
    end,
    loss,
    idleWindow,
    active,
    fragmented,
    persistent,
    allOrdersSucceed: allSucceed,
  };
}

/**
 * Fragmentation over a buddyinfo series (or any series of the shared zone model, e.g. OOM
 * reports' free lists): per zone, the kernel indices per order over time, the high-order capacity,
 * the split of its loss (baseline -> worst) into less free memory vs smaller pieces, and the idle
 * window after the largest release of memory. Partial snapshots are skipped.
 * @example
 * const a = analyzeFragmentation(parseBuddyinfo(text).records);
 * a.zones.find((z) => z.key === a.primaryZone)?.worst.unusableHigh // 0.251
 */
export function analyzeFragmentation(snapshots: readonly BuddyinfoSnapshot[], options: FragmentationOptions = {}): FragmentationAnalysis {
  const highOrder = options.highOrder ?? DEFAULT_HIGH_ORDER;
  const pageSize = options.pageSize ?? 4096;
  const usable = snapshots.filter((s) => !s.partial);
  const notes: string[] = [];
  const skipped = snapshots.length - usable.length;
  if (skipped > 0) notes.push(`${skipped} partial snapshot(s) skipped`);
  const timeAssumed = usable.some((s) => s.time === null || s.timeAssumed);
  if (timeAssumed) notes.push('no (or assumed) timestamps: the time axis is the snapshot index or the assumed interval');
  const byZone = new Map<string, { node: number; zone: string; rows: Array<{ index: number; time: number; freeBlocks: readonly number[] }> }>();
  for (const s of usable) {
    for (const z of s.zones) {
      const key = zoneKey(z);
      let e = byZone.get(key);
      if (!e) {
        e = { node: z.node, zone: z.zone, rows: [] };
        byZone.set(key, e);
      }
      e.rows.push({ index: s.index, time: s.time ?? s.index, freeBlocks: z.freeBlocks });
    }
  }
  const zones: ZoneFragmentation[] = [];
  for (const [key, e] of byZone) {
    if (e.rows.length === 0) continue;
    const maxOrder = e.rows[0].freeBlocks.length - 1;
    const ho = Math.min(highOrder, Math.max(0, maxOrder));
    if (ho !== highOrder) notes.push(`${key}: only ${maxOrder + 1} orders, high order set to ${ho}`);
    zones.push(analyzeZone(key, e.node, e.zone, e.rows, ho));
  }
  let primary: ZoneFragmentation | null = null;
  let best = -1;
  for (const z of zones) {
    const swing = z.freePages.reduce((m, x) => Math.max(m, x), 0) - z.freePages.reduce((m, x) => Math.min(m, x), Infinity);
    if (swing > best) {
      best = swing;
      primary = z;
    }
  }
  const insufficientData = usable.length < 3;
  if (insufficientData) notes.push(`only ${usable.length} complete snapshot(s): trends and idle windows need at least 3`);
  if (pageSize !== 4096) notes.push(`page size ${formatBytes(pageSize)}`);
  return {
    costlyOrder: PAGE_ALLOC_COSTLY_ORDER,
    highOrder,
    pageSize,
    snapshots: usable.length,
    partialSnapshotsSkipped: skipped,
    timeAssumed,
    zones,
    primaryZone: primary?.key ?? null,
    insufficientData,
    notes,
  };
}

/**
 * Findings (kind `fragmentation`) for zones whose free memory went into smaller pieces.
 * @example
 * fragmentationFindings(analyzeFragmentation(records), 'buddyinfo.txt')[0].title
 */
export function fragmentationFindings(analysis: FragmentationAnalysis, source = 'buddyinfo'): Finding[] {
  const out: Finding[] = [];
  const ps = analysis.pageSize;
  for (const z of analysis.zones) {
    if (!z.fragmented) continue;
    const lossBytes = -z.loss.deltaPages * ps;
    const pieces = -z.loss.smallerPiecesPages * ps;
    const evidence: Finding['evidence'] = [
      {
        source,
        detail: `${z.key}: unusable index at order ${analysis.highOrder} rose from ${z.baseline.unusableHigh.toFixed(3)} to ${z.worst.unusableHigh.toFixed(3)} while ${formatBytes(z.worst.freePages * ps)} was still free`,
        values: {
          baselineTime: z.baseline.time,
          worstTime: z.worst.time,
          baselineUnusable: z.baseline.unusableHigh,
          worstUnusable: z.worst.unusableHigh,
          baselineOrder0: z.baseline.order0Blocks,
          worstOrder0: z.worst.order0Blocks,
          worstFreePages: z.worst.freePages,
        },
      },
      {
        source,
        detail: `high-order capacity fell by ${formatBytes(lossBytes)}: ${formatBytes(pieces)} of it because free memory is in smaller pieces, the rest because less memory is free`,
        values: { deltaPages: z.loss.deltaPages, lessFreeMemoryPages: Math.round(z.loss.lessFreeMemoryPages), smallerPiecesPages: Math.round(z.loss.smallerPiecesPages) },
      },
    ];
    if (z.idleWindow) {
      evidence.push({
        source,
        detail: `after the release at ${formatTime(z.idleWindow.start.time)}: free memory recovered ${((z.idleWindow.freeRecovery ?? 1) * 100).toFixed(0)}%, unusable index at order ${analysis.highOrder} is ${z.end.unusableHigh.toFixed(3)} (${(z.idleWindow.unusableHighVsBaseline ?? 0).toFixed(1)}x baseline), recovery ${z.idleWindow.recovered}`,
        values: {
          freeRecovery: z.idleWindow.freeRecovery,
          unusableHighVsBaseline: z.idleWindow.unusableHighVsBaseline,
          order0VsBaseline: z.idleWindow.order0VsBaseline,
        },
      });
    }
    out.push({
      kind: 'fragmentation',
      severity: z.allOrdersSucceed ? 'info' : 'warning',
      title: `${z.key}: free memory fragmented (order-${analysis.highOrder} unusable index ${z.worst.unusableHigh.toFixed(3)}, ${z.persistent ? 'still fragmented at the end' : 'recovered'})`,
      evidence,
      source,
      score: z.worst.unusableHigh,
      space: 'kernel',
      culprit: z.key,
    });
  }
  return out;
}
