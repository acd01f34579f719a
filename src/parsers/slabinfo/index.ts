import { z } from 'zod';
import { classifyFramingLine } from '../../core/framing.js';
import type { TimeSeries } from '../../core/models.js';
import { frontEnds, type Emit, type ParserCore, type ParserDefinition } from '../../core/parser.js';
import { fields, parseUInt } from '../../core/text.js';
import { SeriesClock, SeriesTimeOptionsSchema } from '../series-time.js';

/**
 * /proc/slabinfo (version 2.x, SLUB and SLAB) as one dump or a series of dumps, and `slabtop -o`
 * output (once or repeated). Series framing (`===`, blank lines, epoch/`date` lines, or nothing:
 * a new `slabinfo - version` header or a repeated cache name starts the next snapshot) is the
 * shared one of src/core/framing.ts; the time axis comes from SeriesClock.
 *
 * Kernel format (mm/slab_common.c `cache_show`, mm/slab.c before 2.6.2x):
 *   `%-17s %6lu %6lu %6u %4u %4d : tunables %4u %4u %4u : slabdata %6lu %6lu %6lu`
 * i.e. name, active_objs, num_objs, objsize, objperslab, pagesperslab, then limit, batchcount,
 * sharedfactor, then active_slabs, num_slabs, sharedavail. Old SLAB headers (2.6.11) name the
 * tunables `<batchcount> <limit>`, but the values were always printed limit first (120 60 8 =
 * limit 120, batchcount 60), so the values are read in the printed order whatever the header says.
 * SLAB with statistics (`version: 2.1 (statistics)`) appends `: globalstat ...` and `: cpustat ...`
 * groups; they are ignored. Long names and 7-digit counts collapse the column gap, so lines are
 * split on whitespace only.
 */

export const SlabCacheSchema = z.object({
  active_objs: z.number().int().nonnegative(),
  num_objs: z.number().int().nonnegative(),
  /** Object size in bytes. */
  objsize: z.number().int().nonnegative(),
  objperslab: z.number().int().nonnegative(),
  pagesperslab: z.number().int().nonnegative(),
  /** `: tunables <limit> <batchcount> <sharedfactor>` (all 0 under SLUB); null when the line had none. */
  tunables: z.object({ limit: z.number(), batchcount: z.number(), sharedfactor: z.number() }).nullable(),
  /** `: slabdata <active_slabs> <num_slabs> <sharedavail>`; null when the line had none. */
  slabdata: z.object({ active_slabs: z.number(), num_slabs: z.number(), sharedavail: z.number() }).nullable(),
});
export type SlabCache = z.infer<typeof SlabCacheSchema>;

export const SlabinfoSnapshotSchema = z.object({
  index: z.number().int().nonnegative(),
  /** Epoch seconds when the capture had time; seconds since start when assumed; null if neither. */
  time: z.number().nullable(),
  timeAssumed: z.boolean(),
  /** 1-based line where the snapshot starts (its header, or its first cache line). */
  line: z.number().int().positive(),
  /** `2.1` from `slabinfo - version: 2.1`, null when the dump had no header (grep output). */
  version: z.string().nullable(),
  /** Caches keyed by name, in the order printed. */
  caches: z.record(z.string(), SlabCacheSchema),
  /** The snapshot was cut short (capture killed mid-write). */
  partial: z.boolean(),
});
export type SlabinfoSnapshot = z.infer<typeof SlabinfoSnapshotSchema>;

export const SlabinfoOptionsSchema = SeriesTimeOptionsSchema;
export type SlabinfoOptions = z.infer<typeof SlabinfoOptionsSchema>;

type CacheParse = { name: string; cache: SlabCache } | { error: string };

// Token scratch for the hot path: a cache line has 16 tokens; longer lines fall back to errors.
const MAX_TOKENS = 64;
const TS = new Int32Array(MAX_TOKENS);
const TE = new Int32Array(MAX_TOKENS);

