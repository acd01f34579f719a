import { z } from 'zod';
import { frontEnds, type Emit, type ParserCore, type ParserDefinition } from '../../core/parser.js';
import { SeriesClock, SeriesTimeOptionsSchema, handleFramingLine } from '../series-time.js';

/**
 * /proc/zoneinfo (mm/vmstat.c zoneinfo_show_print), one dump or a series with epoch/=== lines:
 * per zone `Node N, zone NAME`, the node's `per-node stats` (printed under the node's first
 * zone), `pages free`, the watermarks `min` / `low` / `high` (and `boost`, `promo` on newer
 * kernels), `spanned` / `present` / `managed`, `protection: (...)`, the zone's `nr_*` counters,
 * the per-CPU `pagesets` (skipped: the totals count them), `node_unreclaimable`, `start_pfn`.
 * Values are pages.
 */

export const ZoneinfoZoneSchema = z.object({
  node: z.number().int().nonnegative(),
  zone: z.string(),
  /** 1-based line of the `Node N, zone X` header. */
  line: z.number().int().positive(),
  /** `pages free`, the watermarks and sizes, in pages, as printed (missing ones absent). */
  pages: z.record(z.string(), z.number()),
  /** `protection: (0, 3018, ...)`: lowmem_reserve against each higher zone, pages. */
  protection: z.array(z.number()),
  /** The zone's counters (nr_free_pages, nr_zone_active_anon, numa_hit, ...). */
  counters: z.record(z.string(), z.number()),
  /** The node's counters (`per-node stats`), on the node's first zone only. */
  nodeStats: z.record(z.string(), z.number()),
  nodeUnreclaimable: z.number().nullable(),
  startPfn: z.number().nullable(),
});
export type ZoneinfoZone = z.infer<typeof ZoneinfoZoneSchema>;

export const ZoneinfoSnapshotSchema = z.object({
  index: z.number().int().nonnegative(),
  time: z.number().nullable(),
  timeAssumed: z.boolean(),
  line: z.number().int().positive(),
  partial: z.boolean(),
  zones: z.array(ZoneinfoZoneSchema),
});
export type ZoneinfoSnapshot = z.infer<typeof ZoneinfoSnapshotSchema>;

export const ZoneinfoOptionsSchema = SeriesTimeOptionsSchema;
export type ZoneinfoOptions = z.infer<typeof ZoneinfoOptionsSchema>;

/** The `pages` keys: watermarks and sizes printed under `pages free`. */
const PAGE_KEYS = new Set(['free', 'boost', 'min', 'low', 'high', 'promo', 'scanned', 'spanned', 'present', 'managed', 'cma']);
/** Per-CPU pageset lines: the zone's totals already count them. */
const PER_CPU_KEYS = new Set(['cpu:', 'count:', 'high:', 'batch:', 'high_min:', 'high_max:', 'vm']);

function header(s: string): { node: number; zone: string } | null {
  if (!s.startsWith('Node ')) return null;
  const comma = s.indexOf(',');
  if (comma < 0) return null;
  const node = Number(s.slice(5, comma).trim());
  const rest = s.slice(comma + 1).trim();
  if (!Number.isInteger(node) || node < 0 || !rest.startsWith('zone')) return null;
  const zone = rest.slice(4).trim();
  return zone.length > 0 && !zone.includes(' ') ? { node, zone } : null;
}

function keyValue(s: string): { key: string; value: number } | null {
  const parts = s.split(' ').filter((p) => p.length > 0);
  if (parts.length !== 2) return null;
  const key = parts[0].endsWith(':') ? parts[0].slice(0, -1) : parts[0];
  const v = Number(parts[1]);
  if (!Number.isFinite(v) || key.length === 0 || key.length > 64) return null;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95)) return null;
  }
  return { key, value: v };
}

