import { z } from 'zod';
// fast-csv's row parser, imported from its inner modules: @fast-csv/parse's package entry pulls
// in node:fs and node:stream (CsvParserStream), but Parser and ParserOptions import only each
// other and plain JS (no Node built-ins), so the core stays browser-safe.
import { Parser } from '@fast-csv/parse/build/src/parser/Parser.js';
import { ParserOptions } from '@fast-csv/parse/build/src/ParserOptions.js';
import { parseTimeValue } from '../../core/framing.js';
import type { TimeSeries } from '../../core/models.js';
import { frontEnds, type Emit, type ParserCore, type ParserDefinition, type SniffContext } from '../../core/parser.js';
import { parseNum } from '../../core/text.js';
import { SeriesClock, SeriesTimeOptionsSchema } from '../series-time.js';
import { DayRollover, parseTimeOfDay } from '../rss/time-of-day.js';
import { isTimeName, splitUnit, timeFormatOf, type TimeFormat } from './header.js';

/**
 * Generic CSV (or `;`/tab separated) time series: a header row (or none), a time column as epoch
 * seconds, milliseconds, ISO 8601, `date` output or time of day, one or more numeric value columns
 * (units from the header: `used_kb`, `rss(MB)`, `mem_bytes`, or the `unit` option) and optional
 * text label columns (a process name: one series per label). Without a time column rows are placed
 * every `intervalSeconds` (diagnostic csv-no-time-column). Rows are split by fast-csv's own
 * row parser (quotes, doubled quotes, quoted newlines, CRLF).
 *
 * Records: one `header` record (the inferred columns) before the first `row`.
 */
export const CsvColumnSchema = z.object({
  name: z.string(),
  role: z.enum(['time', 'value', 'label']),
  /** Canonical unit (`B`, `kB`, `MB`, `GB`, `pages`, `%`, `s`, `ms`) or null when unknown. */
  unit: z.string().nullable(),
});
export type CsvColumn = z.infer<typeof CsvColumnSchema>;

export const CsvHeaderRecordSchema = z.object({
  kind: z.literal('header'),
  /** Line of the header row, or of the first data row when the file has no header. */
  line: z.number().int().positive(),
  hasHeaderRow: z.boolean(),
  delimiter: z.string(),
  columns: z.array(CsvColumnSchema),
  timeColumn: z.string().nullable(),
  timeFormat: z.enum(['epoch-s', 'epoch-ms', 'relative-s', 'relative-ms', 'clock-text', 'time-of-day']).nullable(),
});
export type CsvHeaderRecord = z.infer<typeof CsvHeaderRecordSchema>;

export const CsvRowRecordSchema = z.object({
  kind: z.literal('row'),
  index: z.number().int().nonnegative(),
  /** 1-based line where the row starts. */
  line: z.number().int().positive(),
  /** Seconds (epoch when the column held clock time); index x interval when assumed; null if neither. */
  time: z.number().nullable(),
  timeAssumed: z.boolean(),
  /** Value columns; null for an empty or unreadable cell. */
  values: z.record(z.string(), z.number().nullable()),
  labels: z.record(z.string(), z.string()).optional(),
});
export type CsvRowRecord = z.infer<typeof CsvRowRecordSchema>;

export const CsvRecordSchema = z.discriminatedUnion('kind', [CsvHeaderRecordSchema, CsvRowRecordSchema]);
export type CsvRecord = z.infer<typeof CsvRecordSchema>;

export const CsvOptionsSchema = SeriesTimeOptionsSchema.extend({
  /** `,` `;` or tab; detected from the first row when absent. */
  delimiter: z.string().length(1).optional(),
  /** Unit for value columns whose header names none. */
  unit: z.string().optional(),
  /** Per-column unit overrides, by header name. */
  units: z.record(z.string(), z.string()).optional(),
  /** The time column's name, when detection would pick another (or none). */
  timeColumn: z.string().optional(),
  /** Whether the first row is a header; detected (a row with no number and no time is a header). */
  header: z.boolean().optional(),
});
export type CsvOptions = z.infer<typeof CsvOptionsSchema>;

/**
 * A row (or pending quoted row) longer than this is not a time-series row. It also bounds the
 * cost of fast-csv's Scanner, which re-slices the rest of the line per token (quadratic per line).
 */
