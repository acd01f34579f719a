import { z } from 'zod';
import type { Emit, ParserCore } from '../../core/parser.js';

/** Distinct unknown event names reported and counted one by one (a hostile trace has millions). */
const MAX_UNKNOWN_EVENT_NAMES = 1000;
/** Frames kept per stack (the innermost ones: the allocation site and its callers up to this depth). */
const MAX_STACK_FRAMES = 256;

/**
 * The shared core of the `trace-cmd` and `ftrace` parsers: `trace-cmd report` text and raw ftrace
 * `trace` / `trace_pipe` text carrying kmem events, with optional `-T` / stacktrace blocks.
 *
 * Hot path: one pass of indexOf / charCode scanning per line, no regular expression. Stacks are
 * interned: the first time a stack is seen a `{type:'stack'}` record defines it, events refer to
 * it by id, so memory holds each distinct stack once.
 */

export const TRACE_EVENT_KINDS = [
  'kmalloc',
  'kmalloc_node',
  'kfree',
  'kmem_cache_alloc',
  'kmem_cache_alloc_node',
  'kmem_cache_free',
  'mm_page_alloc',
  'mm_page_free',
  'mm_page_free_batched',
  'rss_stat',
] as const;
export const TraceEventKindSchema = z.enum(TRACE_EVENT_KINDS);
export type TraceEventKind = z.infer<typeof TraceEventKindSchema>;

export const TraceEventSchema = z.object({
  type: z.literal('event'),
  /** Trace timestamp in seconds (trace clock, usually seconds since boot). */
  ts: z.number(),
  /** CPU column, -1 when the capture had none (trimmed excerpts). */
  cpu: z.number().int(),
  /** Task name as printed (`<...>` when unknown, '' when the column was cut away). */
  comm: z.string(),
  /** -1 when the column was cut away. */
  pid: z.number().int(),
  tgid: z.number().int().optional(),
  event: TraceEventKindSchema,
  /** `func+0x24/0x60`, `func+0x24` or raw hex, as printed. */
  callSite: z.string().optional(),
  /** Normalised lowercase hex without 0x and leading zeros; '0' for NULL. */
  ptr: z.string().optional(),
  bytesReq: z.number().optional(),
  bytesAlloc: z.number().optional(),
  gfpFlags: z.string().optional(),
  node: z.number().int().optional(),
  accounted: z.boolean().optional(),
  cacheName: z.string().optional(),
  /** struct page pointer, normalised hex. */
  page: z.string().optional(),
  pfn: z.number().optional(),
  order: z.number().int().optional(),
  migratetype: z.number().int().optional(),
  /** mm_page_alloc that failed (`page=(null)`). */
  failed: z.boolean().optional(),
  /** rss_stat: `type=MM_ANONPAGES` (or `member=N` on 5.5-5.9). */
  rssType: z.string().optional(),
  rssSize: z.number().optional(),
  mmId: z.number().optional(),
  /** Interned kernel stack (see TraceStackRecord). */
  stackId: z.number().int().optional(),
  userStackId: z.number().int().optional(),
  /**
   * Interrupt context from the irq-flags column (latency format `..s1.`, `d.h2.`; trace.dat
   * common_flags): the allocation was made by a softirq / hardirq / NMI handler, not by the task
   * named in the comm column (it was only interrupted). Absent: task context, or no flags printed.
   */
  irqContext: z.enum(['softirq', 'hardirq', 'nmi']).optional(),
  /** 1-based line of the event in the artefact. */
  line: z.number().int().positive(),
});
export type TraceEvent = z.infer<typeof TraceEventSchema>;

/**
 * An event record with every field present from the start, in the schema's order: one object
 * shape for every event whatever its kernel prints (the pairer's reads stay monomorphic, no
 * property store grows field by field), and the same key order in JSON for every kernel version
 * and for the text and trace.dat readers alike.
 */
export function newTraceEvent(ts: number, cpu: number, comm: string, pid: number, tgid: number | undefined, event: TraceEventKind, line: number): TraceEvent {
  return {
    type: 'event',
    ts,
    cpu,
    comm,
    pid,
    tgid,
    event,
    callSite: undefined,
    ptr: undefined,
    bytesReq: undefined,
    bytesAlloc: undefined,
    gfpFlags: undefined,
    node: undefined,
    accounted: undefined,
    cacheName: undefined,
    page: undefined,
    pfn: undefined,
    order: undefined,
    migratetype: undefined,
    failed: undefined,
    rssType: undefined,
    rssSize: undefined,
    mmId: undefined,
    stackId: undefined,
    userStackId: undefined,
    irqContext: undefined,
    line,
  };
}

export const TraceStackRecordSchema = z.object({
  type: z.literal('stack'),
  id: z.number().int().nonnegative(),
  kind: z.enum(['kernel', 'user']),
  /** Frames innermost first, as `symbol+off/len [module]` without addresses; tracer frames dropped. */
  frames: z.array(z.string()),
  /** Line of the first event that carried it. */
  line: z.number().int().positive(),
});
export type TraceStackRecord = z.infer<typeof TraceStackRecordSchema>;

export const TraceRecordSchema = z.discriminatedUnion('type', [TraceEventSchema, TraceStackRecordSchema]);
export type TraceRecord = z.infer<typeof TraceRecordSchema>;

export const TraceParseOptionsSchema = z.object({
  /** Keep stack traces (default true). */
  stacks: z.boolean().optional(),
  /** Drop the tracer's own frames (`trace_event_raw_event_*`, `perf_trace_*`) at the top (default true). */
  dropTracerFrames: z.boolean().optional(),
});
export type TraceParseOptions = z.infer<typeof TraceParseOptionsSchema>;

/** Index of each event kind in TRACE_EVENT_KINDS. */
const KIND_INDEX = new Map<string, number>(TRACE_EVENT_KINDS.map((k, i) => [k, i]));
const COUNT_KEYS = TRACE_EVENT_KINDS.map((k) => `event:${k}`);

/**
 * A copy of `s` that does not share memory with the line it was cut from. V8 slices point into
 * their parent string, so one kept slice pins a whole input chunk: every string that outlives
 * its line (stack frames, names, excerpts) goes through here.
 * @example detach(line.slice(10, 20)) // same text, its own memory
 */
export function detach(s: string): string {
  return s.length === 0 ? '' : (' ' + s).slice(1);
}

interface Pending {
  rec: TraceEvent | null; // null: an event we do not keep (it still absorbs its stack)
  /** The field memo entry the event's fields came from or went to (null: none). */
  memo: FieldMemo | null;
  cpu: number;
  done: boolean;
  kstack: string[] | null;
  ustack: string[] | null;
}

/**
 * The push-style core plus the hooks the byte-level front end (fast.ts) uses to hand over a
 * stack block it hashed itself instead of passing each `=>` line as a string.
 */
