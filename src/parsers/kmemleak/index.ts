import { z } from 'zod';
import { classifyFramingLine, parseTimeValue } from '../../core/framing.js';
import { StackFrameSchema, type StackFrame } from '../../core/models.js';
import { frontEnds, type Emit, type ParserCore, type ParserDefinition } from '../../core/parser.js';
import { fields, parseNum, parseUInt } from '../../core/text.js';
import { isHexAddress, isTerminatorAddress, splitSymbolOffset } from './frames.js';

/**
 * kmemleak reports: `/sys/kernel/debug/kmemleak` dumps and the same lines in dmesg (with
 * `[  12.345]` / `dmesg -T` / journalctl prefixes and `kmemleak:` prefixes), syzbot's
 * `BUG: memory leak` reports, and the `kmemleak: Object 0x... (size N):` debug dump printed when
 * kmemleak disables itself. One record per object, emitted when the object ends.
 *
 * Several dumps in one file (scan, wait, scan again) are told apart by separator or timestamp
 * lines between them, or by an object address repeating within the current scan.
 */
export const KmemleakDebugSchema = z.object({
  minCount: z.number().nullable(),
  count: z.number().nullable(),
  flags: z.string().nullable(),
  checksum: z.string().nullable(),
});

export const KmemleakObjectSchema = z.object({
  /** `unreferenced` (a suspected leak) or `debug-dump` (kmemleak's `Object 0x...` dump). */
  kind: z.enum(['unreferenced', 'debug-dump']),
  /** 0-based dump number within the artefact (several `cat kmemleak` in one file). */
  scan: z.number().int().nonnegative(),
  /** Time of the scan when a timestamp line preceded it (epoch seconds). */
  scanTime: z.number().nullable(),
  /** The object's address as printed, lowercase, with 0x. */
  address: z.string(),
  size: z.number().int().nonnegative(),
  comm: z.string().nullable(),
  pid: z.number().int().nullable(),
  jiffies: z.number().nullable(),
  /** `(age 215.752s)`; absent in kernels >= ~6.6. */
  ageSeconds: z.number().nullable(),
  /** Declared hex dump length (`first 32 bytes`), null without a hex dump. */
  hexDumpLength: z.number().int().nullable(),
  /** The decoded hex dump bytes (at most hexDumpLength). */
  bytes: z.array(z.number().int().min(0).max(255)),
  /** The bytes as ASCII, non-printables as `.` (like the kernel's own column). */
  ascii: z.string(),
  /** `backtrace (crc X):` checksum, as printed; null for the old `backtrace:` header. */
  crc: z.string().nullable(),
  /** Frames, top first; terminator frames (`0xffffffffffffffff`) dropped. */
  backtrace: z.array(StackFrameSchema),
  /** Fields of the debug dump (`min_count`, `count`, `flags`, `checksum`). */
  debug: KmemleakDebugSchema.nullable(),
  /** dmesg seconds since boot of the header line, when printed. */
  dmesgTime: z.number().nullable(),
  /** Preceded by syzbot's `BUG: memory leak`. */
  syzbot: z.boolean(),
  /** The object ended before its backtrace (input cut). */
  partial: z.boolean(),
  /** 1-based first and last line of the object. */
  line: z.number().int().positive(),
  endLine: z.number().int().positive(),
});
export type KmemleakObject = z.infer<typeof KmemleakObjectSchema>;

export const KmemleakOptionsSchema = z.object({});
export type KmemleakOptions = z.infer<typeof KmemleakOptionsSchema>;

interface Prefixed {
  /** The line without dmesg/journal/kmemleak prefixes. */
  body: string;
  dmesgTime: number | null;
  hadKmemleakPrefix: boolean;
  /** The body began with blanks (frames and object fields are indented). */
  indented: boolean;
  hadLogPrefix: boolean;
}

/** Strips `<4>`, `[ 12.34]`, `[Thu May  9 14:52:38 2024]`, `Mon DD HH:MM:SS host kernel: ` and `kmemleak: `. */
export function stripPrefixes(line: string): Prefixed {
  let s = line;
  let dmesgTime: number | null = null;
  let hadLogPrefix = false;
  // kmsg level `<4>`
  if (s.length > 3 && s[0] === '<' && s[2] === '>' && s.charCodeAt(1) >= 48 && s.charCodeAt(1) <= 57) {
    s = s.slice(3);
    hadLogPrefix = true;
  }
  // journalctl / syslog: `Feb 03 19:57:08 host kernel: `
  const k = s.indexOf(' kernel: ');
  if (k > 0 && k < 64 && !s.startsWith(' ')) {
    s = s.slice(k + 9);
    hadLogPrefix = true;
  }
  if (s.startsWith('[') && s.length > 2 && s[1] !== '<') {
    const close = s.indexOf(']');
    if (close > 1 && close < 48) {
      const inner = s.slice(1, close).trim();
      const num = parseNum(inner);
      if (num !== null) {
        dmesgTime = num;
        s = s.slice(close + 1);
        if (s.startsWith(' ')) s = s.slice(1);
        hadLogPrefix = true;
      } else if (parseTimeValue(inner) !== null) {
        s = s.slice(close + 1);
        if (s.startsWith(' ')) s = s.slice(1);
        hadLogPrefix = true;
      }
    }
  }
  let hadKmemleakPrefix = false;
  if (s.startsWith('kmemleak: ')) {
    s = s.slice(10);
    hadKmemleakPrefix = true;
  }
  const c = s.charCodeAt(0);
  return { body: s, dmesgTime, hadKmemleakPrefix, indented: c === 32 || c === 9, hadLogPrefix };
}

