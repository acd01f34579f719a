import { z } from 'zod';
import { classifyFramingLine } from '../../core/framing.js';
import { StackFrameSchema, type StackFrame } from '../../core/models.js';
import { frontEnds, type Emit, type ParserCore, type ParserDefinition } from '../../core/parser.js';
import { fields, parseNum } from '../../core/text.js';
import { isHexAddress, splitSymbolOffset } from '../kmemleak/frames.js';
import { BpftraceProgramSchema, isBpftraceProgramLine, parseBpftraceProgram } from './script.js';

export { parseBpftraceProgram, isBpftraceProgramLine, type BpftraceProgram, type BpftraceMapSemantics, type BpftraceMapUnit, type BpftraceMapMeasure } from './script.js';

/**
 * bpftrace map printouts: `@name[key]: value`, scalars `@name: value`, multi-line kstack/ustack
 * keys (`@name[` + frames + `]: value`), tuple keys, hist()/lhist() bucket blocks, stats()
 * values, several maps, and `interval` prints. Each print is a snapshot: a printf line (kept as
 * a marker record), an `epoch <s>` / timestamp line, or a (map, key) repeating within the current
 * snapshot (the exit dump after the last print) starts the next one.
 * One record per map entry or marker, streamed.
 */
export const BpftraceBucketSchema = z.object({
  /** As printed: `[64K, 128K)`, `[0]`, `(..., 0)`. */
  range: z.string(),
  count: z.number(),
});

const Common = {
  /** 0-based snapshot (print) number. */
  snapshot: z.number().int().nonnegative(),
  /** Time of the snapshot from an epoch/timestamp line, null when none was printed. */
  time: z.number().nullable(),
  line: z.number().int().positive(),
};

export const BpftraceEntrySchema = z.object({
  kind: z.literal('entry'),
  ...Common,
  /** The map name with its `@` (`@live_bytes`, `@` for anonymous maps). */
  map: z.string(),
  /** The key as one string (frames joined by `;`), null for a scalar map. */
  key: z.string().nullable(),
  /** Frames of a kstack/ustack key, top first; null for plain keys. */
  stack: z.array(StackFrameSchema).nullable(),
  /** Parts of a tuple key (`@x[1234, cfgleak]`), null otherwise. */
  tuple: z.array(z.string()).nullable(),
  /** The number (histograms: total count; stats(): total); null for text values. */
  value: z.number().nullable(),
  /** A text value as printed when not numeric (str maps). */
  valueText: z.string().nullable(),
  hist: z.array(BpftraceBucketSchema).nullable(),
  stats: z.object({ count: z.number(), average: z.number(), total: z.number() }).nullable(),
  endLine: z.number().int().positive(),
});
export type BpftraceEntry = z.infer<typeof BpftraceEntrySchema>;

export const BpftraceMarkerSchema = z.object({
  kind: z.literal('marker'),
  ...Common,
  /** The printf line as printed (trimmed). */
  text: z.string(),
  /**
   * A byte total the program printed (`--- Total outstanding bytes: 4096 ---`, seed 000's
   * `printf(..., sum(@live))`): its label and value; null for other lines.
   */
  bytes: z.object({ label: z.string(), value: z.number() }).nullable(),
});
export type BpftraceMarker = z.infer<typeof BpftraceMarkerSchema>;

/**
 * What the capture says about its own maps and clock: the program pasted into it (`capture`), the
 * `.bt` script given beside it (`script-file`), or the print interval the user declared
 * (`option`, `--interval`; no maps). One record per source, emitted at the end of the input.
 */
export const BpftraceProgramRecordSchema = z.object({
  kind: z.literal('program'),
  source: z.enum(['capture', 'script-file', 'option']),
  /** First line of the program in the capture; null for a script file or an option. */
  line: z.number().int().positive().nullable(),
  ...BpftraceProgramSchema.shape,
});
export type BpftraceProgramRecord = z.infer<typeof BpftraceProgramRecordSchema>;