const MAX_ROW_CHARS = 16384;
/** Same reason: more cells than this in one row is not a time series (and costs cells x length). */
const MAX_CELLS = 1024;

function countChar(text: string, c: string): number {
  let n = 0;
  for (let i = text.indexOf(c); i >= 0; i = text.indexOf(c, i + 1)) n++;
  return n;
}

function detectDelimiter(line: string): string {
  let best = ',';
  let bestCount = 0;
  for (const d of [',', ';', '\t', '|']) {
    let n = 0;
    for (let i = 0; i < line.length; i++) if (line[i] === d) n++;
    if (n > bestCount) {
      best = d;
      bestCount = n;
    }
  }
  return best;
}

/** A numeric cell; `1,5` is read as 1.5 in `;`- or tab-separated files (decimal-comma locales). */
function cellNumber(cell: string, delimiter: string | undefined): number | null {
  const v = parseNum(cell);
  if (v !== null || delimiter === ',' || delimiter === undefined) return v;
  const k = cell.indexOf(',');
  return k > 0 && cell.indexOf(',', k + 1) < 0 ? parseNum(cell.replace(',', '.')) : null;
}

function looksLikeData(cell: string): boolean {
  return parseNum(cell) !== null || parseTimeValue(cell) !== null || parseTimeOfDay(cell) !== null;
}

