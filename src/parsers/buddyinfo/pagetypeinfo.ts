import { z } from 'zod';
import { frontEnds, type Emit, type ParserCore, type ParserDefinition } from '../../core/parser.js';
import { fields, parseUInt } from '../../core/text.js';
import { SeriesClock, SeriesTimeOptionsSchema, handleFramingLine } from '../series-time.js';
import { headZoneLines, isShellLine, parseZoneLine } from './zone-series.js';

/**
 * /proc/pagetypeinfo, one dump or a series: the `Page block order:` / `Pages per block:` header,
 * the free-pages matrix per node, zone and migrate type (counts the kernel stopped at are printed
 * `>100000`), the `Number of blocks type` table and, with page_owner, `Number of mixed blocks`.
 * Migrate types differ by era (Reserve, Isolate, HighAtomic, CMA): they are kept as printed.
 */
export const PagetypeFreeRowSchema = z.object({
  node: z.number().int().nonnegative(),
  zone: z.string(),
  type: z.string(),
  /** Free blocks per order; a capped count holds the printed bound (a lower bound). */
  freeBlocks: z.array(z.number().int().nonnegative()),
  /** Orders whose count was printed `>N` (the kernel stops counting a free list at 100000). */
  capped: z.array(z.number().int().nonnegative()),
});
export type PagetypeFreeRow = z.infer<typeof PagetypeFreeRowSchema>;

export const PagetypeBlockRowSchema = z.object({
  node: z.number().int().nonnegative(),
  zone: z.string(),
  /** Pageblocks per migrate type, keyed by the table's column names. */
  counts: z.record(z.string(), z.number().int().nonnegative()),
});
export type PagetypeBlockRow = z.infer<typeof PagetypeBlockRowSchema>;

export const PagetypeinfoSnapshotSchema = z.object({
  index: z.number().int().nonnegative(),
  time: z.number().nullable(),
  timeAssumed: z.boolean(),
  line: z.number().int().positive(),
  pageBlockOrder: z.number().int().nonnegative().nullable(),
  pagesPerBlock: z.number().int().nonnegative().nullable(),
  free: z.array(PagetypeFreeRowSchema),
  blocks: z.array(PagetypeBlockRowSchema),
  /** `Number of mixed blocks` (CONFIG_PAGE_OWNER kernels), when printed. */
  mixedBlocks: z.array(PagetypeBlockRowSchema).optional(),
  partial: z.boolean(),
});
export type PagetypeinfoSnapshot = z.infer<typeof PagetypeinfoSnapshotSchema>;

export const PagetypeinfoOptionsSchema = SeriesTimeOptionsSchema;
export type PagetypeinfoOptions = z.infer<typeof PagetypeinfoOptionsSchema>;

type Table = 'none' | 'free' | 'blocks' | 'mixed';