function createCore(options: Partial<ZoneinfoOptions>): ParserCore<ZoneinfoSnapshot> {
  const clock = new SeriesClock(options);
  let current: ZoneinfoSnapshot | null = null;
  let zone: ZoneinfoZone | null = null;
  let index = 0;
  let mode: 'node' | 'zone' | 'pagesets' = 'zone';
  let zonesPerSnapshot = 0;
  const flush = (emit: Emit<ZoneinfoSnapshot>, atEnd: boolean): void => {
    if (!current) return;
    if (atEnd && zonesPerSnapshot > 0 && current.zones.length < zonesPerSnapshot) {
      current.partial = true;
      emit.diagnostic('snapshot-partial', `last zoneinfo dump has ${current.zones.length} of ${zonesPerSnapshot} zones (capture cut short)`, { line: current.line });
    }
    zonesPerSnapshot = Math.max(zonesPerSnapshot, current.zones.length);
    clock.timeSnapshot(current, emit);
    emit.record(current);
    emit.count('snapshots');
    current = null;
    zone = null;
  };
  return {
    line(text, lineNo, emit) {
      const s = text.trim();
      const h = header(s);
      if (h) {
        // The first zone of node 0 again: the next dump (when no separator came between).
        if (current && current.zones.some((z0) => z0.node === h.node && z0.zone === h.zone)) flush(emit, false);
        current ??= { index: index++, time: null, timeAssumed: false, line: lineNo, partial: false, zones: [] };
        zone = { node: h.node, zone: h.zone, line: lineNo, pages: {}, protection: [], counters: {}, nodeStats: {}, nodeUnreclaimable: null, startPfn: null };
        current.zones.push(zone);
        mode = 'zone';
        return;
      }
      if (handleFramingLine(text, emit, clock, index, () => flush(emit, false))) return;
      if (!zone) {
        emit.diagnostic('unrecognized-line', 'a zoneinfo line before any `Node N, zone X` header', { excerpt: text });
        return;
      }
      if (s === 'per-node stats') {
        mode = 'node';
        emit.skip('header');
        return;
      }
      if (s === 'pagesets') {
        mode = 'pagesets';
        emit.skip('header');
        return;
      }
      if (s.startsWith('pages free')) {
        const v = Number(s.slice('pages free'.length).trim());
        if (!Number.isFinite(v)) {
          emit.diagnostic('unrecognized-line', 'a `pages free` line without a number', { excerpt: text });
          return;
        }
        zone.pages.free = v;
        mode = 'zone';
        return;
      }
      if (s.startsWith('protection:')) {
        const inner = s.slice(s.indexOf('(') + 1, s.lastIndexOf(')'));
        const values = inner.split(',').map((x) => Number(x.trim()));
        if (values.some((x) => !Number.isFinite(x))) {
          emit.diagnostic('unrecognized-line', 'a protection line that is not a list of numbers', { excerpt: text });
          return;
        }
        zone.protection = values;
        return;
      }
      const kv = keyValue(s);
      if (mode === 'pagesets' || (kv === null && PER_CPU_KEYS.has(s.split(' ')[0]))) {
        if (kv?.key === 'node_unreclaimable') zone.nodeUnreclaimable = kv.value;
        else if (kv?.key === 'start_pfn') zone.startPfn = kv.value;
        else {
          emit.skip('per-cpu');
          return;
        }
        mode = 'zone';
        return;
      }
      if (!kv) {
        emit.diagnostic('unrecognized-line', 'not a zoneinfo header, counter, watermark or pageset line', { excerpt: text });
        return;
      }
      if (kv.key === 'node_unreclaimable') zone.nodeUnreclaimable = kv.value;
      else if (kv.key === 'start_pfn') zone.startPfn = kv.value;
      else if (mode === 'node') zone.nodeStats[kv.key] = kv.value;
      else if (PAGE_KEYS.has(kv.key) && !(kv.key in zone.pages)) zone.pages[kv.key] = kv.value;
      else zone.counters[kv.key] = kv.value;
    },
    end(emit) {
      flush(emit, true);
    },
  };
}

export const zoneinfoParser: ParserDefinition<ZoneinfoSnapshot, ZoneinfoOptions> = {
  format: 'zoneinfo',
  title: '/proc/zoneinfo: per-zone free pages, watermarks (min/low/high), managed pages and counters, one dump or a series',
  producedBy: 'cat /proc/zoneinfo (in a loop, with date/epoch/=== lines between dumps)',
  recordSchema: ZoneinfoSnapshotSchema,
  sniff(head) {
    let headers = 0;
    let marks = 0;
    for (const line of head.split('\n', 400)) {
      const s = line.trim();
      if (header(s)) headers++;
      if (s.startsWith('pages free') || s === 'per-node stats' || s.startsWith('protection: (')) marks++;
    }
    if (headers >= 1 && marks >= 1) return { score: 0.95, reason: `${headers} "Node N, zone X" headers with pages free / protection lines` };
    return { score: 0, reason: 'no zoneinfo zone blocks' };
  },
  createCore,
};

export const { parse: parseZoneinfo, parseAsync: parseZoneinfoAsync } = frontEnds(zoneinfoParser);
