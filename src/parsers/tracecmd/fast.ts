import { DIAGNOSTIC_CODES } from '../../core/diagnostic-codes.js';
import { DEFAULT_MAX_DIAGNOSTICS_PER_CODE, DiagnosticCollector } from '../../core/diagnostics.js';
import { MemforensicsInputError } from '../../core/errors.js';
import { REPLACEMENT_CHAR } from '../../core/lines.js';
import type { CommonParseOptions, Emit, ParserDefinition, ParseResult, ParseStats } from '../../core/parser.js';
import { createTraceCore, type TraceCore, type TraceParseOptions, type TraceRecord } from './core.js';

/**
 * The hot-path front end for multi-gigabyte traces: the same core and the same results as
 * parseTraceCmd / parseFtrace (records, stats, diagnostics: tested equal on the real captures),
 * but it splits lines on bytes, decodes each chunk once, and never turns a `=>` stack frame
 * line into a string: a stack block is identified by a hash of its bytes and decoded only the
 * first time it is seen. About 9 lines in 10 of a `-T` trace are frame lines.
 *
 * Pure (Uint8Array, TextDecoder): runs in browsers and workers alike.
 */

const NULL_EMIT: Emit<TraceRecord> = { record() {}, diagnostic() {}, skip() {}, count() {} };

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

export class TraceByteParser {
  readonly #def: ParserDefinition<TraceRecord, TraceParseOptions>;
  readonly #core: TraceCore;
  readonly diagnostics: DiagnosticCollector;
  readonly records: TraceRecord[] = [];
  readonly stats: ParseStats = { linesRead: 0, linesParsed: 0, linesSkipped: 0, linesDiagnosed: 0, skippedByReason: {}, records: 0, counters: {} };
  readonly #onRecord: ((r: unknown) => void) | undefined;
  readonly #decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  readonly #emit: Emit<TraceRecord>;
  #carry: Uint8Array = new Uint8Array(0);
  #started = false;
  #lineNo = 0;
  #currentLine = 0;
  #outcome: 0 | 1 | 2 = 0;
  #skipReason = '';
  #nonBlank = 0;
  // the stack block being hashed
  #h1 = 0x811c9dc5;
  #h2 = 0x12345678;
  #frames = 0;
  #scratch = new Uint8Array(4096);
  #scratchLen = 0;
  #fallback = false;

