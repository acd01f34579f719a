import { z } from 'zod';
import { olsSlope } from './trend/ols.js';
import type { AllocationSite, Finding, StackFrame } from '../core/models.js';
import { formatBytes } from '../core/format.js';
import type { BpftraceEntry, BpftraceMapSemantics, BpftraceProgramRecord, BpftraceRecord } from '../parsers/bpftrace/index.js';
import type { MemleakReport } from '../parsers/bcc-memleak/index.js';
import { firstFrameOutsideAllocator } from './allocatorFrames.js';

/**
 * Growth of each stack's outstanding bytes across bcc memleak periodic reports and bpftrace
 * interval prints: a rate per stack (least-squares slope), a verdict (a stack whose total keeps
 * climbing is a leak; a constant one is bounded), and a before/after comparison (a fixed build
 * shows no growing stacks).
 */

export const StackGrowthVerdictSchema = z.enum(['growing', 'bounded', 'shrinking', 'freed', 'insufficient-data']);
export type StackGrowthVerdict = z.infer<typeof StackGrowthVerdictSchema>;

export const StackGrowthEntrySchema = z.object({
  /** Frames as `sym+off [module]`, top first (a plain bpftrace key is a one-element stack). */
  stack: z.array(z.string()),
  /** First frame outside the allocator. */
  culprit: z.string().nullable(),
  firstBytes: z.number(),
  lastBytes: z.number(),
  peakBytes: z.number(),
  /** Outstanding allocations at the first and last snapshot, when the tool prints them. */
  firstCount: z.number().nullable(),
  lastCount: z.number().nullable(),
  /** Least-squares slope over the timed snapshots (a bounded stack: over its final level only); null without a time axis. */
  growthBytesPerSecond: z.number().nullable(),
  /** Snapshots where this stack had a value (used for the rate). */
  snapshots: z.number().int().nonnegative(),
  /** Seconds from the first to the last used snapshot, null without time. */
  durationSeconds: z.number().nullable(),
  /** Never decreased from one snapshot to the next. */
  monotonic: z.boolean(),
  verdict: StackGrowthVerdictSchema,
  tool: z.enum(['bcc-memleak', 'bpftrace']),
  /** The stack key (frames joined by `;`, or the bpftrace key as printed). */
  key: z.string(),
  /** The bpftrace map, null for memleak. */
  map: z.string().nullable(),
  /** What the values count: bytes, or a count map when no byte map exists. */
  unit: z.enum(['bytes', 'count']),
  /**
   * What the bytes are: `outstanding` (allocations not yet freed: memleak, a bpftrace map a free
   * probe takes back from), `allocated` (a cumulative sum of allocation sizes with no free audit,
   * seed 000's `@[ustack] = sum(size)`: allocation volume, which grows for any allocating code),
   * or `unknown` (a bpftrace map without its program; read as outstanding, as its name suggests).
   */
  measure: z.enum(['outstanding', 'allocated', 'unknown']),
  space: z.enum(['kernel', 'user', 'unknown']),
  /** Value at the very last snapshot, including an untimed exit dump (bpftrace). */
  finalBytes: z.number(),
  /** Every value seen; t in seconds (memleak: since the first report; bpftrace: the printed epoch or clock). */
  points: z.array(z.object({ t: z.number().nullable(), v: z.number() })),
  source: z.string(),
});
export type StackGrowthEntry = z.infer<typeof StackGrowthEntrySchema>;

export const StackGrowthResultSchema = z.object({
  entries: z.array(StackGrowthEntrySchema),
  /** Snapshots (reports / prints) seen. */
  snapshots: z.number().int().nonnegative(),
  /** Snapshots without a time that were left out of the rates (bpftrace's exit dump). */
  untimedSnapshots: z.number().int().nonnegative(),
  /** The time axis came from options.intervalSeconds. */
  timeAssumed: z.boolean(),
  /**
   * Where the snapshots' times come from: printed by the capture (memleak's `[HH:MM:SS]`, bpftrace
   * time()/epoch lines), the program's own `interval:` print probe, the declared `--interval`, or
   * nowhere (no rates).
   */
  timeAxis: z.enum(['printed', 'script-interval', 'declared-interval', 'none']),
  insufficientData: z.boolean(),
  /** No stack has any outstanding bytes in the last snapshot (what a fixed build shows). */
  noOutstanding: z.boolean(),
  source: z.string(),
});
export type StackGrowthResult = z.infer<typeof StackGrowthResultSchema>;

