import { z } from 'zod';
import { ASSUMED_TIME_AXIS_MARK, FindingSchema, type Evidence, type Finding } from '../core/models.js';
import { formatBytes, formatDuration, formatNumber, formatTime } from '../core/format.js';
import type { SlabinfoSnapshot } from '../parsers/slabinfo/index.js';
import { detectLeakTrend, mannKendall, senSlope, type LeakTrendResult } from './trend/index.js';

/**
 * Slab growth: which slab caches grow, how fast, and is it a leak?
 *
 * Per cache, over the usable (non-partial) snapshots:
 * - memory held = num_objs x objsize (startBytes / peakBytes / endBytes), live objects = active_objs;
 * - the verdict is judged on active_objs (what a leak increases; num_objs moves by whole slabs);
 * - **grew then released**: when the cache rose and then fell back to less than half of its rise
 *   (`releaseFraction`) and stayed there to the end (the leaking process exited or was killed, the
 *   driver was unloaded), a verdict over the whole capture would be "no leak". The growth window
 *   [first snapshot, last snapshot before the release] is judged instead and the entry says
 *   `released: true` with `releasedAt`: the leak was real while its owner lived. In that window the
 *   growth test is the trend engine's Mann-Kendall (Hamed-Rao) + Sen slope on the raw samples (a
 *   leaker that stops allocating holds its objects flat until the release, which the full engine
 *   reads as a plateau; the release itself shows they belonged to one owner);
 * - otherwise the verdict is detectLeakTrend's on the whole series (cycle-aware lower envelope);
 * - `steadiness` = R^2 of a straight line fitted to the persistent envelope (running minimum from
 *   the right over the window): what stays allocated after every transient burst. A leak leaves a
 *   ramp (R^2 near 1); warm-ups and caches that jump when something is enumerated leave steps.
 *   Leaks are ranked by steadiness, then by bytes; everything else by bytes gained. A significant
 *   rise whose persistent envelope is not a ramp (steadiness < STEP_STEADINESS) is reported as
 *   `step`. On the D2 capture the four leaking caches score 0.93-0.97 and the caches that grew
 *   in jumps (proc_inode_cache, lsm_inode_cache, kmalloc-192) 0.88, so they rank below.
 *
 * Cost: the trend engine bounds itself; the released-window test reduces windows longer than 400
 * points to 400 bin minima. The input snapshots are held by the caller: for day-long 1 Hz captures
 * stream them (parseSlabinfoAsync + onRecord into a SnapshotDecimator, see bench/slabinfo).
 * Caveat: the ranking is about steady growth, not proof of a single owner; on D2 the /proc inode
 * caches of the leaker's fds (proc_inode_cache, lsm_inode_cache) also get a `leak` verdict
 * (they grew and were freed at the kill) and rank 5-7.
 * Reclaimable caches (dentry, inodes, buffer_head, ...) are marked: the kernel can shrink them
 * under pressure, so growth there is often cache, unless the objects are pinned (a leaked file
 * pins its dentry).
 */

export const SlabGrowthOptionsSchema = z.object({
  /** The artefact label for entries and evidence. */
  source: z.string().optional(),
  /** Fall back below this fraction of the rise, and stay there, to count as released (default 0.5). */
  releaseFraction: z.number().gt(0).lt(1).optional(),
  /** Fewer usable snapshots than this give `insufficient-data` (default 12). */
  minPoints: z.number().int().min(3).optional(),
  /** Significance level of the growth test (default 0.05). */
  alpha: z.number().gt(0).lt(0.5).optional(),
  /** Findings are made for at most this many leaking caches (default 10). */
  maxFindings: z.number().int().nonnegative().optional(),
  /** The top this-many ranked entries carry `bytesSeries` for charts (default 10, at most 400 points each). */
  seriesForTop: z.number().int().nonnegative().optional(),
  /** Extra cache names to treat as reclaimable (besides the built-in list). */
  reclaimable: z.array(z.string()).optional(),
});
export type SlabGrowthOptions = z.infer<typeof SlabGrowthOptionsSchema>;

