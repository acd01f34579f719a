import { z } from 'zod';

/**
 * What a bpftrace program says about the maps it prints: which aggregation fills each map and of
 * what (a summed size argument is bytes, count() is a count), whether a free probe takes bytes
 * back out (outstanding, net of frees) or nothing does (cumulative allocations), the interval of
 * its `interval:` print probe and whether that probe prints a time line. Read from a program
 * pasted into the capture (`bpftrace -e '...'`, the script's lines) or from the `.bt` file beside it.
 * Character scans only: no regex over capture text.
 */

export const BpftraceMapUnitSchema = z.enum(['bytes', 'count', 'unknown']);
export type BpftraceMapUnit = z.infer<typeof BpftraceMapUnitSchema>;

/** `outstanding`: a free probe subtracts or deletes what was added; `allocated`: nothing ever does. */
export const BpftraceMapMeasureSchema = z.enum(['outstanding', 'allocated', 'unknown']);
export type BpftraceMapMeasure = z.infer<typeof BpftraceMapMeasureSchema>;

export const BpftraceMapSemanticsSchema = z.object({
  /** The map as printed: `@` for the anonymous map, `@by_stack`. */
  map: z.string(),
  /** sum, count, hist, lhist, stats, avg, min, max, or `assign` (`@m[k] = expr`). */
  aggregation: z.string(),
  /** The aggregated expression as written (`arg0`, `args->bytes_alloc`, `@size[tid]`). */
  argument: z.string(),
  unit: BpftraceMapUnitSchema,
  measure: BpftraceMapMeasureSchema,
});
export type BpftraceMapSemantics = z.infer<typeof BpftraceMapSemanticsSchema>;

export const BpftraceProgramSchema = z.object({
  maps: z.array(BpftraceMapSemanticsSchema),
  /** Seconds between the prints of an `interval:` probe that prints maps; null without one. */
  printIntervalSeconds: z.number().positive().nullable(),
  /** The printing interval probe also prints a time line (`time()`, `printf` of `nsecs`/`elapsed`). */
  printsTime: z.boolean(),
  /** Maps the END probe clears: every other non-empty map is dumped once more at exit, untimed. */
  clearedAtEnd: z.array(z.string()),
});
export type BpftraceProgram = z.infer<typeof BpftraceProgramSchema>;

const PROBE_PREFIXES = [
  'uprobe:', 'uretprobe:', 'kprobe:', 'kretprobe:', 'tracepoint:', 'rawtracepoint:', 'kfunc:', 'kretfunc:', 'fentry:',
  'fexit:', 'usdt:', 'interval:', 'profile:', 'software:', 'hardware:', 'watchpoint:', 'iter:',
];
/** Short aliases (`u:`, `t:`) look like printed text (`t: 5`): only with a block on the line. */
const SHORT_PREFIXES = ['u:', 'ur:', 'k:', 'kr:', 't:', 'f:', 'fr:', 'i:', 'p:'];

/**
 * A line that is bpftrace program text rather than printed output: a probe (with its block, its
 * predicate, or alone on its line), BEGIN/END, a `bpftrace -e` / `bpftrace x.bt` command line.
 * @example isBpftraceProgramLine("uprobe:/lib/x86_64-linux-gnu/libc.so.6:malloc { @[ustack] = sum(arg0); }") // true
 */
export function isBpftraceProgramLine(line: string): boolean {
  let t = line.trim();
  if (t.startsWith('#') || t.startsWith('$ ')) t = t.slice(t[0] === '#' ? 1 : 2).trim();
  if (t.startsWith('bpftrace ') && (t.includes(' -e') || t.includes('.bt'))) return true;
  if (t === 'BEGIN' || t === 'END' || t.startsWith('BEGIN {') || t.startsWith('END {') || t.startsWith('BEGIN{') || t.startsWith('END{')) return true;
  if (SHORT_PREFIXES.some((p) => t.startsWith(p)) && t.includes('{')) return true;
  if (!PROBE_PREFIXES.some((p) => t.startsWith(p))) return false;
  return t.includes('{') || t.includes(' /') || t.endsWith(',') || !(t.includes(' ') || t.includes('\t'));
}

/** A statement inside a probe block: `@name[key] = agg(arg)` pieces, or null. */
interface Assignment {
  map: string;
  aggregation: string;
  argument: string;
}

