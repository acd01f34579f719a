import { z } from 'zod';
import { classifyFramingLine } from '../../core/framing.js';
import type { TimeSeries } from '../../core/models.js';
import { frontEnds, type Emit, type ParserCore, type ParserDefinition } from '../../core/parser.js';
import { fields, normHex, parseUInt } from '../../core/text.js';
import { SeriesClock, SeriesTimeOptionsSchema, snapshotSeries } from '../series-time.js';

/**
 * `pmap -x PID` (procps 3.2 and procps-ng 3.3/4.x), one or many snapshots (with `date`/epoch/`===`
 * lines between them, or nothing: each `PID:   command` line starts a snapshot). Also reads plain
 * `pmap PID` (`564K r-x--  nginx` rows, ` total    72880K` footer) and the `pmap -d` footer
 * (`mapped: 72880K    writeable/private: 21000K    shared: 4K`).
 * Quirks handled: indented dumps, trailing padding after the command, `Mode   Mapping` with 2 or 3
 * spaces, `-` for unknown RSS/Dirty, 8- or 16-digit addresses, `[ anon ]` names with spaces,
 * dashed separator with or without a trailing space, `total kB` footer.
 */
export const PmapMappingSchema = z.object({
  /** Start address, lowercase hex without leading zeros. */
  address: z.string(),
  kbytes: z.number().nonnegative(),
  rssKb: z.number().nonnegative().nullable(),
  dirtyKb: z.number().nonnegative().nullable(),
  mode: z.string(),
  /** `libc.so.6`, `[ anon ]`, `[ stack ]`, `zero (deleted)`; empty when pmap printed none. */
  mapping: z.string(),
});
export type PmapMapping = z.infer<typeof PmapMappingSchema>;

export const PmapSnapshotSchema = z.object({
  index: z.number().int().nonnegative(),
  time: z.number().nullable(),
  timeAssumed: z.boolean(),
  /** 1-based line of the `PID:   command` line (or of the first row when it is missing). */
  line: z.number().int().positive(),
  pid: z.number().int().nullable(),
  /** The command as printed, trailing padding removed. */
  command: z.string().nullable(),
  /** `x` for pmap -x, `plain` for pmap, `d` for the pmap -d footer. */
  layout: z.enum(['x', 'plain', 'd']),
  /** Footer totals (kB); null when the footer did not print that column or was missing. */
  totalKb: z.number().nullable(),
  rssKb: z.number().nullable(),
  dirtyKb: z.number().nullable(),
  /** Sums over the mappings (kB), for checking the footer and for cut snapshots. */
  mappingsKb: z.number(),
  /** RSS of anonymous mappings (`[ anon ]`, `[ heap ]`, `[ stack ]`), where heap leaks show. */
  anonRssKb: z.number().nullable(),
  mappingCount: z.number().int().nonnegative(),
  /** Every mapping row, in order (empty when the `keepMappings` option is false). */
  mappings: z.array(PmapMappingSchema),
  /** The snapshot has no footer (the capture was cut). */
  partial: z.boolean(),
});
export type PmapSnapshot = z.infer<typeof PmapSnapshotSchema>;

export const PmapOptionsSchema = SeriesTimeOptionsSchema.extend({
  /** Keep every mapping row in the records (default true; false for long series). */
  keepMappings: z.boolean().optional(),
});
export type PmapOptions = z.infer<typeof PmapOptionsSchema>;

function isHexAddress(s: string): boolean {
  return s.length >= 8 && s.length <= 16 && normHex(s) !== null && !s.startsWith('0x');
}

/** `564`, `564K`, `-` (unknown) → kB; undefined when not a size. */
function sizeKb(s: string): number | null | undefined {
  if (s === '-') return null;
  const t = s.endsWith('K') || s.endsWith('k') ? s.slice(0, -1) : s;
  const v = parseUInt(t);
  return v === null ? undefined : v;
}

function isMode(s: string): boolean {
  if (s.length < 4 || s.length > 6) return false;
  for (let i = 0; i < s.length; i++) if ('rwxsp-R'.indexOf(s[i]) < 0) return false;
  return true;
}

