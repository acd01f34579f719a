import { z } from 'zod';
import { frontEnds, type Emit, type ParserCore, type ParserDefinition } from '../../core/parser.js';
import { SeriesClock, SeriesTimeOptionsSchema, handleFramingLine } from '../series-time.js';

/**
 * /proc/allocinfo, the kernel's memory allocation profiling (CONFIG_MEM_ALLOC_PROFILING, 6.10+;
 * Documentation/mm/allocation-profiling.rst). lib/alloc_tag.c prints a header
 * (`allocinfo - version: 1.0`, `#     <size>  <calls> <tag info>`), then per allocation site
 * `"%12lli %8llu "` bytes and calls, then the code tag `file:line [module] func:name`
 * (the module only for modules). Also read: dumps piped through `sort -h | numfmt --to=iec`
 * (`2.8M`), the 2024 pre-merge `module:x` tags, the proposed 2.0 `accurate:no` / `*` marks, and
 * several dumps in one file (each header, shell command, epoch or `===` starts the next one).
 */

export const AllocinfoSiteSchema = z.object({
  /** `mm/slub.c` */
  file: z.string(),
  lineNo: z.number().int().nonnegative(),
  /** `[xfs]` or `module:xfs`; null for built-in code. */
  module: z.string().nullable(),
  func: z.string(),
  /** Bytes currently allocated from this site (the kernel's counter is signed). */
  bytes: z.number(),
  /** Allocations currently outstanding. */
  calls: z.number(),
  /** The size was printed rounded (`2.8M`, `3.11MiB`: numfmt or sort -h output). */
  bytesRounded: z.boolean(),
  /** The kernel marked the counters inaccurate (`accurate:no` or `*`). */
  inaccurate: z.boolean(),
});
export type AllocinfoSite = z.infer<typeof AllocinfoSiteSchema>;

export const AllocinfoSnapshotSchema = z.object({
  index: z.number().int().nonnegative(),
  time: z.number().nullable(),
  timeAssumed: z.boolean(),
  line: z.number().int().positive(),
  partial: z.boolean(),
  /** `1.0` from the header; null when the dump has no header (tail, grep, pre-6.10 patches). */
  version: z.string().nullable(),
  /** The command the dump came from when a shell prompt printed it (`sort -g /proc/allocinfo | grep -w xfs`): a filtered dump. */
  command: z.string().nullable(),
  sites: z.array(AllocinfoSiteSchema),
});
export type AllocinfoSnapshot = z.infer<typeof AllocinfoSnapshotSchema>;

export const AllocinfoOptionsSchema = SeriesTimeOptionsSchema;
export type AllocinfoOptions = z.infer<typeof AllocinfoOptionsSchema>;

const IEC: Record<string, number> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4, P: 1024 ** 5 };

/** `512`, `-8`, `2.8M`, `3.11MiB`, `13M`, `4.0Ki`: bytes, and whether the value was rounded. */
function parseSize(s: string): { bytes: number; rounded: boolean } | null {
  let t = s.endsWith('*') ? s.slice(0, -1) : s;
  if (t.length === 0 || t.length > 24) return null;
  let scale = 1;
  if (t.endsWith('iB')) t = t.slice(0, -2);
  else if (t.endsWith('i')) t = t.slice(0, -1);
  const last = t[t.length - 1];
  if (last !== undefined && IEC[last.toUpperCase()] !== undefined && !(last >= '0' && last <= '9')) {
    scale = IEC[last.toUpperCase()];
    t = t.slice(0, -1);
  } else if (last === 'B') t = t.slice(0, -1);
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || c === 46 || (c === 45 && i === 0))) return null;
  }
  const v = Number(t);
  if (t.length === 0 || !Number.isFinite(v)) return null;
  return { bytes: v * scale, rounded: scale !== 1 };
}

function allDigits(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return s.length > 0;
}

/** The whitespace-separated words of a line, at most `max` of them (a longer line is not a site). */
function words(text: string, max: number): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32;
    const space = c === 32 || c === 9 || c === 13;
    if (space) {
      if (start >= 0) {
        out.push(text.slice(start, i));
        if (out.length >= max) return out;
        start = -1;
      }
    } else if (start < 0) start = i;
  }
  return out;
}

/** `user@host:~$ cmd` or `# cmd`-style prompt with no space before the mark. */
function isPromptLine(s: string): boolean {
  for (const mark of ['$ ', '# ']) {
    const i = s.indexOf(mark);
    if (i >= 0 && i <= 120 && !s.slice(0, i).includes(' ')) return true;
  }
  return false;
}

