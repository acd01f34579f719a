import type { DiagnosticCollector } from '../../core/diagnostics.js';
import { MemforensicsInputError } from '../../core/errors.js';
import { LineAccounting, MAX_LINE_CHARS, type CommonParseOptions, type Emit, type ParserDefinition, type ParseResult, type ParseStats } from '../../core/parser.js';
import { createTraceCore, detach, type TraceCore, type TraceCoreOptions, type TraceParseOptions, type TraceRecord } from './core.js';

/**
 * The hot-path front end for multi-gigabyte traces: the same core and the same results as
 * parseTraceCmd / parseFtrace (records, stats, diagnostics: tested equal on the real captures
 * and fuzzed input), but it splits lines on bytes, decodes each window of ~60 kB once, lets the
 * core scan an ASCII window's bytes in place (core.lineBytes: no string per line, values sliced
 * only when kept), and never parses a `=>` stack frame line: a stack block is identified by a
 * cheap hash of its lines confirmed by its text, and parsed only the first time it is seen.
 * About 9 lines in 10 of a `-T` trace are frame lines. This is what the Node pipeline
 * (src/node/analyzePaths.ts) runs for trace-cmd and ftrace files.
 *
 * Pure (Uint8Array, TextDecoder; the optional decodeAscii hook is the host's): runs in browsers
 * and workers alike.
 */

const NULL_EMIT: Emit<TraceRecord> = { record() {}, diagnostic() {}, skip() {}, count() {} };

/**
 * The last stack block seen after an event of one line shape (kept in the core's field memo
 * entry, TraceCore.blockSlot): its text, line count and frames. The next event of that shape
 * usually carries the same stack, and one native comparison of the whole block text then takes
 * its lines at once (#knownBlock). Bounded by the memo's fixed number of entries.
 */
interface KnownBlock {
  text: string;
  lines: number;
  frames: string[];
}

/** Bytes decoded at a time (below V8's large-object threshold, 128 KiB). */
const WINDOW = 60_000;

/**
 * A copy of bytes[from, to). Not `bytes.slice()`: on a Node Buffer that is a view, and a kept
 * view of a caller's chunk breaks when the caller reuses its buffer for the next read.
 */
function copyOf(bytes: Uint8Array, from = 0, to = bytes.length): Uint8Array {
  return Uint8Array.prototype.slice.call(bytes, from, to);
}

/**
 * The chunk as a plain Uint8Array view (no copy). Node hands over Buffers, concat and copies
 * make plain arrays: one class of array reaching the byte loops keeps their element reads
 * monomorphic (a mix of the two deoptimised every scanning function once and left them
 * polymorphic, measurably slower per byte).
 */