/** `unreferenced object 0xffff... (size 64):` or `Object 0x... (size N):` */
function parseHeader(t: string): { kind: KmemleakObject['kind']; address: string; size: number } | null {
  let kind: KmemleakObject['kind'];
  let rest: string;
  if (t.startsWith('unreferenced object ')) {
    kind = 'unreferenced';
    rest = t.slice(20);
  } else if (t.startsWith('Object 0x')) {
    kind = 'debug-dump';
    rest = t.slice(7);
  } else return null;
  const sp = rest.indexOf(' ');
  if (sp < 0) return null;
  const address = rest.slice(0, sp).toLowerCase();
  if (!address.startsWith('0x') || !isHexAddress(address, 1)) return null;
  const after = rest.slice(sp + 1);
  if (!after.startsWith('(size ')) return null;
  const close = after.indexOf(')');
  if (close < 0) return null;
  const size = parseUInt(after.slice(6, close).trim());
  if (size === null) return null;
  return { kind, address, size };
}

/** `comm "bash", pid 869, jiffies 4294950577 (age 215.752s)` */
function parseComm(t: string): { comm: string; pid: number | null; jiffies: number | null; age: number | null } | null {
  if (!t.startsWith('comm "')) return null;
  const end = t.lastIndexOf('", pid ');
  if (end < 6) return null;
  const comm = t.slice(6, end);
  const f = fields(t.slice(end + 2).replaceAll(',', ' '));
  let pid: number | null = null;
  let jiffies: number | null = null;
  let age: number | null = null;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === 'pid') pid = parseUInt(f[i + 1] ?? '');
    else if (f[i] === 'jiffies') jiffies = parseUInt(f[i + 1] ?? '');
    else if (f[i] === '(age') {
      const a = f[i + 1] ?? '';
      age = parseNum(a.endsWith('s)') ? a.slice(0, -2) : a);
    }
  }
  return { comm, pid, jiffies, age };
}

/** A hex dump row: `01 00 ff ...  ..ascii..`; null when it is not one. */
export function parseHexRow(t: string): number[] | null {
  const out: number[] = [];
  let i = 0;
  while (i + 1 < t.length && out.length < 32) {
    const a = hexVal(t.charCodeAt(i));
    const b = hexVal(t.charCodeAt(i + 1));
    if (a < 0 || b < 0) break;
    out.push(a * 16 + b);
    i += 2;
    if (i >= t.length) break;
    if (t[i] !== ' ') return null;
    if (t[i + 1] === ' ' || i + 1 >= t.length) break; // double space: the ASCII column follows
    i++;
  }
  return out.length > 0 ? out : null;
}
function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

/** The kernel's ASCII column: printable 0x20..0x7e, else `.`. */
export function asciiOf(bytes: readonly number[]): string {
  let s = '';
  for (const b of bytes) s += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
  return s;
}

/**
 * One backtrace frame line: `[<ffffffff81189293>] create_object+0x123/0x2f0`, `[<00000000dae26536>]
 * kmalloc_trace+0x2a/0xa0`, `kmemleak_alloc+0x3c/0x50` (no address column, 6.17),
 * `[<8000807c>] 0x8000807c`, syzkaller `func+0x45/0x100 net/x.c:123` and `kzalloc include/linux/slab.h:682 [inline]`,
 * module frames `func+0x1c/0x40 [i915]`. Returns 'terminator' for the old end-of-stack frame.
 */