/** Splits on blanks into TS/TE; returns the token count, or -1 when there are too many. */
function tokenize(text: string): number {
  const n = text.length;
  let i = 0;
  let k = 0;
  while (i < n) {
    let c = text.charCodeAt(i);
    while (c === 32 || c === 9 || c === 13 || c === 11 || c === 12) {
      if (++i >= n) return k;
      c = text.charCodeAt(i);
    }
    if (k >= MAX_TOKENS) return -1;
    TS[k] = i;
    while (i < n) {
      c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 13 || c === 11 || c === 12) break;
      i++;
    }
    TE[k++] = i;
  }
  return k;
}

/** A non-negative decimal of at most 16 digits between s and e, else -1. */
function uintAt(text: string, s: number, e: number): number {
  if (e <= s || e - s > 16) return -1;
  let v = 0;
  for (let i = s; i < e; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

const tok = (text: string, k: number): string => text.slice(TS[k], Math.min(TE[k], TS[k] + 20));

/** Parses one cache line; never throws. Linear scan, no regular expression. */
export function parseSlabinfoCacheLine(text: string): CacheParse {
  const nt = tokenize(text);
  if (nt < 0) return { error: `more than ${MAX_TOKENS} fields` };
  if (nt < 6) return { error: `cache line has ${nt} fields, expected at least 6` };
  const nums = [0, 0, 0, 0, 0];
  for (let k = 1; k <= 5; k++) {
    const v = uintAt(text, TS[k], TE[k]);
    if (v < 0) return { error: `field ${k + 1} (${tok(text, k)}) is not a count` };
    nums[k - 1] = v;
  }
  let tunables: SlabCache['tunables'] = null;
  let slabdata: SlabCache['slabdata'] = null;
  let k = 6;
  const vals = [0, 0, 0];
  while (k < nt) {
    if (TE[k] - TS[k] !== 1 || text.charCodeAt(TS[k]) !== 58) return { error: `unexpected token ${tok(text, k)} after the counts` };
    if (k + 1 >= nt) return { error: 'a group separator ":" without a group name' };
    const gs = TS[k + 1];
    const ge = TE[k + 1];
    const isTunables = ge - gs === 8 && text.startsWith('tunables', gs);
    const isSlabdata = ge - gs === 8 && text.startsWith('slabdata', gs);
    k += 2;
    let count = 0;
    while (k < nt && !(TE[k] - TS[k] === 1 && text.charCodeAt(TS[k]) === 58)) {
      // globalstat/cpustat groups (SLAB statistics) are ignored whatever they hold; ours must be counts.
      if (isTunables || isSlabdata) {
        const v = uintAt(text, TS[k], TE[k]);
        if (v < 0) return { error: `${isTunables ? 'tunables' : 'slabdata'} value ${tok(text, k)} is not a count` };
        if (count < 3) vals[count] = v;
      }
      count++;
      k++;
    }
    if (isTunables) {
      if (count !== 3) return { error: `tunables group has ${count} values, expected 3` };
      tunables = { limit: vals[0], batchcount: vals[1], sharedfactor: vals[2] };
    } else if (isSlabdata) {
      if (count !== 3) return { error: `slabdata group has ${count} values, expected 3` };
      slabdata = { active_slabs: vals[0], num_slabs: vals[1], sharedavail: vals[2] };
    }
  }
  return {
    name: text.slice(TS[0], TE[0]),
    cache: {
      active_objs: nums[0],
      num_objs: nums[1],
      objsize: nums[2],
      objperslab: nums[3],
      pagesperslab: nums[4],
      tunables,
      slabdata,
    },
  };
}

type SnapshotBase = { index: number; time: number | null; timeAssumed: boolean; line: number; partial: boolean };

/**
 * The snapshot-series state machine shared by slabinfo and slabtop: open/flush, clock, and the
 * cut-mid-snapshot rule (the last snapshot, not closed by a separator, with fewer entries than
 * the one before it, or ending on a cut line, is partial).
 */
class SnapshotSeries<S extends SnapshotBase> {
  readonly clock: SeriesClock;
  current: S | null = null;
  index = 0;
  prevSize = 0;
  lastLineBad = false;

  constructor(
    options: Partial<SlabinfoOptions>,
    private readonly size: (s: S) => number,
  ) {
    this.clock = new SeriesClock(options);
  }

  flush(emit: Emit<S>, atEnd: boolean): void {
    const cur = this.current;
    if (!cur) return;
    const n = this.size(cur);
    if (atEnd && (this.lastLineBad || (this.prevSize > 0 && n < this.prevSize))) {
      cur.partial = true;
      emit.diagnostic(
        'snapshot-partial',
        `last snapshot has ${n} entries${this.prevSize > 0 ? ` of ${this.prevSize}` : ''}${this.lastLineBad ? ' and ends on a cut line' : ''} (capture cut short)`,
        { line: cur.line },
      );
    }
    this.prevSize = n;
    this.clock.timeSnapshot(cur, emit as Emit<unknown>);
        emit.record(cur);
    emit.count('snapshots');
    this.current = null;
  }

  /** Handles a framing line; true when it was one. */
  framing(text: string, emit: Emit<S>): boolean {
    const fr = classifyFramingLine(text);
    if (!fr) return false;
    if (fr.kind === 'timestamp') {
      this.flush(emit, false);
      this.clock.stamp(fr.time, this.index);
      emit.skip('timestamp');
    } else {
      if (fr.kind === 'separator') this.flush(emit, false);
      emit.skip(fr.kind);
    }
    return true;
  }
}

function createSlabinfoCore(options: Partial<SlabinfoOptions>): ParserCore<SlabinfoSnapshot> {
  const series = new SnapshotSeries<SlabinfoSnapshot>(options, (s) => Object.keys(s.caches).length);
  let pendingVersion: string | null = null;
  let pendingLine = 0;
  let inHeader = false;

  const open = (lineNo: number): SlabinfoSnapshot => {
    const s: SlabinfoSnapshot = {
      index: series.index++,
      time: null,
      timeAssumed: false,
      line: pendingLine || lineNo,
      version: pendingVersion,
      caches: {},
      partial: false,
    };
    pendingVersion = null;
    pendingLine = 0;
    series.current = s;
    return s;
  };

  return {
    line(text, lineNo, emit) {
      series.lastLineBad = false;
      let i0 = 0;
      while (i0 < text.length && (text.charCodeAt(i0) === 32 || text.charCodeAt(i0) === 9)) i0++;
      if (text.startsWith('slabinfo - version:', i0)) {
        series.flush(emit, false);
        pendingVersion = text.slice(i0 + 'slabinfo - version:'.length).trim() || null;
        pendingLine = lineNo;
        inHeader = true;
        emit.count('headers');
        emit.skip('header');
        return;
      }
      if (text.startsWith('# name', i0)) {
        inHeader = true;
        emit.skip('header');
        return;
      }
      // A mail client wrapped the `# name` header: its continuation starts with a space and `<`.
      if (inHeader && text.startsWith('<', i0)) {
        emit.skip('header');
        return;
      }
      inHeader = false;
      // Cache lines first (the hot path); framing lines never parse as one (field 2 is no count).
      const r = parseSlabinfoCacheLine(text);
      if ('error' in r && series.framing(text, emit)) return;
      if ('error' in r) {
        series.lastLineBad = true;
        emit.diagnostic('unrecognized-line', `not a slabinfo cache line: ${r.error}`, { excerpt: text });
        return;
      }
      addCacheRow(series, r.name, r.cache, () => open(lineNo), emit);
    },
    end(emit) {
      series.flush(emit, true);
    },
  };
}

/**
 * Adds one cache row to the snapshot being assembled. With no framing between dumps, a cache
 * name seen again in the same snapshot starts the next one.
 */
function addCacheRow<C, S extends { caches: Record<string, C> }>(
  series: { current: S | null; flush(emit: Emit<any>, atEnd: boolean): void },
  name: string,
  cache: C,
  open: () => S,
  emit: Emit<any>,
): void {
  let cur = series.current;
  if (cur && Object.prototype.hasOwnProperty.call(cur.caches, name)) {
    series.flush(emit, false);
    cur = null;
  }
  cur ??= open();
  cur.caches[name] = cache;
}

export const slabinfoParser: ParserDefinition<SlabinfoSnapshot, SlabinfoOptions> = {
  format: 'slabinfo',
  title: '/proc/slabinfo dump or series of dumps (SLUB and SLAB, version 2.x)',
  producedBy: 'cat /proc/slabinfo (in a loop, with date/epoch/=== lines between dumps)',
  recordSchema: SlabinfoSnapshotSchema,
  sniff(head) {
    if (head.includes('slabinfo - version:')) return { score: 0.95, reason: 'slabinfo version header' };
    if (head.includes(': tunables') && head.includes(': slabdata')) {
      return { score: 0.8, reason: 'cache lines with tunables and slabdata groups' };
    }
    return { score: 0, reason: 'no slabinfo header or cache lines' };
  },
  createCore: createSlabinfoCore,
};

export const { parse: parseSlabinfo, parseAsync: parseSlabinfoAsync } = frontEnds(slabinfoParser);

// ---------------------------------------------------------------------------------------------
// slabtop

export const SlabtopCacheSchema = z.object({
  objs: z.number().int().nonnegative(),
  active: z.number().int().nonnegative(),
  usePercent: z.number(),
  /** OBJ SIZE, in KiB as printed (`0.19K`). */
  objSizeKb: z.number(),
  slabs: z.number().int().nonnegative(),
  objPerSlab: z.number().int().nonnegative(),
  /** CACHE SIZE in KiB (`97648K`). */
  cacheSizeKb: z.number(),
});
export type SlabtopCache = z.infer<typeof SlabtopCacheSchema>;

const Pair = z.object({ active: z.number(), total: z.number() });
export const SlabtopSnapshotSchema = z.object({
  index: z.number().int().nonnegative(),
  time: z.number().nullable(),
  timeAssumed: z.boolean(),
  line: z.number().int().positive(),
  /** The summary block (`Active / Total Objects (% used) : a / b (p%)`...), fields absent when not printed. */
  summary: z.object({
    objects: Pair.optional(),
    slabs: Pair.optional(),
    caches: Pair.optional(),
    /** KiB. */
    sizeKb: Pair.optional(),
    /** Minimum / Average / Maximum Object, KiB. */
    objectKb: z.object({ min: z.number(), avg: z.number(), max: z.number() }).optional(),
  }),
  caches: z.record(z.string(), SlabtopCacheSchema),
  partial: z.boolean(),
});
export type SlabtopSnapshot = z.infer<typeof SlabtopSnapshotSchema>;

/** `1461810.85K` / `54%` / `0.07K` -> number; null otherwise. */
function numberWithSuffix(s: string, suffix: string): number | null {
  const t = s.endsWith(suffix) ? s.slice(0, -suffix.length) : s;
  if (t.length === 0 || t.length > 20) return null;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || c === 46)) return null;
  }
  const v = Number(t);
  return Number.isFinite(v) ? v : null;
}