export const SlabGrowthResultEntrySchema = z.object({
  cache: z.string(),
  reclaimable: z.boolean(),
  startBytes: z.number(),
  peakBytes: z.number(),
  endBytes: z.number(),
  objectsDelta: z.number(),
  slopeBytesPerHour: z.number().nullable(),
  verdict: z.string(),
  source: z.string(),
  rank: z.number().int().positive(),
  objsize: z.number(),
  startObjects: z.number(),
  peakObjects: z.number(),
  endObjects: z.number(),
  /** active_objs change over the judged window (window end minus first snapshot). */
  windowObjectsDelta: z.number(),
  slopeObjectsPerHour: z.number().nullable(),
  ci95ObjectsPerHour: z.tuple([z.number(), z.number()]).nullable(),
  pValue: z.number().nullable(),
  /** The judged window (series time axis): whole capture, or up to the release. */
  window: z.object({ start: z.number(), end: z.number(), points: z.number().int() }),
  released: z.boolean(),
  /** First time (series axis) after the release, null when not released. */
  releasedAt: z.number().nullable(),
  /** R^2 of a line through the persistent envelope over the window, 0..1 (null if it did not grow). */
  steadiness: z.number().nullable(),
  /** How the verdict was reached. */
  method: z.string(),
  /** The trend engine's verdict on the whole series, for comparison. */
  trendVerdict: z.string(),
  onset: z.number().nullable(),
  period: z.number().nullable(),
  timeAssumed: z.boolean(),
  /** num_objs x objsize over time (min/max per bucket when longer than 400 points), top entries only. */
  bytesSeries: z.object({ t: z.array(z.number()), v: z.array(z.number()) }).nullable(),
});
export type SlabGrowthResultEntry = z.infer<typeof SlabGrowthResultEntrySchema>;

export const SlabGrowthResultSchema = z.object({
  source: z.string(),
  snapshots: z.number().int().nonnegative(),
  /** Partial snapshots left out. */
  partialSkipped: z.number().int().nonnegative(),
  timeAssumed: z.boolean(),
  /** True when there were too few snapshots to judge any trend. */
  insufficientData: z.boolean(),
  entries: z.array(SlabGrowthResultEntrySchema),
  findings: z.array(FindingSchema),
});
export type SlabGrowthResult = z.infer<typeof SlabGrowthResultSchema>;

/**
 * Caches created with SLAB_RECLAIM_ACCOUNT (shrinkable under pressure), from the kernel sources
 * (fs/dcache.c, fs/inode.c, fs/buffer.c, lib/radix-tree.c, fs/proc/inode.c, net/socket.c, the
 * file systems' inode caches, fs/ext4/extents_status.c, fs/mbcache.c, fs/jbd2). `lsm_inode_cache`,
 * `shmem_inode_cache`, `mqueue_inode_cache` and `hugetlbfs_inode_cache` are NOT reclaimable.
 */
const RECLAIMABLE = new Set([
  'dentry',
  'inode_cache',
  'buffer_head',
  'radix_tree_node',
  'xfs_inode',
  'xfs_ili',
  'btrfs_inode',
  'ovl_inode',
  'fuse_inode',
  'erofs_inode',
  'extent_status',
  'ext4_extent_status',
  'mbcache',
  'ext4_xattr',
  'jbd2_journal_head',
  'journal_head',
  'bdev_cache',
  'ceph_inode_info',
  'hfsplus_icache',
]);
const NOT_RECLAIMABLE_INODES = new Set(['lsm_inode_cache', 'shmem_inode_cache', 'mqueue_inode_cache', 'hugetlbfs_inode_cache']);

/**
 * Whether a slab cache is reclaimable (dentry, inode caches, buffer_head, kmalloc-rcl-*, ...).
 * @example isReclaimableCache('dentry') // true
 */
export function isReclaimableCache(name: string, extra: readonly string[] = []): boolean {
  if (RECLAIMABLE.has(name) || extra.includes(name)) return true;
  if (name.startsWith('kmalloc-rcl-') || name.startsWith('kmalloc-reclaimable-')) return true;
  return name.endsWith('_inode_cache') && !NOT_RECLAIMABLE_INODES.has(name);
}

/** R^2 of the OLS line through v(t); null for fewer than 3 points or a constant series. */
function rSquared(t: readonly number[], v: readonly number[]): number | null {
  const n = v.length;
  if (n < 3) return null;
  let mt = 0;
  let mv = 0;
  for (let i = 0; i < n; i++) {
    mt += t[i] / n;
    mv += v[i] / n;
  }
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (t[i] - mt) * (v[i] - mv);
    sxx += (t[i] - mt) ** 2;
    syy += (v[i] - mv) ** 2;
  }
  if (!(sxx > 0) || !(syy > 0)) return null;
  return (sxy * sxy) / (sxx * syy);
}