export const StackGrowthOptionsSchema = z.object({
  source: z.string().optional(),
  /** Seconds between snapshots, used only when the output carries no time at all. */
  intervalSeconds: z.number().positive().optional(),
  /** bpftrace: the maps to follow (default: the program's byte maps, else maps whose name says bytes, else all keyed maps). */
  maps: z.array(z.string()).optional(),
  /** Overrides the kernel/user guess. */
  space: z.enum(['kernel', 'user', 'unknown']).optional(),
});
export type StackGrowthOptions = z.infer<typeof StackGrowthOptionsSchema>;

/**
 * Least-squares slope of v over t; null with fewer than 2 distinct times.
 * @example slope([0, 4, 8], [28672, 61440, 94208]) // 8192
 */
export const slope = (t: readonly number[], v: readonly number[]): number | null => olsSlope(t, v);

const KERNEL_HINTS = ['entry_SYSCALL_64', 'do_syscall_64', 'ret_from_fork', 'kthread', 'el0_svc', 'el0t_64_sync', '__x64_sys_', '__arm64_sys_', 'asm_common_interrupt', 'irq_exit', 'start_kernel'];
const USER_HINTS = ['__libc_start_main', '__libc_start_call_main', '_start', 'start_thread', 'clone3', 'main'];

/**
 * Guesses where a stack runs from its frames: `[kernel]` modules or syscall-entry symbols mean
 * kernel; libc start-up frames or `.so` / binary modules mean user.
 * @example guessStackSpace([{ symbol: 'main' }, { symbol: '__libc_start_call_main' }]) // 'user'
 */
export function guessStackSpace(frames: readonly StackFrame[]): 'kernel' | 'user' | 'unknown' {
  for (const f of frames) {
    if (f.module === 'kernel') return 'kernel';
    if (KERNEL_HINTS.some((h) => f.symbol.startsWith(h))) return 'kernel';
  }
  for (const f of frames) {
    if (f.module && f.module !== 'kernel' && !f.module.startsWith('[')) return 'user';
    if (USER_HINTS.some((h) => f.symbol === h || f.symbol.startsWith(`${h}@`))) return 'user';
  }
  return 'unknown';
}

function frameString(f: StackFrame): string {
  return `${f.symbol}${f.offset ?? ''}${f.module ? ` [${f.module}]` : ''}`;
}

interface Track {
  key: string;
  map: string | null;
  frames: StackFrame[];
  stack: string[];
  points: { snap: number; t: number | null; v: number; count: number | null }[];
}

/**
 * Reports a stack must stay at its final level, and the share of its reports that must, before a
 * rise is a filled cache rather than growth: bcc memleak on a ring of 64 buffers shows 64 after two
 * reports and 64 for the next 28; judged by first against last it "grew", by its own recent reports
 * it is bounded.
 */
const PLATEAU_MIN_REPORTS = 3;

/**
 * Whether a series reached its final level (within 2 %) early and stayed there for at least as
 * many reports as it took to get there (and at least PLATEAU_MIN_REPORTS).
 * @example
 * reachedLevelEarly([10, 64, 64, 64, 64]) // true: a filled ring
 * reachedLevelEarly([3, 7, 12, 18])       // false: still growing
 */
export function reachedLevelEarly(values: readonly number[]): boolean {
  const last = values[values.length - 1];
  const tolerance = 0.02 * Math.abs(last);
  let since = values.length - 1;
  while (since > 0 && Math.abs(values[since - 1] - last) <= tolerance) since--;
  const flatReports = values.length - 1 - since;
  return flatReports >= PLATEAU_MIN_REPORTS && flatReports >= since;
}

/** Share of its early slope a stack may keep rising at in its second half and still be bounded. */
const LATE_SLOPE_SHARE = 0.1;

/** Least-squares slope of values over their report index. */
function indexSlope(values: readonly number[]): number {
  return slope(values.map((_, i) => i), values) ?? 0;
}