function parseSummaryLine(text: string): { key: string; values: number[] } | null {
  const colon = text.indexOf(':');
  if (colon < 0) return null;
  const label = text.slice(0, colon).trim();
  let key: string | null = null;
  if (label.startsWith('Active / Total Objects')) key = 'objects';
  else if (label.startsWith('Active / Total Slabs')) key = 'slabs';
  else if (label.startsWith('Active / Total Caches')) key = 'caches';
  else if (label.startsWith('Active / Total Size')) key = 'sizeKb';
  else if (label.startsWith('Minimum / Average / Maximum Object')) key = 'objectKb';
  if (key === null) return null;
  const values: number[] = [];
  for (const tok of fields(text.slice(colon + 1))) {
    if (tok === '/' || tok.startsWith('(')) continue;
    const v = numberWithSuffix(tok, 'K');
    if (v === null) return null;
    values.push(v);
  }
  return { key, values };
}

function parseSlabtopRow(text: string): { name: string; cache: SlabtopCache } | { error: string } {
  const f = fields(text);
  if (f.length < 8) return { error: `slabtop row has ${f.length} fields, expected 8` };
  const objs = parseUInt(f[0]);
  const active = parseUInt(f[1]);
  const use = numberWithSuffix(f[2], '%');
  const objSize = numberWithSuffix(f[3], 'K');
  const slabs = parseUInt(f[4]);
  const perSlab = parseUInt(f[5]);
  const size = numberWithSuffix(f[6], 'K');
  if (objs === null || active === null || use === null || objSize === null || slabs === null || perSlab === null || size === null) {
    return { error: 'a numeric column is not a number' };
  }
  return {
    name: f.slice(7).join(' '),
    cache: { objs, active, usePercent: use, objSizeKb: objSize, slabs, objPerSlab: perSlab, cacheSizeKb: size },
  };
}

