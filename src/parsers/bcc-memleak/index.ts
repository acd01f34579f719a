import { z } from 'zod';
import { StackFrameSchema, type StackFrame } from '../../core/models.js';
import { frontEnds, type Emit, type ParserCore, type ParserDefinition } from '../../core/parser.js';
import { parseTimeValue } from '../../core/framing.js';
import { fields, parseUInt } from '../../core/text.js';
import { isHexAddress, splitSymbolOffset } from '../kmemleak/frames.js';

/**
 * bcc `memleak` output (`memleak -p PID [-a] [interval] [count]`, kernel mode without -p,
 * `--combined-only`): periodic reports `[HH:MM:SS] Top N stacks with outstanding allocations:`,
 * `-a` lines `addr = 948cd0 size = 16`, stack blocks `N bytes in M allocations from stack` and
 * their frames (TAB or space indented, `sym+off [module]`, `func [kernel]`, address-prefixed,
 * `[unknown]`). One record per periodic report, emitted when the next report starts.
 * Stacks printed before any report header (pastes that dropped it) form report 0 with no clock.
 */
export const MemleakStackSchema = z.object({
  bytes: z.number().nonnegative(),
  allocations: z.number().int().nonnegative(),
  /** Top first, as printed. */
  frames: z.array(StackFrameSchema),
  line: z.number().int().positive(),
});
export type MemleakStack = z.infer<typeof MemleakStackSchema>;

export const MemleakReportSchema = z.object({
  index: z.number().int().nonnegative(),
  /** `HH:MM:SS` of the report header, null when the header is missing. */
  clock: z.string().nullable(),
  /**
   * Seconds on the report clock: seconds of day of the header, carried over midnight (+86400 per
   * wrap) so the axis keeps increasing; null without a header.
   */
  time: z.number().nullable(),
  /** N of `Top N stacks`. */
  topN: z.number().int().nullable(),
  /** `user` (`Attaching to pid N`), `kernel` (`Attaching to kernel allocators`) or unknown. */
  mode: z.enum(['user', 'kernel', 'unknown']),
  pid: z.number().int().nullable(),
  stacks: z.array(MemleakStackSchema),
  /** `-a` mode: each outstanding allocation (address without 0x as printed, size). */
  allocations: z.array(z.object({ address: z.string(), size: z.number().nonnegative() })),
  line: z.number().int().positive(),
});
export type MemleakReport = z.infer<typeof MemleakReportSchema>;

export const MemleakOptionsSchema = z.object({});
export type MemleakOptions = z.infer<typeof MemleakOptionsSchema>;

/**
 * `[11:16:33] Top 2 stacks with outstanding allocations:` (bcc and libbpf-tools), also with a full
 * date in the brackets (`[2026-11-22 07:33:52]`, read as epoch seconds), and the 2016 prototype's
 * `*** Outstanding allocations:` (no clock).
 */
function parseReportHeader(t: string): { clock: string | null; seconds: number | null; epoch: boolean; topN: number | null } | null {
  if (t === '*** Outstanding allocations:') return { clock: null, seconds: null, epoch: false, topN: null };
  if (!t.startsWith('[')) return null;
  const close = t.indexOf(']');
  if (close < 2 || close > 40) return null;
  if (!t.includes('stacks with outstanding')) return null;
  const clock = t.slice(1, close).trim();
  const f = fields(t.slice(close + 1));
  const topN = f[0] === 'Top' ? parseUInt(f[1] ?? '') : null;
  const p = clock.split(':');
  if (p.length === 3 && clock.length <= 8) {
    const h = parseUInt(p[0]);
    const m = parseUInt(p[1]);
    const sec = parseUInt(p[2]);
    if (h === null || m === null || sec === null || h > 23 || m > 59 || sec > 60) return null;
    return { clock, seconds: h * 3600 + m * 60 + sec, epoch: false, topN };
  }
  const epoch = parseTimeValue(clock);
  return epoch === null ? null : { clock, seconds: epoch, epoch: true, topN };
}