export const BpftraceRecordSchema = z.discriminatedUnion('kind', [BpftraceEntrySchema, BpftraceMarkerSchema, BpftraceProgramRecordSchema]);
export type BpftraceRecord = z.infer<typeof BpftraceRecordSchema>;

export const BpftraceOptionsSchema = z.object({
  /** The bpftrace program that produced the capture (the `.bt` file beside it). */
  script: z.string().optional(),
  /** Seconds between prints when the capture prints no time (`--interval`). */
  intervalSeconds: z.number().positive().optional(),
});
export type BpftraceOptions = z.infer<typeof BpftraceOptionsSchema>;

/** A stack frame in a key: `parse_config_entry+25`, `0x7f.. sym+12 (/usr/lib/libc.so.6)`, `0x7f00`. */
export function parseBpftraceFrame(t: string): StackFrame {
  let s = t.trim();
  let module: string | undefined;
  if (s.endsWith(')')) {
    const open = s.lastIndexOf(' (');
    if (open > 0) {
      module = s.slice(open + 2, -1);
      s = s.slice(0, open).trim();
    }
  }
  let address: string | undefined;
  const sp = s.indexOf(' ');
  if (sp > 0 && isHexAddress(s.slice(0, sp), 6)) {
    const a = s.slice(0, sp).toLowerCase();
    address = a.startsWith('0x') ? a : `0x${a}`;
    s = s.slice(sp + 1).trim();
  }
  const frame: StackFrame = { ...splitSymbolOffset(s) };
  if (module !== undefined) frame.module = module;
  if (address !== undefined) frame.address = address;
  else if (frame.symbol.startsWith('0x') && isHexAddress(frame.symbol, 4)) frame.address = frame.symbol.toLowerCase();
  return frame;
}

/** `[64K, 128K)    1 |@@@@|` → bucket, or null. */
export function parseBucket(t: string): { range: string; count: number } | null {
  if (t[0] !== '[' && t[0] !== '(') return null;
  const bar = t.indexOf('|');
  if (bar < 0) return null;
  let close = -1;
  for (let i = 1; i < bar; i++) {
    if (t[i] === ')' || t[i] === ']') {
      close = i;
      break;
    }
  }
  if (close < 0) return null;
  const count = parseNum(t.slice(close + 1, bar).trim());
  if (count === null) return null;
  return { range: t.slice(0, close + 1), count };
}

type Value = Pick<BpftraceEntry, 'value' | 'valueText' | 'stats'> | 'hist';

function parseValue(v: string): Value | null {
  const s = v.trim();
  if (s.length === 0) return 'hist';
  const n = parseNum(s);
  if (n !== null) return { value: n, valueText: null, stats: null };
  if (s.startsWith('count ')) {
    const f = fields(s.replaceAll(',', ' '));
    const get = (k: string): number | null => {
      const i = f.indexOf(k);
      return i >= 0 ? parseNum(f[i + 1] ?? '') : null;
    };
    const count = get('count');
    const average = get('average');
    const total = get('total');
    if (count !== null && average !== null && total !== null) return { value: total, valueText: null, stats: { count, average, total } };
    return null;
  }
  return { value: null, valueText: s, stats: null };
}

function splitTuple(key: string): string[] | null {
  if (!key.includes(', ')) return null;
  return key.split(', ').map((x) => x.trim());
}

interface OpenKey {
  map: string;
  prefix: string;
  frames: StackFrame[];
  line: number;
}

/** Longest program text kept from a capture: a pasted script is a few KiB; bounded memory. */
const MAX_PROGRAM_CHARS = 64 * 1024;