function createSlabtopCore(options: Partial<SlabinfoOptions>): ParserCore<SlabtopSnapshot> {
  const series = new SnapshotSeries<SlabtopSnapshot>(options, (s) => Object.keys(s.caches).length);
  const open = (lineNo: number): SlabtopSnapshot => {
    const s: SlabtopSnapshot = { index: series.index++, time: null, timeAssumed: false, line: lineNo, summary: {}, caches: {}, partial: false };
    series.current = s;
    return s;
  };
  return {
    line(text, lineNo, emit) {
      series.lastLineBad = false;
      const trimmed = text.trim();
      const sum = trimmed.startsWith('Active / Total') || trimmed.startsWith('Minimum / Average') ? parseSummaryLine(trimmed) : null;
      if (sum) {
        let cur = series.current;
        // The summary opens a snapshot: a summary after cache rows, or a repeated summary key, starts the next one.
        if (cur && (Object.keys(cur.caches).length > 0 || sum.key in cur.summary)) {
          series.flush(emit, false);
          cur = null;
        }
        cur ??= open(lineNo);
        const v = sum.values;
        if (sum.key === 'objectKb') {
          if (v.length === 3) cur.summary.objectKb = { min: v[0], avg: v[1], max: v[2] };
        } else if (v.length >= 2) {
          cur.summary[sum.key as 'objects' | 'slabs' | 'caches' | 'sizeKb'] = { active: v[0], total: v[1] };
        }
        if ((sum.key === 'objectKb' && v.length !== 3) || (sum.key !== 'objectKb' && v.length < 2)) {
          emit.diagnostic('unrecognized-line', 'slabtop summary line with missing values', { excerpt: text });
        }
        return;
      }
      if (trimmed.startsWith('OBJS') && trimmed.includes('NAME')) {
        emit.skip('header');
        return;
      }
      if (trimmed === '...' || trimmed === '…') {
        emit.skip('elided');
        return;
      }
      const r = parseSlabtopRow(text);
      if ('error' in r && series.framing(text, emit)) return;
      if ('error' in r) {
        series.lastLineBad = true;
        emit.diagnostic('unrecognized-line', `not a slabtop row: ${r.error}`, { excerpt: text });
        return;
      }
      addCacheRow(series, r.name, r.cache, () => open(lineNo), emit);
    },
    end(emit) {
      series.flush(emit, true);
    },
  };
}