/** `248 bytes in 4 allocations from stack` (also `1 allocation`). */
function parseStackHeader(t: string): { bytes: number; allocations: number } | 'bad' | null {
  if (!t.endsWith('from stack')) return null;
  const f = fields(t);
  if (f.length !== 7 || f[1] !== 'bytes' || f[2] !== 'in') return 'bad';
  const bytes = parseUInt(f[0]);
  const allocations = parseUInt(f[3]);
  if (bytes === null || allocations === null) return 'bad';
  return { bytes, allocations };
}

/**
 * One frame: `parse_config_entry+0x19 [cfgleak]`, `0x000055738f5a2265\tparse_config_entry+0x19 [cfgleak]`,
 * `func [kernel]`, `[unknown]`, `[unknown] [[uprobes]]`, `__libc_start_main@GLIBC_2.17+0x9c [libc.so.6]`.
 * C++ symbols may contain spaces: the module is the last ` [..]` group.
 */
export function parseMemleakFrame(t: string): StackFrame | null {
  let s = t.trim();
  if (s.length === 0) return null;
  let address: string | undefined;
  const f0end = (() => {
    let i = 0;
    while (i < s.length && s[i] !== ' ' && s[i] !== '\t') i++;
    return i;
  })();
  let first = s.slice(0, f0end);
  // libbpf-tools: `0 [<00007f2110a7024a>] sym+0x7a [libc.so.6]` (frame index, bracketed address).
  if (f0end < s.length && parseUInt(first) !== null && s.slice(f0end).trim().startsWith('[<')) {
    s = s.slice(f0end).trim();
    const c = s.indexOf('>]');
    first = c > 2 ? `0x${s.slice(2, c)}` : first;
    if (c > 2 && isHexAddress(first, 1)) {
      address = first.toLowerCase();
      s = s.slice(c + 2).trim();
    }
  } else if (f0end < s.length && first.startsWith('0x') && isHexAddress(first, 4)) {
    address = first.toLowerCase();
    s = s.slice(f0end).trim();
  }
  if (s === '<null sym>') s = '[unknown]';
  let module: string | undefined;
  if (s.endsWith(']')) {
    const open = s.lastIndexOf(' [');
    if (open > 0) {
      module = s.slice(open + 2, -1);
      s = s.slice(0, open).trim();
    }
  }
  const frame: StackFrame = { ...splitSymbolOffset(s) };
  if (module !== undefined) frame.module = module;
  if (address !== undefined) frame.address = address;
  return frame;
}