export function parseKernelFrame(t: string): StackFrame | 'terminator' | null {
  let s = t.trim();
  let address: string | undefined;
  if (s.startsWith('[<')) {
    const close = s.indexOf('>]');
    if (close < 3) return null;
    const addr = s.slice(2, close);
    if (!isHexAddress(addr, 1)) return null;
    address = `0x${addr.toLowerCase()}`;
    s = s.slice(close + 2).trim();
    if (isTerminatorAddress(addr) && (s === '' || isTerminatorAddress(s))) return 'terminator';
  }
  if (s.length === 0) return address ? { symbol: address, address } : null;
  const f = fields(s);
  if (f.length === 0 || f.length > 5) return null;
  // The 2.6.20-era prototype printed the module first: `[<c0123456>] (ext3) ext3_lookup`.
  let prefixModule: string | undefined;
  if (f.length >= 2 && f[0].startsWith('(') && f[0].endsWith(')') && f[0].length > 2) {
    prefixModule = f[0].slice(1, -1);
    f.shift();
  }
  const head = f[0];
  if (head.includes('"') || head.endsWith(':') || head.endsWith(',')) return null;
  const c0 = head.charCodeAt(0) | 0x20;
  if (!((c0 >= 97 && c0 <= 122) || head[0] === '_' || head[0] === '.' || head[0] === '$' || (head[0] >= '0' && head[0] <= '9'))) return null;
  const frame: StackFrame = { ...splitSymbolOffset(head) };
  if (prefixModule) frame.module = prefixModule;
  if (address) frame.address = address;
  for (let i = 1; i < f.length; i++) {
    const x = f[i];
    if (x === '[inline]') continue;
    if (x.startsWith('[') && x.endsWith(']') && x.length > 2) frame.module = x.slice(1, -1);
    else if (x.includes(':') || x.includes('/') || x.endsWith('.c') || x.endsWith('.h')) frame.location = x;
    else return null;
  }
  if (frame.offset === undefined) delete frame.offset;
  if (isHexAddress(frame.symbol, 4) && frame.symbol.startsWith('0x')) frame.address ??= frame.symbol.toLowerCase();
  return frame;
}