export const slabtopParser: ParserDefinition<SlabtopSnapshot, SlabinfoOptions> = {
  format: 'slabtop',
  title: 'slabtop -o output (summary block and cache table), once or repeated',
  producedBy: 'slabtop -o (optionally in a loop)',
  recordSchema: SlabtopSnapshotSchema,
  sniff(head) {
    const summary = head.includes('Active / Total Objects');
    const header = head.includes('OBJS ACTIVE') && head.includes('OBJ/SLAB');
    if (summary && header) return { score: 0.95, reason: 'slabtop summary and header' };
    if (summary || header) return { score: 0.75, reason: summary ? 'slabtop summary block' : 'slabtop table header' };
    return { score: 0, reason: 'no slabtop summary or header' };
  },
  createCore: createSlabtopCore,
};

export const { parse: parseSlabtop, parseAsync: parseSlabtopAsync } = frontEnds(slabtopParser);

// ---------------------------------------------------------------------------------------------
// helpers

function timeAxis<S extends { time: number | null; timeAssumed: boolean; index: number }>(usable: readonly S[]) {
  const assumed = usable.some((s) => s.timeAssumed || s.time === null);
  return { assumed, timeOf: (s: S): number => s.time ?? s.index };
}

/**
 * One cache's series from slabinfo snapshots (partial snapshots skipped): `bytes` =
 * num_objs x objsize (the memory the cache holds, free slots included) and `active` = active_objs.
 * Snapshots where the cache is absent are left out of the series.
 * @example
 * const { bytes, active } = slabCacheSeries(parseSlabinfo(text).records, 'dentry');
 */
