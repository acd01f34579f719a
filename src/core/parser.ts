import { z } from 'zod';
import type { DiagnosticCode } from './diagnostic-codes.js';
import type { SkipReason } from './skip-reasons.js';
import { DIAGNOSTIC_CODES } from './diagnostic-codes.js';
import { DEFAULT_MAX_DIAGNOSTICS_PER_CODE, DiagnosticCollector, type DiagnosticSummary } from './diagnostics.js';
import { MemforensicsInputError } from './errors.js';
import { LineSplitter, REPLACEMENT_CHAR } from './lines.js';

/**
 * The parser contract. Every format implements one push-style core; the sync and async front
 * ends below drive that same core, so a string, an array of chunks and a gzip stream give
 * identical results (csv-parse is built the same way).
 */

export const FORMAT_IDS = [
  'trace-cmd',
  'trace-cmd-stat',
  'trace-dat',
  'ftrace',
  'kmemleak',
  'slabinfo',
  'slabtop',
  'meminfo',
  'vmstat',
  'buddyinfo',
  'pagetypeinfo',
  'extfrag-unusable',
  'extfrag-index',
  'bcc-memleak',
  'bpftrace',
  'oom',
  'lsan',
  'valgrind',
  'csv',
  'rss',
  'pidstat',
  'pmap',
  'smaps-rollup',
  'cgroup-memory',
  'psi',
  'allocinfo',
  'zoneinfo',
  'vmallocinfo',
] as const;
export const FormatIdSchema = z.enum(FORMAT_IDS);
export type FormatId = z.infer<typeof FormatIdSchema>;

export interface SniffResult {
  /** 0 = certainly not this format, 1 = certainly this format. */
  score: number;
  reason: string;
}

export interface SniffContext {
  /** The artefact's file name or path, a hint only (content decides). */
  path?: string;
}

export interface Emit<R> {
  /** Hands over one parsed record. */
  record(record: R): void;
  /**
   * Reports a diagnostic. `line` defaults to the line being parsed; a data-loss or error
   * diagnostic on the current line marks that line as diagnosed in the accounting.
   */
  diagnostic(code: DiagnosticCode, message: string, options?: { line?: number; excerpt?: string }): void;
  /** Marks the current line as skipped on purpose, with a short stable reason ("blank", "header"). */
  skip(reason: SkipReason): void;
  /** Bumps a parser-specific counter in stats.counters (event kinds seen, snapshots, ...). */
  count(name: string, by?: number): void;
}

export interface ParserCore<R> {
  line(text: string, lineNo: number, emit: Emit<R>): void;
  end(emit: Emit<R>): void;
}

export const CommonParseOptionsSchema = z.object({
  /** A label for the artefact (its path), copied into records that name their source. */
  source: z.string().optional(),
  /** Diagnostics stored per code (all are counted). */
  maxDiagnosticsPerCode: z.number().int().positive().optional(),
});
export interface CommonParseOptions extends z.infer<typeof CommonParseOptionsSchema> {
  /**
   * Streaming consumers receive each record here instead of in `records`, so memory stays
   * bounded by what the consumer keeps (a multi-gigabyte trace pairs in a live-set of memory).
   */
  onRecord?: (record: unknown) => void;
}

export interface ParserDefinition<R, O extends object = object> {
  readonly format: FormatId;
  /** One line for humans: what this format is. */
  readonly title: string;
  /** The command that produces it, for the README's format table. */
  readonly producedBy: string;
  /**
   * A binary format: it has no lines, its line core refuses text, and its own byte front end reads
   * it (trace.dat). Line-level contracts (chunking, pathological lines) do not apply to it.
   */
  readonly binary?: true;
  /** The zod schema of one record. */
  readonly recordSchema: z.ZodType<R>;
  sniff(head: string, context?: SniffContext): SniffResult;
  createCore(options: Partial<O> & CommonParseOptions): ParserCore<R>;
}

export const ParseStatsSchema = z.object({
  linesRead: z.number().int().nonnegative(),
  linesParsed: z.number().int().nonnegative(),
  linesSkipped: z.number().int().nonnegative(),
  linesDiagnosed: z.number().int().nonnegative(),
  skippedByReason: z.record(z.string(), z.number().int().nonnegative()),
  records: z.number().int().nonnegative(),
  counters: z.record(z.string(), z.number()),
});
export type ParseStats = z.infer<typeof ParseStatsSchema>;

export interface ParseResult<R> {
  format: FormatId;
  records: R[];
  diagnostics: DiagnosticSummary;
  stats: ParseStats;
}

type Outcome = 0 | 1 | 2; // parsed, skipped, diagnosed

/**
 * Lines longer than this many characters are diagnosed (`line-too-long`) and skipped, never
 * handed to a parser: parsing one costs many times its length in memory (its tokens), so an
 * untrusted capture with a line of 100 MB would otherwise need gigabytes. No format we read has
 * legitimate lines anywhere near it.
 */
export const MAX_LINE_CHARS = 1 << 20;