/** Largest and smallest value without spreading (series can hold 10^5 points). */
function maxOf(v: readonly number[]): number {
  let m = -Infinity;
  for (const x of v) if (x > m) m = x;
  return m;
}
function minOf(v: readonly number[]): number {
  let m = Infinity;
  for (const x of v) if (x < m) m = x;
  return m;
}

/** Mann-Kendall and Sen are O(n^2): long windows are reduced to MAX_RAW bins (bin minimum, the lower envelope). */
const MAX_RAW = 400;
function boundedSeries(t: readonly number[], v: readonly number[]): { t: number[]; v: number[] } {
  const n = v.length;
  if (n <= MAX_RAW) return { t: t.slice(), v: v.slice() };
  const bins = MAX_RAW;
  const tt: number[] = [];
  const vv: number[] = [];
  for (let b = 0; b < bins; b++) {
    const a = Math.floor((b * n) / bins);
    const e = Math.floor(((b + 1) * n) / bins);
    let m = Infinity;
    for (let i = a; i < e; i++) if (v[i] < m) m = v[i];
    tt.push(t[(a + e - 1) >> 1]);
    vv.push(m);
  }
  return { t: tt, v: vv };
}

/** Mann-Kendall (Hamed-Rao) + Sen slope of a window, bounded in cost. */
function rawGrowthTest(t: readonly number[], v: readonly number[], alpha: number) {
  const b = boundedSeries(t, v);
  const mk = mannKendall(b.v, { alpha });
  const sen = senSlope(b.t, b.v, { alpha });
  return { mk, sen, rising: mk.pValue < alpha && mk.s > 0 && sen.lower > 0, reduced: b.v.length < v.length };
}

/** Keeps the min and max of each of 200 buckets, in time order, when longer than 400 points. */
function chartPoints(t: readonly number[], v: readonly number[]): { t: number[]; v: number[] } {
  const n = v.length;
  if (n <= MAX_RAW) return { t: t.slice(), v: v.slice() };
  const buckets = MAX_RAW / 2;
  const ot: number[] = [];
  const ov: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const a = Math.floor((b * n) / buckets);
    const e = Math.floor(((b + 1) * n) / buckets);
    let lo = a;
    let hi = a;
    for (let i = a; i < e; i++) {
      if (v[i] < v[lo]) lo = i;
      if (v[i] > v[hi]) hi = i;
    }
    for (const i of lo === hi ? [lo] : lo < hi ? [lo, hi] : [hi, lo]) {
      ot.push(t[i]);
      ov.push(v[i]);
    }
  }
  return { t: ot, v: ov };
}

/** Running minimum from the right: what stays allocated after every later dip. */
function persistentEnvelope(v: readonly number[]): number[] {
  const env = v.slice();
  for (let i = env.length - 2; i >= 0; i--) env[i] = Math.min(env[i], env[i + 1]);
  return env;
}

interface CacheSeries {
  name: string;
  t: number[];
  active: number[];
  bytes: number[];
  lines: number[];
  objsize: number;
}

function collect(usable: readonly SlabinfoSnapshot[]): CacheSeries[] {
  const byName = new Map<string, CacheSeries>();
  for (const s of usable) {
    const time = s.time ?? s.index;
    for (const [name, c] of Object.entries(s.caches)) {
      let cs = byName.get(name);
      if (!cs) {
        cs = { name, t: [], active: [], bytes: [], lines: [], objsize: c.objsize };
        byName.set(name, cs);
      }
      cs.t.push(time);
      cs.active.push(c.active_objs);
      cs.bytes.push(c.num_objs * c.objsize);
      cs.lines.push(s.line);
    }
  }
  return [...byName.values()];
}

const H = 3600;
/** Below this steadiness a significant rise is reported as `step`, not `leak`. */
export const STEP_STEADINESS = 0.5;