function createCore(options: Partial<CsvOptions>): ParserCore<CsvRecord> {
  const clock = new SeriesClock(options);
  const rollover = new DayRollover();
  let parser: Parser | null = null;
  let delimiter = options.delimiter;
  let pending = '';
  let pendingLine = 0;
  let headerNames: string[] | null = null;
  let headerLine = 0;
  let header: CsvHeaderRecord | null = null;
  let timeIdx = -1;
  let index = 0;
  let warnedNoTime = false;

  const unitFor = (name: string): string | null => options.units?.[name] ?? splitUnit(name).unit ?? options.unit ?? null;

  /** Decides the columns from the header names (or none) and the first data row. */
  const infer = (cells: string[], lineNo: number, emit: Emit<CsvRecord>): CsvHeaderRecord => {
    const names = headerNames ?? cells.map((_, i) => `col${i + 1}`);
    let tIdx = -1;
    let format: TimeFormat | null = null;
    if (options.timeColumn !== undefined) tIdx = names.indexOf(options.timeColumn);
    if (tIdx < 0 && options.timeColumn === undefined) {
      tIdx = names.findIndex((n, i) => isTimeName(n) && timeFormatOf(n, cells[i] ?? '') !== null);
      if (tIdx < 0) tIdx = cells.findIndex((c, i) => i < names.length && timeFormatOf(headerNames ? names[i] : null, c) !== null && parseNum(c) === null);
      // An unnamed epoch is taken only in the first column: byte counts are large numbers too.
      if (tIdx < 0 && cells.length > 1) {
        const f = timeFormatOf(headerNames ? names[0] : null, cells[0] ?? '');
        if (f === 'epoch-s' || f === 'epoch-ms') tIdx = 0;
      }
    }
    if (tIdx >= 0) format = timeFormatOf(names[tIdx], cells[tIdx] ?? '') ?? (parseNum(cells[tIdx] ?? '') !== null ? 'relative-s' : null);
    if (format === null) tIdx = -1;
    const columns: CsvColumn[] = names.map((name, i) => {
      if (i === tIdx) return { name, role: 'time', unit: format === 'epoch-ms' || format === 'relative-ms' ? 'ms' : 's' };
      const c = cells[i] ?? '';
      const role = c === '' || cellNumber(c, delimiter) !== null ? 'value' : 'label';
      return { name, role, unit: role === 'value' ? unitFor(name) : null };
    });
    timeIdx = tIdx;
    const rec: CsvHeaderRecord = {
      kind: 'header',
      line: headerNames ? headerLine : lineNo,
      hasHeaderRow: headerNames !== null,
      delimiter: delimiter ?? ',',
      columns,
      timeColumn: tIdx >= 0 ? names[tIdx] : null,
      timeFormat: format,
    };
    if (tIdx < 0 && !options.timestamps) {
      warnedNoTime = true;
      emit.diagnostic('csv-no-time-column', 'no time column found: rows are indexed by the sampling interval option', {
        line: rec.line,
      });
    }
    emit.record(rec);
    return rec;
  };

  const timeOf = (cell: string, format: TimeFormat | null): number | null => {
    switch (format) {
      case 'epoch-s':
      case 'relative-s':
        return parseNum(cell);
      case 'epoch-ms':
      case 'relative-ms': {
        const n = parseNum(cell);
        return n === null ? null : n / 1000;
      }
      case 'clock-text':
        return parseTimeValue(cell);
      case 'time-of-day': {
        const t = parseTimeOfDay(cell);
        return t === null ? null : rollover.at(t);
      }
      default:
        return null;
    }
  };

  const row = (cells: string[], lineNo: number, emit: Emit<CsvRecord>): void => {
    if (cells.length === 1 && cells[0] === '') {
      emit.skip('blank');
      return;
    }
    if (!header) {
      const isHeader = options.header ?? (headerNames === null && !cells.some(looksLikeData));
      if (isHeader && headerNames === null) {
        headerNames = cells.map((c, i) => c || `col${i + 1}`);
        headerLine = lineNo;
        emit.skip('header');
        return;
      }
      header = infer(cells, lineNo, emit);
    } else if (headerNames && cells.length === headerNames.length && cells.every((c, i) => c === headerNames![i])) {
      emit.skip('repeated-header');
      return;
    }
    const cols = header.columns;
    if (cells.length !== cols.length) {
      emit.diagnostic('csv-column-mismatch', `row has ${cells.length} cells, the header ${cols.length}`, {
        line: lineNo,
        excerpt: cells.join(header.delimiter),
      });
    }
    const idx = index++;
    let rowTime: number | null = null;
    if (timeIdx >= 0) {
      const cell = cells[timeIdx] ?? '';
      rowTime = timeOf(cell, header.timeFormat);
      if (rowTime === null) {
        emit.diagnostic('csv-bad-value', `time cell '${cell.slice(0, 40)}' is not a ${header.timeFormat} time`, {
          line: lineNo,
          excerpt: cells.join(header.delimiter),
        });
        return;
      }
      clock.stamp(rowTime, idx);
    }
    const values: Record<string, number | null> = {};
    let labels: Record<string, string> | undefined;
    for (let i = 0; i < cols.length; i++) {
      const col = cols[i];
      if (col.role === 'time') continue;
      const cell = cells[i] ?? '';
      if (col.role === 'label') {
        (labels ??= {})[col.name] = cell;
        continue;
      }
      if (cell === '') {
        values[col.name] = null;
        emit.count('empty-cells');
        continue;
      }
      const v = cellNumber(cell, delimiter);
      if (v === null) {
        emit.diagnostic('csv-bad-value', `${col.name}: '${cell.slice(0, 40)}' is not a number`, {
          line: lineNo,
          excerpt: cells.join(header.delimiter),
        });
      }
      values[col.name] = v;
    }
    const { time, assumed } = clock.timeFor(idx, emit as Emit<unknown>);
    const rec: CsvRowRecord = { kind: 'row', index: idx, line: lineNo, time, timeAssumed: assumed, values };
    if (labels) rec.labels = labels;
    emit.record(rec);
  };

  return {
    line(text, lineNo, emit) {
      if (pending === '') {
        const t = text.trim();
        if (t.length === 0) {
          emit.skip('blank');
          return;
        }
        // `# comment` lines; a `# time,used_kb` line before any header is the header.
        if (t[0] === '#') {
          const inner = t.slice(1).trim();
          if (header || headerNames || !/[,;\t]/.test(inner)) {
            emit.skip('comment');
            return;
          }
          text = inner;
        }
      }
      if (!parser) {
        delimiter ??= detectDelimiter(text);
        parser = new Parser(new ParserOptions({ delimiter, trim: true }));
      }
      if (pending === '') pendingLine = lineNo;
      const chunk = `${pending}${text}\n`;
      if (chunk.length > MAX_ROW_CHARS || countChar(chunk, delimiter ?? ',') >= MAX_CELLS) {
        pending = '';
        emit.diagnostic('csv-bad-row', `row longer than ${MAX_ROW_CHARS} characters or ${MAX_CELLS} cells (unterminated quote?)`, {
          excerpt: text,
        });
        return;
      }
      let rows: string[][];
      try {
        const r = parser.parse(chunk, true);
        pending = r.line;
        rows = r.rows;
      } catch (e) {
        pending = '';
        emit.diagnostic('csv-bad-row', `the CSV reader rejected this row: ${String(e).slice(0, 80)}`, { excerpt: text });
        return;
      }
      if (pending !== '') return; // inside a quoted cell that spans lines
      if (rows.length === 0) {
        emit.skip('blank');
        return;
      }
      for (const cells of rows) row(cells, pendingLine, emit);
    },
    end(emit) {
      if (pending !== '') {
        emit.diagnostic('truncated-input', 'input ended inside a quoted CSV cell; the last row was dropped', {
          line: pendingLine,
          excerpt: pending,
        });
        pending = '';
      }
      if (!header && headerNames && !warnedNoTime) emit.count('header-only');
    },
  };
}

