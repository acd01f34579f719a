import { z } from 'zod';
import type { TimeSeries } from '../../core/models.js';
import { frontEnds, type Emit, type ParserDefinition, type SniffContext, type SniffResult } from '../../core/parser.js';
import { parseUInt } from '../../core/text.js';
import { SeriesTimeOptionsSchema } from '../series-time.js';
import { createZoneSeriesCore, headZoneLines, type ZoneLine } from './zone-series.js';

export { parseZoneLine, type ZoneLine } from './zone-series.js';
export * from './pagetypeinfo.js';

/**
 * The shared zone model: one zone's free lists, `freeBlocks[order]` = number of free blocks of
 * 2^order pages. buddyinfo, pagetypeinfo (summed over migrate types) and OOM reports' per-zone
 * free lists all reduce to it.
 */
export const BuddyZoneSchema = z.object({
  node: z.number().int().nonnegative(),
  zone: z.string(),
  /** Index = order. */
  freeBlocks: z.array(z.number().int().nonnegative()),
});
export type BuddyZone = z.infer<typeof BuddyZoneSchema>;

const snapshotShape = {
  index: z.number().int().nonnegative(),
  /** Epoch seconds when the capture had time; seconds since start when assumed; null if neither. */
  time: z.number().nullable(),
  timeAssumed: z.boolean(),
  /** 1-based line of the first zone line. */
  line: z.number().int().positive(),
  /** The snapshot was cut short (zones or order columns missing) or held an unreadable zone line. */
  partial: z.boolean(),
};

/** One /proc/buddyinfo dump. */
export const BuddyinfoSnapshotSchema = z.object({ ...snapshotShape, zones: z.array(BuddyZoneSchema) });
export type BuddyinfoSnapshot = z.infer<typeof BuddyinfoSnapshotSchema>;

/** One zone line of extfrag/unusable_index or extfrag/extfrag_index. */
export const ExtfragZoneSchema = z.object({
  node: z.number().int().nonnegative(),
  zone: z.string(),
  /** The printed values as numbers (`0.038`, `-1.000`), index = order. */
  values: z.array(z.number()),
  /** The kernel's integer (thousandths) behind each value: exactly what mm/vmstat.c computed. */
  milli: z.array(z.number().int()),
});
export type ExtfragZone = z.infer<typeof ExtfragZoneSchema>;

export const ExtfragSnapshotSchema = z.object({ ...snapshotShape, zones: z.array(ExtfragZoneSchema) });
export type ExtfragSnapshot = z.infer<typeof ExtfragSnapshotSchema>;

export const BuddyinfoOptionsSchema = SeriesTimeOptionsSchema;
export type BuddyinfoOptions = z.infer<typeof BuddyinfoOptionsSchema>;

// ---------------------------------------------------------------- buddyinfo

function looksLikePagetypeinfo(head: string): boolean {
  return head.includes('Page block order') || head.includes('Free pages count per migrate type') || head.includes(', type ');
}

export const buddyinfoParser: ParserDefinition<BuddyinfoSnapshot, BuddyinfoOptions> = {
  format: 'buddyinfo',
  title: '/proc/buddyinfo: free blocks per order, per node and zone (one dump or a series)',
  producedBy: 'cat /proc/buddyinfo (in a loop, with date/epoch/=== lines between dumps)',
  recordSchema: BuddyinfoSnapshotSchema,
  sniff(head) {
    if (looksLikePagetypeinfo(head)) return { score: 0.1, reason: 'pagetypeinfo headers, not buddyinfo' };
    const rows = headZoneLines(head);
    if (rows.length === 0) return { score: 0, reason: 'no `Node N, zone X` lines' };
    const ints = rows.filter((r) => r.values.length >= 3 && r.values.every((v) => parseUInt(v) !== null)).length;
    if (ints === 0) return { score: 0.05, reason: 'zone lines hold decimals (extfrag), not block counts' };
    return { score: 0.6 + 0.35 * (ints / rows.length), reason: `${ints} 'Node N, zone X' lines of per-order free block counts` };
  },
  createCore(options) {
    return createZoneSeriesCore<BuddyZone>(options, 'buddyinfo', (zl) => {
      if (zl.values.length === 0) return { ok: false, code: 'unrecognized-line', message: 'zone line without counts' };
      const freeBlocks: number[] = [];
      for (const v of zl.values) {
        const n = parseUInt(v);
        if (n === null) return { ok: false, code: 'unrecognized-line', message: `'${v.slice(0, 20)}' is not a block count` };
        freeBlocks.push(n);
      }
      return { ok: true, zone: { node: zl.node, zone: zl.zone, freeBlocks }, orders: freeBlocks.length };
    }) as ReturnType<ParserDefinition<BuddyinfoSnapshot, BuddyinfoOptions>['createCore']>;
  },
};