export interface TraceCore extends ParserCore<TraceRecord> {
  /** 0: no stack block open; 1: open with an event to attach to; 2: open, orphaned. */
  blockState(): 0 | 1 | 2;
  /**
   * A slot the front end may keep per remembered line shape (the field memo entry of the event
   * the open block belongs to; undefined when it has none): the lines of one call site carry
   * the same stack, so the front end keeps the last block it saw there.
   */
  blockSlot(): { block: unknown } | undefined;
  /**
   * Sets the open block's frames by the text of its `=>` lines; `frames()` runs only for a new
   * text. Returns the shared frames array it set (null when the block keeps no frames), which
   * the caller may cache and hand back through useBlockFrames.
   */
  setBlockByKey(key: string, frameCount: number, frames: () => string[]): string[] | null;
  /** Sets the open block's frames to an array setBlockByKey returned earlier for the same text. */
  useBlockFrames(frames: string[]): void;
  /** Parses one `=>` line's text (after the arrow) into frame text, as the string path does. */
  frameText(line: string, from: number): string;
  /**
   * line() for the line text[b, e) of a larger string (a decoded chunk) whose bytes[b, e) hold
   * the same characters one byte each (an ASCII chunk): the parser scans bytes (several times
   * faster than characters of a string) and slices only the values it keeps. Never reads
   * outside [b, e).
   */
  lineBytes(bytes: Uint8Array, text: string, b: number, e: number, lineNo: number, emit: Emit<TraceRecord>): void;
}

type Bytes = Uint8Array;

/** The first `ch` in s[from, to), or -1 (never looks past `to`, unlike indexOf on a chunk). */
function indexIn(u: Bytes, ch: number, from: number, to: number): number {
  for (let i = from; i < to; i++) if (u[i] === ch) return i;
  return -1;
}

/** indexIn on a string. */
function indexInText(s: string, ch: number, from: number, to: number): number {
  for (let i = from; i < to; i++) if (s.charCodeAt(i) === ch) return i;
  return -1;
}

/** The last `ch` in s[low, from], or -1. */
function lastIndexIn(u: Bytes, ch: number, from: number, low: number): number {
  for (let i = from; i >= low; i--) if (u[i] === ch) return i;
  return -1;
}

/** The diagnostic excerpt of the line s[b, e): its first 200 characters, detached. */
function excerptOf(s: string, b: number, e: number): string {
  return detach(s.slice(b, Math.min(e, b + 200)));
}

/** Pending events kept waiting for their stack; beyond this the oldest is released. */
const MAX_PENDING = 64;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13;
}

/** Start of the timestamp findTimestamp found last (a module slot: no result object per line). */
let timestampStart = 0;

/**
 * Finds the `TIMESTAMP:` token: digits with an optional fraction, blank (or `]`) before, `: ` or
 * EOL after. Returns the colon's offset (the start is left in timestampStart), or -1.
 */
function findTimestamp(u: Bytes, s: string, b: number, e: number): number {
  let from = b;
  for (;;) {
    // the string's native indexOf outruns a byte loop over the ~40 characters before the colon
    const colon = s.indexOf(':', from);
    if (colon < 0 || colon >= e) return -1;
    from = colon + 1;
    if (colon + 1 < e && !isSpace(u[colon + 1])) continue;
    let i = colon - 1;
    let digits = 0;
    let dots = 0;
    while (i >= b) {
      const c = u[i];
      if (isDigit(c)) digits++;
      else if (c === 46) dots++;
      else break;
      i--;
    }
    if (digits === 0 || dots > 1) continue;
    if (i >= b && !isSpace(u[i]) && u[i] !== 93) continue;
    if (u[i + 1] === 46) continue;
    timestampStart = i + 1;
    return colon;
  }
}

/** Number(s.slice(a, b)) for a `digits[.digits]` timestamp, without the slice. */
function parseTimestampAt(u: Bytes, s: string, a: number, b: number): number {
  // n and 10^k are exact below 2^53, so n / 10^k is the correctly rounded value Number() gives.
  let n = 0;
  let digits = 0;
  let scale = 1;
  let dot = false;
  for (let i = a; i < b; i++) {
    const c = u[i];
    if (c === 46) dot = true;
    else {
      n = n * 10 + (c - 48);
      digits++;
      if (dot) scale *= 10;
    }
  }
  if (digits > 15) return Number(s.slice(a, b));
  return scale === 1 ? n : n / scale;
}

/**
 * Event names the core dispatches on, by length (with their bytes and their index in
 * TRACE_EVENT_KINDS, -1 for the stack pseudo-events): matched in place, no slice.
 */
const NAMES_BY_LENGTH: { name: string; bytes: Uint8Array; index: number }[][] = [];
for (const k of [...TRACE_EVENT_KINDS, 'kernel_stack', 'user_stack']) {
  (NAMES_BY_LENGTH[k.length] ??= []).push({ name: k, bytes: Uint8Array.from(k, (c) => c.charCodeAt(0)), index: (TRACE_EVENT_KINDS as readonly string[]).indexOf(k) });
}

/** TRACE_EVENT_KINDS index of the name knownNameAt matched last (module slot; -1 for a stack). */
let knownNameIndex = -1;

/** The known event name at u[a..b) exactly (an interned constant), or null. */
function knownNameAt(u: Bytes, a: number, b: number): string | null {
  const list = NAMES_BY_LENGTH[b - a];
  if (list === undefined) return null;
  const first = u[a];
  next: for (let k = 0; k < list.length; k++) {
    const nb = list[k].bytes;
    if (nb[0] !== first) continue;
    for (let i = 1; i < nb.length; i++) if (u[a + i] !== nb[i]) continue next;
    knownNameIndex = list[k].index;
    return list[k].name;
  }
  return null;
}

function isFlagChar(c: number): boolean {
  // irqs-off d X . ; need-resched N n p . ; hardirq h s H z Z b . ; preempt/migrate digits, hex
  return (
    c === 46 || isDigit(c) || c === 100 || c === 88 || c === 78 || c === 110 || c === 112 || c === 104 ||
    c === 115 || c === 72 || c === 122 || c === 90 || c === 98 || c === 66 || (c >= 97 && c <= 102)
  );
}

/**
 * What parsePrefix read last, in module slots (no result object per line): the comm is
 * s[prefixCommStart, prefixCommEnd), sliced only by the lines that keep it.
 */
let prefixCommStart = 0;
let prefixCommEnd = 0;
let prefixPid = -1;
let prefixTgid: number | undefined;
let prefixCpu = -1;
/** Interrupt context of the flags column: 0 none / not printed, 1 softirq, 2 hardirq, 3 NMI. */
let prefixIrq = 0;
export const IRQ_CONTEXTS = [undefined, 'softirq', 'hardirq', 'nmi'] as const;

/**
 * The hardirq/softirq character of a flags token (third position: irqs-off, need-resched,
 * hardirq/softirq, preempt depth...): `s` softirq, `h`/`H` hardirq (H: hardirq inside a
 * softirq), `z`/`Z` NMI; `b` (bottom halves disabled) and `.` are task context.
 */
function irqOfFlag(c: number): number {
  if (c === 115) return 1; // s
  if (c === 104 || c === 72) return 2; // h H
  if (c === 122 || c === 90) return 3; // z Z
  return 0;
}