function plainBytes(b: Uint8Array): Uint8Array {
  return b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Options of the byte front end: the parser's options plus an optional native decoder. */
export type TraceByteOptions = TraceCoreOptions &
  CommonParseOptions & {
    /**
     * Decodes a chunk that is pure ASCII and returns null otherwise: the host's fastest path
     * (Node: `isAscii(b) ? Buffer.latin1Slice : null`, see src/node/fastDecode.ts). Without it
     * every chunk goes through TextDecoder, which is the same result, only slower.
     */
    decodeAscii?: (bytes: Uint8Array) => string | null;
  };

export class TraceByteParser {
  readonly #core: TraceCore;
  /** The generic runner's emit, line accounting and end-of-input checks (core/parser.ts). */
  readonly #acc: LineAccounting<TraceRecord>;
  readonly #decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  /** The last line handed to the core (not a fast-path frame line): replayed frames reuse it. */
  #lastCoreLine = 0;
  #carry: Uint8Array = new Uint8Array(0);
  /** Later pieces of a line longer than a chunk (joined onto #carry once, by #joinCarry). */
  #carryParts: Uint8Array[] = [];
  #started = false;
  #lineNo = 0;
  // the stack block being collected: its `=>` lines, as text of the decoded chunk
  #frames = 0;
  #blockText = '';
  #blockStart = -1;
  #blockEnd = -1;
  #str = '';
  #fallback = false;
  /**
   * A cheap hash of the block being collected (each frame line's length and last bytes, never
   * bytes outside the line), and the frames of every distinct block text by that hash: a hit is
   * confirmed by comparing the text, so the hash only has to be cheap, not perfect. Hashing the
   * whole block text as a Map key cost more than all the frame lines' scanning.
   */
  #blockHash = 0;
  /** core.blockState() after the last line the core saw (frame lines on the fast path do not change it). */
  #blockState: 0 | 1 | 2 = 0;
  readonly #blocksByHash = new Map<number, { text: string; frames: string[] }[]>();

  readonly #decodeAscii: ((bytes: Uint8Array) => string | null) | undefined;

  constructor(def: ParserDefinition<TraceRecord, TraceParseOptions>, options: TraceByteOptions = {}) {
    this.#decodeAscii = options.decodeAscii;
    this.#core = createTraceCore(options);
    this.#acc = new LineAccounting<TraceRecord>(def.format, options);
  }

  get diagnostics(): DiagnosticCollector {
    return this.#acc.diagnostics;
  }

  get stats(): ParseStats {
    return this.#acc.stats;
  }

  get records(): TraceRecord[] {
    return this.#acc.records;
  }

  #joinCarry(): void {
    let n = this.#carry.length;
    for (const p of this.#carryParts) n += p.length;
    const out = new Uint8Array(n);
    out.set(this.#carry, 0);
    let o = this.#carry.length;
    for (const p of this.#carryParts) {
      out.set(p, o);
      o += p.length;
    }
    this.#carry = out;
    this.#carryParts = [];
  }

  /** Pushes a chunk of the file (bytes; a string is encoded first). */
  push(chunk: Uint8Array | string): void {
    let bytes = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : plainBytes(chunk);
    if (!this.#started && bytes.length > 0) {
      if (this.#carry.length > 0) {
        bytes = concat(this.#carry, bytes);
        this.#carry = new Uint8Array(0);
      }
      if (bytes.length < 3 && bytes[0] === 0xef) {
        this.#carry = copyOf(bytes);
        return;
      }
      this.#started = true;
      if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    }
    if (this.#carry.length > 0 && bytes.indexOf(10) < 0) {
      // Still inside a line longer than a chunk: keep the pieces and join them once, when the
      // newline (or the end) comes. Re-copying the growing carry per chunk was quadratic.
      this.#carryParts.push(copyOf(bytes));
      return;
    }
    if (this.#carryParts.length > 0) this.#joinCarry();
    let from = 0;
    if (this.#carry.length > 0) {
      // only the line cut by the previous chunk is copied, never the whole chunk
      const nl = bytes.indexOf(10);
      if (nl < 0) {
        this.#carry = concat(this.#carry, bytes);
        return;
      }
      const head = concat(this.#carry, bytes.subarray(0, nl + 1));
      this.#carry = new Uint8Array(0);
      this.#lines(head);
      from = nl + 1;
    }
    const last = bytes.lastIndexOf(10);
    if (last < from) {
      this.#carry = copyOf(bytes, from);
      return;
    }
    // Windows of at most WINDOW bytes cut at newlines: each decoded window is a young-generation
    // string that dies in a cheap scavenge (a 1 MiB chunk string lives in large-object space
    // until a full GC).
    const stopAt = last + 1;
    let a = from;
    while (a < stopAt) {
      let b = stopAt;
      if (b - a > WINDOW) {
        const nl = bytes.lastIndexOf(10, a + WINDOW - 1);
        b = nl >= a ? nl + 1 : bytes.indexOf(10, a + WINDOW) + 1;
      }
      this.#lines(bytes.subarray(a, b));
      a = b;
    }
    this.#carry = copyOf(bytes, last + 1);
  }

  /** Runs the complete lines of `seg` (it ends with a newline, or is the last line). */
  #lines(seg: Uint8Array): void {
    const buf = seg;
    const end = seg.length;
    const ascii = this.#decodeAscii !== undefined ? this.#decodeAscii(seg) : null;
    const str = ascii ?? this.#decoder.decode(seg);
    // One char per byte ⇔ byte offsets are string offsets (each char consumes at least one byte).
    // Frame lines take the fast path only in clean chunks (no NUL, no invalid UTF-8 to report).
    const aligned = str.length === end;
    const fast = aligned && str.indexOf('\u0000') < 0 && (ascii !== null || str.indexOf('\uFFFD') < 0);
    if (!fast && this.#frames > 0) {
      this.#replay();
      this.#fallback = true;
    }
    this.#str = str;
    let pos = 0;
    if (aligned) {
      // String.prototype.indexOf is a fast builtin; a typed array's indexOf call costs far more per line
      while (pos < end) {
        const nl = str.indexOf('\n', pos);
        const stop = nl < 0 ? end : nl;
        if (fast && this.#blockState === 1 && !this.#fallback) {
          if (this.#frames === 0) {
            const known = this.#knownBlock(buf, str, pos, end);
            if (known !== pos) {
              pos = known;
              continue;
            }
          }
          const after = this.#frameRun(buf, str, pos, stop, end);
          if (after !== pos) {
            pos = after;
            continue;
          }
        }
        this.#line(buf, pos, stop, str, fast);
        pos = stop + 1;
      }
    } else {
      while (pos < end) {
        const nl = buf.indexOf(10, pos);
        const stop = nl < 0 || nl >= end ? end : nl;
        this.#line(buf, pos, stop, null, fast);
        pos = stop + 1;
      }
    }
    if (this.#frames > 0 && this.#blockStart >= 0) {
      // a block cut by the chunk end: keep its text so far (detached from the chunk)
      this.#blockText = (this.#blockText.length > 0 ? this.#blockText + '\n' : '') + detach(str.slice(this.#blockStart, this.#blockEnd));
      this.#blockStart = -1;
    }
  }

  /**
   * A whole block at str[pos..] that equals the last block seen after an event of the same line
   * shape (field memo entry), taken at once: its lines are accounted as the frame lines they
   * are and its frames set, as #frameRun + #flushBlock would for the same text. Only when the
   * line after it is visibly not a frame line (in this window). Returns where the next line
   * starts, or pos.
   */
  #knownBlock(buf: Uint8Array, str: string, pos: number, end: number): number {
    const slot = this.#core.blockSlot();
    if (slot === undefined) return pos;
    const known = slot.block as KnownBlock | undefined;
    if (known === undefined) return pos;
    const after = pos + known.text.length;
    if (after >= end || buf[after] !== 10) return pos;
    let i = after + 1;
    while (i < end && (buf[i] === 32 || buf[i] === 9)) i++;
    if (i >= end || (buf[i] === 61 && i + 1 < end && buf[i + 1] === 62)) return pos;
    if (str.slice(pos, after) !== known.text) return pos;
    this.#core.useBlockFrames(known.frames);
    this.#lineNo += known.lines;
    this.#acc.parsedLines(known.lines);
    return after + 1;
  }

  /**
   * The frame lines of a block that has its event, from the line buf[pos, stop) on, in one tight
   * loop (about 9 lines in 10 of a `-T` trace): the same work as #line's frame branch without a
   * call per line, with the block's state in locals. Returns where the first line that is not
   * such a frame starts (pos itself when the line at pos is not one).
   */
  #frameRun(buf: Uint8Array, str: string, pos: number, stop: number, end: number): number {
    let frames = this.#frames;
    let h = this.#blockHash;
    let blockStart = this.#blockStart;
    let blockEnd = this.#blockEnd;
    let lines = 0;
    for (;;) {
      const e = stop > pos && buf[stop - 1] === 13 ? stop - 1 : stop;
      let i = pos;
      if (buf[i] !== 61) while (i < e && (buf[i] === 32 || buf[i] === 9)) i++;
      // a line over the cap goes to #line, which hands it to the runner's accounting (skipped)
      if (!(i + 1 < e && buf[i] === 61 && buf[i + 1] === 62) || e - pos > MAX_LINE_CHARS) break;
      if (blockStart < 0) blockStart = pos;
      blockEnd = e;
      frames++;
      lines++;
      h = Math.imul(h ^ (e - pos), 16777619);
      h = Math.imul(h ^ buf[e - 1], 16777619);
      h = Math.imul(h ^ buf[e - 2], 16777619);
      if (e - 3 > i) h = Math.imul(h ^ buf[e - 3], 16777619);
      if (e - 5 > i) h = Math.imul(h ^ buf[e - 5], 16777619);
      pos = stop + 1;
      if (pos >= end) break;
      const nl = str.indexOf('\n', pos);
      stop = nl < 0 ? end : nl;
    }
    if (lines > 0) {
      this.#frames = frames;
      this.#blockHash = h;
      this.#blockStart = blockStart;
      this.#blockEnd = blockEnd;
      this.#lineNo += lines;
      this.#acc.parsedLines(lines);
    }
    return pos;
  }

  #line(buf: Uint8Array, s: number, e0: number, str: string | null, fast: boolean): void {
    const e = e0 > s && buf[e0 - 1] === 13 ? e0 - 1 : e0;
    const lineNo = ++this.#lineNo;
    let i = s;
    while (i < e && (buf[i] === 32 || buf[i] === 9)) i++;
    const arrow = i + 1 < e && buf[i] === 61 && buf[i + 1] === 62;
    // (frame lines the fast path takes never come here: #frameRun has taken them)
    const capped = e - s > MAX_LINE_CHARS;
    if (this.#frames > 0) {
      if (arrow) {
        // a frame line the fast path cannot take: replay the block through the string path
        this.#replay();
        this.#fallback = true;
      } else this.#flushBlock();
    }
    // a frame line handled as a string keeps the rest of its block on the string path
    this.#fallback = arrow;
    // a printable ASCII first character proves the line is not blank without trim()
    const c = buf[i];
    if (fast && str !== null && !capped) {
      const nonBlank = i < e && (c > 32 && c < 127 ? true : str.slice(s, e).trim().length > 0);
      this.#cleanLine(buf, str, s, e, lineNo, nonBlank);
      return;
    }
    const text = str !== null ? str.slice(s, e) : this.#decoder.decode(buf.subarray(s, e));
    const nonBlank = i < e && (c > 32 && c < 127 ? true : text.trim().length > 0);
    this.#textLine(text, lineNo, nonBlank, false);
  }

  /** #textLine for a line of a clean chunk (no NUL, no U+FFFD), read in place: str[s, e). */
  #cleanLine(buf: Uint8Array, str: string, s: number, e: number, lineNo: number, nonBlank: boolean): void {
    this.#lastCoreLine = lineNo;
    const acc = this.#acc;
    acc.begin(lineNo, nonBlank);
    try {
      this.#core.lineBytes(buf, str, s, e, lineNo, acc.emit);
    } catch (err) {
      acc.failed(err, lineNo, str.slice(s, e));
    }
    acc.end();
    this.#blockState = this.#core.blockState();
  }

  #blockKey(): string {
    const tail = this.#blockStart >= 0 ? this.#str.slice(this.#blockStart, this.#blockEnd) : '';
    if (this.#blockText.length === 0) return tail;
    return tail.length > 0 ? `${this.#blockText}\n${tail}` : this.#blockText;
  }

  #flushBlock(): void {
    const hash = this.#blockHash ^ this.#frames;
    const bucket = this.#blocksByHash.get(hash);
    const key = this.#blockKey();
    if (bucket !== undefined) {
      for (const b of bucket) {
        if (b.text === key) {
          this.#core.useBlockFrames(b.frames);
          this.#rememberBlock(b.text, b.frames, this.#frames);
          this.#resetBlock();
          return;
        }
      }
    }
    const core = this.#core;
    const shared = core.setBlockByKey(key, this.#frames, () => {
      const out: string[] = [];
      let p = 0;
      while (p < key.length) {
        let nl = key.indexOf('\n', p);
        if (nl < 0) nl = key.length;
        const arrow = key.indexOf('=>', p);
        if (arrow >= 0 && arrow < nl) {
          const f = core.frameText(key.slice(p, nl), arrow - p + 2);
          if (f.length > 0) out.push(f);
        }
        p = nl + 1;
      }
      return out;
    });
    if (shared !== null) {
      const entry = { text: detach(key), frames: shared };
      // A bucket holds at most 8 texts: the hash reads a few bytes per line, so distinct stacks
      // that differ elsewhere all collide (a million of them made this quadratic); past 8, the
      // core's Map keyed by the whole text (setBlockByKey above) interns them in linear time.
      if (bucket === undefined) this.#blocksByHash.set(hash, [entry]);
      else if (bucket.length < 8) bucket.push(entry);
      this.#rememberBlock(entry.text, shared, this.#frames);
    }
    this.#resetBlock();
  }

  /** Remembers a block (detached text, shared frames, its number of lines) as the last one after its event's line shape. */
  #rememberBlock(text: string, frames: string[], lines: number): void {
    // only blocks read from one clean run of `=>` lines (#frameRun), without CR: the text then
    // is exactly the bytes #knownBlock compares
    if (this.#fallback || text.indexOf('\r') >= 0) return;
    const slot = this.#core.blockSlot();
    if (slot === undefined) return;
    const known = slot.block as KnownBlock | undefined;
    if (known !== undefined && known.text === text) return;
    slot.block = { text, lines, frames } satisfies KnownBlock;
  }

  #replay(): void {
    if (this.#frames > 0) {
      const text = this.#blockKey();
      let p = 0;
      while (p < text.length) {
        let nl = text.indexOf('\n', p);
        if (nl < 0) nl = text.length;
        this.#core.line(text.slice(p, nl), this.#lastCoreLine, NULL_EMIT);
        p = nl + 1;
      }
    }
    this.#blockState = this.#core.blockState();
    this.#resetBlock();
  }

  #resetBlock(): void {
    this.#frames = 0;
    this.#blockHash = 0;
    this.#blockText = '';
    this.#blockStart = -1;
    this.#blockEnd = -1;
  }

  /** A non-frame line through the generic runner's accounting (core/parser.ts LineAccounting). */
  #textLine(text: string, lineNo: number, nonBlank: boolean, clean: boolean): void {
    this.#lastCoreLine = lineNo;
    const acc = this.#acc;
    if (!clean) acc.line(this.#core, text, lineNo, nonBlank);
    else {
      // the chunk has no NUL and no U+FFFD: the runner's two checks cannot fire
      acc.begin(lineNo, nonBlank);
      try {
        this.#core.line(text, lineNo, acc.emit);
      } catch (err) {
        acc.failed(err, lineNo, text);
      }
      acc.end();
    }
    this.#blockState = this.#core.blockState();
  }

  /**
   * Records that the input stream failed midway (a gzip cut short, a read error), as the generic
   * `parseAsync` does: everything before it is kept, and finish() still flushes the partial line.
   */
  streamError(e: unknown): void {
    this.#acc.streamError(e, this.#lineNo);
  }

  /** Ends the input: flushes the last line, the pending events, and returns the result. */
  finish(): ParseResult<TraceRecord> {
    if (this.#carryParts.length > 0) this.#joinCarry();
    if (this.#carry.length > 0) {
      const c = this.#carry;
      this.#carry = new Uint8Array(0);
      this.#started = true;
      this.#lines(concat(c, new Uint8Array([10])));
    }
    if (this.#frames > 0) this.#flushBlock();
    return this.#acc.finish((emit: Emit<TraceRecord>) => this.#core.end(emit));
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
  options: TraceByteOptions = {},
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
  options: TraceByteOptions = {},
): Promise<ParseResult<TraceRecord>> {
  const p = new TraceByteParser(def, options);
  try {
    for await (const c of chunks) p.push(c);
  } catch (e) {
    if (e instanceof MemforensicsInputError) throw e;
    p.streamError(e);
  }
  return p.finish();
}