export function slabCacheSeries(snapshots: readonly SlabinfoSnapshot[], cache: string, source?: string): { bytes: TimeSeries; active: TimeSeries } {
  const usable = snapshots.filter((s) => !s.partial);
  const { assumed, timeOf } = timeAxis(usable);
  const t: number[] = [];
  const b: number[] = [];
  const a: number[] = [];
  for (const s of usable) {
    const c = Object.prototype.hasOwnProperty.call(s.caches, cache) ? s.caches[cache] : undefined;
    if (!c) continue;
    t.push(timeOf(s));
    b.push(c.num_objs * c.objsize);
    a.push(c.active_objs);
  }
  const common = { t, timeAssumed: assumed || undefined, source };
  return {
    bytes: { name: `${cache}.bytes`, unit: 'bytes', v: b, ...common, t: [...t] },
    active: { name: `${cache}.active_objs`, unit: 'objects', v: a, ...common },
  };
}

/**
 * Every cache's byte and active-object series, plus `slab.total` bytes (sum over caches).
 * @example
 * const all = slabinfoSeries(parseSlabinfo(text).records, 'slabinfo.txt');
 */
export function slabinfoSeries(snapshots: readonly SlabinfoSnapshot[], source?: string): TimeSeries[] {
  const names = new Set<string>();
  for (const s of snapshots) if (!s.partial) for (const k of Object.keys(s.caches)) names.add(k);
  const out: TimeSeries[] = [];
  for (const name of names) {
    const { bytes, active } = slabCacheSeries(snapshots, name, source);
    out.push(bytes, active);
  }
  const usable = snapshots.filter((s) => !s.partial);
  const { assumed, timeOf } = timeAxis(usable);
  out.push({
    name: 'slab.total.bytes',
    unit: 'bytes',
    t: usable.map(timeOf),
    v: usable.map((s) => Object.values(s.caches).reduce((acc, c) => acc + c.num_objs * c.objsize, 0)),
    timeAssumed: assumed || undefined,
    source,
  });
  return out;
}

/**
 * slabtop snapshots as slabinfo-like snapshots (objsize rounded from KiB), so slabGrowth can
 * rank caches from either tool.
 * @example
 * const snaps = slabtopAsSlabinfo(parseSlabtop(text).records);
 */
export function slabtopAsSlabinfo(snapshots: readonly SlabtopSnapshot[]): SlabinfoSnapshot[] {
  return snapshots.map((s) => {
    const caches: Record<string, SlabCache> = {};
    for (const [name, c] of Object.entries(s.caches)) {
      caches[name] = {
        active_objs: c.active,
        num_objs: c.objs,
        objsize: Math.round(c.objSizeKb * 1024),
        objperslab: c.objPerSlab,
        pagesperslab: 0,
        tunables: null,
        slabdata: { active_slabs: c.slabs, num_slabs: c.slabs, sharedavail: 0 },
      };
    }
    return { index: s.index, time: s.time, timeAssumed: s.timeAssumed, line: s.line, version: null, caches, partial: s.partial };
  });
}