function setPrefix(commStart: number, commEnd: number, pid: number, tgid: number | undefined, cpu: number): boolean {
  prefixCommStart = commStart;
  prefixCommEnd = commEnd;
  prefixPid = pid;
  prefixTgid = tgid;
  prefixCpu = cpu;
  return true;
}

/**
 * Parses what precedes the timestamp: `comm-pid (tgid) [cpu] flags` with every part optional.
 * Returns false when it cannot; the parts are left in the prefix* slots.
 */
function parsePrefix(u: Bytes, s: string, start: number, end: number): boolean {
  let e = end;
  while (e > start && isSpace(u[e - 1])) e--;
  let b = start;
  while (b < e && isSpace(u[b])) b++;
  let cpu = -1;
  let tgid: number | undefined;
  prefixIrq = 0;
  // `trace-cmd report` of an instance buffer (record -B NAME) starts every line with `NAME: `
  if (b < e && u[b] !== 60) {
    let k = b;
    while (k < e && !isSpace(u[k])) k++;
    if (k - b >= 2 && k < e && u[k - 1] === 58 && u[k - 2] !== 58) {
      let j = k;
      while (j < e && isSpace(u[j])) j++;
      if (j < e) b = j;
    }
  }
  // flags token right before the timestamp (`.N..`, `d..2.`), or trace-cmd -l's CPU+flags (`1d..2.`)
  if (e > b && u[e - 1] !== 93) {
    let k = e;
    while (k > b && !isSpace(u[k - 1])) k--;
    let d = k;
    while (d < e && isDigit(u[d])) d++;
    const flagsLen = e - d;
    let ok = flagsLen >= 3 && flagsLen <= 6 && !isDigit(u[d]);
    for (let i = d; ok && i < e; i++) if (!isFlagChar(u[i])) ok = false;
    if (ok && d - k <= 4) {
      if (d > k) cpu = Number(s.slice(k, d));
      if (flagsLen >= 3) prefixIrq = irqOfFlag(u[d + 2]);
      e = k;
      while (e > b && isSpace(u[e - 1])) e--;
    }
  }
  if (e > b && u[e - 1] === 93) {
    const open = lastIndexIn(u, 91, e - 1, b);
    if (open < b) return false;
    let v = 0;
    let n = 0;
    for (let i = open + 1; i < e - 1; i++) {
      const c = u[i];
      if (!isDigit(c)) return false;
      v = v * 10 + (c - 48);
      n++;
    }
    if (n === 0 || n > 6) return false;
    cpu = v;
    e = open;
    while (e > b && isSpace(u[e - 1])) e--;
  }
  // optional tgid column `( 1977)` / `(-------)`
  if (e > b && u[e - 1] === 41) {
    const open = lastIndexIn(u, 40, e - 1, b);
    if (open > b) {
      const inner = s.slice(open + 1, e - 1).trim();
      let num = true;
      for (let i = 0; i < inner.length; i++) if (!isDigit(inner.charCodeAt(i))) num = false;
      let dashes = inner.length > 0;
      for (let i = 0; i < inner.length; i++) if (inner.charCodeAt(i) !== 45) dashes = false;
      if ((num && inner.length > 0 && inner.length <= 10) || dashes) {
        if (num) tgid = Number(inner);
        e = open;
        while (e > b && isSpace(u[e - 1])) e--;
      }
    }
  }
  if (e <= b) return setPrefix(b, b, -1, tgid, cpu);
  const dash = lastIndexIn(u, 45, e - 1, b);
  if (dash <= b || dash === e - 1) return false;
  let pid = 0;
  for (let i = dash + 1; i < e; i++) {
    const c = u[i];
    if (!isDigit(c)) return false;
    pid = pid * 10 + (c - 48);
  }
  if (e - dash - 1 > 10) return false;
  // `trace-cmd record -B name` files print each event of the instance as `name: comm-pid ...`:
  // the instance name (no spaces) and its colon are not part of the comm
  for (let i = b; i < dash - 1; i++) {
    if (u[i] === 32) {
      if (i > b + 1 && u[i - 1] === 58) {
        b = i + 1;
        while (b < dash && isSpace(u[b])) b++;
      }
      break;
    }
  }
  return setPrefix(b, dash, pid, tgid, cpu);
}

/** Normalises a printed pointer: `0xffff...`, bare hex, hashed, `(null)`/`(nil)` → '0'. */
function normPtr(v: string): string | null {
  if (v === '(null)' || v === '(nil)' || v === '0' || v === '(____ptrval____)') return v === '(____ptrval____)' ? null : '0';
  let i = 0;
  if (v.length > 1 && v.charCodeAt(0) === 48 && (v.charCodeAt(1) | 0x20) === 120) i = 2;
  if (v.length - i === 0 || v.length - i > 32) return null;
  let z = i;
  for (let k = i; k < v.length; k++) {
    const c = v.charCodeAt(k) | 0x20;
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return null;
  }
  while (z < v.length - 1 && v.charCodeAt(z) === 48) z++;
  const out = z === 0 ? v : v.slice(z);
  // lowercase only when needed (kernels print lowercase)
  for (let k = 0; k < out.length; k++) {
    const c = out.charCodeAt(k);
    if (c >= 65 && c <= 70) return out.toLowerCase();
  }
  return out;
}

function parseIntField(v: string): number | null {
  if (v.length === 0 || v.length > 20) return null;
  let i = 0;
  let neg = false;
  if (v.charCodeAt(0) === 45) {
    neg = true;
    i = 1;
  }
  if (i >= v.length) return null;
  if (v.length - i > 2 && v.charCodeAt(i) === 48 && (v.charCodeAt(i + 1) | 0x20) === 120) {
    const n = Number.parseInt(v.slice(i + 2), 16);
    if (!Number.isSafeInteger(n)) return null;
    for (let k = i + 2; k < v.length; k++) {
      const c = v.charCodeAt(k) | 0x20;
      if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return null;
    }
    return neg ? -n : n;
  }
  let n = 0;
  for (; i < v.length; i++) {
    const c = v.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return null;
    n = n * 10 + c;
  }
  if (!Number.isSafeInteger(n)) return null;
  return neg ? -n : n;
}

/**
 * The field keys the parser reads, by code (0: any other key, which is ignored). Codes instead of
 * strings: a field's dispatch is a jump on a small integer, not a chain of string compares.
 */
const FIELD_KEYS = [
  '', 'ptr', 'pfn', 'node', 'name', 'page', 'type', 'size', 'order', 'mm_id', 'member',
  'call_site', 'bytes_req', 'gfp_flags', 'accounted', 'bytes_alloc', 'migratetype',
] as const;
const K_PTR = 1, K_PFN = 2, K_NODE = 3, K_NAME = 4, K_PAGE = 5, K_TYPE = 6, K_SIZE = 7, K_ORDER = 8, K_MM_ID = 9, K_MEMBER = 10;
const K_CALL_SITE = 11, K_BYTES_REQ = 12, K_GFP_FLAGS = 13, K_ACCOUNTED = 14, K_BYTES_ALLOC = 15, K_MIGRATETYPE = 16;
const FIELD_KEY_BYTES = FIELD_KEYS.map((k) => Uint8Array.from(k, (c) => c.charCodeAt(0)));