export const { parse: parseBuddyinfo, parseAsync: parseBuddyinfoAsync } = frontEnds(buddyinfoParser);

// ---------------------------------------------------------------- extfrag (unusable_index, extfrag_index)

/**
 * Parses one printed index value back to the kernel's integer: `%d.%03d` of index/1000 and
 * index%1000, so `0.038` = 38, `-1.000` = -1000, and an index between -1 and 0 printed as
 * `0.-500` = -500 (or `0.-07` = -7: %03d pads the sign too).
 * @example parseIndexValue('0.-07') // { milli: -7, buggyNegative: true }
 */
export function parseIndexValue(s: string): { milli: number; buggyNegative: boolean } | null {
  const dot = s.indexOf('.');
  if (dot <= 0 || dot > 6) return null;
  const intText = s.slice(0, dot);
  const neg = intText.startsWith('-');
  const intVal = parseUInt(neg ? intText.slice(1) : intText);
  if (intVal === null) return null;
  let frac = s.slice(dot + 1);
  const fracNeg = frac.startsWith('-');
  if (fracNeg) frac = frac.slice(1);
  if (fracNeg ? frac.length < 1 || frac.length > 3 : frac.length !== 3) return null;
  const fracVal = parseUInt(frac);
  if (fracVal === null) return null;
  if (neg && fracNeg) return null;
  const milli = (neg ? -intVal : intVal) * 1000 + (fracNeg ? -fracVal : neg ? -fracVal : fracVal);
  return { milli, buggyNegative: fracNeg };
}

type ExtfragKind = 'extfrag-unusable' | 'extfrag-index';

/**
 * Tells unusable_index from extfrag_index by values; null when the values fit both.
 * @example extfragKindOfValues([parseZoneLine('Node 0, zone DMA -1.000 0.500')!]).kind // 'extfrag-index'
 */
export function extfragKindOfValues(rows: readonly ZoneLine[]): { kind: ExtfragKind | null; reason: string } {
  let sawRows = 0;
  for (const r of rows) {
    const m: number[] = [];
    for (const v of r.values) {
      const p = parseIndexValue(v);
      if (!p) break;
      m.push(p.milli);
    }
    if (m.length === 0) continue;
    sawRows++;
    if (m.some((x) => x < 0)) return { kind: 'extfrag-index', reason: 'negative values (-1.000 = "would succeed") appear only in extfrag_index' };
    if (m[0] === 0 && m.some((x) => x !== 0)) {
      return { kind: 'extfrag-unusable', reason: 'order 0 is 0.000 with larger values at higher orders: only unusable_index does that' };
    }
    if (m.every((x) => x === 1000)) return { kind: 'extfrag-unusable', reason: 'all 1.000 (no free pages): only unusable_index prints that' };
  }
  return { kind: null, reason: sawRows === 0 ? 'no index values' : 'values fit both unusable_index and extfrag_index' };
}

function extfragKindOfPath(path: string | undefined): ExtfragKind | null {
  if (!path) return null;
  const p = path.toLowerCase();
  if (p.includes('unusable')) return 'extfrag-unusable';
  if (p.includes('extfrag_index') || p.includes('extfrag-index') || p.includes('fragmentation_index')) return 'extfrag-index';
  return null;
}