const ANON_NAMES = new Set(['[ anon ]', '[ heap ]', '[ stack ]', '[anon]', '[heap]', '[stack]']);

function createCore(options: Partial<PmapOptions>): ParserCore<PmapSnapshot> {
  const clock = new SeriesClock(options);
  const keep = options.keepMappings !== false;
  let current: PmapSnapshot | null = null;
  let index = 0;
  /** Column names between Address and Mode in the last `Address ...` header (pmap -x). */
  let numericCols: string[] = ['Kbytes', 'RSS', 'Dirty'];

  /** The last timestamp line: it stamps every process dumped after it (`pmap -x PID1 PID2`). */
  let groupTime: number | null = null;

  const open = (lineNo: number, pid: number | null, command: string | null): PmapSnapshot => {
    if (groupTime !== null) clock.stamp(groupTime, index);
    current = {
      index: index++,
      time: null,
      timeAssumed: false,
      line: lineNo,
      pid,
      command,
      layout: 'plain',
      totalKb: null,
      rssKb: null,
      dirtyKb: null,
      mappingsKb: 0,
      anonRssKb: null,
      mappingCount: 0,
      mappings: [],
      partial: false,
    };
    return current;
  };

  const finish = (emit: Emit<PmapSnapshot>, complete: boolean): void => {
    const s = current;
    if (!s) return;
    current = null;
    if (!complete) {
      s.partial = true;
      emit.diagnostic('snapshot-partial', `pmap snapshot ${s.index} has no total line (capture cut short)`, { line: s.line });
    }
    clock.timeSnapshot(s, emit as Emit<unknown>);
        emit.record(s);
    emit.count('snapshots');
  };

  return {
    line(text, lineNo, emit) {
      const f = fields(text);
      if (f.length === 0) {
        emit.skip('blank');
        return;
      }
      // `17364:   ./vm 2500` starts a snapshot.
      const first = f[0];
      if (first.endsWith(':') && first.length > 1) {
        const pid = parseUInt(first.slice(0, -1));
        if (pid !== null) {
          if (current) finish(emit, false);
          const t = text.trim();
          open(lineNo, pid, t.slice(t.indexOf(':') + 1).trim() || null);
          emit.count('processes');
          return;
        }
      }
      if (first === 'Address') {
        const mode = f.indexOf('Mode');
        if (mode > 1) numericCols = f.slice(1, mode);
        if (current) current.layout = 'x';
        emit.skip('header');
        return;
      }
      // Mapping row: address, sizes, mode, mapping name (may hold spaces).
      if (isHexAddress(first) && f.length >= 3) {
        const s = current ?? open(lineNo, null, null);
        let i = 1;
        const nums: (number | null)[] = [];
        while (i < f.length && !isMode(f[i])) {
          const v = sizeKb(f[i]);
          if (v === undefined) break;
          nums.push(v);
          i++;
        }
        // pmap -d prints `Offset` (hex) before Mode and `Device` after it: read Kbytes only.
        if (i >= f.length || !isMode(f[i]) || nums.length === 0 || nums[0] === null) {
          emit.diagnostic('unrecognized-line', 'pmap mapping row without sizes and mode', { excerpt: text });
          return;
        }
        const kbytes = nums[0];
        const col = (name: string): number | null => {
          const k = numericCols.indexOf(name);
          return k >= 0 && k < nums.length ? nums[k] : null;
        };
        const rssKb = nums.length > 1 ? col('RSS') : null;
        const dirtyKb = nums.length > 1 ? col('Dirty') : null;
        if (nums.length > 1) s.layout = 'x';
        // The name starts after the mode field: keep its inner spaces (`[ anon ]`).
        const t = text.trimEnd();
        let pos = 0;
        for (let k = 0; k <= i; k++) {
          pos = t.indexOf(f[k], pos) + f[k].length;
        }
        let mapping = t.slice(pos).trim();
        // pmap -d: `Offset Device` between the mode and the name.
        const g = fields(mapping);
        if (g.length >= 2 && normHex(g[0]) !== null && g[0].length >= 8 && g[1].includes(':')) {
          mapping = mapping.slice(mapping.indexOf(g[1]) + g[1].length).trim();
        }
        s.mappingCount++;
        s.mappingsKb += kbytes;
        if (ANON_NAMES.has(mapping) && rssKb !== null) s.anonRssKb = (s.anonRssKb ?? 0) + rssKb;
        if (keep) s.mappings.push({ address: normHex(first)!, kbytes, rssKb, dirtyKb, mode: f[i], mapping });
        return;
      }
      // Dashed separator above the total (`---------------- ------- ------- ------- `).
      if (first.startsWith('----') && f.every((x) => x.replaceAll('-', '') === '') && current) {
        emit.skip('table-separator');
        return;
      }
      if (first === 'total') {
        const s = current ?? open(lineNo, null, null);
        // `total kB   2562688 2561584 2560096` (pmap -x) or ` total    72880K` (pmap).
        const rest = f[1] === 'kB' ? f.slice(2) : f.slice(1);
        const vals = rest.map(sizeKb);
        if (vals.length === 0 || vals.some((v) => v === undefined)) {
          emit.diagnostic('unrecognized-line', 'pmap total line without numbers', { excerpt: text });
          return;
        }
        const col = (name: string): number | null => {
          const k = numericCols.indexOf(name);
          return k >= 0 && k < vals.length ? (vals[k] as number | null) : null;
        };
        s.totalKb = vals[0] as number | null;
        if (vals.length > 1) {
          s.layout = 'x';
          s.rssKb = col('RSS');
          s.dirtyKb = col('Dirty');
        }
        finish(emit, true);
        return;
      }
      if (first === 'mapped:') {
        const s = current ?? open(lineNo, null, null);
        s.layout = 'd';
        const v = sizeKb(f[1] ?? '');
        if (v === undefined) {
          emit.diagnostic('unrecognized-line', 'pmap -d footer without a size', { excerpt: text });
          return;
        }
        s.totalKb = v;
        finish(emit, true);
        return;
      }
      const framing = classifyFramingLine(text);
      if (framing) {
        if (framing.kind === 'timestamp') {
          if (current) finish(emit, false);
          groupTime = framing.time;
          emit.skip('timestamp');
        } else {
          if (framing.kind === 'separator' && current) finish(emit, false);
          emit.skip(framing.kind);
        }
        return;
      }
      emit.diagnostic('unrecognized-line', 'not a pmap header, mapping, total, separator or timestamp', { excerpt: text });
    },
    end(emit) {
      if (current) finish(emit, false);
    },
  };
}