/**
 * Where the stack's final level starts (index into values), when it has one: reached early and
 * held (reachedLevelEarly), or a second half that rises at most LATE_SLOPE_SHARE of the first
 * half's slope (a cache whose entries vary in size never sits within 2 % of one value).
 * @example
 * finalLevelStart([37, 60, 60, 59, 60, 60, 60, 60]) // 1
 * finalLevelStart([3, 7, 12, 18, 22, 27])            // null: still growing
 */
export function finalLevelStart(values: readonly number[]): number | null {
  const n = values.length;
  if (n < 2 * PLATEAU_MIN_REPORTS) return reachedLevelEarly(values) ? levelIndex(values) : null;
  if (reachedLevelEarly(values)) return levelIndex(values);
  const half = Math.floor(n / 2);
  const early = indexSlope(values.slice(0, half + 1));
  const late = indexSlope(values.slice(half));
  return early > 0 && late <= LATE_SLOPE_SHARE * early ? half : null;
}

function levelIndex(values: readonly number[]): number {
  const last = values[values.length - 1];
  const tolerance = 0.02 * Math.abs(last);
  let since = values.length - 1;
  while (since > 0 && Math.abs(values[since - 1] - last) <= tolerance) since--;
  return since;
}

function verdictOf(values: readonly number[]): { verdict: StackGrowthVerdict; monotonic: boolean; levelStart: number | null } {
  let monotonic = true;
  let ups = 0;
  let downs = 0;
  for (let i = 1; i < values.length; i++) {
    if (values[i] < values[i - 1]) {
      monotonic = false;
      downs++;
    } else if (values[i] > values[i - 1]) ups++;
  }
  if (values.length < 2) return { verdict: 'insufficient-data', monotonic, levelStart: null };
  const first = values[0];
  const last = values[values.length - 1];
  const peak = values.reduce((a, b) => Math.max(a, b), -Infinity);
  if (last === 0 && peak > 0) return { verdict: 'freed', monotonic, levelStart: null };
  if (last > first && ups >= downs && last - first > 0.1 * Math.max(first, 1)) {
    const levelStart = finalLevelStart(values);
    return { verdict: levelStart !== null ? 'bounded' : 'growing', monotonic, levelStart };
  }
  if (last < first && first - last > 0.1 * first) return { verdict: 'shrinking', monotonic, levelStart: null };
  return { verdict: 'bounded', monotonic, levelStart: null };
}

function finish(
  tracks: Iterable<Track>,
  tool: StackGrowthEntry['tool'],
  unitOf: (t: Track) => StackGrowthEntry['unit'],
  measureOf: (t: Track) => StackGrowthEntry['measure'],
  spaceOf: (t: Track) => StackGrowthEntry['space'],
  snapshots: number,
  lastSnap: number,
  untimed: Set<number>,
  timeAxis: StackGrowthResult['timeAxis'],
  source: string,
): StackGrowthResult {
  const entries: StackGrowthEntry[] = [];
  let lastSnapOutstanding = 0;
  for (const tr of tracks) {
    const all = tr.points;
    if (all.length === 0) continue;
    const used = all.filter((p) => !untimed.has(p.snap));
    const pts = used.length > 0 ? used : all;
    const values = pts.map((p) => p.v);
    const { verdict, monotonic, levelStart } = verdictOf(values);
    // A stack that rose to a level and stayed: its rate is the level's (about 0), not the fill's.
    const regime = levelStart !== null ? pts.slice(levelStart) : pts;
    const timed = regime.filter((p) => p.t !== null) as { t: number; v: number }[];
    const rate = timed.length >= 2 ? slope(timed.map((p) => p.t), timed.map((p) => p.v)) : null;
    const final = all[all.length - 1];
    if (final.snap === lastSnap) lastSnapOutstanding += final.v;
    entries.push({
      stack: tr.stack,
      // A total the bpftrace program printed (no map, no frames) names no site.
      culprit: tr.frames.length > 0 ? firstFrameOutsideAllocator(tr.frames) : tool === 'bpftrace' && tr.map === null ? null : (tr.stack[0] ?? null),
      firstBytes: values[0],
      lastBytes: values[values.length - 1],
      peakBytes: values.reduce((a, b) => Math.max(a, b), -Infinity),
      firstCount: pts[0].count,
      lastCount: pts[pts.length - 1].count,
      growthBytesPerSecond: rate === null ? null : Math.round(rate * 1000) / 1000,
      snapshots: pts.length,
      durationSeconds: timed.length >= 2 ? timed[timed.length - 1].t - timed[0].t : null,
      monotonic,
      verdict,
      tool,
      key: tr.key,
      map: tr.map,
      unit: unitOf(tr),
      measure: measureOf(tr),
      space: spaceOf(tr),
      finalBytes: final.v,
      points: all.map((p) => ({ t: p.t, v: p.v })),
      source,
    });
  }
  const rank: Record<StackGrowthVerdict, number> = { growing: 0, bounded: 1, shrinking: 2, freed: 3, 'insufficient-data': 4 };
  entries.sort((a, b) => rank[a.verdict] - rank[b.verdict] || (b.growthBytesPerSecond ?? 0) - (a.growthBytesPerSecond ?? 0) || b.lastBytes - a.lastBytes);
  return {
    entries,
    snapshots,
    untimedSnapshots: untimed.size,
    timeAssumed: timeAxis === 'declared-interval',
    timeAxis,
    insufficientData: snapshots < 2,
    noOutstanding: lastSnapOutstanding === 0,
    source,
  };
}