function sniffExtfrag(me: ExtfragKind, head: string, context?: SniffContext): SniffResult {
  if (looksLikePagetypeinfo(head)) return { score: 0, reason: 'pagetypeinfo, not an extfrag file' };
  const header: ExtfragKind | null = head.includes('Unusable index at order')
    ? 'extfrag-unusable'
    : head.includes('Extfrag index at order')
      ? 'extfrag-index'
      : null;
  if (header !== null) {
    return header === me
      ? { score: 0.98, reason: `'${header === 'extfrag-unusable' ? 'Unusable' : 'Extfrag'} index at order' header (kernel 6.9+)` }
      : { score: 0.05, reason: 'the header names the other extfrag file' };
  }
  const rows = headZoneLines(head).filter((r) => r.values.length > 0 && r.values.every((v) => parseIndexValue(v) !== null));
  if (rows.length === 0) return { score: 0, reason: 'no `Node N, zone X d.ddd ...` lines' };
  const byValues = extfragKindOfValues(rows);
  const byPath = extfragKindOfPath(context?.path);
  const pathNote = byPath ? ` (path hint: ${byPath === 'extfrag-unusable' ? 'unusable_index' : 'extfrag_index'})` : '';
  if (byValues.kind === me) return { score: byPath === me ? 0.97 : 0.9, reason: `${byValues.reason}${pathNote}` };
  if (byValues.kind !== null) return { score: 0.1, reason: `values say ${byValues.kind}: ${byValues.reason}${pathNote}` };
  if (byPath === me) return { score: 0.8, reason: `${byValues.reason}; the path names ${me === 'extfrag-unusable' ? 'unusable_index' : 'extfrag_index'}` };
  if (byPath !== null) return { score: 0.1, reason: `${byValues.reason}; the path names the other extfrag file` };
  return { score: 0.5, reason: `${byValues.reason}, and no path hint (unusable_index or extfrag_index)` };
}

/** Kernels since 6.9 print a header per node: `Unusable index at order:  0  1 ...` / `Extfrag index at order: ...`. */
function extfragHeaderKind(line: string): ExtfragKind | null {
  const s = line.trimStart();
  if (s.startsWith('Unusable index at order')) return 'extfrag-unusable';
  if (s.startsWith('Extfrag index at order')) return 'extfrag-index';
  return null;
}

function createExtfragCore(format: ExtfragKind, options: Partial<BuddyinfoOptions>) {
  let warnedNegative = false;
  let warnedHeader = false;
  const onOtherLine = (text: string, emit: Emit<unknown>): boolean => {
    const h = extfragHeaderKind(text);
    if (h === null) return false;
    if (h !== format && !warnedHeader) {
      warnedHeader = true;
      emit.diagnostic('extfrag-wrong-file', `the header says ${h === 'extfrag-unusable' ? 'unusable_index' : 'extfrag_index'} but the file is read as ${format}`, {
        excerpt: text,
      });
    }
    emit.skip('header');
    return true;
  };
  return createZoneSeriesCore<ExtfragZone>(options, format, (zl, emit) => {
    if (zl.values.length === 0) return { ok: false, code: 'unrecognized-line', message: 'zone line without index values' };
    const values: number[] = [];
    const milli: number[] = [];
    for (const v of zl.values) {
      const p = parseIndexValue(v);
      if (!p) return { ok: false, code: 'unrecognized-line', message: `'${v.slice(0, 20)}' is not a d.ddd index value` };
      if (p.milli < -1000 || p.milli > 1000) {
        return { ok: false, code: 'number-out-of-range', message: `index ${v.slice(0, 20)} is outside -1..1` };
      }
      if (p.buggyNegative) {
        emit.count('buggyNegativeValues');
        if (!warnedNegative) {
          warnedNegative = true;
          emit.diagnostic('extfrag-negative-printed', `'${v}' read as ${p.milli / 1000} (the kernel prints an index between -1 and 0 as 0.-NNN)`);
        }
      }
      milli.push(p.milli);
      values.push(p.milli / 1000);
    }
    return { ok: true, zone: { node: zl.node, zone: zl.zone, values, milli }, orders: milli.length };
  }, onOtherLine) as unknown as ReturnType<ParserDefinition<ExtfragSnapshot, BuddyinfoOptions>['createCore']>;
}