/** The code of the key at u[a..b) (FIELD_KEYS), 0 for any other key. */
function keyCodeAt(u: Bytes, a: number, b: number): number {
  const c = u[a];
  let k = 0;
  switch (b - a) {
    case 3:
      k = c === 112 ? (u[a + 1] === 116 ? K_PTR : K_PFN) : 0;
      break;
    case 4:
      k = c === 110 ? (u[a + 1] === 111 ? K_NODE : K_NAME) : c === 112 ? K_PAGE : c === 116 ? K_TYPE : c === 115 ? K_SIZE : 0;
      break;
    case 5:
      k = c === 111 ? K_ORDER : c === 109 ? K_MM_ID : 0;
      break;
    case 6:
      k = c === 109 ? K_MEMBER : 0;
      break;
    case 9:
      k = c === 99 ? K_CALL_SITE : c === 98 ? K_BYTES_REQ : c === 103 ? K_GFP_FLAGS : c === 97 ? K_ACCOUNTED : 0;
      break;
    case 11:
      k = c === 98 ? K_BYTES_ALLOC : c === 109 ? K_MIGRATETYPE : 0;
      break;
  }
  if (k === 0) return 0;
  const kb = FIELD_KEY_BYTES[k];
  for (let i = 1; i < kb.length; i++) if (u[a + i] !== kb[i]) return 0;
  return k;
}

function isKeyChar(c: number): boolean {
  return (c >= 97 && c <= 122) || c === 95 || isDigit(c) || (c >= 65 && c <= 90);
}

/** parseIntField(s.slice(a, b)) without the slice (the common decimal case). */
function parseIntAt(u: Bytes, s: string, a: number, b: number): number | null {
  if (b - a === 0 || b - a > 20) return null;
  let i = a;
  let neg = false;
  if (u[i] === 45) {
    neg = true;
    i++;
  }
  if (i >= b) return null;
  if (b - i > 2 && u[i] === 48 && (u[i + 1] | 0x20) === 120) return parseIntField(s.slice(a, b));
  let n = 0;
  for (; i < b; i++) {
    const c = u[i] - 48;
    if (c < 0 || c > 9) return null;
    n = n * 10 + c;
  }
  if (!Number.isSafeInteger(n)) return null;
  return neg ? -n : n;
}

/** normPtr(s.slice(a, b)) for the common `0xHEX` / bare lowercase hex case; others go through normPtr. */
function normPtrAt(u: Bytes, s: string, a: number, b: number): string | null {
  let i = a;
  if (b - a > 1 && u[a] === 48 && (u[a + 1] | 0x20) === 120) i = a + 2;
  if (b - i === 0 || b - i > 32 || (i === a && b - a <= 6)) return normPtr(s.slice(a, b));
  for (let k = i; k < b; k++) {
    const c = u[k];
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return normPtr(s.slice(a, b));
  }
  let z = i;
  while (z < b - 1 && u[z] === 48) z++;
  return s.slice(z, b);
}

/**
 * setField(rec, key, s.slice(a, b)) that slices only the values kept as strings: numbers are read
 * in place (an event line has 5-8 fields; most are numbers).
 */
function setFieldAt(rec: TraceEvent, key: number, u: Bytes, s: string, a: number, b: number): boolean {
  switch (key) {
    case K_PTR: {
      const p = normPtrAt(u, s, a, b);
      if (p === null) return false;
      rec.ptr = p;
      return true;
    }
    case K_BYTES_REQ: {
      const n = parseIntAt(u, s, a, b);
      if (n === null || n < 0) return false;
      rec.bytesReq = n;
      return true;
    }
    case K_BYTES_ALLOC: {
      const n = parseIntAt(u, s, a, b);
      if (n === null || n < 0) return false;
      rec.bytesAlloc = n;
      return true;
    }
    case K_NODE: {
      const n = parseIntAt(u, s, a, b);
      if (n === null) return false;
      rec.node = n === 0xffffffff ? -1 : n;
      return true;
    }
    case K_ACCOUNTED: {
      const len = b - a;
      if (len === 4 && s.startsWith('true', a)) rec.accounted = true;
      else if (len === 5 && s.startsWith('false', a)) rec.accounted = false;
      else return setField(rec, 'accounted', s.slice(a, b));
      return true;
    }
    case K_PFN: {
      const n = parseIntAt(u, s, a, b);
      if (n === null || n < 0) return false;
      rec.pfn = n;
      return true;
    }
    case K_ORDER: {
      const n = parseIntAt(u, s, a, b);
      if (n === null) return false;
      rec.order = n;
      return true;
    }
    case K_MIGRATETYPE: {
      const n = parseIntAt(u, s, a, b);
      if (n === null) return false;
      rec.migratetype = n;
      return true;
    }
    case K_CALL_SITE:
    case K_GFP_FLAGS:
    case K_NAME:
    case K_PAGE:
    case K_TYPE:
    case K_MEMBER:
    case K_SIZE:
    case K_MM_ID:
      return setField(rec, FIELD_KEYS[key], s.slice(a, b));
    default:
      return true; // vendor or future fields are ignored (as setField does)
  }
}

/** Sets one `key=value` on the record. Returns false when a known field's value is unusable. */
function setField(rec: TraceEvent, key: string, v: string): boolean {
  switch (key) {
    case 'call_site':
      rec.callSite = v;
      return true;
    case 'ptr': {
      const p = normPtr(v);
      if (p === null) return false;
      rec.ptr = p;
      return true;
    }
    case 'bytes_req': {
      const n = parseIntField(v);
      if (n === null || n < 0) return false;
      rec.bytesReq = n;
      return true;
    }
    case 'bytes_alloc': {
      const n = parseIntField(v);
      if (n === null || n < 0) return false;
      rec.bytesAlloc = n;
      return true;
    }
    case 'gfp_flags':
      rec.gfpFlags = v;
      return true;
    case 'node': {
      const n = parseIntField(v);
      if (n === null) return false;
      rec.node = n === 0xffffffff ? -1 : n;
      return true;
    }
    case 'accounted':
      if (v === 'true' || v === '1') rec.accounted = true;
      else if (v === 'false' || v === '0') rec.accounted = false;
      else return false;
      return true;
    case 'name':
      rec.cacheName = v;
      return true;
    case 'page': {
      if (v === '(null)' || v === '(nil)') {
        rec.failed = true;
        return true;
      }
      const p = normPtr(v);
      if (p === null) return false;
      rec.page = p;
      return true;
    }
    case 'pfn': {
      const n = parseIntField(v);
      if (n === null || n < 0) return false;
      rec.pfn = n;
      return true;
    }
    case 'order': {
      const n = parseIntField(v);
      if (n === null) return false;
      rec.order = n;
      return true;
    }
    case 'migratetype': {
      const n = parseIntField(v);
      if (n === null) return false;
      rec.migratetype = n;
      return true;
    }
    case 'type':
    case 'member':
      rec.rssType = v;
      return true;
    case 'size': {
      const n = parseIntField(v.endsWith('B') ? v.slice(0, -1) : v);
      if (n === null) return false;
      rec.rssSize = n;
      return true;
    }
    case 'mm_id': {
      const n = parseIntField(v);
      if (n === null) return false;
      rec.mmId = n;
      return true;
    }
    default:
      return true; // vendor or future fields (nr_free=, curr=, cold=) are ignored
  }
}