/**
 * Stack growth across bcc memleak periodic reports (oldest first). A stack missing from a report
 * that printed fewer than its Top N stacks has 0 outstanding bytes there; missing from a full
 * Top N report it is unknown (left out).
 * @example
 * const g = memleakStackGrowth(parseBccMemleak(text).records, { source: 'memleak.txt' });
 * g.entries[0].growthBytesPerSecond // 8192 for D3's parse_config_entry
 */
export function memleakStackGrowth(reports: readonly MemleakReport[], options: StackGrowthOptions = {}): StackGrowthResult {
  const source = options.source ?? '';
  const anyTime = reports.some((r) => r.time !== null);
  const timeAssumed = !anyTime && options.intervalSeconds !== undefined;
  const t0 = reports.find((r) => r.time !== null)?.time ?? 0;
  const tracks = new Map<string, Track>();
  let mode = 'unknown' as MemleakReport['mode'];
  reports.forEach((r, i) => {
    if (r.mode !== 'unknown') mode = r.mode;
    for (const s of r.stacks) {
      const stack = s.frames.map(frameString);
      const key = stack.join(';');
      let tr = tracks.get(key);
      if (!tr) tracks.set(key, (tr = { key, map: null, frames: s.frames, stack, points: [] }));
      const t = r.time !== null ? r.time - t0 : timeAssumed ? i * options.intervalSeconds! : null;
      const prev = tr.points[tr.points.length - 1];
      if (prev && prev.snap === i) {
        prev.v += s.bytes;
        prev.count = (prev.count ?? 0) + s.allocations;
      } else tr.points.push({ snap: i, t, v: s.bytes, count: s.allocations });
    }
  });
  // Absent from a report that was not full: freed (0).
  reports.forEach((r, i) => {
    const full = r.topN !== null && r.stacks.length >= r.topN;
    if (full) return;
    const t = r.time !== null ? r.time - t0 : timeAssumed ? i * options.intervalSeconds! : null;
    for (const tr of tracks.values()) {
      if (tr.points.some((p) => p.snap === i)) continue;
      if (tr.points.length === 0 || tr.points[0].snap > i) continue;
      tr.points.push({ snap: i, t, v: 0, count: 0 });
      tr.points.sort((a, b) => a.snap - b.snap);
    }
  });
  const space = options.space ?? (mode === 'kernel' ? 'kernel' : mode === 'user' ? 'user' : undefined);
  const timeAxis = anyTime ? 'printed' : timeAssumed ? 'declared-interval' : 'none';
  return finish(tracks.values(), 'bcc-memleak', () => 'bytes', () => 'outstanding', (tr) => space ?? guessStackSpace(tr.frames), reports.length, reports.length - 1, new Set(), timeAxis, source);
}

/** Names that say a map counts things (`@live_allocs`, `@count`), checked before the byte names. */
const COUNT_MAP_HINTS = ['count', 'cnt', 'num', 'allocs', 'calls', 'objs', 'events', 'pages', 'nr_'];
/** Names that say a map holds bytes (`@live_bytes`, `@by_stack`, seed 000's `@live`). */
const BYTE_MAP_HINTS = ['byte', 'size', 'mem', 'kb', 'alloc_sz', 'live', 'by_stack', 'outstanding', 'leak', 'held'];