function createCore(options: Partial<BpftraceOptions> = {}): ParserCore<BpftraceRecord> {
  let snapshot = 0;
  // Program text pasted into the capture: its lines, while its blocks or quotes are open.
  let program = '';
  let programLine: number | null = null;
  let programDepth = 0;
  let programQuoted = false;
  let time: number | null = null;
  let snapshotHasEntries = false;
  let seen = new Set<string>();
  let open: OpenKey | null = null;
  let pendingHist: BpftraceEntry | null = null;
  let lastClock: number | null = null;
  let clockOffset = 0;

  const nextSnapshot = (): void => {
    snapshot++;
    time = null;
    snapshotHasEntries = false;
    seen = new Set();
  };
  const flushHist = (emit: Emit<BpftraceRecord>): void => {
    if (!pendingHist) return;
    const h = pendingHist.hist ?? [];
    pendingHist.value = h.reduce((a, b) => a + b.count, 0);
    emit.record(pendingHist);
    pendingHist = null;
  };
  const addEntry = (
    emit: Emit<BpftraceRecord>,
    lineNo: number,
    startLine: number,
    map: string,
    key: string | null,
    stack: StackFrame[] | null,
    tuple: string[] | null,
    rawValue: string,
    excerpt: string,
  ): void => {
    const v = parseValue(rawValue);
    if (v === null) {
      emit.diagnostic('bpftrace-bad-value', 'map entry value is not a number, stats(), histogram or text', { excerpt });
      return;
    }
    const id = `${map}\u0000${key ?? ''}`;
    if (seen.has(id)) {
      nextSnapshot();
      emit.count('snapshotsByRepeatedKey');
    }
    seen.add(id);
    snapshotHasEntries = true;
    const entry: BpftraceEntry = {
      kind: 'entry',
      snapshot,
      time,
      line: startLine,
      map,
      key,
      stack,
      tuple,
      value: v === 'hist' ? null : v.value,
      valueText: v === 'hist' ? null : v.valueText,
      hist: v === 'hist' ? [] : null,
      stats: v === 'hist' ? null : v.stats,
      endLine: lineNo,
    };
    emit.count('entries');
    if (v === 'hist') pendingHist = entry;
    else emit.record(entry);
  };

  return {
    line(text, lineNo, emit) {
      const t = text.trim();
      // A pasted program left open (a truncated paste) must not swallow the output after it: the
      // probe banner or a printed map entry closes it.
      if ((programDepth > 0 || programQuoted) && (t.startsWith('Attaching ') || (t.startsWith('@') && !isProgramStatement(t) && (t.includes(']: ') || t.endsWith('[') || t.includes(': '))))) {
        programDepth = 0;
        programQuoted = false;
      }
      if (!open && (programDepth > 0 || programQuoted || (!t.startsWith('@') && isBpftraceProgramLine(t)) || (t.startsWith('@') && isProgramStatement(t)))) {
        programLine ??= lineNo;
        if (program.length + t.length < MAX_PROGRAM_CHARS) program += `${t}\n`;
        for (const ch of t) {
          if (ch === "'") programQuoted = !programQuoted;
          else if (ch === '{') programDepth++;
          else if (ch === '}') programDepth = Math.max(0, programDepth - 1);
        }
        emit.count('programLines');
        return;
      }
      if (open) {
        const o: OpenKey = open;
        if (t.startsWith(']') || (t.startsWith(',') && t.includes(']:'))) {
          const close = t.lastIndexOf(']:');
          if (close < 0) {
            emit.diagnostic('bpftrace-unclosed-key', 'closing line of a multi-line key without `]:`', { excerpt: text });
            open = null;
            return;
          }
          const suffix = t.slice(t.startsWith(',') ? 1 : 0, close).replace(/^\]/, '').trim();
          const parts = [o.prefix, suffix].filter((x) => x.length > 0);
          const frames = o.frames.map((f) => `${f.symbol}${f.offset ?? ''}`).join(';');
          const key = [...parts, frames].join(', ');
          open = null;
          addEntry(emit, lineNo, o.line, o.map, key, o.frames, parts.length > 0 ? [...parts, frames] : null, t.slice(close + 2), text);
          return;
        }
        if (t.startsWith('@')) {
          emit.diagnostic('bpftrace-unclosed-key', `key of ${o.map} opened at line ${o.line} never closed; entry dropped`, {
            line: o.line,
          });
          open = null;
          // fall through: the line starts a new entry
        } else if (t.length > 0) {
          o.frames.push(parseBpftraceFrame(t));
          return;
        } else {
          emit.skip('blank');
          return;
        }
      }
      if (pendingHist) {
        const b = parseBucket(t);
        if (b) {
          pendingHist.hist!.push(b);
          pendingHist.endLine = lineNo;
          return;
        }
        flushHist(emit);
      }
      if (t.length === 0) {
        emit.skip('blank');
        return;
      }
      if (t.startsWith('@')) {
        const bracket = t.indexOf('[');
        const colon = t.indexOf(':');
        if (bracket > 0 && (colon < 0 || bracket < colon)) {
          const map = t.slice(0, bracket);
          const close = t.lastIndexOf(']:');
          if (close < 0) {
            // Multi-line stack key: `@name[` (optionally `@name[comm, `).
            let prefix = t.slice(bracket + 1).trim();
            if (prefix.endsWith(',')) prefix = prefix.slice(0, -1).trim();
            open = { map, prefix, frames: [], line: lineNo };
            return;
          }
          const key = t.slice(bracket + 1, close);
          addEntry(emit, lineNo, lineNo, map, key, null, splitTuple(key), t.slice(close + 2), text);
          return;
        }
        if (colon > 0) {
          const map = t.slice(0, colon);
          if (!map.includes(' ')) {
            addEntry(emit, lineNo, lineNo, map, null, null, null, t.slice(colon + 1), text);
            return;
          }
        }
      }
      if (parseBucket(t)) {
        emit.diagnostic('bpftrace-orphan-bucket', 'histogram bucket outside any hist() entry', { excerpt: text });
        return;
      }
      if (t.startsWith('Attaching ') || t.startsWith('Attached ') || t === '^C') {
        emit.skip('preamble');
        return;
      }
      if (t.startsWith('WARNING') || t.startsWith('Warning') || t.startsWith('ERROR') || t.includes('cannot attach')) {
        emit.skip('tool-warning');
        return;
      }
      if (t.startsWith('Lost ') && t.includes(' events')) {
        emit.diagnostic('trace-lost-events', 'bpftrace lost events: the maps undercount', { excerpt: text });
        return;
      }
      // printf output: a marker. A time line stamps the snapshot.
      let stamp: number | null = null;
      const f = fields(t);
      if ((f[0] === 'epoch' || f[0] === 'epoch:' || f[0] === 'epoch=') && f.length >= 2) stamp = parseNum(f[1]);
      else if (f[0].startsWith('epoch=')) stamp = parseNum(f[0].slice(6));
      else if (t.length === 8 && t[2] === ':' && t[5] === ':') {
        // bpftrace's time() prints `%H:%M:%S`: seconds of day, carried over midnight.
        const h = parseNum(t.slice(0, 2));
        const m = parseNum(t.slice(3, 5));
        const sec = parseNum(t.slice(6, 8));
        if (h !== null && m !== null && sec !== null && h < 24 && m < 60 && sec <= 60) {
          stamp = h * 3600 + m * 60 + sec;
          if (lastClock !== null && stamp + clockOffset < lastClock) clockOffset += 86400;
          stamp += clockOffset;
          lastClock = stamp;
        }
      } else {
        const fr = classifyFramingLine(t);
        if (fr?.kind === 'timestamp') stamp = fr.time;
      }
      if (snapshotHasEntries) nextSnapshot();
      if (stamp !== null) time = stamp;
      emit.record({ kind: 'marker', snapshot, time, line: lineNo, text: t, bytes: stamp === null ? printedByteTotal(f) : null });
      emit.count('markers');
    },
    end(emit) {
      flushHist(emit);
      if (program.length > 0) emit.record({ kind: 'program', source: 'capture', line: programLine, ...parseBpftraceProgram(program) });
      if (options.script !== undefined) emit.record({ kind: 'program', source: 'script-file', line: null, ...parseBpftraceProgram(options.script) });
      if (options.intervalSeconds !== undefined) emit.record({ kind: 'program', source: 'option', line: null, maps: [], printIntervalSeconds: options.intervalSeconds, printsTime: false, clearedAtEnd: [] });
      if (open) {
        emit.diagnostic('truncated-input', `key of ${open.map} opened at line ${open.line} cut by the end of input`, {
          line: open.line,
        });
        open = null;
      }
    },
  };
}