/**
 * Where parseFields read the `ptr=` value of the last line (module slots, no result object):
 * s[ptrValueStart, ptrValueEnd) when the line had exactly one `ptr=` field whose value is a plain
 * hex token (digits, a-f, x), -1 otherwise. Such a token cannot change how the rest of the line
 * is read, which is what lets the field memo (createTraceCore) reuse a line's other fields.
 */
let ptrValueStart = -1;
let ptrValueEnd = -1;

/** A character of a plain hex pointer token (`0xffff8881...`, `ffff8881...`). */
function isPlainPtrChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70) || c === 120 || c === 88;
}

/**
 * Reads the `key=value` list after the event name. Tolerates the leading `(func+0x24)` of newer
 * trace-cmd, `ptr=  (null)`, `field=0xHEX (decimal)` pairs and a missing separator
 * (`bytes_req=56bytes_alloc=64`). Returns the first bad field, or null.
 */
function parseFields(rec: TraceEvent, u: Bytes, s: string, from: number, n: number): string | null {
  let i = from;
  let leadStart = -1;
  let leadEnd = -1;
  while (i < n && isSpace(u[i])) i++;
  if (i < n && u[i] === 40) {
    const close = indexIn(u, 41, i, n);
    if (close > 0) {
      leadStart = i + 1;
      leadEnd = close;
      i = close + 1;
    }
  }
  let bad: string | null = null;
  let ptrFields = 0;
  ptrValueStart = -1;
  ptrValueEnd = -1;
  while (i < n) {
    while (i < n && isSpace(u[i])) i++;
    if (i >= n) break;
    const ks = i;
    while (i < n && isKeyChar(u[i])) i++;
    if (i >= n || u[i] !== 61 || i === ks) {
      // not a key=value token: skip it
      while (i < n && !isSpace(u[i])) i++;
      continue;
    }
    const key = keyCodeAt(u, ks, i);
    i++; // '='
    let vs = i;
    // `ptr=  (null)` / `page= (null)`
    if (i < n && isSpace(u[i])) {
      let j = i;
      while (j < n && isSpace(u[j])) j++;
      if (s.startsWith('(null)', j) || s.startsWith('(nil)', j)) {
        vs = j;
        i = j;
      } else {
        if (!setField(rec, FIELD_KEYS[key], '') && bad === null) bad = FIELD_KEYS[key];
        continue;
      }
    }
    // one scan finds the value's end and its first '='
    let eqAt = -1;
    for (; i < n; i++) {
      const c = u[i];
      if (c === 32 || c === 9 || c === 13) break;
      if (c === 61 && eqAt < 0) eqAt = i;
    }
    // the value is s[vs..ve) unless `inner` replaces it
    let ve = i;
    let inner: string | null = null;
    if (eqAt > vs && key !== K_GFP_FLAGS && key !== K_CALL_SITE) {
      {
        // a missing separator: `56bytes_alloc=64` → value `56`, rescan from `bytes_alloc`
        let k = eqAt;
        while (k > vs && ((u[k - 1] >= 97 && u[k - 1] <= 122) || u[k - 1] === 95)) k--;
        if (k > vs) {
          i = k;
          ve = k;
        }
      }
    }
    // `field=0xHEX (decimal)` (options/fields printing)
    if (i + 1 < n && u[i + 1] === 40 && isSpace(u[i])) {
      const close = indexIn(u, 41, i + 2, Math.min(n, i + 24));
      if (close > 0) {
        const inn = s.slice(i + 2, close);
        if (parseIntField(inn) !== null) {
          if (key !== K_PTR && key !== K_PAGE && key !== K_CALL_SITE) inner = inn;
          i = close + 1;
        }
      }
    }
    if (key === K_PTR && ptrFields++ === 0 && eqAt < 0 && ve > vs) {
      let plain = true;
      for (let k = vs; k < ve; k++) if (!isPlainPtrChar(u[k])) plain = false;
      if (plain) {
        ptrValueStart = vs;
        ptrValueEnd = ve;
      }
    }
    const ok = inner !== null ? setField(rec, FIELD_KEYS[key], inner) : setFieldAt(rec, key, u, s, vs, ve);
    if (!ok && bad === null) bad = FIELD_KEYS[key];
  }
  if (ptrFields > 1) ptrValueStart = ptrValueEnd = -1;
  if (rec.callSite === undefined && leadEnd > leadStart) rec.callSite = s.slice(leadStart, leadEnd);
  return bad;
}

function missingField(rec: TraceEvent): string | null {
  switch (rec.event) {
    case 'kmalloc':
    case 'kmalloc_node':
    case 'kmem_cache_alloc':
    case 'kmem_cache_alloc_node':
      if (rec.ptr === undefined) return 'ptr';
      if (rec.bytesAlloc === undefined) return 'bytes_alloc';
      return null;
    case 'kfree':
    case 'kmem_cache_free':
      return rec.ptr === undefined ? 'ptr' : null;
    case 'mm_page_alloc':
    case 'mm_page_free':
    case 'mm_page_free_batched':
      if (rec.failed) return null;
      return rec.pfn === undefined && rec.page === undefined ? 'pfn' : null;
    default:
      return null;
  }
}

const TRACER_FRAME_PREFIXES = ['trace_event_raw_event_', 'perf_trace_', '__traceiter_', 'trace_call_bpf', '__bpf_trace_'];

/** `=> sym+off/len [mod] <addr>` / `=> sym (addr)` / `=> 0x7ed602d4` / `=> <00007f..>` → frame text. */
function parseFrame(s: string, from: number, n: number = s.length): string {
  let i = from;
  while (i < n && isSpace(s.charCodeAt(i))) i++;
  let e = n;
  while (e > i && isSpace(s.charCodeAt(e - 1))) e--;
  if (i >= e) return '';
  const first = s.charCodeAt(i);
  if (first === 60) {
    // `<00007f...>` user address
    return s.slice(i, e);
  }
  let end = i;
  while (end < e && !isSpace(s.charCodeAt(end))) end++;
  let frame = s.slice(i, end);
  // module in brackets after the symbol
  const mod = indexInText(s, 91, end, e);
  if (mod > 0) {
    const close = indexInText(s, 93, mod, e + 1);
    if (close > 0) frame += ' ' + s.slice(mod, close + 1);
  }
  return frame;
}

function frameSymbol(f: string): string {
  const plus = f.indexOf('+');
  return plus > 0 ? f.slice(0, plus) : f;
}

/** Slots of the field memo (direct-mapped; a power of two). */
const MEMO_SLOTS = 512;
/** Event kinds the field memo serves: the slab events (kmalloc .. kmem_cache_free), by their `ptr=`. */
const MEMO_LAST_KIND = TRACE_EVENT_KINDS.indexOf('kmem_cache_free');