export const pmapParser: ParserDefinition<PmapSnapshot, PmapOptions> = {
  format: 'pmap',
  title: 'pmap -x process mappings, one snapshot or a series',
  producedBy: 'pmap -x PID (in a loop, with date/epoch lines between snapshots)',
  recordSchema: PmapSnapshotSchema,
  sniff(head) {
    let hits = 0;
    if (head.includes('Address') && head.includes('Kbytes') && head.includes('Mode')) hits += 2;
    if (head.includes('total kB') || head.includes(' total ')) hits++;
    if (head.includes('[ anon ]') || head.includes('[ stack ]')) hits++;
    if (hits >= 2) return { score: 0.55 + 0.1 * hits, reason: 'pmap header, footer or [ anon ] mappings' };
    return { score: 0, reason: 'no pmap header' };
  },
  createCore,
};

export const { parse: parsePmap, parseAsync: parsePmapAsync } = frontEnds(pmapParser);

/**
 * Series (kB) from pmap snapshots, cut snapshots left out: `pmap total` (mapped), `pmap rss`,
 * `pmap dirty` and `pmap anon rss` (anonymous mappings only), each when the snapshots have it.
 * With several processes in one file the names carry `pid=N`.
 * @example
 * const rss = pmapSeries(parsePmap(text).records).find((s) => s.name === 'pmap rss');
 */
export function pmapSeries(snapshots: readonly PmapSnapshot[], source?: string): TimeSeries[] {
  return snapshotSeries(
    snapshots,
    () => [
      ['pmap total', (s) => s.totalKb],
      ['pmap rss', (s) => s.rssKb],
      ['pmap dirty', (s) => s.dirtyKb],
      ['pmap anon rss', (s) => s.anonRssKb],
    ],
    source,
  );
}