/** `140234567890`, `0x7f12ab340000`: a pointer, not a stack or a name. */
function isAddressKey(key: string): boolean {
  if (key.startsWith('0x')) return key.length > 6;
  if (key.length < 6) return false;
  for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) < 48 || key.charCodeAt(i) > 57) return false;
  return true;
}

/** The unit a map's name suggests when its program is not at hand. */
function unitFromName(map: string): 'bytes' | 'count' {
  const m = map.toLowerCase();
  if (COUNT_MAP_HINTS.some((h) => m.includes(h))) return 'count';
  return BYTE_MAP_HINTS.some((h) => m.includes(h)) ? 'bytes' : 'count';
}

/**
 * Stack (key) growth across bpftrace prints. What each map holds comes from the program when the
 * capture carries it or its `.bt` file was given (a summed size argument is bytes; a sum no free
 * probe takes back from is cumulative allocation volume), else from the map's name
 * (`@live_bytes`, `@bytes`, `@by_stack`, `@live`); options.maps overrides. A count map with the
 * same keys (`@live_allocs`) gives the counts. Times come from the printed time()/epoch lines,
 * else the declared `--interval`, else the program's `interval:` print probe; snapshots without
 * a time on a printed axis (the exit dump after the last print) are left out of the rates, and so
 * is the exit dump on an interval axis when the program shows one (a map END does not clear);
 * their values show in `finalBytes`.
 * @example
 * const g = bpftraceStackGrowth(parseBpftrace(text).records, { source: 'bpftrace.txt' });
 * g.entries.find((e) => e.culprit === 'parse_config_entry')?.growthBytesPerSecond // 8192
 */
