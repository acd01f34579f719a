import { MemforensicsInputError } from '../../core/errors.js';
import type { DiagnosticCode } from '../../core/diagnostic-codes.js';
import { DEFAULT_DECOMPRESSION_LIMITS, type DecompressionLimits } from '../../core/limits.js';
import { LineAccounting, type CommonParseOptions, type Emit, type ParseResult } from '../../core/parser.js';
import { newTraceEvent, TRACE_EVENT_KINDS, type TraceEvent, type TraceEventKind, type TraceParseOptions, type TraceRecord } from '../tracecmd/core.js';
import { type ByteSource, Endian, hex64, latin1Of } from './bytes.js';
import { type EventField, type EventFormat, type FlagName, flagNames, symbolicTable } from './formats.js';
import { type CpuData, decompressBlock, readTraceDatHeader, type TraceDatHeader } from './header.js';

/**
 * The ring-buffer data of a trace.dat: each CPU's pages (page header: timestamp, commit; event
 * headers: 5-bit type_len, 27-bit time delta, with padding (29), time extends (30) and absolute
 * time stamps (31), type_len 0 = a length word), the CPUs merged in timestamp order as trace-cmd
 * report merges them, each event decoded from its own format file into the SAME records the
 * `trace-cmd report` text parser emits (src/parsers/tracecmd), so pairing cannot tell them apart.
 */

const TYPE_PADDING = 29;
const TYPE_TIME_EXTEND = 30;
const TYPE_TIME_STAMP = 31;
const TS_SHIFT_MUL = 2 ** 27;
/** The commit word: low 27 bits the data size, bit 31 events were lost before the page, bit 30 their count is stored after the data. */
const COMMIT_MASK = (1 << 27) - 1;
const MISSED_EVENTS = 2 ** 31;
const MISSED_STORED = 2 ** 30;
/** Bytes of raw CPU data read per refill (uncompressed files): bounded memory per CPU. */
const WINDOW_BYTES = 1 << 20;
/**
 * Most bytes one compressed chunk of CPU data may declare: trace-cmd writes 10 pages a chunk
 * (PAGES_IN_CHUNK in trace-output.c), so 64 MiB is far above any real one and bounds what a
 * hostile size can make the reader allocate per CPU.
 */
export const MAX_CHUNK_BYTES = 64 * 1024 * 1024;

export interface TraceDatParseOptions extends CommonParseOptions, Partial<TraceParseOptions> {
  decompression?: Partial<DecompressionLimits>;
  /** Reports bytes of CPU data consumed so far (progress). */
  onProgress?: (bytesRead: number) => void;
}

type Diag = (code: DiagnosticCode, message: string) => void;

/** One CPU's events in order, read window by window (or chunk by chunk) from the source. */
class CpuStream {
  buf: Uint8Array = new Uint8Array(0);
  /** Start of the current page in buf (-1: before the first). */
  #pageAt = -1;
  #pos = 0;
  #pageEnd = 0;
  /** Current event: its data in buf, its length and timestamp (ns, raw clock). */
  evAt = 0;
  evLen = 0;
  ts = 0;
  #nextFileAt: number;
  #chunksLeft = -1;
  #fileEnd: number;
  done = false;

  constructor(
    readonly cpu: CpuData,
    readonly header: TraceDatHeader,
    readonly source: ByteSource,
    readonly endian: Endian,
    readonly limits: DecompressionLimits,
    readonly diag: Diag,
    readonly progress: (n: number) => void,
  ) {
    this.#nextFileAt = cpu.offset;
    // compressed data is bounded by its chunk count (its declared size leaves out the chunk headers)
    this.#fileEnd = header.chunkedCpuData ? source.size : cpu.offset + cpu.size;
    if (this.#fileEnd > source.size) {
      diag('trace-dat-truncated', `CPU ${cpu.cpu}: data declared up to byte ${this.#fileEnd}, the file ends at ${source.size} (${this.#fileEnd - source.size} bytes missing); every complete page before the cut was read`);
      this.#fileEnd = source.size;
    }
  }