function parseAssignment(stmt: string): Assignment | null {
  const s = stmt.trim();
  if (!s.startsWith('@')) return null;
  let i = 1;
  while (i < s.length && (isWord(s.charCodeAt(i)))) i++;
  const map = s.slice(0, i);
  let j = i;
  if (s[j] === '[') {
    let depth = 0;
    for (; j < s.length; j++) {
      if (s[j] === '[') depth++;
      else if (s[j] === ']' && --depth === 0) {
        j++;
        break;
      }
    }
  }
  const rest = s.slice(j).trim();
  let rhs: string;
  if (rest.startsWith('+=')) return { map, aggregation: 'sum', argument: rest.slice(2).trim() };
  if (rest.startsWith('=') && rest[1] !== '=') rhs = rest.slice(1).trim();
  else return null;
  const open = rhs.indexOf('(');
  const name = open > 0 ? rhs.slice(0, open).trim() : '';
  if (open > 0 && rhs.endsWith(')') && ['sum', 'count', 'hist', 'lhist', 'stats', 'avg', 'min', 'max'].includes(name)) {
    return { map, aggregation: name, argument: rhs.slice(open + 1, -1).trim() };
  }
  return { map, aggregation: 'assign', argument: rhs };
}

function isWord(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

const ALLOC_FUNCS = ['malloc', 'calloc', 'realloc', 'memalign', 'aligned_alloc', 'posix_memalign', 'valloc', 'mmap', 'kmalloc', 'kmem_cache_alloc', 'kzalloc', 'vmalloc', 'new', 'mm_page_alloc', 'brk'];
const FREE_FUNCS = ['free', 'kfree', 'kmem_cache_free', 'vfree', 'munmap', 'mm_page_free', 'delete', 'cfree'];

/** The function (or tracepoint event) a probe spec names: `uprobe:/lib/libc.so.6:malloc` → `malloc`. */
function probeFunction(spec: string): string {
  const first = spec.split(',')[0].trim();
  const colon = first.lastIndexOf(':');
  return (colon >= 0 ? first.slice(colon + 1) : first).trim().toLowerCase();
}

const hasAny = (name: string, list: readonly string[]): boolean => list.some((f) => name === f || name.endsWith(`_${f}`) || name.startsWith(`${f}_`) || name.startsWith(`__${f}`) || name.includes(`::${f}`));

function argumentUnit(argument: string, probeFn: string, aggregation: string): BpftraceMapUnit {
  if (aggregation === 'count') return 'count';
  const a = argument.toLowerCase();
  if (a.includes('byte') || a.includes('size') || a.includes('len') || a.includes('sz') || a.includes('pages')) return a.includes('pages') && !a.includes('byte') ? 'count' : 'bytes';
  // An allocator's size argument: malloc(arg0), calloc(arg0 * arg1), realloc(arg1), kmalloc's args.
  if (hasAny(probeFn, ALLOC_FUNCS) && (a.startsWith('arg0') || a.startsWith('arg1') || a.startsWith('-arg'))) return 'bytes';
  // An assigned bytes map read back (@live[retval] = @size[tid]) keeps its unit: resolved later.
  return 'unknown';
}

/** Splits a program into (probe spec, block body) pairs; comments and strings respected. */
function blocks(text: string): { spec: string; body: string }[] {
  const out: { spec: string; body: string }[] = [];
  let depth = 0;
  let spec = '';
  let body = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') {
        if (depth > 0) body += c + (text[i + 1] ?? '');
        i++;
        continue;
      }
      if (c === '"') inString = false;
      if (depth > 0) body += c;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
      continue;
    }
    if (c === '"') inString = true;
    if (c === '{') {
      if (depth === 0) body = '';
      else body += c;
      depth++;
      continue;
    }
    if (c === '}') {
      depth = Math.max(0, depth - 1);
      if (depth === 0) {
        out.push({ spec: cleanSpec(spec), body });
        spec = '';
      } else body += c;
      continue;
    }
    if (depth > 0) body += c;
    else spec += c;
  }
  return out;
}

/** The probe part of what precedes a block: no predicate, no `bpftrace -e '` command prefix. */
function cleanSpec(spec: string): string {
  let s = spec;
  const e = s.lastIndexOf("-e '");
  if (e >= 0) s = s.slice(e + 4);
  const slash = s.indexOf(' /');
  if (slash >= 0) s = s.slice(0, slash);
  const lines = s.split('\n').map((l) => l.trim()).filter((l) => l.length > 0 && !l.startsWith('#'));
  const joined = lines.join(' ').trim();
  return joined.startsWith("'") ? joined.slice(1) : joined;
}