export function bpftraceStackGrowth(records: readonly BpftraceRecord[], options: StackGrowthOptions = {}): StackGrowthResult {
  const source = options.source ?? '';
  const programs = records.filter((r): r is BpftraceProgramRecord => r.kind === 'program');
  const scripts = programs.filter((p) => p.source !== 'option');
  // The program pasted into the capture first, then the script file given beside it.
  const declared = new Map<string, BpftraceMapSemantics>();
  for (const p of scripts) for (const m of p.maps) if (!declared.has(m.map)) declared.set(m.map, m);
  const unitOf = (map: string): 'bytes' | 'count' => {
    const d = declared.get(map);
    return d && d.unit !== 'unknown' ? d.unit : unitFromName(map);
  };
  const entries = records.filter((r): r is BpftraceEntry => r.kind === 'entry' && r.key !== null && r.value !== null);
  const maps = [...new Set(entries.map((e) => e.map))];
  // A map keyed by address (seed 000's `@live[retval] = size`) holds one allocation per key, not a
  // site: its keys are not followed as stacks (its total, when the program prints one, is).
  const addressKeyed = new Set(maps.filter((m) => entries.every((e) => e.map !== m || isAddressKey(e.key!))));
  let follow: string[];
  if (options.maps) follow = options.maps;
  else {
    const bytesMaps = maps.filter((m) => unitOf(m) === 'bytes' && !addressKeyed.has(m));
    follow = bytesMaps.length > 0 ? bytesMaps : maps.filter((m) => !addressKeyed.has(m));
  }
  const countMap = maps.find((m) => !follow.includes(m) && unitOf(m) === 'count' && (declared.get(m)?.aggregation === 'count' || m.includes('alloc') || m.includes('count') || m.includes('num')));
  const snapTimes = new Map<number, number | null>();
  for (const r of records) {
    if (r.kind === 'program') continue;
    if (r.kind === 'entry' && r.time !== null) snapTimes.set(r.snapshot, r.time);
    else if (!snapTimes.has(r.snapshot)) snapTimes.set(r.snapshot, r.time);
    else if (r.time !== null) snapTimes.set(r.snapshot, r.time);
  }
  const entrySnaps = new Set(entries.filter((e) => follow.includes(e.map)).map((e) => e.snapshot));
  for (const r of records) if (r.kind === 'marker' && r.bytes !== null) entrySnaps.add(r.snapshot);
  const snapOrder = [...entrySnaps].sort((a, b) => a - b);
  const timedSnaps = snapOrder.filter((s) => snapTimes.get(s) !== null && snapTimes.get(s) !== undefined);
  const untimed = new Set<number>();
  const declaredInterval = options.intervalSeconds ?? programs.find((p) => p.source === 'option')?.printIntervalSeconds ?? null;
  const scriptInterval = scripts.find((p) => p.printIntervalSeconds !== null)?.printIntervalSeconds ?? null;
  const timeAxis: StackGrowthResult['timeAxis'] =
    timedSnaps.length >= 2 ? 'printed' : declaredInterval !== null ? 'declared-interval' : scriptInterval !== null ? 'script-interval' : 'none';
  const interval = timeAxis === 'declared-interval' ? declaredInterval : timeAxis === 'script-interval' ? scriptInterval : null;
  if (timeAxis === 'printed') for (const s of snapOrder) if (!timedSnaps.includes(s)) untimed.add(s);
  // bpftrace dumps every map END leaves at exit, after the last interval print: an extra, untimed
  // snapshot, taken up to one interval after the last print.
  const exitDump = interval !== null && scripts.length > 0 && snapOrder.length >= 3 && follow.some((m) => !scripts.some((p) => p.clearedAtEnd.includes(m)));
  if (exitDump) untimed.add(snapOrder[snapOrder.length - 1]);
  const timeOf = (snap: number): number | null => {
    if (timeAxis === 'printed') return snapTimes.get(snap) ?? null;
    if (interval !== null && !untimed.has(snap)) return (snapOrder.indexOf(snap) + 1) * interval;
    return null;
  };
  const counts = new Map<string, number>();
  if (countMap) for (const e of entries) if (e.map === countMap) counts.set(`${e.snapshot}\u0000${e.key}`, e.value!);
  const tracks = new Map<string, Track>();
  // Byte totals the program printed itself (seed 000: `printf("Total outstanding bytes: %d", sum(@live))`),
  // one series per label, on the same snapshots and clock as the maps.
  for (const r of records) {
    if (r.kind !== 'marker' || r.bytes === null) continue;
    const id = `printf\u0000${r.bytes.label}`;
    let tr = tracks.get(id);
    if (!tr) tracks.set(id, (tr = { key: r.bytes.label, map: null, frames: [], stack: [r.bytes.label], points: [] }));
    tr.points.push({ snap: r.snapshot, t: timeOf(r.snapshot), v: r.bytes.value, count: null });
  }
  for (const e of entries) {
    if (!follow.includes(e.map)) continue;
    const id = `${e.map}\u0000${e.key}`;
    let tr = tracks.get(id);
    if (!tr) {
      const frames = e.stack ?? [];
      const stack = frames.length > 0 ? frames.map(frameString) : [e.key!];
      tracks.set(id, (tr = { key: e.key!, map: e.map, frames, stack, points: [] }));
    }
    tr.points.push({ snap: e.snapshot, t: timeOf(e.snapshot), v: e.value!, count: counts.get(`${e.snapshot}\u0000${e.key}`) ?? null });
  }
  return finish(
    tracks.values(),
    'bpftrace',
    // A printed total's label said bytes.
    (tr) => (tr.map !== null ? unitOf(tr.map) : 'bytes'),
    (tr) => (tr.map !== null ? (declared.get(tr.map)?.measure ?? 'unknown') : 'unknown'),
    (tr) => options.space ?? guessStackSpace(tr.frames),
    snapOrder.length,
    snapOrder.length > 0 ? snapOrder[snapOrder.length - 1] : -1,
    untimed,
    timeAxis,
    source,
  );
}

export const StackGrowthComparisonSchema = z.object({
  /** Culprits growing before and not growing (or absent) after: fixed. */
  fixed: z.array(z.string()),
  /** Culprits still growing after. */
  stillGrowing: z.array(z.string()),
  /** Culprits growing only after. */
  newlyGrowing: z.array(z.string()),
  /** The after run has no outstanding stacks at all in its last snapshot. */
  afterHasNoOutstanding: z.boolean(),
  /** True when the after run shows no growing stack. */
  fixedBuild: z.boolean(),
});
export type StackGrowthComparison = z.infer<typeof StackGrowthComparisonSchema>;

/**
 * Before/after comparison of two stack-growth results (same tool, build before and after a fix).
 * @example
 * compareStackGrowth(memleakStackGrowth(before), memleakStackGrowth(after)).fixed // ['parse_config_entry']
 */