  /** Loads the next window of pages; false at the end of this CPU's data. */
  async fill(): Promise<boolean> {
    const page = this.header.pageSize;
    if (!this.header.chunkedCpuData) {
      const left = this.#fileEnd - this.#nextFileAt;
      const whole = Math.floor(left / page) * page;
      if (whole <= 0) {
        if (left > 0) this.diag('trace-dat-truncated', `CPU ${this.cpu.cpu}: the data ends with a partial page of ${left} bytes; it was not read`);
        this.done = true;
        return false;
      }
      const n = Math.min(whole, Math.max(page, Math.floor(WINDOW_BYTES / page) * page));
      this.buf = await this.source.read(this.#nextFileAt, n);
      this.#nextFileAt += n;
      this.progress(n);
    } else {
      for (;;) {
        if (this.#chunksLeft < 0) {
          if (this.#nextFileAt + 4 > this.#fileEnd) {
            this.diag('trace-dat-truncated', `CPU ${this.cpu.cpu}: the file ends before its compressed data starts (byte ${this.#nextFileAt} of ${this.source.size}); none of it was read`);
            return this.#end();
          }
          this.#chunksLeft = this.endian.u32(await this.source.read(this.#nextFileAt, 4), 0);
          this.#nextFileAt += 4;
        }
        if (this.#chunksLeft === 0) return this.#end();
        if (this.#nextFileAt + 8 > this.#fileEnd) {
          this.diag('trace-dat-truncated', `CPU ${this.cpu.cpu}: the file ends before ${this.#chunksLeft} declared compressed chunks`);
          return this.#end();
        }
        const h = await this.source.read(this.#nextFileAt, 8);
        const csize = this.endian.u32(h, 0);
        const usize = this.endian.u32(h, 4);
        this.#nextFileAt += 8;
        this.#chunksLeft--;
        if (this.#nextFileAt + csize > this.#fileEnd) {
          this.diag('trace-dat-truncated', `CPU ${this.cpu.cpu}: a compressed chunk of ${csize} bytes runs past the end of the file; the chunks before it were read`);
          return this.#end();
        }
        if (usize > MAX_CHUNK_BYTES || csize > MAX_CHUNK_BYTES) {
          // the rest of the chunk list is not to be trusted either: its sizes chain from this one
          this.diag('trace-dat-bad-chunk', `CPU ${this.cpu.cpu}: a compressed chunk declares ${csize} bytes expanding to ${usize} (at most ${MAX_CHUNK_BYTES} are read); this CPU's remaining ${this.#chunksLeft + 1} chunks were skipped`);
          return this.#end();
        }
        const data = await this.source.read(this.#nextFileAt, csize);
        this.#nextFileAt += csize;
        this.progress(csize + 8);
        try {
          this.buf = decompressBlock(this.header.compression!.name, data, usize, this.limits);
        } catch (e) {
          this.diag('trace-dat-bad-chunk', `CPU ${this.cpu.cpu}: ${String((e as Error)?.message ?? e)}; its pages were skipped`);
          continue;
        }
        break;
      }
    }
    this.#pageAt = -page;
    this.#pos = 0;
    this.#pageEnd = 0;
    return true;
  }

  #end(): boolean {
    this.done = true;
    return false;
  }

  /** Moves to the next page in buf; false when buf holds no further page. */
  #nextPage(): boolean {
    const page = this.header.pageSize;
    const layout = this.header.page;
    const e = this.endian;
    for (;;) {
      this.#pageAt += page;
      if (this.#pageAt + page > this.buf.length) return false;
      const at = this.#pageAt;
      const ts = e.u64(this.buf, at + layout.timestampOffset);
      const commitWord = layout.commitSize === 8 ? e.u64(this.buf, at + layout.commitOffset) : e.u32(this.buf, at + layout.commitOffset);
      const lowWord = commitWord % 2 ** 32;
      const size = lowWord & COMMIT_MASK;
      if (lowWord >= MISSED_EVENTS) {
        let count = '';
        if (lowWord % MISSED_EVENTS >= MISSED_STORED && layout.dataOffset + size + layout.commitSize <= page) {
          const n = layout.commitSize === 8 ? e.u64(this.buf, at + layout.dataOffset + size) : e.u32(this.buf, at + layout.dataOffset + size);
          count = ` (${n})`;
        }
        this.diag('trace-dat-missed-events', `CPU ${this.cpu.cpu}: the kernel lost events${count} before the page at timestamp ${ts}`);
      }
      if (layout.dataOffset + size > page) {
        this.diag('trace-dat-bad-page', `CPU ${this.cpu.cpu}: a page commits ${size} bytes, more than the page holds; skipped`);
        continue;
      }
      this.ts = ts;
      this.#pos = at + layout.dataOffset;
      this.#pageEnd = this.#pos + size;
      return true;
    }
  }

  /** Moves to the next data event in buf (evAt/evLen/ts); false when buf is used up. */
  advance(): boolean {
    const u = this.buf;
    const e = this.endian;
    const little = e.little;
    for (;;) {
      if (this.#pos + 4 > this.#pageEnd) {
        if (!this.#nextPage()) return false;
        continue;
      }
      const at = this.#pos;
      const h = e.u32(u, at);
      const typeLen = little ? h & 31 : h >>> 27;
      const delta = little ? h >>> 5 : h & 0x7ffffff;
      if (typeLen === TYPE_PADDING) {
        if (delta === 0 || at + 8 > this.#pageEnd) {
          this.#pos = this.#pageEnd; // the rest of the page is empty
          continue;
        }
        this.#pos = at + 4 + e.u32(u, at + 4);
        this.ts += delta;
        continue;
      }
      if (typeLen === TYPE_TIME_EXTEND || typeLen === TYPE_TIME_STAMP) {
        if (at + 8 > this.#pageEnd) {
          this.#bad('a time extend cut by the end of the page');
          continue;
        }
        const v = e.u32(u, at + 4) * TS_SHIFT_MUL + delta;
        if (typeLen === TYPE_TIME_EXTEND) this.ts += v;
        else {
          // the kernel stores the low 59 bits; the page timestamp gives the top ones
          const top = this.ts - (this.ts % 2 ** 59);
          this.ts = top + v;
        }
        this.#pos = at + 8;
        continue;
      }
      let dataAt: number;
      let len: number;
      if (typeLen === 0) {
        if (at + 8 > this.#pageEnd) {
          this.#bad('an event length word cut by the end of the page');
          continue;
        }
        const l = e.u32(u, at + 4);
        if (l < 4) {
          this.#bad(`an event of length ${l}`);
          continue;
        }
        len = l - 4;
        dataAt = at + 8;
        this.#pos = dataAt + ((len + 3) & ~3);
      } else {
        len = typeLen * 4;
        dataAt = at + 4;
        this.#pos = dataAt + len;
      }
      if (dataAt + len > this.#pageEnd) {
        this.#bad(`an event of ${len} bytes runs past the page's committed data`);
        continue;
      }
      this.ts += delta;
      this.evAt = dataAt;
      this.evLen = len;
      return true;
    }
  }

  #bad(message: string): void {
    this.diag('trace-dat-bad-page', `CPU ${this.cpu.cpu}: ${message}; the rest of the page was skipped`);
    this.#pos = this.#pageEnd;
  }
}

interface Pending {
  rec: TraceEvent | null;
  cpu: number;
  done: boolean;
  kstack: string[] | null;
  ustack: string[] | null;
}

const TRACER_FRAME_PREFIXES = ['trace_event_raw_event_', 'perf_trace_', '__traceiter_', 'trace_call_bpf', '__bpf_trace_'];
const MAX_PENDING = 64;
const MAX_STACK_FRAMES = 256;
const KIND_SET = new Set<string>(TRACE_EVENT_KINDS);

/** How one event type is decoded: its kind and the fields it has (looked up once per format). */
interface Decoder {
  readonly name: string;
  readonly kind: TraceEventKind | 'kernel_stack' | 'user_stack' | null;
  readonly pid: EventField | undefined;
  /** common_flags: the irq context bits (see dataEvent). */
  readonly flags: EventField | undefined;
  readonly f: Readonly<Record<string, EventField | undefined>>;
  readonly gfp: readonly FlagName[] | null;
  /** `__GFP_ACCOUNT`'s bit, for kmalloc's `accounted=` computed from gfp_flags. */
  readonly accountBit: number | null;
  readonly rssNames: ReadonlyMap<number, string> | null;
}

function decoderOf(format: EventFormat): Decoder {
  const name = format.name;
  const kind = KIND_SET.has(name) && format.system === 'kmem' ? (name as TraceEventKind) : format.system === 'ftrace' && (name === 'kernel_stack' || name === 'user_stack') ? name : null;
  const f: Record<string, EventField | undefined> = {};
  for (const k of ['call_site', 'ptr', 'bytes_req', 'bytes_alloc', 'gfp_flags', 'node', 'accounted', 'name', 'page', 'pfn', 'order', 'migratetype', 'mm_id', 'member', 'size', 'caller']) f[k] = format.fields.get(k);
  const gfp = format.gfpFlagNames;
  const account = gfp?.find((x) => x.name === '__GFP_ACCOUNT');
  let rssNames: Map<number, string> | null = null;
  if (name === 'rss_stat') {
    const table = symbolicTable(format.printFmt, 'member');
    if (table) rssNames = new Map(table.map((x) => [x.value, x.name]));
  }
  return {
    name,
    kind,
    pid: format.fields.get('common_pid'),
    flags: format.fields.get('common_flags'),
    f,
    gfp,
    accountBit: format.printFmt.includes('accounted=') && !f.accounted && account ? account.value : null,
    rssNames,
  };
}

/**
 * Parses a trace.dat from a random-access source into the trace-cmd parser's records.
 * Corrupt or truncated metadata throws a CORRUPT_INPUT MemforensicsInputError; damage in the CPU
 * data becomes data-loss diagnostics and everything readable is kept.
 * @example
 * const { records } = await parseTraceDatSource(bytesSource(bytes));
 */
export async function parseTraceDatSource(source: ByteSource, options: TraceDatParseOptions = {}): Promise<ParseResult<TraceRecord> & { header: TraceDatHeader }> {
  const limits = { ...DEFAULT_DECOMPRESSION_LIMITS, ...options.decompression };
  const header = await readTraceDatHeader(source, limits);
  const acct = new LineAccounting<TraceRecord>('trace-dat', options);
  const emit = acct.emit;
  const endian = new Endian(header.littleEndian);
  const keepStacks = options.stacks ?? true;
  const dropTracer = options.dropTracerFrames ?? true;
  let eventNo = 0;
  const diag: Diag = (code, message) => emit.diagnostic(code, message, { line: eventNo });
  for (const note of header.unsupported) diag('trace-dat-unsupported', `not read: ${note}`);
  // the ring buffer's own count of what it lost (CPUSTAT options), the trace-cmd-stat parser's warning
  for (const stat of header.cpuStatCounts) {
    if (stat.buffer !== header.buffer) continue;
    const lost = (stat.overrun ?? 0) + (stat.commitOverrun ?? 0) + (stat.droppedEvents ?? 0);
    if (lost > 0) {
      diag('trace-lost-events', `CPU ${stat.cpu} lost ${lost.toLocaleString('en-US')} events (overrun ${stat.overrun ?? 0}, commit overrun ${stat.commitOverrun ?? 0}, dropped ${stat.droppedEvents ?? 0}): its missing frees can show false leaks and its missing allocations hide real ones; record again with a larger buffer (trace-cmd record -b)`);
    }
    if ((stat.entries ?? 0) > 0) {
      diag('trace-dat-unread-events', `CPU ${stat.cpu}: ${stat.entries!.toLocaleString('en-US')} events were still in the kernel buffer when the recording stopped and are not in the file: the last frees of that CPU are missing, so its youngest allocations can look outstanding`);
    }
  }
  let progressed = 0;
  const progress = (n: number) => {
    progressed += n;
    options.onProgress?.(progressed);
  };

  const decoders = new Map<number, Decoder>();
  for (const [id, f] of header.formats) decoders.set(id, decoderOf(f));
  const typeSize = 2; // common_type is an unsigned short in every kernel with format files
  const kallsyms = header.kallsyms;
  const cmdlines = header.cmdlines;
  const commOf = (pid: number): string => (pid === 0 ? '<idle>' : (cmdlines.get(pid) ?? '<...>'));
  const longSize = header.page.commitSize;
  const mult = header.tsc2nsec;
  const nsOf = (raw: number): number => {
    let ns = raw;
    if (mult && mult.mult) ns = Math.floor((raw * mult.mult) / 2 ** mult.shift) + mult.offset;
    return ns + header.tsOffset;
  };

  // call sites and stack frames by address: kernels call from few places
  const symCache = new Map<string, string>();
  const symbolAt = (u: Uint8Array, at: number, size: number): string => {
    const hi = size === 8 ? endian.hi32(u, at) : 0;
    const lo = size === 8 ? endian.lo32(u, at) : endian.u32(u, at);
    const key = hex64(hi, lo);
    let s = symCache.get(key);
    if (s === undefined) {
      const hit = kallsyms.lookup(hi, lo);
      // libtraceevent's %pS: `func+0xoff`, or the raw address when no symbol covers it
      s = hit ? `${hit.name}+0x${hit.offset.toString(16)}` : `0x${key}`;
      if (symCache.size < 1 << 20) symCache.set(key, s);
    }
    return s;
  };
  const frameCache = new Map<string, string>();
  const frameAt = (hi: number, lo: number, user: boolean): string => {
    const key = hex64(hi, lo);
    if (user) return `<${key.padStart(16, '0')}>`;
    let s = frameCache.get(key);
    if (s === undefined) {
      // trace-cmd prints a kernel stack frame as `=> func (addr)`: the text parser keeps `func`
      const hit = kallsyms.lookup(hi, lo);
      s = hit ? hit.name : key;
      if (frameCache.size < 1 << 20) frameCache.set(key, s);
    }
    return s;
  };

  // ---- stack interning and the pending queue: the text core's, so records come out in the same order
  const stackIds = new Map<string, number>();
  const pending: Pending[] = [];
  let kernelStacks = 0;
  let userStacks = 0;
  const kindCounts = new Float64Array(TRACE_EVENT_KINDS.length);
  const unknownSeen = new Set<string>();
  const intern = (frames: string[], kind: 'kernel' | 'user', line: number): number => {
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
      emit.record({ type: 'stack', id, kind, frames: f, line });
    }
    return id;
  };
  const release = (p: Pending): void => {
    if (p.rec === null) return;
    if (keepStacks) {
      if (p.kstack && p.kstack.length > 0) p.rec.stackId = intern(p.kstack, 'kernel', p.rec.line);
      if (p.ustack && p.ustack.length > 0) p.rec.userStackId = intern(p.ustack, 'user', p.rec.line);
    }
    emit.record(p.rec);
  };
  const flushDone = (all: boolean): void => {
    let k = 0;
    while (k < pending.length && (all || pending[k].done || pending.length - k > MAX_PENDING)) release(pending[k++]);
    if (k > 0) pending.splice(0, k);
  };
  const closeWindow = (cpu: number): void => {
    for (let k = pending.length - 1; k >= 0; k--) {
      if (pending[k].cpu === cpu) {
        pending[k].done = true;
        return;
      }
    }
  };

  const stackEvent = (d: Decoder, u: Uint8Array, at: number, len: number, cpu: number): void => {
    const user = d.kind === 'user_stack';
    if (user) {
      if (userStacks++ === 0) emit.count('userStacks', 0);
    } else if (kernelStacks++ === 0) emit.count('kernelStacks', 0);
    let target: Pending | null = null;
    for (let k = pending.length - 1; k >= 0; k--) {
      const p = pending[k];
      if (p.cpu === cpu) {
        if (!p.done && (user ? p.ustack === null : p.kstack === null)) target = p;
        break;
      }
    }
    if (target === null) {
      emit.diagnostic('trace-orphan-stack', `${user ? 'user' : 'kernel'} stack with no event before it on CPU ${cpu}`);
      return;
    }
    const caller = d.f.caller;
    if (!caller) return;
    const frames: string[] = [];
    let dropped = 0;
    for (let p = at + caller.offset; p + longSize <= at + len; p += longSize) {
      const hi = longSize === 8 ? endian.hi32(u, p) : 0;
      const lo = longSize === 8 ? endian.lo32(u, p) : endian.u32(u, p);
      // the kernel ends a short stack with ULONG_MAX (libtraceevent stops there; 0 pads the rest)
      if (lo === 0xffffffff && (longSize === 4 || hi === 0xffffffff)) break;
      if (hi === 0 && lo === 0) break;
      if (frames.length >= MAX_STACK_FRAMES) {
        dropped++;
        continue;
      }
      frames.push(frameAt(hi, lo, user));
    }
    if (dropped > 0 && target.rec) {
      emit.count('stackFramesDropped', dropped);
      emit.diagnostic('trace-stack-truncated', `${user ? 'user' : 'kernel'} stack of ${frames.length + dropped} frames: kept the innermost ${MAX_STACK_FRAMES}, dropped ${dropped}`, { line: target.rec.line });
    }
    if (user) target.ustack = frames;
    else target.kstack = frames;
  };

  const num = (u: Uint8Array, at: number, f: EventField | undefined): number | undefined => {
    if (!f) return undefined;
    return f.signed ? endian.int(u, at + f.offset, f.size) : endian.uint(u, at + f.offset, f.size);
  };
  const ptrOf = (u: Uint8Array, at: number, f: EventField | undefined): string | undefined => {
    if (!f) return undefined;
    if (f.size === 8) return hex64(endian.hi32(u, at + f.offset), endian.lo32(u, at + f.offset));
    if (f.size === 4) return endian.u32(u, at + f.offset).toString(16);
    return undefined;
  };
  const strOf = (u: Uint8Array, at: number, len: number, f: EventField | undefined): string | undefined => {
    if (!f) return undefined;
    if (f.dynamic) {
      const loc = endian.u32(u, at + f.offset);
      let off = loc & 0xffff;
      const n = loc >>> 16;
      if (f.dynamic === 'rel_loc') off += f.offset + f.size;
      if (off + n > len) return undefined;
      let e = at + off;
      const end = at + off + n;
      while (e < end && u[e] !== 0) e++;
      return latin1Of(u.subarray(at + off, e));
    }
    let e = at + f.offset;
    const end = Math.min(at + len, at + f.offset + f.size);
    while (e < end && u[e] !== 0) e++;
    return latin1Of(u.subarray(at + f.offset, e));
  };

  const dataEvent = (d: Decoder, kind: TraceEventKind, u: Uint8Array, at: number, len: number, cpu: number, ts: number): TraceEvent | null => {
    const f = d.f;
    const pid = num(u, at, d.pid) ?? -1;
    const rec = newTraceEvent(ts, cpu, commOf(pid), pid, undefined, kind, eventNo);
    const irq = num(u, at, d.flags);
    // trace_flag_type: 0x08 HARDIRQ, 0x10 SOFTIRQ, 0x40 NMI (the `h`/`s`/`z` of the text flags column)
    if (irq !== undefined && (irq & 0x58) !== 0) rec.irqContext = irq & 0x40 ? 'nmi' : irq & 0x08 ? 'hardirq' : 'softirq';
    if (f.call_site) rec.callSite = symbolAt(u, at + f.call_site.offset, f.call_site.size);
    if (f.ptr) rec.ptr = ptrOf(u, at, f.ptr);
    rec.bytesReq = num(u, at, f.bytes_req);
    rec.bytesAlloc = num(u, at, f.bytes_alloc);
    const gfp = num(u, at, f.gfp_flags);
    if (gfp !== undefined) {
      rec.gfpFlags = d.gfp ? flagNames(d.gfp, gfp) : `0x${gfp.toString(16)}`;
      if (d.accountBit !== null) rec.accounted = (gfp & d.accountBit) !== 0;
    }
    const node = num(u, at, f.node);
    if (node !== undefined) rec.node = node === 0xffffffff ? -1 : node;
    if (f.accounted) rec.accounted = u[at + f.accounted.offset] !== 0;
    if (f.name && kind !== 'rss_stat') rec.cacheName = strOf(u, at, len, f.name);
    if (kind === 'mm_page_alloc' || kind === 'mm_page_free' || kind === 'mm_page_free_batched') {
      if (f.pfn) {
        const pfnHex = ptrOf(u, at, f.pfn)!;
        if (pfnHex === 'ffffffffffffffff' || (f.pfn.size === 4 && pfnHex === 'ffffffff')) {
          rec.failed = true;
          rec.pfn = 0;
        } else {
          // libtraceevent cannot evaluate `vmemmap_base + pfn` and prints page= as the pfn
          rec.page = pfnHex;
          rec.pfn = num(u, at, f.pfn);
        }
      } else if (f.page) {
        const p = ptrOf(u, at, f.page)!;
        if (p === '0') rec.failed = true;
        else rec.page = p;
      }
      rec.order = num(u, at, f.order);
      rec.migratetype = num(u, at, f.migratetype);
    }
    if (kind === 'rss_stat') {
      rec.mmId = num(u, at, f.mm_id);
      const member = num(u, at, f.member);
      if (member !== undefined) rec.rssType = d.rssNames?.get(member) ?? String(member);
      rec.rssSize = num(u, at, f.size);
    }
    // the fields the text parser requires of each kind
    if (kind.startsWith('kmalloc') || kind.startsWith('kmem_cache_alloc')) {
      if (rec.ptr === undefined || rec.bytesAlloc === undefined) return null;
    } else if ((kind === 'kfree' || kind === 'kmem_cache_free') && rec.ptr === undefined) return null;
    else if (kind.startsWith('mm_page') && !rec.failed && rec.pfn === undefined && rec.page === undefined) return null;
    return rec;
  };

  // ---- the merge: the CPU with the earliest event next (ties to the lower CPU, as trace-cmd report)
  const streams: CpuStream[] = [];
  for (const cpu of header.cpus) {
    if (cpu.size === 0) continue;
    if (cpu.offset > source.size) {
      diag('trace-dat-truncated', `CPU ${cpu.cpu}: its data starts at byte ${cpu.offset}, past the end of the file (${source.size} bytes)`);
      continue;
    }
    const s = new CpuStream(cpu, header, source, endian, limits, diag, progress);
    while (await s.fill()) if (s.advance()) break;
    if (!s.done) streams.push(s);
  }
  let lastTs = -Infinity;
  while (streams.length > 0) {
    let best = 0;
    for (let i = 1; i < streams.length; i++) if (streams[i].ts < streams[best].ts) best = i;
    const s = streams[best];
    eventNo++;
    acct.begin(eventNo, true);
    const u = s.buf;
    const at = s.evAt;
    const len = s.evLen;
    const cpu = s.cpu.cpu;
    try {
      const type = len >= typeSize ? endian.u16(u, at) : -1;
      const d = decoders.get(type);
      if (d === undefined) {
        emit.count('event:(unknown type ids)');
        if (unknownSeen.size < 1000 && !unknownSeen.has(`#${type}`)) {
          unknownSeen.add(`#${type}`);
          emit.diagnostic('trace-dat-unknown-type', `event type id ${type} has no format in the file; counted`);
        }
        closeWindow(cpu);
        pending.push({ rec: null, cpu, done: false, kstack: null, ustack: null });
        flushDone(false);
      } else if (d.kind === 'kernel_stack' || d.kind === 'user_stack') {
        stackEvent(d, u, at, len, cpu);
      } else {
        closeWindow(cpu);
        const kind = d.kind;
        if (kind === null) {
          const known = unknownSeen.has(d.name);
          if (!known && unknownSeen.size < 1000) {
            unknownSeen.add(d.name);
            emit.diagnostic('trace-unknown-event', `event "${d.name}" is not analysed; counted`);
          }
          emit.count(known || unknownSeen.has(d.name) ? `event:${d.name}` : 'event:(other event names)');
          pending.push({ rec: null, cpu, done: false, kstack: null, ustack: null });
          flushDone(false);
          emit.skip('other-event');
        } else {
          const k = TRACE_EVENT_KINDS.indexOf(kind);
          if (kindCounts[k]++ === 0) emit.count(`event:${kind}`, 0);
          const ns = nsOf(s.ts);
          // trace-cmd report prints microseconds, rounded: the text parser reads those
          const rec = dataEvent(d, kind, u, at, len, cpu, Math.floor((ns + 500) / 1000) / 1e6);
          if (rec === null) {
            emit.diagnostic('trace-bad-event-fields', `${d.name}: a field is missing from its format or its record is too short`);
            pending.push({ rec: null, cpu, done: false, kstack: null, ustack: null });
          } else {
            if (rec.ts < lastTs) emit.diagnostic('time-went-backwards', `timestamp ${rec.ts} is before ${lastTs}`);
            else lastTs = rec.ts;
            pending.push({ rec, cpu, done: false, kstack: null, ustack: null });
          }
          flushDone(false);
        }
      }
    } catch (e) {
      acct.failed(e, eventNo, `CPU ${cpu} event of ${len} bytes`);
    }
    acct.end();
    if (!s.advance()) {
      let more = false;
      while (await s.fill()) {
        if (s.advance()) {
          more = true;
          break;
        }
      }
      if (!more) streams.splice(best, 1);
    }
  }
  if (eventNo === 0 && header.cpus.some((c) => c.size > 0)) {
    // data was declared but not one event could be read: the file is cut (or its pages corrupt)
    throw new MemforensicsInputError('CORRUPT_INPUT', `trace.dat: not one complete event could be read from CPU data declared at ${header.cpus.map((c) => `${c.offset}+${c.size}`).join(', ')} in a file of ${source.size} bytes (cut short or corrupt)`);
  }
  const result = acct.finish((e: Emit<TraceRecord>) => {
    flushDone(true);
    for (let k = 0; k < kindCounts.length; k++) if (kindCounts[k] > 0) e.count(`event:${TRACE_EVENT_KINDS[k]}`, kindCounts[k]);
    if (kernelStacks > 0) e.count('kernelStacks', kernelStacks);
    if (userStacks > 0) e.count('userStacks', userStacks);
  });
  return { ...result, header };
}