/**
 * `--- Total outstanding bytes: 4096 ---`, `live bytes 4096`: the one number of a line whose
 * words before it say bytes; null otherwise (several numbers, no `byte` word).
 * @example printedByteTotal(['---', 'Total', 'outstanding', 'bytes:', '4096', '---']) // { label: 'Total outstanding bytes', value: 4096 }
 */
export function printedByteTotal(f: readonly string[]): { label: string; value: number } | null {
  let at = -1;
  for (let i = 0; i < f.length; i++) {
    if (parseNum(f[i]) === null) continue;
    if (at >= 0) return null;
    at = i;
  }
  if (at <= 0) return null;
  const words = f.slice(0, at).filter((w) => w.replaceAll('-', '').replaceAll('=', '').length > 0).map((w) => (w.endsWith(':') || w.endsWith('=') ? w.slice(0, -1) : w));
  const label = words.join(' ');
  return label.toLowerCase().includes('byte') ? { label, value: parseNum(f[at])! } : null;
}

/** `@[ustack] = sum(arg0);`: a map statement of a program, never a printed entry (those have `]: ` or `: `). */
function isProgramStatement(t: string): boolean {
  const eq = t.indexOf(' = ');
  const plus = t.indexOf(' += ');
  const at = eq >= 0 ? eq : plus;
  if (at < 0) return false;
  const close = t.lastIndexOf(']:', at);
  return close < 0 && (t.endsWith(';') || t.endsWith('}') || t.includes('('));
}