  constructor(def: ParserDefinition<TraceRecord, TraceParseOptions>, options: Partial<TraceParseOptions> & CommonParseOptions = {}) {
    this.#def = def;
    this.#core = createTraceCore(options);
    this.#onRecord = options.onRecord;
    this.diagnostics = new DiagnosticCollector(options.maxDiagnosticsPerCode ?? DEFAULT_MAX_DIAGNOSTICS_PER_CODE);
    this.#emit = {
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
        this.stats.counters[name] = (this.stats.counters[name] ?? 0) + by;
      },
    };
  }

  /** Pushes a chunk of the file (bytes; a string is encoded first). */
  push(chunk: Uint8Array | string): void {
    let bytes = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk;
    if (!this.#started && bytes.length > 0) {
      if (this.#carry.length > 0) {
        bytes = concat(this.#carry, bytes);
        this.#carry = new Uint8Array(0);
      }
      if (bytes.length < 3 && bytes[0] === 0xef) {
        this.#carry = bytes.slice();
        return;
      }
      this.#started = true;
      if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    }
    const buf = this.#carry.length > 0 ? concat(this.#carry, bytes) : bytes;
    const last = buf.lastIndexOf(10);
    if (last < 0) {
      this.#carry = buf === bytes ? bytes.slice() : buf;
      return;
    }
    this.#lines(buf, last + 1);
    this.#carry = buf.slice(last + 1);
  }

  #lines(buf: Uint8Array, end: number): void {
    const seg = buf.subarray(0, end);
    const str = this.#decoder.decode(seg);
    // one char per byte ⇔ byte offsets are string offsets (each char consumes at least one byte)
    const aligned = str.length === end;
    let pos = 0;
    while (pos < end) {
      const nl = buf.indexOf(10, pos);
      const stop = nl < 0 || nl >= end ? end : nl;
      this.#line(buf, pos, stop, aligned ? str : null);
      pos = stop + 1;
    }
  }

  #line(buf: Uint8Array, s: number, e0: number, str: string | null): void {
    const e = e0 > s && buf[e0 - 1] === 13 ? e0 - 1 : e0;
    const lineNo = ++this.#lineNo;
    let i = s;
    while (i < e && (buf[i] === 32 || buf[i] === 9 || buf[i] === 13)) i++;
    if (!this.#fallback && i + 1 < e && buf[i] === 61 && buf[i + 1] === 62 && this.#core.blockState() === 1) {
      // a frame line of a block that has its event: hash its bytes, no string
      let h1 = this.#h1;
      let h2 = this.#h2;
      let ok = true;
      for (let k = i + 2; k < e; k++) {
        const c = buf[k];
        if (c === 0 || c >= 0x80) {
          ok = false;
          break;
        }
        h1 = Math.imul(h1 ^ c, 0x01000193);
        h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h2 >>> 15);
      }
      if (ok) {
        this.#h1 = Math.imul(h1 ^ 10, 0x01000193);
        this.#h2 = Math.imul(h2 ^ 10, 0x5bd1e995) ^ (h2 >>> 15);
        this.#frames++;
        const len = e - i + 1;
        if (this.#scratchLen + len > this.#scratch.length) {
          const grown = new Uint8Array(Math.max(this.#scratch.length * 2, this.#scratchLen + len));
          grown.set(this.#scratch.subarray(0, this.#scratchLen));
          this.#scratch = grown;
        }
        this.#scratch.set(buf.subarray(i, e), this.#scratchLen);
        this.#scratch[this.#scratchLen + e - i] = 10;
        this.#scratchLen += len;
        this.stats.linesRead++;
        this.stats.linesParsed++;
        this.#nonBlank++;
        return;
      }
      // an odd byte inside a block: replay what was hashed through the string path, continue there
      this.#replay();
      this.#fallback = true;
    } else if (this.#frames > 0) {
      this.#flushBlock();
    }
    if (!(i + 1 < e && buf[i] === 61 && buf[i + 1] === 62)) this.#fallback = false;
    const text = str !== null ? str.slice(s, e) : this.#decoder.decode(buf.subarray(s, e));
    this.#textLine(text, lineNo, i < e);
  }

  #flushBlock(): void {
    const key = (this.#h1 >>> 0) * 2097152 + ((this.#h2 >>> 0) & 0x1fffff);
    const scratch = this.#scratch;
    const len = this.#scratchLen;
    const core = this.#core;
    core.setBlockByKey(key, this.#frames, () => {
      const text = this.#decoder.decode(scratch.subarray(0, len));
      const out: string[] = [];
      let p = 0;
      while (p < text.length) {
        let nl = text.indexOf('\n', p);
        if (nl < 0) nl = text.length;
        const f = core.frameText(text.slice(p, nl), 2);
        if (f.length > 0) out.push(f);
        p = nl + 1;
      }
      return out;
    });
    this.#resetBlock();
  }

  #replay(): void {
    if (this.#frames > 0) {
      const text = this.#decoder.decode(this.#scratch.subarray(0, this.#scratchLen));
      let p = 0;
      while (p < text.length) {
        let nl = text.indexOf('\n', p);
        if (nl < 0) nl = text.length;
        this.#core.line(text.slice(p, nl), this.#currentLine, NULL_EMIT);
        p = nl + 1;
      }
    }
    this.#resetBlock();
  }

  #resetBlock(): void {
    this.#h1 = 0x811c9dc5;
    this.#h2 = 0x12345678;
    this.#frames = 0;
    this.#scratchLen = 0;
  }

  /** The generic runner's per-line accounting (core/parser.ts ParserRun), for non-frame lines. */
  #textLine(text: string, lineNo: number, nonBlank: boolean): void {
    this.stats.linesRead++;
    this.#currentLine = lineNo;
    this.#outcome = 0;
    if (nonBlank && text.trim().length > 0) this.#nonBlank++;
    if (text.includes('\u0000')) {
      this.diagnostics.add('binary-content', lineNo, 'NUL bytes in line; skipped', text.replaceAll('\u0000', '\\0'));
      this.#outcome = 2;
    } else {
      if (text.includes(REPLACEMENT_CHAR)) this.diagnostics.add('invalid-utf8', lineNo, 'invalid UTF-8 replaced by U+FFFD', text);
      try {
        this.#core.line(text, lineNo, this.#emit);
      } catch (err) {
        if (err instanceof MemforensicsInputError) throw err;
        this.diagnostics.add('internal-error', lineNo, `parser failed on this line: ${String(err)}`, text);
        this.#outcome = 2;
      }
    }
    this.#account();
  }

  #account(): void {
    if (this.#outcome === 0) this.stats.linesParsed++;
    else if (this.#outcome === 1) {
      this.stats.linesSkipped++;
      this.stats.skippedByReason[this.#skipReason] = (this.stats.skippedByReason[this.#skipReason] ?? 0) + 1;
    } else this.stats.linesDiagnosed++;
  }

  /** Ends the input: flushes the last line, the pending events, and returns the result. */
  finish(): ParseResult<TraceRecord> {
    if (this.#carry.length > 0) {
      const c = this.#carry;
      this.#carry = new Uint8Array(0);
      this.#started = true;
      this.#lines(concat(c, new Uint8Array([10])), c.length + 1);
    }
    if (this.#frames > 0) this.#flushBlock();
    this.#currentLine = 0;
    try {
      this.#core.end(this.#emit);
    } catch (err) {
      if (err instanceof MemforensicsInputError) throw err;
      this.diagnostics.add('internal-error', 0, `parser failed at end of input: ${String(err)}`);
    }
    if (this.#nonBlank === 0) throw new MemforensicsInputError('EMPTY_INPUT', `empty input: no ${this.#def.format} content`);
    if (this.stats.records === 0 && this.stats.linesParsed === 0) {
      throw new MemforensicsInputError('NOT_THIS_FORMAT', `input is not ${this.#def.format}: none of its ${this.stats.linesRead} lines was recognised`);
    }
    return { format: this.#def.format, records: this.records, diagnostics: this.diagnostics.summary(), stats: this.stats };
  }
}

/**
 * Parses byte chunks of a trace-cmd / ftrace text on the fast path (same result as parseTraceCmd).
 * @example
 * const r = parseTraceBytes(traceCmdParser, [new TextEncoder().encode(text)]);
 */
export function parseTraceBytes(
  def: ParserDefinition<TraceRecord, TraceParseOptions>,
  chunks: Iterable<Uint8Array | string>,
  options: Partial<TraceParseOptions> & CommonParseOptions = {},
): ParseResult<TraceRecord> {
  const p = new TraceByteParser(def, options);
  for (const c of chunks) p.push(c);
  return p.finish();
}

/**
 * The async form: a file stream, a fetch body, gunzip output.
 * @example
 * const r = await parseTraceBytesAsync(traceCmdParser, createReadStream(path), { onRecord: (x) => pairer.add(x as TraceRecord) });
 */
export async function parseTraceBytesAsync(
  def: ParserDefinition<TraceRecord, TraceParseOptions>,
  chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  options: Partial<TraceParseOptions> & CommonParseOptions = {},
): Promise<ParseResult<TraceRecord>> {
  const p = new TraceByteParser(def, options);
  for await (const c of chunks) p.push(c);
  return p.finish();
}