export const extfragUnusableParser: ParserDefinition<ExtfragSnapshot, BuddyinfoOptions> = {
  format: 'extfrag-unusable',
  title: 'debugfs extfrag/unusable_index: unusable free space index per node, zone and order',
  producedBy: 'cat /sys/kernel/debug/extfrag/unusable_index',
  recordSchema: ExtfragSnapshotSchema,
  sniff: (head, context) => sniffExtfrag('extfrag-unusable', head, context),
  createCore: (options) => createExtfragCore('extfrag-unusable', options),
};

export const extfragIndexParser: ParserDefinition<ExtfragSnapshot, BuddyinfoOptions> = {
  format: 'extfrag-index',
  title: 'debugfs extfrag/extfrag_index: fragmentation index per node, zone and order (-1.000 = would succeed)',
  producedBy: 'cat /sys/kernel/debug/extfrag/extfrag_index',
  recordSchema: ExtfragSnapshotSchema,
  sniff: (head, context) => sniffExtfrag('extfrag-index', head, context),
  createCore: (options) => createExtfragCore('extfrag-index', options),
};

export const { parse: parseExtfragUnusable, parseAsync: parseExtfragUnusableAsync } = frontEnds(extfragUnusableParser);
export const { parse: parseExtfragIndex, parseAsync: parseExtfragIndexAsync } = frontEnds(extfragIndexParser);

// ---------------------------------------------------------------- series helpers

/**
 * `node0/Normal`: the key used in series names and analyses.
 * @example zoneKey({ node: 0, zone: 'Normal' }) // 'node0/Normal'
 */
export function zoneKey(z: { node: number; zone: string }): string {
  return `node${z.node}/${z.zone}`;
}

/**
 * Free pages of a zone: sum of blocks x 2^order.
 * @example zoneFreePages([3, 1, 2]) // 3 + 2 + 8 = 13
 */
export function zoneFreePages(freeBlocks: readonly number[]): number {
  let pages = 0;
  for (let o = 0; o < freeBlocks.length; o++) pages += freeBlocks[o] * 2 ** o;
  return pages;
}

/**
 * Turns buddyinfo snapshots into numeric series per zone: `node0/Normal free pages` and one
 * `node0/Normal order N blocks` per order. Partial snapshots are skipped; without any time
 * the snapshot index is the axis (marked assumed).
 * @example
 * const s = buddyinfoSeries(parseBuddyinfo(text).records).find((x) => x.name === 'node0/Normal free pages');
 */
export function buddyinfoSeries(snapshots: readonly BuddyinfoSnapshot[], source?: string): TimeSeries[] {
  const usable = snapshots.filter((s) => !s.partial);
  const assumed = usable.some((s) => s.timeAssumed || s.time === null) || undefined;
  const byName = new Map<string, TimeSeries>();
  const push = (name: string, unit: string, t: number, v: number): void => {
    let s = byName.get(name);
    if (!s) {
      s = { name, unit, t: [], v: [], timeAssumed: assumed, source };
      byName.set(name, s);
    }
    s.t.push(t);
    s.v.push(v);
  };
  for (const s of usable) {
    const t = s.time ?? s.index;
    for (const z of s.zones) {
      const k = zoneKey(z);
      push(`${k} free pages`, 'pages', t, zoneFreePages(z.freeBlocks));
      for (let o = 0; o < z.freeBlocks.length; o++) push(`${k} order ${o} blocks`, 'blocks', t, z.freeBlocks[o]);
    }
  }
  return [...byName.values()];
}