function createCore(): ParserCore<KmemleakObject> {
  let cur: KmemleakObject | null = null;
  let inBacktrace = false;
  let scan = 0;
  let scanTime: number | null = null;
  let scanHasObjects = false;
  let scanAddresses = new Set<string>();
  let pendingSyzbot = false;

  const flush = (emit: Emit<KmemleakObject>, atEnd: boolean): void => {
    if (!cur) return;
    if (!inBacktrace && cur.backtrace.length === 0) {
      cur.partial = true;
      emit.diagnostic(
        atEnd ? 'truncated-input' : 'kmemleak-incomplete-object',
        `object ${cur.address} ${atEnd ? 'cut off by the end of input' : 'has no backtrace'} (kept, marked partial)`,
        { line: cur.line },
      );
    }
    emit.record(cur);
    emit.count(cur.kind === 'unreferenced' ? 'objects' : 'debugDumps');
    cur = null;
    inBacktrace = false;
  };

  const newScan = (time: number | null): void => {
    scan++;
    scanTime = time;
    scanHasObjects = false;
    scanAddresses = new Set();
  };

  return {
    line(text, lineNo, emit) {
      const p = stripPrefixes(text);
      const t = p.body.trim();
      if (t.length === 0) {
        emit.skip('blank');
        return;
      }
      if (t === 'BUG: memory leak') {
        flush(emit, false);
        pendingSyzbot = true;
        emit.skip('syzbot-header');
        return;
      }
      const header = parseHeader(t);
      if (header) {
        flush(emit, false);
        if (scanAddresses.has(header.address) && header.kind === 'unreferenced') {
          newScan(null);
          emit.count('scansByRepeatedAddress');
        }
        if (header.kind === 'unreferenced') scanAddresses.add(header.address);
        scanHasObjects = true;
        cur = {
          kind: header.kind,
          scan,
          scanTime,
          address: header.address,
          size: header.size,
          comm: null,
          pid: null,
          jiffies: null,
          ageSeconds: null,
          hexDumpLength: null,
          bytes: [],
          ascii: '',
          crc: null,
          backtrace: [],
          debug: header.kind === 'debug-dump' ? { minCount: null, count: null, flags: null, checksum: null } : null,
          dmesgTime: p.dmesgTime,
          syzbot: pendingSyzbot,
          partial: false,
          line: lineNo,
          endLine: lineNo,
        };
        pendingSyzbot = false;
        return;
      }
      if (cur) {
        const o: KmemleakObject = cur;
        const comm = parseComm(t);
        if (comm) {
          o.comm = comm.comm;
          o.pid = comm.pid;
          o.jiffies = comm.jiffies;
          o.ageSeconds = comm.age;
          o.endLine = lineNo;
          return;
        }
        if (t.startsWith('hex dump (first ')) {
          o.hexDumpLength = parseUInt(fields(t)[3] ?? '');
          o.endLine = lineNo;
          return;
        }
        if (t === 'backtrace:' || (t.startsWith('backtrace (crc ') && t.endsWith('):'))) {
          inBacktrace = true;
          o.crc = t.length > 11 ? t.slice(15, -2).trim() : null;
          o.endLine = lineNo;
          return;
        }
        if (o.debug && !inBacktrace) {
          const eq = t.indexOf(' = ');
          if (eq > 0) {
            const key = t.slice(0, eq);
            const val = t.slice(eq + 3).trim();
            if (key === 'min_count' || key === 'count') {
              const n = parseNum(val);
              if (key === 'min_count') o.debug.minCount = n;
              else o.debug.count = n;
              o.endLine = lineNo;
              return;
            }
            if (key === 'flags' || key === 'checksum') {
              if (key === 'flags') o.debug.flags = val;
              else o.debug.checksum = val;
              o.endLine = lineNo;
              return;
            }
          }
        }
        if (!inBacktrace && o.hexDumpLength !== null) {
          const row = parseHexRow(t);
          if (row) {
            for (const b of row) if (o.bytes.length < o.hexDumpLength) o.bytes.push(b);
            o.ascii = asciiOf(o.bytes);
            o.endLine = lineNo;
            return;
          }
        }
        const framingHere = !p.hadLogPrefix && !p.indented ? classifyFramingLine(text) : null;
        if (inBacktrace && !framingHere && (p.indented || t.startsWith('[<') || !p.hadLogPrefix)) {
          const fr = parseKernelFrame(t);
          if (fr === 'terminator') {
            emit.count('terminatorFrames');
            o.endLine = lineNo;
            return;
          }
          if (fr) {
            o.backtrace.push(fr);
            o.endLine = lineNo;
            return;
          }
        }
        if ((p.hadLogPrefix || p.hadKmemleakPrefix) && !p.indented) {
          // Another kernel or kmemleak message: the object ended.
          flush(emit, false);
        } else if (framingHere) {
          flush(emit, false);
        } else {
          emit.diagnostic('unrecognized-line', 'not a kmemleak object field, hex dump row or frame', { excerpt: text });
          return;
        }
      }
      // Outside any object.
      const framing = p.hadLogPrefix ? null : classifyFramingLine(text);
      if (framing) {
        if (framing.kind === 'timestamp') {
          if (scanHasObjects) newScan(framing.time);
          else scanTime = framing.time;
          emit.skip('timestamp');
        } else {
          if (scanHasObjects) newScan(null);
          emit.skip('separator');
        }
        return;
      }
      if (p.hadKmemleakPrefix) {
        if (t.includes('new suspected memory leak')) {
          const n = parseUInt(fields(t)[0] ?? '');
          if (n !== null) emit.count('suspectedLeaksAnnounced', n);
          emit.skip('kmemleak-summary');
        } else emit.skip('kmemleak-message');
        return;
      }
      if (t.startsWith('[<') || t === 'backtrace:' || t.startsWith('hex dump') || parseHexRow(t) !== null) {
        emit.diagnostic('kmemleak-orphan-line', 'hex dump or backtrace line outside any object', { excerpt: text });
        return;
      }
      if (p.hadLogPrefix) {
        emit.diagnostic('foreign-line', 'kernel log line that is not part of a kmemleak report', { excerpt: text });
        emit.skip('foreign');
        return;
      }
      emit.diagnostic('unrecognized-line', 'not a kmemleak line', { excerpt: text });
    },
    end(emit) {
      flush(emit, true);
    },
  };
}

export const kmemleakParser: ParserDefinition<KmemleakObject, KmemleakOptions> = {
  format: 'kmemleak',
  title: 'kmemleak report (debugfs dump or dmesg)',
  producedBy: 'echo scan > /sys/kernel/debug/kmemleak; cat /sys/kernel/debug/kmemleak (or dmesg)',
  recordSchema: KmemleakObjectSchema,
  sniff(head) {
    // Line-based: a document that merely quotes the header (in backticks) is not a report.
    let headers = 0;
    let debug = 0;
    let messages = 0;
    for (const line of head.split('\n', 400)) {
      const t = stripPrefixes(line).body.trim();
      const h = parseHeader(t);
      if (h?.kind === 'unreferenced') headers++;
      else if (h?.kind === 'debug-dump' && stripPrefixes(line).hadKmemleakPrefix) debug++;
      else if (stripPrefixes(line).hadKmemleakPrefix && t.includes('suspected memory leak')) messages++;
    }
    if (headers > 0) return { score: 0.95, reason: `${headers} "unreferenced object 0x..." header line(s)` };
    if (debug > 0) return { score: 0.9, reason: 'kmemleak debug object dump' };
    if (messages > 0) return { score: 0.6, reason: 'kmemleak messages' };
    return { score: 0, reason: 'no kmemleak object header' };
  },
  createCore,
};

export const { parse: parseKmemleak, parseAsync: parseKmemleakAsync } = frontEnds(kmemleakParser);