/** One site line, or null when the line does not have the shape. */
export function parseAllocinfoLine(text: string): AllocinfoSite | null {
  const tokens = words(text, 13);
  if (tokens.length < 4 || tokens.length > 12) return null;
  const size = parseSize(tokens[0]);
  const callsText = tokens[1].endsWith('*') ? tokens[1].slice(0, -1) : tokens[1];
  if (!size || callsText.length === 0 || callsText.length > 20) return null;
  if (!allDigits(callsText)) return null;
  const tag = tokens[2];
  const colon = tag.lastIndexOf(':');
  if (colon <= 0) return null;
  const lineText = tag.slice(colon + 1);
  if (lineText.length === 0 || lineText.length > 9 || !allDigits(lineText)) return null;
  let module: string | null = null;
  let func: string | null = null;
  let inaccurate = tokens[0].endsWith('*') || tokens[1].endsWith('*');
  for (const t of tokens.slice(3)) {
    if (t.startsWith('func:')) func = t.slice(5);
    else if (t.startsWith('module:')) module = t.slice(7);
    else if (t.startsWith('[') && t.endsWith(']')) module = t.slice(1, -1);
    else if (t === 'accurate:no') inaccurate = true;
    else return null;
  }
  if (!func) return null;
  return { file: tag.slice(0, colon), lineNo: Number(lineText), module, func, bytes: size.bytes, calls: Number(callsText), bytesRounded: size.rounded, inaccurate };
}

/** `root@host:~# sort -g /proc/allocinfo|tail`, `$ sudo cat /proc/allocinfo`: the command, when it reads allocinfo. */
function allocinfoCommand(s: string): string | null {
  if (!s.includes('allocinfo')) return null;
  for (const mark of ['$ ', '# ']) {
    const i = s.indexOf(mark);
    if (i < 0 || i > 120) continue;
    if (s.slice(0, i).includes(' ')) continue;
    const cmd = s.slice(i + 2).trim();
    if (cmd.includes('/proc/allocinfo')) return cmd;
  }
  return null;
}

function createCore(options: Partial<AllocinfoOptions>): ParserCore<AllocinfoSnapshot> {
  const clock = new SeriesClock(options);
  let current: AllocinfoSnapshot | null = null;
  let index = 0;
  let pendingVersion: string | null = null;
  let pendingCommand: string | null = null;
  const flush = (emit: Emit<AllocinfoSnapshot>): void => {
    if (!current) return;
    clock.timeSnapshot(current, emit);
    emit.record(current);
    emit.count('snapshots');
    emit.count('sites', current.sites.length);
    current = null;
  };
  return {
    line(text, lineNo, emit) {
      const site = parseAllocinfoLine(text);
      if (site) {
        current ??= { index: index++, time: null, timeAssumed: false, line: lineNo, partial: false, version: pendingVersion, command: pendingCommand, sites: [] };
        pendingVersion = null;
        pendingCommand = null;
        current.sites.push(site);
        return;
      }
      const s = text.trim();
      if (s.startsWith('allocinfo - version:')) {
        flush(emit);
        pendingVersion = s.slice('allocinfo - version:'.length).trim();
        emit.skip('header');
        return;
      }
      if (s.includes('<size>') && s.includes('<calls>')) {
        emit.skip('header');
        return;
      }
      const cmd = allocinfoCommand(s);
      if (cmd !== null) {
        flush(emit);
        pendingCommand = cmd;
        emit.skip('header');
        return;
      }
      if (handleFramingLine(text, emit, clock, index, () => flush(emit))) return;
      if (s.startsWith('#')) {
        emit.skip('comment');
        return;
      }
      // Another shell command between dumps (`$ sudo mount /dev/loop5 /mnt/xfs`).
      if (isPromptLine(s)) {
        emit.skip('foreign');
        return;
      }
      emit.diagnostic('unrecognized-line', 'not an allocinfo site line (bytes calls file:line [module] func:name), header or separator', { excerpt: text });
    },
    end(emit) {
      flush(emit);
    },
  };
}

export const allocinfoParser: ParserDefinition<AllocinfoSnapshot, AllocinfoOptions> = {
  format: 'allocinfo',
  title: '/proc/allocinfo: bytes and calls outstanding per allocation site (memory allocation profiling, 6.10+), one dump or a series',
  producedBy: 'cat /proc/allocinfo (CONFIG_MEM_ALLOC_PROFILING; in a loop, with epoch/=== lines between dumps)',
  recordSchema: AllocinfoSnapshotSchema,
  sniff(head) {
    if (head.includes('allocinfo - version:')) return { score: 0.97, reason: 'allocinfo version header' };
    let sites = 0;
    let lines = 0;
    for (const line of head.split('\n', 100)) {
      if (line.trim().length === 0) continue;
      lines++;
      if (parseAllocinfoLine(line)) sites++;
    }
    if (sites >= 2 && sites * 2 >= lines) return { score: 0.85, reason: `${sites} allocinfo site lines (bytes calls file:line func:name)` };
    return { score: 0, reason: 'no allocinfo lines' };
  },
  createCore,
};

export const { parse: parseAllocinfo, parseAsync: parseAllocinfoAsync } = frontEnds(allocinfoParser);

/** The key of a site across dumps: `mm/slub.c:2259 [mod] alloc_slab_page`. */
export function allocinfoSiteKey(s: AllocinfoSite): string {
  return `${s.file}:${s.lineNo}${s.module ? ` [${s.module}]` : ''} ${s.func}`;
}