function createCore(options: Partial<PagetypeinfoOptions>): ParserCore<PagetypeinfoSnapshot> {
  const clock = new SeriesClock(options);
  let current: PagetypeinfoSnapshot | null = null;
  let keys = new Set<string>();
  let index = 0;
  let table: Table = 'none';
  let columns: string[] = [];
  let maxRows = 0;
  let headerOrders = 0;
  let warnedCap = false;

  const rows = (s: PagetypeinfoSnapshot): number => s.free.length + s.blocks.length + (s.mixedBlocks?.length ?? 0);

  const flush = (emit: Emit<PagetypeinfoSnapshot>, atEnd: boolean): void => {
    if (!current) return;
    const n = rows(current);
    if (n === 0 && current.pageBlockOrder === null && current.pagesPerBlock === null) {
      current = null;
      index--;
      return;
    }
    if (atEnd && maxRows > 0 && n < maxRows && !current.partial) {
      current.partial = true;
      emit.diagnostic('snapshot-partial', `last pagetypeinfo snapshot has ${n} of ${maxRows} rows (capture cut short)`, {
        line: current.line,
      });
    }
    maxRows = Math.max(maxRows, n);
    clock.timeSnapshot(current, emit as Emit<unknown>);
        emit.record(current);
    emit.count('snapshots');
    current = null;
    keys = new Set();
    table = 'none';
  };

  const open = (lineNo: number): PagetypeinfoSnapshot => {
    if (!current) {
      current = {
        index: index++,
        time: null,
        timeAssumed: false,
        line: lineNo,
        pageBlockOrder: null,
        pagesPerBlock: null,
        free: [],
        blocks: [],
        partial: false,
      };
    }
    return current;
  };

  const headerValue = (text: string): number | null => {
    const colon = text.indexOf(':');
    return colon < 0 ? null : parseUInt(text.slice(colon + 1).trim());
  };

  return {
    line(text, lineNo, emit) {
      const trimmed = text.trim();
      if (trimmed.startsWith('Page block order:')) {
        const v = headerValue(trimmed);
        if (current && (rows(current) > 0 || current.pageBlockOrder !== null)) flush(emit, false);
        if (v === null) {
          emit.diagnostic('unrecognized-line', 'unreadable page block order', { excerpt: text });
          return;
        }
        open(lineNo).pageBlockOrder = v;
        return;
      }
      if (trimmed.startsWith('Pages per block:')) {
        const v = headerValue(trimmed);
        if (v === null) {
          emit.diagnostic('unrecognized-line', 'unreadable pages per block', { excerpt: text });
          return;
        }
        open(lineNo).pagesPerBlock = v;
        return;
      }
      if (trimmed.startsWith('Free pages count per migrate type')) {
        const f = fields(trimmed);
        const at = f.indexOf('order');
        headerOrders = at < 0 ? 0 : f.length - at - 1;
        table = 'free';
        emit.skip('header');
        return;
      }
      if (trimmed.startsWith('Number of blocks type') || trimmed.startsWith('Number of mixed blocks')) {
        const mixed = trimmed.startsWith('Number of mixed blocks');
        const f = fields(trimmed);
        columns = f.slice(mixed ? 4 : 4);
        table = mixed ? 'mixed' : 'blocks';
        emit.skip('header');
        return;
      }
      const zl = parseZoneLine(text);
      if (zl) {
        if (zl.type !== undefined) {
          const key = `${zl.node}/${zl.zone}/${zl.type}`;
          if (keys.has(key)) flush(emit, false);
          const snap = open(lineNo);
          keys.add(key);
          table = 'free';
          const freeBlocks: number[] = [];
          const capped: number[] = [];
          for (let o = 0; o < zl.values.length; o++) {
            let v = zl.values[o];
            if (v.startsWith('>')) {
              v = v.slice(1);
              capped.push(o);
            }
            const n = parseUInt(v);
            if (n === null) {
              snap.partial = true;
              emit.diagnostic('unrecognized-line', `'${zl.values[o].slice(0, 20)}' is not a free block count`, { excerpt: text });
              return;
            }
            freeBlocks.push(n);
          }
          if (capped.length > 0) {
            emit.count('cappedCounts', capped.length);
            if (!warnedCap) {
              warnedCap = true;
              emit.diagnostic('pagetypeinfo-capped-count', `a free list count is printed as '>${freeBlocks[capped[0]]}': a lower bound`, {
                excerpt: text,
              });
            }
          }
          if (headerOrders > 0 && freeBlocks.length < headerOrders) {
            snap.partial = true;
            emit.diagnostic('snapshot-partial', `free row has ${freeBlocks.length} of ${headerOrders} orders (cut short)`, { excerpt: text });
          }
          snap.free.push({ node: zl.node, zone: zl.zone, type: zl.type, freeBlocks, capped });
          return;
        }
        if (table === 'blocks' || table === 'mixed') {
          const snap = open(lineNo);
          const counts: Record<string, number> = {};
          for (let i = 0; i < zl.values.length; i++) {
            const n = parseUInt(zl.values[i]);
            if (n === null) {
              snap.partial = true;
              emit.diagnostic('unrecognized-line', `'${zl.values[i].slice(0, 20)}' is not a pageblock count`, { excerpt: text });
              return;
            }
            counts[columns[i] ?? `column${i}`] = n;
          }
          if (zl.values.length < columns.length) {
            snap.partial = true;
            emit.diagnostic('snapshot-partial', `block row has ${zl.values.length} of ${columns.length} columns (cut short)`, { excerpt: text });
          }
          const row = { node: zl.node, zone: zl.zone, counts };
          if (table === 'blocks') snap.blocks.push(row);
          else (snap.mixedBlocks ??= []).push(row);
          return;
        }
        emit.diagnostic('unrecognized-line', 'zone line outside the free-pages matrix and the block tables', { excerpt: text });
        return;
      }
      if (handleFramingLine(text, emit, clock, index, () => flush(emit, false))) return;
      if (isShellLine(text)) {
        emit.diagnostic('foreign-line', 'shell prompt or command line in the capture; skipped', { excerpt: text });
        emit.skip('foreign');
        return;
      }
      emit.diagnostic('unrecognized-line', 'not a pagetypeinfo line, separator or timestamp', { excerpt: text });
    },
    end(emit) {
      flush(emit, true);
    },
  };
}