/**
 * A slab event line's parsed fields, and its fields text before and after its `ptr=` value
 * (detached copies: an entry must not pin the chunk its line was cut from).
 */
class FieldMemo {
  /** The front end's per-shape slot (TraceCore.blockSlot): the last stack block after such a line. */
  block: unknown = undefined;
  readonly callSite: string | undefined;
  readonly bytesReq: number | undefined;
  readonly bytesAlloc: number | undefined;
  readonly gfpFlags: string | undefined;
  readonly node: number | undefined;
  readonly accounted: boolean | undefined;
  readonly cacheName: string | undefined;
  readonly page: string | undefined;
  readonly pfn: number | undefined;
  readonly order: number | undefined;
  readonly migratetype: number | undefined;
  readonly failed: boolean | undefined;
  readonly rssType: string | undefined;
  readonly rssSize: number | undefined;
  readonly mmId: number | undefined;
  constructor(
    readonly kind: number,
    readonly pre: string,
    readonly post: string,
    r: TraceEvent,
  ) {
    this.callSite = r.callSite === undefined ? undefined : detach(r.callSite);
    this.bytesReq = r.bytesReq;
    this.bytesAlloc = r.bytesAlloc;
    this.gfpFlags = r.gfpFlags === undefined ? undefined : detach(r.gfpFlags);
    this.node = r.node;
    this.accounted = r.accounted;
    this.cacheName = r.cacheName === undefined ? undefined : detach(r.cacheName);
    this.page = r.page === undefined ? undefined : detach(r.page);
    this.pfn = r.pfn;
    this.order = r.order;
    this.migratetype = r.migratetype;
    this.failed = r.failed;
    this.rssType = r.rssType === undefined ? undefined : detach(r.rssType);
    this.rssSize = r.rssSize;
    this.mmId = r.mmId;
  }

  /** Sets every field parseFields can set, except ptr, as the remembered line had them. */
  fill(r: TraceEvent): void {
    r.callSite = this.callSite;
    r.bytesReq = this.bytesReq;
    r.bytesAlloc = this.bytesAlloc;
    r.gfpFlags = this.gfpFlags;
    r.node = this.node;
    r.accounted = this.accounted;
    r.cacheName = this.cacheName;
    r.page = this.page;
    r.pfn = this.pfn;
    r.order = this.order;
    r.migratetype = this.migratetype;
    r.failed = this.failed;
    r.rssType = this.rssType;
    r.rssSize = this.rssSize;
    r.mmId = this.mmId;
  }
}

/**
 * The memo slot of a fields text u[from, n) of event kind `kind`: its length and a few bytes near
 * its start (where the call site is printed, before the pointer on every kernel's format), so
 * that the lines of one call site share a slot. Collisions only cost a miss: a hit is confirmed
 * by comparing the text.
 */
function memoSlot(kind: number, u: Bytes, from: number, n: number): number {
  let f = from;
  while (f < n && u[f] === 32) f++;
  let h = Math.imul((n - from) ^ (kind << 16), 0x9e3779b1);
  if (f + 15 < n) {
    h = Math.imul(h ^ u[f + 1], 16777619);
    h = Math.imul(h ^ u[f + 3], 16777619);
    h = Math.imul(h ^ u[f + 11], 16777619);
    h = Math.imul(h ^ u[f + 13], 16777619);
    h = Math.imul(h ^ u[f + 15], 16777619);
  }
  return (h >>> 16) & (MEMO_SLOTS - 1);
}

/**
 * Creates the push-style core shared by both parser definitions (and the byte front end).
 * @example
 * const core = createTraceCore({ stacks: true });
 * core.line('  a-1 [000] 1.0: kfree: call_site=f ptr=0x1', 1, emit);
 */
/**
 * The core's options: the parser options plus internal switches (for tests and benchmarks, not
 * part of the public option schema).
 */
export type TraceCoreOptions = Partial<TraceParseOptions> & {
  /** The field memo (default true); tests turn it off to check that it changes no result. */
  fieldMemo?: boolean;
};