export const bpftraceParser: ParserDefinition<BpftraceRecord, BpftraceOptions> = {
  format: 'bpftrace',
  title: 'bpftrace map printouts (print/interval snapshots, stack keys, histograms)',
  producedBy: 'bpftrace script.bt (maps printed at interval/exit), bpftrace -e ... -o out.txt',
  recordSchema: BpftraceRecordSchema,
  sniff(head) {
    // Line-based: map lines start at column 0 with `@`; the probe banner is a line of its own.
    let banner = 0;
    let maps = 0;
    for (const line of head.split('\n', 400)) {
      const t = line.trimEnd();
      if ((t.startsWith('Attaching ') && t.endsWith(' probes...')) || t === 'Attaching 1 probe...' || (t.startsWith('Attached ') && t.endsWith(' probes'))) banner++;
      else if (t.startsWith('@')) {
        const b = t.indexOf('[');
        const c = t.indexOf(':');
        const end = b > 0 && (c < 0 || b < c) ? b : c;
        const name = end > 0 ? t.slice(1, end) : '';
        let ok = end > 0;
        for (let i = 0; i < name.length && ok; i++) {
          const ch = name.charCodeAt(i) | 0x20;
          ok = (ch >= 97 && ch <= 122) || (name.charCodeAt(i) >= 48 && name.charCodeAt(i) <= 57) || name[i] === '_';
        }
        if (ok && (t.endsWith('[') || t.includes(']: ') || t.endsWith(']:') || (end === c && t[c + 1] === ' ') || t.endsWith(':'))) maps++;
      }
    }
    if (maps === 0 && banner === 0) return { score: 0, reason: 'no @map lines' };
    const score = Math.min(0.9, (banner > 0 ? 0.45 : 0) + (maps > 0 ? 0.4 : 0) + Math.min(0.1, maps * 0.02));
    return { score, reason: `${banner ? 'probe banner, ' : ''}${maps} @map line(s)` };
  },
  createCore,
};

export const { parse: parseBpftrace, parseAsync: parseBpftraceAsync } = frontEnds(bpftraceParser);