/**
 * Ranks slab caches by growth and judges each with the trend engine (see the module comment for
 * the released-window rule and the steadiness ranking). Pure: inputs are not modified.
 * @example
 * const r = slabGrowth(parseSlabinfo(text, { intervalSeconds: 2 }).records, { source: 'slabinfo.txt' });
 * r.entries[0].cache; // the steadiest leaking cache
 * r.findings; // one `slab-cache-growth` finding per leaking cache
 */
export function slabGrowth(snapshots: readonly SlabinfoSnapshot[], options: SlabGrowthOptions = {}): SlabGrowthResult {
  const source = options.source ?? 'slabinfo';
  const releaseFraction = options.releaseFraction ?? 0.5;
  const minPoints = options.minPoints ?? 12;
  const alpha = options.alpha ?? 0.05;
  const extra = options.reclaimable ?? [];
  const usable = snapshots.filter((s) => !s.partial);
  const timeAssumed = usable.some((s) => s.timeAssumed || s.time === null);
  const entries: SlabGrowthResultEntry[] = [];
  const keys: { leak: boolean; steadiness: number; gain: number }[] = [];
  const evidenceLines = new Map<string, [number, number]>();

  const all = collect(usable);
  for (const c of all) {
    const n = c.active.length;
    const { active, bytes, t } = c;
    const startObjects = active[0];
    const endObjects = active[n - 1];
    let iPeak = 0;
    for (let i = 1; i < n; i++) if (active[i] > active[iPeak]) iPeak = i;
    const rise = active[iPeak] - startObjects;
    // Released: after the peak, the series falls below start + releaseFraction x rise and stays there.
    let cut = n;
    if (rise > 0) {
      const floor = startObjects + releaseFraction * rise;
      while (cut - 1 > iPeak && active[cut - 1] <= floor) cut--;
    }
    const released = cut < n && n - cut >= 1 && rise > 0;
    const w = released ? cut : n;
    const wt = t.slice(0, w);
    const wv = active.slice(0, w);
    const constant = minOf(active) === maxOf(active);

    let trend: LeakTrendResult | null = null;
    let verdict: string;
    let method: string;
    let slope: number | null = null;
    let ci: [number, number] | null = null;
    let pValue: number | null = null;
    if (n < minPoints) {
      verdict = 'insufficient-data';
      method = `only ${n} snapshots (need ${minPoints})`;
    } else if (constant) {
      verdict = 'no-leak';
      method = 'constant';
      slope = 0;
    } else {
      trend = detectLeakTrend({ t, v: active, name: c.name, unit: 'objects' }, { minPoints, alpha });
      if (released) {
        const { mk, sen, rising: up, reduced } = rawGrowthTest(wt, wv, alpha);
        const rising = w >= minPoints && up;
        verdict = rising ? 'leak' : trend.verdict === 'leak' ? 'no-leak' : trend.verdict;
        method = `grew then released: Mann-Kendall (Hamed-Rao) + Sen slope over the ${w} snapshots before the release${reduced ? ` (lower envelope in ${MAX_RAW} bins)` : ''}`;
        slope = sen.slope * H;
        ci = [sen.lower * H, sen.upper * H];
        pValue = mk.pValue;
      } else {
        verdict = trend.verdict;
        method = `trend engine: ${trend.method}`;
        slope = trend.slopePerHour;
        ci = trend.ci95;
        pValue = trend.pValue;
        if (verdict === 'insufficient-data' && n >= minPoints) {
          // The engine's cycle reduction left too few points (short, bursty capture): raw test.
          const { mk, sen, rising } = rawGrowthTest(t, active, alpha);
          verdict = rising ? 'leak' : 'no-leak';
          method = `Mann-Kendall (Hamed-Rao) + Sen slope on the raw samples (${trend.reason})`;
          slope = sen.slope * H;
          ci = [sen.lower * H, sen.upper * H];
          pValue = mk.pValue;
        }
      }
    }
    const env = persistentEnvelope(wv);
    const steadiness = env[env.length - 1] > env[0] ? rSquared(wt, env) : null;
    if (verdict === 'leak' && steadiness !== null && steadiness < STEP_STEADINESS) {
      // Significant rise, but what persists came in a few jumps (a warm-up, an enumeration): not a ramp.
      verdict = 'step';
      method += `; persistent envelope is not a ramp (R^2 ${steadiness.toFixed(2)} < ${STEP_STEADINESS})`;
    }
    const gainBytes = (wv[w - 1] - wv[0]) * c.objsize;
    evidenceLines.set(c.name, [c.lines[0], c.lines[w - 1]]);
    entries.push({
      rank: 0,
      cache: c.name,
      reclaimable: isReclaimableCache(c.name, extra),
      startBytes: bytes[0],
      peakBytes: maxOf(bytes),
      endBytes: bytes[n - 1],
      objectsDelta: endObjects - startObjects,
      slopeBytesPerHour: slope === null ? null : slope * c.objsize,
      verdict,
      source,
      objsize: c.objsize,
      startObjects,
      peakObjects: active[iPeak],
      endObjects,
      windowObjectsDelta: wv[w - 1] - wv[0],
      slopeObjectsPerHour: slope,
      ci95ObjectsPerHour: ci,
      pValue,
      window: { start: wt[0], end: wt[w - 1], points: w },
      released,
      releasedAt: released ? t[cut] : null,
      steadiness,
      method,
      trendVerdict: trend?.verdict ?? verdict,
      onset: trend?.verdict === 'leak' ? trend.onset : null,
      period: trend?.period ?? null,
      timeAssumed,
      bytesSeries: null,
    });
    keys.push({ leak: verdict === 'leak', steadiness: steadiness ?? 0, gain: gainBytes });
  }

  const order = entries.map((_, i) => i);
  order.sort((a, b) => {
    const ka = keys[a];
    const kb = keys[b];
    if (ka.leak !== kb.leak) return ka.leak ? -1 : 1;
    if (ka.leak && ka.steadiness !== kb.steadiness) return kb.steadiness - ka.steadiness;
    return kb.gain - ka.gain || entries[a].cache.localeCompare(entries[b].cache);
  });
  const topSeries = options.seriesForTop ?? 10;
  const ranked = order.map((i, k) => ({
    ...entries[i],
    rank: k + 1,
    bytesSeries: k < topSeries ? chartPoints(all[i].t, all[i].bytes) : null,
  }));

  const findings: Finding[] = [];
  const maxFindings = options.maxFindings ?? 10;
  for (const e of ranked) {
    if (findings.length >= maxFindings || e.verdict !== 'leak') continue;
    findings.push(findingFor(e, evidenceLines.get(e.cache)));
  }
  return {
    source,
    snapshots: usable.length,
    partialSkipped: snapshots.length - usable.length,
    timeAssumed,
    insufficientData: usable.length < minPoints,
    entries: ranked,
    findings,
  };
}