export function createTraceCore(options: TraceCoreOptions): TraceCore {
  const keepStacks = options.stacks ?? true;
  const dropTracer = options.dropTracerFrames ?? true;
  const stackIds = new Map<string, number>();
  const pending: Pending[] = [];
  /** The stack block being read: its frames go to `target`. */
  let block: { target: Pending | null; kind: 'kernel' | 'user'; frames: string[]; dropped: number } | null = null;
  /** Frames beyond MAX_STACK_FRAMES dropped from each shared frames array (byte front end). */
  const droppedByFrames = new Map<string[], number>();
  const setSharedFrames = (b: NonNullable<typeof block>, f: string[]): void => {
    b.frames = f;
    b.dropped = droppedByFrames.size > 0 ? (droppedByFrames.get(f) ?? 0) : 0;
  };
  /**
   * The field memo. A kernel prints the same fields for every allocation by one call site apart
   * from the pointer (in the real D1 captures 99.6 % of slab events repeat a line among the last
   * 64 of their kind that way), and reading `key=value` fields byte by byte is most of an event
   * line's cost. A slab event whose fields text equals a remembered line's outside a plain hex
   * `ptr=` value takes that line's parsed fields and reads only its pointer: two native string
   * compares instead of a scan of every field. Exact: the text outside the pointer is compared
   * whole, and a plain hex token cannot change how the rest of a line is read (parseFields).
   */
  const useMemo = options.fieldMemo ?? true;
  const memo: (FieldMemo | undefined)[] = new Array<FieldMemo | undefined>(MEMO_SLOTS).fill(undefined);
  /** Fills rec from the memo when its fields text text[from, n) matches an entry; false on a miss. */
  const fromMemo = (rec: TraceEvent, slot: number, kind: number, u: Bytes, text: string, from: number, n: number): boolean => {
    const m = memo[slot];
    if (m === undefined || m.kind !== kind) return false;
    const ps = from + m.pre.length;
    if (ps >= n || text.slice(from, ps) !== m.pre) return false;
    let pe = ps;
    while (pe < n && isPlainPtrChar(u[pe])) pe++;
    if (pe === ps || n - pe !== m.post.length || (pe < n && !isSpace(u[pe]))) return false;
    if (m.post.length > 0 && text.slice(pe, n) !== m.post) return false;
    const ptr = normPtrAt(u, text, ps, pe);
    if (ptr === null) return false;
    m.fill(rec);
    rec.ptr = ptr;
    return true;
  };
  /** Frames by content hash (byte front end); bounded by the number of distinct stacks. */
  const framesByKey = new Map<string, string[]>();
  const unknownSeen = new Set<string>();
  let lastTs = -Infinity;
  /**
   * Per-line counters kept here and added to the stats at end(): one emit.count per event line
   * cost a Map update each. The first of each still goes through emit.count (by 0), so the
   * counters keep their first-seen order in the stats.
   */
  const kindCounts = new Float64Array(TRACE_EVENT_KINDS.length);
  let kernelStacks = 0;
  let userStacks = 0;
  const countStack = (user: boolean, emit: Emit<TraceRecord>): void => {
    if (user) {
      if (userStacks++ === 0) emit.count('userStacks', 0);
    } else if (kernelStacks++ === 0) emit.count('kernelStacks', 0);
  };
  /** The byte view of a line given as text (line()). */
  let scratch = new Uint8Array(256);

  /** Stack id by frames array identity: the byte front end hands over one shared array per distinct stack. */
  const idByArray = new Map<string[], number>();
  const intern = (frames: string[], kind: 'kernel' | 'user', line: number, emit: Emit<TraceRecord>): number => {
    const known = kind === 'kernel' ? idByArray.get(frames) : undefined;
    if (known !== undefined) return known;
    const id = internSlow(frames, kind, line, emit);
    if (kind === 'kernel' && framesShared.has(frames)) idByArray.set(frames, id);
    return id;
  };
  const framesShared = new Set<string[]>();
  const internSlow = (frames: string[], kind: 'kernel' | 'user', line: number, emit: Emit<TraceRecord>): number => {
    let f = frames;
    if (dropTracer && kind === 'kernel') {
      let k = 0;
      while (k < f.length - 1 && TRACER_FRAME_PREFIXES.some((p) => f[k].startsWith(p))) k++;
      if (k > 0) f = f.slice(k);
    }
    const key = (kind === 'user' ? 'u|' : 'k|') + f.join('\n');
    let id = stackIds.get(key);
    if (id === undefined) {
      id = stackIds.size;
      stackIds.set(key, id);
      emit.record({ type: 'stack', id, kind, frames: f.map(detach), line });
    }
    return id;
  };

  const release = (p: Pending, emit: Emit<TraceRecord>): void => {
    if (p.rec === null) return;
    if (keepStacks) {
      if (p.kstack && p.kstack.length > 0) p.rec.stackId = intern(p.kstack, 'kernel', p.rec.line, emit);
      if (p.ustack && p.ustack.length > 0) p.rec.userStackId = intern(p.ustack, 'user', p.rec.line, emit);
    }
    emit.record(p.rec);
  };

  const flushDone = (emit: Emit<TraceRecord>, all: boolean): void => {
    let k = 0;
    while (k < pending.length && (all || pending[k].done || pending.length - k > MAX_PENDING)) {
      release(pending[k], emit);
      k++;
    }
    for (; k > 0; k--) pending.shift();
  };

  const closeBlock = (emit: Emit<TraceRecord>): void => {
    if (!block) return;
    if (block.dropped > 0 && block.target?.rec) {
      // the outermost frames of a very deep stack: counted and reported, never silently lost
      emit.count('stackFramesDropped', block.dropped);
      emit.diagnostic('trace-stack-truncated', `${block.kind} stack of ${block.frames.length + block.dropped} frames: kept the innermost ${MAX_STACK_FRAMES}, dropped ${block.dropped}`, {
        line: block.target.rec.line,
      });
    }
    if (block.target) {
      if (block.kind === 'kernel') block.target.kstack = block.frames;
      else block.target.ustack = block.frames;
    }
    block = null;
  };

  const startStack = (cpu: number, kind: 'kernel' | 'user', emit: Emit<TraceRecord>): void => {
    closeBlock(emit);
    let target: Pending | null = null;
    for (let k = pending.length - 1; k >= 0; k--) {
      const p = pending[k];
      if (p.cpu === cpu || cpu < 0 || p.cpu < 0) {
        if (!p.done && (kind === 'kernel' ? p.kstack === null : p.ustack === null)) target = p;
        break;
      }
    }
    if (target === null) {
      emit.diagnostic('trace-orphan-stack', `${kind} stack with no event before it on CPU ${cpu}`);
    }
    block = { target, kind, frames: [], dropped: 0 };
  };

  return {
    blockState() {
      return block === null ? 0 : block.target === null ? 2 : 1;
    },
    blockSlot() {
      return block === null || block.target === null || block.target.memo === null ? undefined : block.target.memo;
    },
    setBlockByKey(key, frameCount, frames) {
      if (block === null || block.target === null || !keepStacks || frameCount === 0) return null;
      let f = framesByKey.get(key);
      if (f === undefined) {
        f = frames();
        const dropped = f.length - MAX_STACK_FRAMES;
        if (dropped > 0) f = f.slice(0, MAX_STACK_FRAMES);
        framesByKey.set(detach(key), f);
        framesShared.add(f);
        if (dropped > 0) droppedByFrames.set(f, dropped);
      }
      setSharedFrames(block, f);
      return f;
    },
    useBlockFrames(f) {
      if (block === null || block.target === null || !keepStacks) return;
      setSharedFrames(block, f);
    },
    frameText: parseFrame,
    line(text, lineNo, emit) {
      // the byte view of the line: ASCII as is, any other character as 0x80 (every decision the
      // parser takes is on ASCII characters, so offsets and outcomes match the text exactly)
      const len = text.length;
      if (scratch.length < len) scratch = new Uint8Array(Math.max(len, scratch.length * 2));
      const u = scratch;
      for (let k = 0; k < len; k++) {
        const c = text.charCodeAt(k);
        u[k] = c < 128 ? c : 0x80;
      }
      this.lineBytes(u, text, 0, len, lineNo, emit);
    },
    lineBytes(u, text, b0, n, lineNo, emit) {
      // fast path: stack frame lines
      let i = b0;
      while (i < n && isSpace(u[i])) i++;
      if (i >= n) {
        closeBlock(emit);
        emit.skip('blank');
        return;
      }
      const c0 = u[i];
      if (c0 === 61 && i + 1 < n && u[i + 1] === 62) {
        // `=>`
        if (block === null) {
          emit.diagnostic('trace-orphan-stack', 'stack frame outside a stack block', { excerpt: excerptOf(text, b0, n) });
          emit.skip('orphan-frame');
          return;
        }
        if (block.target === null) {
          emit.skip('orphan-frame');
          return;
        }
        if (keepStacks) {
          const f = parseFrame(text, i + 2, n);
          if (f.length > 0) {
            if (block.frames.length < MAX_STACK_FRAMES) block.frames.push(f);
            else block.dropped++;
          }
        }
        return;
      }
      closeBlock(emit);
      if (c0 === 35) {
        // `# tracer: nop`, header block, `##### CPU 1 buffer started ####` (rare: on the line's own text)
        const line = b0 === 0 && n === text.length ? text : text.slice(b0, n);
        const ew = line.indexOf('entries-in-buffer/entries-written:');
        if (ew >= 0) {
          const rest = line.slice(ew + 34).trim();
          const slash = rest.indexOf('/');
          const sp = rest.indexOf(' ');
          const inBuf = parseIntField(rest.slice(0, slash));
          const written = parseIntField(rest.slice(slash + 1, sp < 0 ? rest.length : sp));
          if (inBuf !== null && written !== null && written > inBuf) {
            emit.diagnostic('trace-lost-events', `ring buffer overwrote ${written - inBuf} events (entries-written > entries-in-buffer)`, { excerpt: excerptOf(text, b0, n) });
            return;
          }
        }
        emit.skip('header');
        return;
      }
      const tsColon = findTimestamp(u, text, b0, n);
      if (tsColon < 0) {
        // not an event line (rare): work on the line's own text
        const line = b0 === 0 && n === text.length ? text : text.slice(b0, n);
        if (line.includes('[LOST') && line.includes('EVENTS]')) {
          emit.diagnostic('trace-lost-events', 'the tracer lost events here (buffer overrun)', { excerpt: excerptOf(text, b0, n) });
          emit.count('lostEventMarkers');
          return;
        }
        const t = line.slice(i - b0);
        if (
          t.startsWith('cpus=') ||
          t.startsWith('version =') ||
          t.startsWith('version=') ||
          (t.startsWith('CPU ') && t.includes(' is empty')) ||
          t.startsWith('CPU:') ||
          t.startsWith('trace-cmd: ') ||
          t.startsWith('TRACE_')
        ) {
          emit.skip('header');
          return;
        }
        emit.diagnostic('unrecognized-line', 'not a trace event, stack frame or header line', { excerpt: excerptOf(text, b0, n) });
        return;
      }
      const tsStart = timestampStart;
      if (!parsePrefix(u, text, b0, tsStart)) {
        emit.diagnostic('unrecognized-line', 'cannot read the task-pid / CPU columns before the timestamp', { excerpt: excerptOf(text, b0, n) });
        return;
      }
      const cpu = prefixCpu;
      let j = tsColon + 1;
      while (j < n && isSpace(u[j])) j++;
      // `<stack trace>` / `<user stack trace>` pseudo-events (ftrace)
      if (j < n && u[j] === 60) {
        const user = j + 5 <= n && text.startsWith('<user', j);
        startStack(cpu, user ? 'user' : 'kernel', emit);
        countStack(user, emit);
        return;
      }
      const colonAt = text.indexOf(':', j);
      const nameEnd = colonAt < n ? colonAt : -1;
      let name: string;
      let fieldsAt: number;
      const known = nameEnd > j ? knownNameAt(u, j, nameEnd) : null;
      if (known !== null) {
        name = known;
        fieldsAt = nameEnd + 1;
      } else if (nameEnd < 0) {
        let e2 = j;
        while (e2 < n && !isSpace(u[e2])) e2++;
        name = text.slice(j, e2);
        fieldsAt = e2;
      } else {
        name = text.slice(j, nameEnd);
        fieldsAt = nameEnd + 1;
        if (name.indexOf(' ') >= 0) {
          // function tracer `func <-parent` or free text: not an event name
          let e2 = j;
          while (e2 < n && !isSpace(u[e2])) e2++;
          name = text.slice(j, e2);
          fieldsAt = e2;
        }
      }
      if (known === null && name.startsWith('kmem:')) name = name.slice(5);
      if (name === 'kernel_stack' || name === 'user_stack') {
        startStack(cpu, name === 'user_stack' ? 'user' : 'kernel', emit);
        countStack(name === 'user_stack', emit);
        return;
      }
      // a new event on this CPU closes the stack window of the previous one
      for (let k = pending.length - 1; k >= 0; k--) {
        const p = pending[k];
        if (p.cpu === cpu) {
          p.done = true;
          break;
        }
      }
      if (cpu < 0) for (const p of pending) p.done = true;
      const kindIndex = known !== null ? knownNameIndex : KIND_INDEX.get(name);
      if (kindIndex === undefined) {
        // Untrusted names: counters and messages carry at most 64 characters of them, and at most
        // MAX_UNKNOWN_EVENT_NAMES distinct ones; the rest are counted together.
        const shown = name.length > 64 ? `${name.slice(0, 63)}…` : name;
        const known = unknownSeen.has(shown);
        if (!known && unknownSeen.size < MAX_UNKNOWN_EVENT_NAMES) {
          unknownSeen.add(detach(shown));
          emit.diagnostic('trace-unknown-event', `event "${shown}" is not analysed; counted`, { excerpt: excerptOf(text, b0, n) });
        }
        emit.count(known || unknownSeen.has(shown) ? `event:${shown}` : 'event:(other event names)');
        pending.push({ rec: null, memo: null, cpu: cpu, done: false, kstack: null, ustack: null });
        flushDone(emit, false);
        emit.skip('other-event');
        return;
      }
      const kind = TRACE_EVENT_KINDS[kindIndex];
      if (kindCounts[kindIndex]++ === 0) emit.count(COUNT_KEYS[kindIndex], 0);
      const tsv = parseTimestampAt(u, text, tsStart, tsColon);
      if (!Number.isFinite(tsv)) {
        emit.diagnostic('number-out-of-range', 'timestamp is not a finite number', { excerpt: excerptOf(text, b0, n) });
        return;
      }
      const rec = newTraceEvent(tsv, cpu, prefixCommEnd > prefixCommStart ? text.slice(prefixCommStart, prefixCommEnd) : '', prefixPid, prefixTgid, kind, lineNo);
      if (prefixIrq !== 0) rec.irqContext = IRQ_CONTEXTS[prefixIrq];
      const slot = useMemo && kindIndex <= MEMO_LAST_KIND ? memoSlot(kindIndex, u, fieldsAt, n) : -1;
      let missing: string | null = null;
      let eventMemo: FieldMemo | null = null;
      if (slot >= 0 && fromMemo(rec, slot, kindIndex, u, text, fieldsAt, n)) eventMemo = memo[slot]!;
      else {
        const bad = parseFields(rec, u, text, fieldsAt, n);
        missing = bad ?? missingField(rec);
        if (missing === null && slot >= 0 && ptrValueStart >= 0) {
          eventMemo = new FieldMemo(kindIndex, detach(text.slice(fieldsAt, ptrValueStart)), detach(text.slice(ptrValueEnd, n)), rec);
          memo[slot] = eventMemo;
        }
      }
      if (missing !== null) {
        emit.diagnostic('trace-bad-event-fields', `${name}: field ${missing}= missing or unreadable`, { excerpt: excerptOf(text, b0, n) });
        pending.push({ rec: null, memo: null, cpu: cpu, done: false, kstack: null, ustack: null });
        flushDone(emit, false);
        return;
      }
      if (tsv < lastTs) {
        emit.diagnostic('time-went-backwards', `timestamp ${tsv} is before ${lastTs}`, { excerpt: excerptOf(text, b0, n) });
      } else lastTs = tsv;
      pending.push({ rec, memo: eventMemo, cpu: cpu, done: false, kstack: null, ustack: null });
      flushDone(emit, false);
    },
    end(emit) {
      closeBlock(emit);
      flushDone(emit, true);
      for (let k = 0; k < kindCounts.length; k++) if (kindCounts[k] > 0) emit.count(COUNT_KEYS[k], kindCounts[k]);
      if (kernelStacks > 0) emit.count('kernelStacks', kernelStacks);
      if (userStacks > 0) emit.count('userStacks', userStacks);
    },
  };
}

export { frameSymbol };