function createCore(): ParserCore<MemleakReport> {
  let mode: MemleakReport['mode'] = 'unknown';
  let pid: number | null = null;
  let report: MemleakReport | null = null;
  let stack: MemleakStack | null = null;
  let index = 0;
  let lastSeconds = -1;
  let dayOffset = 0;

  const ensureReport = (lineNo: number): MemleakReport => {
    report ??= {
      index: index++,
      clock: null,
      time: null,
      topN: null,
      mode,
      pid,
      stacks: [],
      allocations: [],
      line: lineNo,
    };
    return report;
  };
  const closeStack = (emit: Emit<MemleakReport>): void => {
    if (stack && stack.frames.length === 0) {
      emit.diagnostic('report-orphan-frame', 'stack block without any frame', { line: stack.line });
    }
    stack = null;
  };
  const flush = (emit: Emit<MemleakReport>): void => {
    closeStack(emit);
    if (!report) return;
    emit.record(report);
    emit.count('reports');
    emit.count('stacks', report.stacks.length);
    report = null;
  };

  return {
    line(text, lineNo, emit) {
      const t = text.trim();
      if (t.length === 0) {
        // A blank line ends a stack block (the 2016 layout separates stacks with one).
        closeStack(emit);
        emit.skip('blank');
        return;
      }
      const indented = text.charCodeAt(0) === 32 || text.charCodeAt(0) === 9;
      if (t.startsWith('Attaching to ')) {
        if (t.startsWith('Attaching to kernel allocators')) mode = 'kernel';
        else if (t.startsWith('Attaching to pid ')) {
          mode = 'user';
          const p = parseUInt((fields(t)[3] ?? '').replace(',', ''));
          if (p !== null) pid = p;
        } else mode = 'user';
        emit.skip('preamble');
        return;
      }
      const header = parseReportHeader(t);
      if (header) {
        flush(emit);
        const r = ensureReport(lineNo);
        r.clock = header.clock;
        if (header.seconds !== null) {
          if (!header.epoch && lastSeconds >= 0 && header.seconds + dayOffset < lastSeconds) dayOffset += 86400;
          r.time = header.epoch ? header.seconds : header.seconds + dayOffset;
          lastSeconds = r.time;
        }
        r.topN = header.topN;
        return;
      }
      if (t.startsWith('WARNING:') || t.startsWith('Warning:')) {
        emit.skip('tool-warning');
        return;
      }
      if (t === '...' || t === '[...]') {
        emit.skip('elision');
        return;
      }
      if (t.startsWith('addr = ')) {
        const f = fields(t);
        const size = f[3] === 'size' && f[4] === '=' ? parseUInt(f[5] ?? '') : null;
        if (f.length !== 6 || size === null || !isHexAddress(f[2], 1)) {
          emit.diagnostic('memleak-bad-stack-header', 'unreadable `addr = X size = N` line', { excerpt: text });
          return;
        }
        // bcc prints these before the stacks, libbpf-tools after each stack header: keep the stack open.
        ensureReport(lineNo).allocations.push({ address: f[2].toLowerCase(), size });
        return;
      }
      const sh = parseStackHeader(t);
      if (sh === 'bad') {
        emit.diagnostic('memleak-bad-stack-header', 'unreadable `N bytes in M allocations from stack` line', { excerpt: text });
        return;
      }
      if (sh) {
        closeStack(emit);
        stack = { bytes: sh.bytes, allocations: sh.allocations, frames: [], line: lineNo };
        ensureReport(lineNo).stacks.push(stack);
        return;
      }
      if (stack && indented) {
        const fr = parseMemleakFrame(t);
        if (fr) {
          stack.frames.push(fr);
          return;
        }
      }
      if (!indented) {
        // The traced program's stdout, a shell prompt, ^C: not memleak's.
        closeStack(emit);
        emit.diagnostic('foreign-line', 'line interleaved with memleak output (program stdout?)', { excerpt: text });
        emit.skip('foreign');
        return;
      }
      emit.diagnostic('report-orphan-frame', 'indented frame-like line outside any stack block', { excerpt: text });
    },
    end(emit) {
      flush(emit);
    },
  };
}

export const bccMemleakParser: ParserDefinition<MemleakReport, MemleakOptions> = {
  format: 'bcc-memleak',
  title: 'bcc memleak periodic reports of outstanding allocations',
  producedBy: 'memleak-bpfcc -p PID [-a] INTERVAL COUNT  (or /usr/share/bcc/tools/memleak)',
  recordSchema: MemleakReportSchema,
  sniff(head) {
    // Line-based: documents quoting the lines mid-sentence are not memleak output.
    let reports = 0;
    let stacks = 0;
    let banner = 0;
    for (const line of head.split('\n', 400)) {
      const t = line.trim();
      if (parseReportHeader(t)) reports++;
      else if (parseStackHeader(t) !== null && parseStackHeader(t) !== 'bad') stacks++;
      else if (line.startsWith('Attaching to ') && t.endsWith('Ctrl+C to quit.')) banner++;
    }
    if (reports > 0) return { score: 0.95, reason: 'memleak report header line' };
    if (stacks > 0) return { score: 0.9, reason: '"N bytes in M allocations from stack" lines' };
    if (banner > 0) return { score: 0.55, reason: 'memleak attach banner' };
    return { score: 0, reason: 'no memleak stack blocks' };
  },
  createCore,
};

export const { parse: parseBccMemleak, parseAsync: parseBccMemleakAsync } = frontEnds(bccMemleakParser);
