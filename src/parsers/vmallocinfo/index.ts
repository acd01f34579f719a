import { countHeadLines } from '../../core/lines.js';
import { z } from 'zod';
import { frontEnds, type Emit, type ParserCore, type ParserDefinition } from '../../core/parser.js';
import { SeriesClock, SeriesTimeOptionsSchema, handleFramingLine } from '../series-time.js';

/**
 * /proc/vmallocinfo (mm/vmalloc.c vmalloc_info_show), one dump or a series with epoch/=== lines.
 * One line per vmap area: `0xSTART-0xEND SIZE CALLER [pages=N] [phys=0x..] [ioremap|vmalloc|vmap|
 * user|vpages|vm_map_ram] [N0=..]`, or `0xSTART-0xEND SIZE unpurged vm_area` (freed, not yet
 * purged: no longer in use), or `... SIZE vm_map_ram`. SIZE includes the guard page.
 * Addresses are hashed for non-root readers and are not kept.
 */

export const VmallocAreaSchema = z.object({
  /** Bytes of the area (with its guard page), as printed. */
  bytes: z.number().int().nonnegative(),
  /** `kernel_clone+0xb8/0x400` as printed; `unpurged` for lazily freed areas, `vm_map_ram` for those. */
  caller: z.string(),
  /** `pages=N`, null when not printed. */
  pages: z.number().int().nullable(),
  /** The area's kind flags (`vmalloc`, `ioremap`, `vmap`, `user`, `vpages`, `vm_map_ram`, `unpurged`). */
  kinds: z.array(z.string()),
});
export type VmallocArea = z.infer<typeof VmallocAreaSchema>;

export const VmallocinfoSnapshotSchema = z.object({
  index: z.number().int().nonnegative(),
  time: z.number().nullable(),
  timeAssumed: z.boolean(),
  line: z.number().int().positive(),
  partial: z.boolean(),
  areas: z.array(VmallocAreaSchema),
});
export type VmallocinfoSnapshot = z.infer<typeof VmallocinfoSnapshotSchema>;

export const VmallocinfoOptionsSchema = SeriesTimeOptionsSchema;
export type VmallocinfoOptions = z.infer<typeof VmallocinfoOptionsSchema>;

const KIND_WORDS = new Set(['ioremap', 'vmalloc', 'vmap', 'user', 'vpages', 'vm_map_ram']);

function isHexAddress(s: string): boolean {
  if (!s.startsWith('0x') || s.length < 3 || s.length > 18) return false;
  for (let i = 2; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/** One area line, or null when it does not have the shape. */
export function parseVmallocLine(text: string): VmallocArea | null {
  const parts = text.trim().split(' ').filter((p) => p.length > 0);
  if (parts.length < 3 || parts.length > 16) return null;
  const dash = parts[0].indexOf('-');
  if (dash < 0 || !isHexAddress(parts[0].slice(0, dash)) || !isHexAddress(parts[0].slice(dash + 1))) return null;
  const bytes = Number(parts[1]);
  if (!Number.isInteger(bytes) || bytes < 0 || parts[1].length > 20) return null;
  if (parts[2] === 'unpurged') return { bytes, caller: 'unpurged', pages: null, kinds: ['unpurged'] };
  if (parts[2] === 'vm_map_ram') return { bytes, caller: 'vm_map_ram', pages: null, kinds: ['vm_map_ram'] };
  let pages: number | null = null;
  const kinds: string[] = [];
  for (const p of parts.slice(3)) {
    if (p.startsWith('pages=')) {
      const n = Number(p.slice(6));
      if (!Number.isInteger(n)) return null;
      pages = n;
    } else if (KIND_WORDS.has(p)) kinds.push(p);
    // phys=, N0=..., and future annotations are not used.
  }
  return { bytes, caller: parts[2], pages, kinds };
}

function createCore(options: Partial<VmallocinfoOptions>): ParserCore<VmallocinfoSnapshot> {
  const clock = new SeriesClock(options);
  let current: VmallocinfoSnapshot | null = null;
  let index = 0;
  const flush = (emit: Emit<VmallocinfoSnapshot>): void => {
    if (!current) return;
    clock.timeSnapshot(current, emit);
    emit.record(current);
    emit.count('snapshots');
    current = null;
  };
  return {
    line(text, lineNo, emit) {
      const area = parseVmallocLine(text);
      if (area) {
        current ??= { index: index++, time: null, timeAssumed: false, line: lineNo, partial: false, areas: [] };
        current.areas.push(area);
        return;
      }
      if (handleFramingLine(text, emit, clock, index, () => flush(emit))) return;
      emit.diagnostic('unrecognized-line', 'not a vmallocinfo area line (0xSTART-0xEND SIZE CALLER ...), separator or timestamp', { excerpt: text });
    },
    end(emit) {
      flush(emit);
    },
  };
}

export const vmallocinfoParser: ParserDefinition<VmallocinfoSnapshot, VmallocinfoOptions> = {
  format: 'vmallocinfo',
  title: '/proc/vmallocinfo: vmap areas with size, caller and kind, one dump or a series',
  producedBy: 'cat /proc/vmallocinfo (root; in a loop, with date/epoch/=== lines between dumps)',
  recordSchema: VmallocinfoSnapshotSchema,
  sniff(head) {
    const { lines, matches: areas } = countHeadLines(head, 200, parseVmallocLine);
    if (areas >= 2 && areas * 2 >= lines) return { score: 0.95, reason: `${areas} vmallocinfo area lines (0xSTART-0xEND SIZE CALLER)` };
    return { score: 0, reason: 'no vmallocinfo area lines' };
  },
  createCore,
};

export const { parse: parseVmallocinfo, parseAsync: parseVmallocinfoAsync } = frontEnds(vmallocinfoParser);

/** `kernel_clone+0xb8/0x400` -> `kernel_clone`: areas of one function, whatever call offset. */
export function vmallocCallerFunction(caller: string): string {
  const plus = caller.indexOf('+');
  return plus > 0 ? caller.slice(0, plus) : caller;
}
