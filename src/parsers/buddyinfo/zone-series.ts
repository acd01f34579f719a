import type { DiagnosticCode } from '../../core/diagnostic-codes.js';
import type { Emit, ParserCore } from '../../core/parser.js';
import { fields, parseUInt } from '../../core/text.js';
import { SeriesClock, type SeriesTimeOptions, handleFramingLine } from '../series-time.js';

/**
 * Shared machinery of the per-zone /proc and debugfs tables (buddyinfo, extfrag/unusable_index,
 * extfrag/extfrag_index): every data line is `Node N, zone NAME v0 v1 ... vK` (one value per
 * order, any number of orders), snapshots are framed by the usual separator/epoch/date lines or
 * by a repeated (node, zone) key.
 */

/** A `Node N, zone NAME[, type TYPE]` line split into its key and its value fields. */
export interface ZoneLine {
  node: number;
  zone: string;
  /** Only in pagetypeinfo's free-pages matrix. */
  type?: string;
  values: string[];
}

/**
 * Splits `Node 0, zone   Normal   8164 ...` (and pagetypeinfo's `Node    0, zone      DMA, type
 * Unmovable ...`) with fields(): no regex, linear, trailing spaces ignored.
 * @example parseZoneLine('Node 0, zone   Normal 1 2 ') // { node: 0, zone: 'Normal', values: ['1', '2'] }
 */
export function parseZoneLine(text: string): ZoneLine | null {
  const f = fields(text);
  if (f.length < 4 || f[0] !== 'Node') return null;
  let i = 1;
  let nodeText = f[1];
  // `Node 0 , zone` (a comma in its own field) is tolerated.
  if (f[2] === ',') {
    i = 2;
  } else if (nodeText.endsWith(',')) {
    nodeText = nodeText.slice(0, -1);
  } else return null;
  const node = parseUInt(nodeText);
  if (node === null) return null;
  if (f[i + 1] !== 'zone' || f.length < i + 3) return null;
  let zone = f[i + 2];
  let next = i + 3;
  if (zone.endsWith(',')) {
    zone = zone.slice(0, -1);
    if (f[next] !== 'type' || f.length < next + 2) return null;
    return { node, zone, type: f[next + 1], values: f.slice(next + 2) };
  }
  if (zone.length === 0) return null;
  return { node, zone, values: f.slice(next) };
}

/** What every per-zone snapshot record carries. */
export interface ZoneSnapshotBase<Z> {
  index: number;
  time: number | null;
  timeAssumed: boolean;
  line: number;
  zones: Z[];
  partial: boolean;
}

export type RowParse<Z> = { ok: true; zone: Z; orders: number } | { ok: false; code: DiagnosticCode; message: string };

/**
 * A push core for a series of per-zone tables. `parseRow` turns one zone line into the zone
 * record (or a diagnostic); everything else (framing, time, partial snapshots) is shared.
 */
export function createZoneSeriesCore<Z extends { node: number; zone: string }>(
  options: Partial<SeriesTimeOptions>,
  what: string,
  parseRow: (line: ZoneLine, emit: Emit<ZoneSnapshotBase<Z>>) => RowParse<Z>,
  onOtherLine?: (text: string, emit: Emit<ZoneSnapshotBase<Z>>) => boolean,
): ParserCore<ZoneSnapshotBase<Z>> {
  const clock = new SeriesClock(options);
  let current: ZoneSnapshotBase<Z> | null = null;
  let keys = new Set<string>();
  let index = 0;
  let maxZones = 0;
  let maxOrders = 0;

  const flush = (emit: Emit<ZoneSnapshotBase<Z>>, atEnd: boolean): void => {
    if (!current) return;
    const n = current.zones.length;
    if (atEnd && maxZones > 0 && n < maxZones && !current.partial) {
      current.partial = true;
      emit.diagnostic('snapshot-partial', `last ${what} snapshot has ${n} of ${maxZones} zones (capture cut short)`, {
        line: current.line,
      });
    }
    maxZones = Math.max(maxZones, n);
    clock.timeSnapshot(current, emit as Emit<unknown>);
        emit.record(current);
    emit.count('snapshots');
    if (current.partial) emit.count('partialSnapshots');
    current = null;
    keys = new Set();
  };

  const open = (lineNo: number): ZoneSnapshotBase<Z> => {
    if (!current) {
      current = { index: index++, time: null, timeAssumed: false, line: lineNo, zones: [], partial: false };
    }
    return current;
  };

  return {
    line(text, lineNo, emit) {
      const zl = parseZoneLine(text);
      if (zl && zl.type === undefined) {
        const key = `${zl.node}/${zl.zone}`;
        if (keys.has(key)) flush(emit, false);
        const snap = open(lineNo);
        keys.add(key);
        const r = parseRow(zl, emit);
        if (!r.ok) {
          snap.partial = true;
          emit.diagnostic(r.code, r.message, { excerpt: text });
          return;
        }
        if (r.orders < maxOrders) {
          snap.partial = true;
          emit.diagnostic('snapshot-partial', `zone line has ${r.orders} of ${maxOrders} order columns (cut short)`, {
            excerpt: text,
          });
        }
        maxOrders = Math.max(maxOrders, r.orders);
        snap.zones.push(r.zone);
        return;
      }
      if (handleFramingLine(text, emit, clock, index, () => flush(emit, false))) return;
      if (onOtherLine?.(text, emit)) return;
      if (isShellLine(text)) {
        emit.diagnostic('foreign-line', 'shell prompt or command line in the capture; skipped', { excerpt: text });
        emit.skip('foreign');
        return;
      }
      emit.diagnostic('unrecognized-line', `not a ${what} zone line, separator or timestamp`, { excerpt: text });
    },
    end(emit) {
      flush(emit, true);
    },
  };
}

/** The zone lines among the first lines of a head (for sniffing). */
export function headZoneLines(head: string, max = 40): ZoneLine[] {
  const out: ZoneLine[] = [];
  let start = 0;
  while (start < head.length && out.length < max) {
    let end = head.indexOf('\n', start);
    if (end < 0) end = head.length;
    const zl = parseZoneLine(head.slice(start, end));
    if (zl) out.push(zl);
    start = end + 1;
  }
  return out;
}

/**
 * A shell prompt or the capture command pasted with the output (`$ cat /proc/buddyinfo`,
 * `# cat /sys/kernel/debug/extfrag/unusable_index`, `root@host:~# cat ...`).
 * @example isShellLine('$ cat /proc/buddyinfo') // true
 */
export function isShellLine(text: string): boolean {
  const s = text.trim();
  if (s.startsWith('$ ') || s.startsWith('# ')) return true;
  const cat = s.indexOf('cat /');
  return cat >= 0 && cat < 80 && (s.includes('/proc/') || s.includes('/sys/'));
}