function intervalSeconds(spec: string): number | null {
  for (const part of spec.split(',')) {
    const p = part.trim();
    const f = p.split(':');
    if (f[0] !== 'interval' && f[0] !== 'i') continue;
    const unit = f.length === 3 ? f[1] : 's';
    const n = Number(f[f.length - 1]);
    if (!(n > 0)) continue;
    const perUnit: Record<string, number> = { s: 1, ms: 1e-3, us: 1e-6, hz: 0 };
    if (unit === 'hz') return 1 / n;
    if (perUnit[unit] !== undefined) return n * perUnit[unit];
  }
  return null;
}

/**
 * The maps, their units and measures, and the print interval of a bpftrace program.
 * @example
 * const p = parseBpftraceProgram("uprobe:libc:malloc { @[ustack] = sum(arg0); } interval:s:5 { print(@); }");
 * p.maps[0] // { map: '@', aggregation: 'sum', argument: 'arg0', unit: 'bytes', measure: 'allocated' }
 * p.printIntervalSeconds // 5
 */
export function parseBpftraceProgram(text: string): BpftraceProgram {
  const found = new Map<string, BpftraceMapSemantics & { probes: Set<string> }>();
  const takenBack = new Set<string>();
  const assignedFrom = new Map<string, string>();
  let printIntervalSeconds: number | null = null;
  let printsTime = false;
  const clearedAtEnd = new Set<string>();
  for (const { spec, body } of blocks(text)) {
    if (spec === 'END') {
      for (const word of ['clear(', 'delete(']) {
        for (let i = body.indexOf(word); i >= 0; i = body.indexOf(word, i + 1)) {
          const start = i + word.length;
          let end = start + 1;
          while (end < body.length && isWord(body.charCodeAt(end))) end++;
          if (body[start] === '@') clearedAtEnd.add(body.slice(start, end));
        }
      }
    }
    const fn = probeFunction(spec);
    const isFree = hasAny(fn, FREE_FUNCS);
    const interval = intervalSeconds(spec);
    if (interval !== null && (body.includes('print(') || body.includes('printf('))) {
      printIntervalSeconds ??= interval;
      if (body.includes('time(') || body.includes('strftime(') || body.includes('nsecs') || body.includes('elapsed')) printsTime = true;
    }
    for (const raw of body.replaceAll('\n', ';').split(';')) {
      const stmt = raw.trim();
      if (stmt.startsWith('delete(@')) {
        const m = stmt.slice(7, stmt.indexOf('[') > 0 ? stmt.indexOf('[') : stmt.indexOf(')'));
        if (isFree) takenBack.add(m);
        continue;
      }
      const a = parseAssignment(stmt);
      if (!a) continue;
      if (a.aggregation === 'sum' && a.argument.startsWith('-')) takenBack.add(a.map);
      if (isFree && (a.aggregation === 'sum' || a.aggregation === 'assign')) takenBack.add(a.map);
      const unit = argumentUnit(a.argument, fn, a.aggregation);
      if (a.argument.startsWith('@')) assignedFrom.set(a.map, a.argument.slice(0, Math.max(1, a.argument.indexOf('[') > 0 ? a.argument.indexOf('[') : a.argument.length)));
      const prev = found.get(a.map);
      if (!prev) found.set(a.map, { ...a, unit, measure: 'unknown', probes: new Set([fn]) });
      else {
        prev.probes.add(fn);
        if (prev.unit === 'unknown') prev.unit = unit;
      }
    }
  }
  // A map filled from another map keeps that map's unit (@by_stack = sum(@size[tid]), @size[tid] = arg0).
  for (const [map, from] of assignedFrom) {
    const m = found.get(map);
    const src = found.get(from);
    if (m && src && m.unit === 'unknown' && src.unit !== 'unknown') m.unit = src.unit;
  }
  const maps: BpftraceMapSemantics[] = [];
  for (const m of found.values()) {
    const allocates = [...m.probes].some((p) => hasAny(p, ALLOC_FUNCS));
    const measure: BpftraceMapMeasure = takenBack.has(m.map) ? 'outstanding' : allocates && m.aggregation === 'sum' ? 'allocated' : 'unknown';
    maps.push({ map: m.map, aggregation: m.aggregation, argument: m.argument, unit: m.unit, measure });
  }
  return { maps, printIntervalSeconds, printsTime, clearedAtEnd: [...clearedAtEnd] };
}