/**
 * The shared engine behind every front end: the Emit a core writes to, and the accounting of every
 * line (parsed, skipped with a reason, or diagnosed), capped diagnostics, parser-specific counters
 * and the end-of-input checks. The line runner below and the trace byte fast path
 * (src/parsers/tracecmd/fast.ts) both drive their core through it, so they cannot drift apart.
 */
export class LineAccounting<R> {
  readonly diagnostics: DiagnosticCollector;
  readonly records: R[] = [];
  readonly stats: ParseStats = {
    linesRead: 0,
    linesParsed: 0,
    linesSkipped: 0,
    linesDiagnosed: 0,
    skippedByReason: {},
    records: 0,
    counters: {},
  };
  readonly emit: Emit<R>;
  /** A Map, not the stats object in dictionary mode: copied into stats.counters by finish(). */
  readonly #counters = new Map<string, number>();
  readonly #onRecord: ((r: unknown) => void) | undefined;
  #currentLine = 0;
  #outcome: Outcome = 0;
  #skipReason = '';
  #nonBlankLines = 0;

  constructor(
    readonly format: FormatId,
    options: CommonParseOptions,
  ) {
    this.diagnostics = new DiagnosticCollector(options.maxDiagnosticsPerCode ?? DEFAULT_MAX_DIAGNOSTICS_PER_CODE);
    this.#onRecord = options.onRecord;
    this.emit = {
      record: (r) => {
        this.stats.records++;
        if (this.#onRecord) this.#onRecord(r);
        else this.records.push(r);
      },
      diagnostic: (code, message, o) => {
        const line = o?.line ?? this.#currentLine;
        this.diagnostics.add(code, line, message, o?.excerpt ?? '');
        const sev = DIAGNOSTIC_CODES[code].severity;
        if (line === this.#currentLine && this.#currentLine > 0 && (sev === 'data-loss' || sev === 'error')) this.#outcome = 2;
      },
      skip: (reason) => {
        if (this.#outcome === 0) {
          this.#outcome = 1;
          this.#skipReason = reason;
        }
      },
      count: (name, by = 1) => {
        this.#counters.set(name, (this.#counters.get(name) ?? 0) + by);
      },
    };
  }

  /**
   * Runs one line through the core and accounts for it: NUL lines are diagnosed and skipped,
   * invalid UTF-8 is reported, a core exception becomes an `internal-error` diagnostic.
   */
  line(core: ParserCore<R>, text: string, lineNo: number, nonBlank: boolean): void {
    this.begin(lineNo, nonBlank);
    if (text.length > MAX_LINE_CHARS) {
      this.diagnostics.add('line-too-long', lineNo, `line of ${text.length} characters (more than ${MAX_LINE_CHARS}); skipped`, text.slice(0, 200));
      this.#outcome = 2;
    } else if (text.includes('\u0000')) {
      this.diagnostics.add('binary-content', lineNo, 'NUL bytes in line; skipped', text.replaceAll('\u0000', '\\0'));
      this.#outcome = 2;
    } else {
      if (text.includes(REPLACEMENT_CHAR)) this.diagnostics.add('invalid-utf8', lineNo, 'invalid UTF-8 replaced by U+FFFD', text);
      try {
        core.line(text, lineNo, this.emit);
      } catch (e) {
        this.failed(e, lineNo, text);
      }
    }
    this.end();
  }

  /**
   * The pieces of line() for a caller that runs the core itself (the byte fast path, which
   * checks whole chunks for NUL and U+FFFD and hands the core bytes): begin, then the core call
   * with failed() on an exception, then end().
   */
  begin(lineNo: number, nonBlank: boolean): void {
    this.stats.linesRead++;
    this.#currentLine = lineNo;
    this.#outcome = 0;
    if (nonBlank) this.#nonBlankLines++;
  }

  failed(e: unknown, lineNo: number, excerpt: string): void {
    if (e instanceof MemforensicsInputError) throw e;
    this.diagnostics.add('internal-error', lineNo, `parser failed on this line: ${String(e)}`, excerpt);
    this.#outcome = 2;
  }

  end(): void {
    const outcome = this.#outcome;
    if (outcome === 0) this.stats.linesParsed++;
    else if (outcome === 1) {
      this.stats.linesSkipped++;
      this.stats.skippedByReason[this.#skipReason] = (this.stats.skippedByReason[this.#skipReason] ?? 0) + 1;
    } else this.stats.linesDiagnosed++;
  }

  /** Accounts n non-blank lines the caller parsed itself without diagnostics (fast-path stack frames). */
  parsedLines(n: number): void {
    this.stats.linesRead += n;
    this.stats.linesParsed += n;
    this.#nonBlankLines += n;
  }

  /** A stream that failed midway (a gzip cut short, a read error): everything before it is kept. */
  streamError(e: unknown, linesSoFar: number): void {
    const code = (e as { code?: unknown } | null)?.code;
    const gz = code === 'Z_BUF_ERROR' || code === 'Z_DATA_ERROR';
    this.diagnostics.add(
      code === 'DECOMPRESSION_LIMIT' ? 'decompression-limit' : code === 'ARCHIVE_TRUNCATED' ? 'archive-truncated' : code === 'LIVE_CAPTURE_CUT' ? 'live-capture-cut' : gz ? 'gzip-truncated' : 'truncated-input',
      linesSoFar + 1,
      `input stream ended with an error after line ${linesSoFar}: ${String((e as Error)?.message ?? e)}`,
    );
  }

  /**
   * What the input gave so far, without ending it (watch mode shows a capture while it grows):
   * the records emitted up to the last complete line, stats with the counters so far, null while
   * nothing was recognised. A core that holds its current snapshot until the next one starts shows
   * it one snapshot late; finish() still gives the whole.
   */
  peek(): ParseResult<R> | null {
    if (this.#nonBlankLines === 0 || (this.stats.records === 0 && this.stats.linesParsed === 0)) return null;
    const stats: ParseStats = { ...this.stats, skippedByReason: { ...this.stats.skippedByReason }, counters: { ...this.stats.counters, ...Object.fromEntries(this.#counters) } };
    return { format: this.format, records: this.records.slice(), diagnostics: this.diagnostics.summary(), stats };
  }

  /** Runs the core's end(), then the unusable-input checks, and returns the result. */
  finish(end: (emit: Emit<R>) => void): ParseResult<R> {
    this.#currentLine = 0;
    try {
      end(this.emit);
    } catch (e) {
      if (e instanceof MemforensicsInputError) throw e;
      this.diagnostics.add('internal-error', 0, `parser failed at end of input: ${String(e)}`);
    }
    for (const [k, v] of this.#counters) this.stats.counters[k] = v;
    this.#counters.clear();
    if (this.#nonBlankLines === 0) {
      throw new MemforensicsInputError('EMPTY_INPUT', `empty input: no ${this.format} content`);
    }
    if (this.stats.records === 0 && this.stats.linesParsed === 0) {
      throw new MemforensicsInputError('NOT_THIS_FORMAT', `input is not ${this.format}: none of its ${this.stats.linesRead} lines was recognised`);
    }
    return { format: this.format, records: this.records, diagnostics: this.diagnostics.summary(), stats: this.stats };
  }
}

/** Drives one core over split lines: the engine of parseText, parseChunks and parseAsync. */
class ParserRun<R> {
  readonly accounting: LineAccounting<R>;
  readonly splitter: LineSplitter;
  readonly #core: ParserCore<R>;

  constructor(def: ParserDefinition<R, object>, options: CommonParseOptions) {
    this.accounting = new LineAccounting<R>(def.format, options);
    this.#core = def.createCore(options);
    this.splitter = new LineSplitter((text, lineNo) => this.accounting.line(this.#core, text, lineNo, text.length > 0 && text.trim().length > 0));
  }

  finish(): ParseResult<R> {
    this.splitter.end();
    return this.accounting.finish((emit) => this.#core.end(emit));
  }
}

/**
 * Parses a whole string with a parser definition.
 * @example
 * const result = parseText(meminfoParser, 'MemTotal: 100 kB\n');
 */
export function parseText<R, O extends object>(
  def: ParserDefinition<R, O>,
  text: string,
  options: Partial<O> & CommonParseOptions = {},
): ParseResult<R> {
  const run = new ParserRun<R>(def as ParserDefinition<R, object>, options);
  run.splitter.push(text);
  return run.finish();
}

/** Parses a sync iterable of string or byte chunks (already-read file parts, a generator). */
export function parseChunks<R, O extends object>(
  def: ParserDefinition<R, O>,
  chunks: Iterable<string | Uint8Array>,
  options: Partial<O> & CommonParseOptions = {},
): ParseResult<R> {
  const run = new ParserRun<R>(def as ParserDefinition<R, object>, options);
  for (const chunk of chunks) run.splitter.push(chunk);
  return run.finish();
}

/** Parses an async stream of string or byte chunks (a file stream, fetch body, gunzip output). */
export async function parseAsync<R, O extends object>(
  def: ParserDefinition<R, O>,
  chunks: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
  options: Partial<O> & CommonParseOptions = {},
): Promise<ParseResult<R>> {
  const run = new ParserRun<R>(def as ParserDefinition<R, object>, options);
  try {
    for await (const chunk of chunks) run.splitter.push(chunk);
  } catch (e) {
    if (e instanceof MemforensicsInputError) throw e;
    run.accounting.streamError(e, run.splitter.linesEmitted);
  }
  return run.finish();
}

/** A `{parse, parseAsync}` pair bound to one definition: what each parser module exports. */
export function frontEnds<R, O extends object>(def: ParserDefinition<R, O>) {
  return {
    parse: (text: string, options: Partial<O> & CommonParseOptions = {}) => parseText(def, text, options),
    parseAsync: (
      chunks: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
      options: Partial<O> & CommonParseOptions = {},
    ) => parseAsync(def, chunks, options),
  };
}