function findingFor(e: SlabGrowthResultEntry, lines: [number, number] | undefined): Finding {
  const perHour = e.slopeObjectsPerHour ?? 0;
  const rate = `${formatNumber(Math.round(perHour))} objects/h (${formatBytes(e.slopeBytesPerHour ?? 0)}/h)`;
  const span = e.window.end - e.window.start;
  const evidence: Evidence[] = [
    {
      source: e.source,
      lines,
      detail:
        `${e.cache}: active_objs ${e.startObjects} -> ${e.startObjects + e.windowObjectsDelta} over ${formatDuration(span)}` +
        `${e.timeAssumed ? ` ${ASSUMED_TIME_AXIS_MARK}` : ''}, ${rate}, p=${e.pValue === null ? 'n/a' : e.pValue.toPrecision(2)}` +
        (e.released ? `; released at ${formatTime(e.releasedAt)} (back to ${formatNumber(e.endObjects)})` : ''),
      values: {
        startObjects: e.startObjects,
        windowEndObjects: e.startObjects + e.windowObjectsDelta,
        endObjects: e.endObjects,
        objsize: e.objsize,
        slopeObjectsPerHour: e.slopeObjectsPerHour,
        slopeBytesPerHour: e.slopeBytesPerHour,
        steadiness: e.steadiness,
        releasedAt: e.releasedAt,
      },
    },
  ];
  return {
    kind: 'slab-cache-growth',
    severity: e.released || e.reclaimable ? 'warning' : 'critical',
    title:
      `Slab cache ${e.cache} grows steadily: +${e.windowObjectsDelta} objects (${rate})` +
      (e.released ? ', released at the end of the window (owner exited?)' : '') +
      (e.reclaimable ? ' [reclaimable cache]' : ''),
    evidence,
    source: e.source,
    score: (e.steadiness ?? 0) + 1 / e.rank,
    space: 'kernel',
    culprit: e.cache,
  };
}