export const pagetypeinfoParser: ParserDefinition<PagetypeinfoSnapshot, PagetypeinfoOptions> = {
  format: 'pagetypeinfo',
  title: '/proc/pagetypeinfo: free blocks per order and migrate type, and pageblocks per type',
  producedBy: 'cat /proc/pagetypeinfo (root; in a loop, with date/epoch/=== lines between dumps)',
  recordSchema: PagetypeinfoSnapshotSchema,
  sniff(head) {
    let hits = 0;
    if (head.includes('Page block order:')) hits++;
    if (head.includes('Pages per block:')) hits++;
    if (head.includes('Free pages count per migrate type')) hits++;
    if (head.includes('Number of blocks type')) hits++;
    if (headZoneLines(head).some((r) => r.type !== undefined)) hits++;
    if (hits === 0) return { score: 0, reason: 'no pagetypeinfo headers' };
    return { score: Math.min(0.99, 0.7 + 0.07 * hits), reason: `${hits} pagetypeinfo markers (page block header, migrate type rows)` };
  },
  createCore,
};

export const { parse: parsePagetypeinfo, parseAsync: parsePagetypeinfoAsync } = frontEnds(pagetypeinfoParser);

/**
 * Sums a pagetypeinfo snapshot's free-pages matrix over migrate types into the shared zone model
 * (`{ node, zone, freeBlocks }`). Capped counts make the sum a lower bound: `capped` says so.
 * @example
 * const zones = pagetypeinfoZones(parsePagetypeinfo(text).records[0]);
 */
export function pagetypeinfoZones(snapshot: PagetypeinfoSnapshot): Array<{ node: number; zone: string; freeBlocks: number[]; capped: boolean }> {
  const out = new Map<string, { node: number; zone: string; freeBlocks: number[]; capped: boolean }>();
  for (const r of snapshot.free) {
    const k = `${r.node}/${r.zone}`;
    let z = out.get(k);
    if (!z) {
      z = { node: r.node, zone: r.zone, freeBlocks: [], capped: false };
      out.set(k, z);
    }
    for (let o = 0; o < r.freeBlocks.length; o++) z.freeBlocks[o] = (z.freeBlocks[o] ?? 0) + r.freeBlocks[o];
    if (r.capped.length > 0) z.capped = true;
  }
  return [...out.values()];
}

/**
 * A pagetypeinfo series as buddyinfo snapshots (free lists summed over migrate types), for when
 * buddyinfo was not captured. Snapshots with capped counts hold lower bounds; `capped` says which.
 * @example
 * const buddy = pagetypeinfoAsBuddyinfo(parsePagetypeinfo(text).records);
 */
export function pagetypeinfoAsBuddyinfo(snapshots: readonly PagetypeinfoSnapshot[]): {
  snapshots: Array<{ index: number; time: number | null; timeAssumed: boolean; line: number; zones: Array<{ node: number; zone: string; freeBlocks: number[] }>; partial: boolean }>;
  capped: number;
} {
  let capped = 0;
  const out = snapshots.map((s) => {
    const zones = pagetypeinfoZones(s);
    if (zones.some((z) => z.capped)) capped++;
    return {
      index: s.index,
      time: s.time,
      timeAssumed: s.timeAssumed,
      line: s.line,
      zones: zones.map((z) => ({ node: z.node, zone: z.zone, freeBlocks: z.freeBlocks })),
      partial: s.partial,
    };
  });
  return { snapshots: out, capped };
}