/** Splits a sniffed line on a delimiter, honouring simple double quotes. */
function splitCount(line: string, d: string): number {
  let n = 0;
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') q = !q;
    else if (c === d && !q) n++;
  }
  return n;
}

export const csvParser: ParserDefinition<CsvRecord, CsvOptions> = {
  format: 'csv',
  title: 'CSV time series (a time column and numeric value columns)',
  producedBy: 'any sampler writing timestamp,used_kb rows (sar -o, custom scripts, Prometheus exports)',
  recordSchema: CsvRecordSchema,
  sniff(head: string, context?: SniffContext) {
    const lines = head
      .split('\n', 21)
      .slice(0, 20)
      .map((l) => l.trim())
      .filter((l) => l.length > 0 && l[0] !== '#');
    if (lines.length > 2 && !head.endsWith('\n')) lines.pop();
    const byPath = /\.(csv|tsv)(\.gz)?$/i.test(context?.path ?? '');
    if (lines.length < 2) return { score: 0, reason: 'fewer than 2 rows' };
    const d = detectDelimiter(lines[0]);
    const n = splitCount(lines[0], d);
    if (n === 0 && !byPath) return { score: 0, reason: 'no delimiter' };
    if (!lines.every((l) => splitCount(l, d) === n)) return { score: byPath ? 0.3 : 0, reason: 'rows have different cell counts' };
    const data = lines.slice(1);
    const numericRows = data.filter((l) => l.split(d).some((c) => parseNum(c.trim().replaceAll('"', '')) !== null)).length;
    if (numericRows < data.length) return { score: 0, reason: 'rows without numbers' };
    return { score: byPath ? 0.85 : 0.65, reason: `${lines.length} rows of ${n + 1} '${d === '\t' ? '\\t' : d}'-separated cells` };
  },
  createCore,
};

export const { parse: parseCsv, parseAsync: parseCsvAsync } = frontEnds(csvParser);

/**
 * One series per value column (per label combination when the CSV has text columns such as a
 * process name), rows with an empty or unreadable cell left out of that column's series.
 * @example
 * const [used] = csvSeries(parseCsv('timestamp,used_kb\n1795332811,100\n1795332812,120\n').records);
 * used.unit // 'kB'
 */
export function csvSeries(records: readonly CsvRecord[], source?: string): TimeSeries[] {
  const header = records.find((r): r is CsvHeaderRecord => r.kind === 'header');
  if (!header) return [];
  const out = new Map<string, TimeSeries>();
  for (const r of records) {
    if (r.kind !== 'row') continue;
    const labelText = r.labels
      ? Object.entries(r.labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')
      : '';
    for (const col of header.columns) {
      if (col.role !== 'value') continue;
      const v = r.values[col.name];
      if (v === null || v === undefined) continue;
      const name = labelText ? `${col.name} [${labelText}]` : col.name;
      let s = out.get(name);
      if (!s) {
        s = { name, unit: col.unit ?? '', t: [], v: [], source };
        out.set(name, s);
      }
      s.t.push(r.time ?? r.index);
      s.v.push(v);
      if (r.timeAssumed || r.time === null) s.timeAssumed = true;
    }
  }
  return [...out.values()];
}