export function compareStackGrowth(before: StackGrowthResult, after: StackGrowthResult): StackGrowthComparison {
  const growing = (r: StackGrowthResult) => new Set(r.entries.filter((e) => e.verdict === 'growing' && e.unit === 'bytes').map((e) => e.culprit ?? e.key));
  const b = growing(before);
  const a = growing(after);
  return {
    fixed: [...b].filter((c) => !a.has(c)).sort(),
    stillGrowing: [...b].filter((c) => a.has(c)).sort(),
    newlyGrowing: [...a].filter((c) => !b.has(c)).sort(),
    afterHasNoOutstanding: after.noOutstanding,
    fixedBuild: a.size === 0,
  };
}

/**
 * Each stack as the shared AllocationSite model (outstanding at the last used snapshot).
 * Only byte-valued entries are converted.
 * @example
 * const sites = stackGrowthSites(memleakStackGrowth(reports, { source: 'memleak.txt' }));
 */
export function stackGrowthSites(result: StackGrowthResult): AllocationSite[] {
  return result.entries
    // A cumulative allocation sum is volume, not memory held: no outstanding bytes to report.
    .filter((e) => e.unit === 'bytes' && e.measure !== 'allocated' && e.culprit !== null)
    .map((e) => ({
      site: e.culprit ?? e.key,
      stack: e.stack,
      outstandingCount: Math.max(0, Math.round(e.lastCount ?? 0)),
      outstandingBytes: Math.max(0, e.lastBytes),
      growthBytesPerSecond: e.growthBytesPerSecond,
      tool: e.tool,
      source: e.source,
    }));
}

/** How a result's time axis reads after a rate, when it is not printed by the capture. */
function axisNote(result: StackGrowthResult): string {
  if (result.timeAxis === 'script-interval') return ", time from the program's interval print probe";
  if (result.timeAxis === 'declared-interval') return ', time axis assumed from --interval';
  return '';
}

/**
 * Findings (kind `stack-growth`) for growing byte stacks: critical when growing monotonically
 * over 3+ snapshots, else warning. A stack of a cumulative allocation sum (frees not traced) is
 * reported as allocation volume, graded info: it names where allocations go, not what leaks.
 * @example
 * const findings = stackGrowthFindings(memleakStackGrowth(reports, { source: 'memleak.txt' }));
 */
export function stackGrowthFindings(result: StackGrowthResult): Finding[] {
  return result.entries
    .filter((e) => e.verdict === 'growing' && e.unit === 'bytes')
    .map((e) => {
      const rate = e.growthBytesPerSecond;
      const culprit = e.culprit ?? e.key;
      const allocated = e.measure === 'allocated';
      const printedTotal = e.culprit === null && e.tool === 'bpftrace' && e.map === null;
      const rateText = rate !== null ? ` (${formatBytes(rate)}/s${axisNote(result)})` : '';
      return {
        kind: 'stack-growth',
        severity: allocated ? 'info' : e.monotonic && e.snapshots >= 3 ? 'critical' : 'warning',
        title: allocated
          ? `Allocations from ${culprit} total ${formatBytes(e.lastBytes)}${rateText} (${e.tool} ${e.map ?? ''} sums allocation sizes and traces no frees: allocation volume, not memory held)`
          : printedTotal
            ? `${e.key} (printed by the bpftrace program) grow ${formatBytes(e.firstBytes)} → ${formatBytes(e.lastBytes)}${rateText}`
            : `Outstanding bytes from ${culprit} grow ${formatBytes(e.firstBytes)} → ${formatBytes(e.lastBytes)}${rateText} (${e.tool})`,
        evidence: [
          {
            source: e.source,
            detail: `${e.tool}${e.map ? ` ${e.map}` : ''}: stack ${e.stack.slice(0, 4).join(' <- ')} ${allocated ? 'allocated' : 'holds'} ${e.points.map((p) => formatBytes(p.v)).join(' → ')} over ${e.snapshots} snapshots`,
            values: { firstBytes: e.firstBytes, lastBytes: e.lastBytes, growthBytesPerSecond: rate, snapshots: e.snapshots, lastCount: e.lastCount },
          },
        ],
        source: e.source,
        score: rate ?? e.lastBytes - e.firstBytes,
        space: e.space,
        ...(printedTotal ? {} : { culprit }),
      } satisfies Finding;
    });
}
