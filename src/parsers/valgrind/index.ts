import type { StackFrame } from '../../core/models.js';
import { frontEnds, type Emit, type ParserCore, type ParserDefinition } from '../../core/parser.js';
import { fields, parseGroupedInt, parseUInt } from '../../core/text.js';
import { markerLines } from '../oom/sniff-lines.js';
import { emptySummary, LeakReportRecordSchema, type LeakKind, type LeakRecord, type LeakReportRecord, type LeakSummaryRecord } from '../lsan/record.js';

export { LeakReportRecordSchema, type LeakRecord, type LeakReportRecord, type LeakSummaryRecord } from '../lsan/record.js';

/**
 * valgrind memcheck output (`--leak-check=full` or summary only): loss records `N bytes in B
 * blocks are definitely lost in loss record i of n` (also `N (D direct, I indirect) bytes`,
 * comma-grouped numbers), their `at` / `by` frames, HEAP SUMMARY and LEAK SUMMARY; prefixes
 * `==PID==` and `==DD:HH:MM:SS.mmm PID==` (`--time-stamp=yes`); several processes interleaved
 * (state is kept per PID). Lines without a prefix are the program's own output.
 */

/**
 * `==4633== text` / `==00:00:00:14.925 216336== text` → pid, elapsed seconds, text; null for program output.
 * @example valgrindPrefix('==4633== LEAK SUMMARY:') // { pid: 4633, elapsed: null, text: 'LEAK SUMMARY:' }
 */
export function valgrindPrefix(line: string): { pid: number; elapsed: number | null; text: string } | null {
  let i = 0;
  while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
  const c = line.slice(i, i + 2);
  if (c !== '==' && c !== '--' && c !== '**') return null;
  const j = line.indexOf(c, i + 2);
  if (j < 0 || j - i > 40) return null;
  const inner = line.slice(i + 2, j);
  const sp = inner.indexOf(' ');
  const pid = parseUInt(sp < 0 ? inner : inner.slice(sp + 1));
  if (pid === null) return null;
  let elapsed: number | null = null;
  if (sp >= 0) {
    // days:hours:minutes:seconds.millis
    const parts = inner.slice(0, sp).split(':');
    if (parts.length !== 4) return null;
    const n = parts.map(Number);
    if (n.some((x) => !Number.isFinite(x))) return null;
    elapsed = n[0] * 86400 + n[1] * 3600 + n[2] * 60 + n[3];
  }
  return { pid, elapsed, text: line.slice(j + 2).trim() };
}

/**
 * `at 0x4C2BBAD: malloc (vg_replace_malloc.c:299)` / `by 0x40091E: bagnode_new (in /bin/names)`.
 * @example parseValgrindFrame('by 0x109264: parse_config_entry (cfgleak.c:53)')?.location // 'cfgleak.c:53'
 */
export function parseValgrindFrame(t: string): StackFrame | null {
  if (!t.startsWith('at 0x') && !t.startsWith('by 0x')) return null;
  const colon = t.indexOf(': ', 3);
  const address = colon < 0 ? t.slice(3).replace(/:$/, '') : t.slice(3, colon);
  if (address.length < 3) return null;
  const rest = colon < 0 ? '' : t.slice(colon + 2).trim();
  const frame: StackFrame = { symbol: address, address };
  let sym = rest;
  if (rest.endsWith(')')) {
    const open = rest.lastIndexOf(' (');
    if (open > 0) {
      const inner = rest.slice(open + 2, -1);
      if (inner.startsWith('in ')) frame.module = inner.slice(3);
      else frame.location = inner;
      sym = rest.slice(0, open);
    }
  }
  if (sym.length > 0 && sym !== '???') frame.symbol = sym;
  return frame;
}

const KINDS: Record<string, LeakKind> = {
  'definitely lost': 'definite',
  'indirectly lost': 'indirect',
  'possibly lost': 'possible',
  'still reachable': 'reachable',
};

/** A loss-record header; null when not one, 'bad' when one whose numbers cannot be read. */
function parseLossHeader(t: string):
  | { kind: LeakKind; bytes: number; direct: number | null; indirect: number | null; count: number; rec: [number, number] | null }
  | 'bad'
  | null {
  const lr = t.indexOf(' in loss record ');
  const are = t.indexOf(' are ');
  if (lr < 0 || are < 0 || are > lr) return null;
  const kind = KINDS[t.slice(are + 5, lr)];
  // `16,384 bytes in 4 blocks` or `396 (8 direct, 388 indirect) bytes in 1 blocks`: digit-group commas have no space after them.
  const joined = t.slice(0, are);
  const head = fields(joined.replaceAll('(', ' ').replaceAll(')', ' ').replaceAll(', ', ' '));
  const bytes = parseGroupedInt(head[0] ?? '');
  let direct: number | null = null;
  let indirect: number | null = null;
  const di = head.indexOf('direct');
  const ii = head.indexOf('indirect');
  if (di > 0) direct = parseGroupedInt(head[di - 1]);
  if (ii > 0) indirect = parseGroupedInt(head[ii - 1]);
  const inIdx = head.lastIndexOf('in');
  const count = inIdx >= 0 ? parseGroupedInt(head[inIdx + 1] ?? '') : null;
  const recToks = fields(t.slice(lr + 16));
  const ri = parseGroupedInt(recToks[0] ?? '');
  const rn = parseGroupedInt(recToks[2] ?? '');
  if (!kind || bytes === null || count === null || (di > 0 && direct === null) || (ii > 0 && indirect === null)) return 'bad';
  return { kind, bytes, direct, indirect, count, rec: ri !== null && rn !== null ? [ri, rn] : null };
}

/** `16,384 bytes in 4 blocks` → bytes, count. */
function bytesBlocks(t: string): { bytes: number; count: number } | null {
  const toks = fields(t);
  const bytes = parseGroupedInt(toks[0] ?? '');
  const count = parseGroupedInt(toks[3] ?? '');
  return bytes === null || count === null || toks[1] !== 'bytes' ? null : { bytes, count };
}

interface PidState {
  block: LeakRecord | null;
  summary: LeakSummaryRecord | null;
  inLeakSummary: boolean;
  /** Frames of a non-leak error (Invalid read ...) follow. */
  otherError: boolean;
  sums: Record<LeakKind, number>;
  shown: Record<LeakKind, number>;
}

type E = Emit<LeakReportRecord>;

function createCore(): ParserCore<LeakReportRecord> {
  const states = new Map<number, PidState>();
  const stateOf = (pid: number): PidState => {
    let s = states.get(pid);
    if (!s) {
      s = {
        block: null, summary: null, inLeakSummary: false, otherError: false,
        sums: { definite: 0, indirect: 0, possible: 0, reachable: 0 }, shown: { definite: 0, indirect: 0, possible: 0, reachable: 0 },
      };
      states.set(pid, s);
    }
    return s;
  };

  const finishBlock = (st: PidState, emit: E, atEnd: boolean): void => {
    const b = st.block;
    if (!b) return;
    if (b.frames.length === 0) {
      emit.diagnostic('leak-truncated-record', atEnd ? 'loss record at the end of the input has no stack (input cut)' : 'loss record without a stack', { line: b.line });
    }
    emit.record(b);
    emit.count(`leak-${b.kind}`);
    st.sums[b.kind] += b.kind === 'indirect' ? b.bytes : (b.directBytes ?? b.bytes);
    st.shown[b.kind]++;
    st.block = null;
  };

  const finishSummary = (st: PidState, emit: E): void => {
    const s = st.summary;
    if (!s) return;
    st.summary = null;
    st.inLeakSummary = false;
    // Compare with the records read, for the kinds whose records were shown (definite and possible by default).
    const anyShown = st.shown.definite + st.shown.indirect + st.shown.possible + st.shown.reachable > 0;
    if (anyShown) {
      for (const k of ['definite', 'indirect', 'possible', 'reachable'] as const) {
        const want = s[k]?.bytes;
        const shownByDefault = k === 'definite' || k === 'possible';
        if (want === undefined || (!shownByDefault && st.shown[k] === 0)) continue;
        if (want !== st.sums[k]) {
          emit.diagnostic('leak-summary-mismatch', `LEAK SUMMARY ${k}: ${want} bytes, loss records read: ${st.sums[k]} bytes`, { line: s.line });
        }
      }
    }
    st.sums = { definite: 0, indirect: 0, possible: 0, reachable: 0 };
    st.shown = { definite: 0, indirect: 0, possible: 0, reachable: 0 };
    emit.record(s);
  };

  return {
    line(text, lineNo, emit) {
      const p = valgrindPrefix(text);
      if (!p) {
        emit.skip(text.trim().length === 0 ? 'blank' : 'program-output');
        return;
      }
      const st = stateOf(p.pid);
      const t = p.text;
      if (t.length === 0) {
        finishBlock(st, emit, false);
        st.otherError = false;
        st.inLeakSummary = false;
        emit.skip('blank');
        return;
      }
      const frame = parseValgrindFrame(t);
      if (frame) {
        if (st.block) {
          st.block.frames.push(frame);
          st.block.endLine = lineNo;
        } else if (st.otherError) emit.skip('error-frame');
        else emit.diagnostic('report-orphan-frame', 'stack frame outside any loss record', { excerpt: text });
        return;
      }
      const h = parseLossHeader(t);
      if (h === 'bad') {
        finishBlock(st, emit, false);
        emit.diagnostic('unrecognized-line', 'loss record header whose numbers could not be read', { excerpt: text });
        return;
      }
      if (h) {
        finishBlock(st, emit, false);
        st.otherError = false;
        st.block = {
          type: 'leak', tool: 'valgrind', pid: p.pid, kind: h.kind, bytes: h.bytes, directBytes: h.direct, indirectBytes: h.indirect,
          count: h.count, lossRecord: h.rec, frames: [], line: lineNo, endLine: lineNo, elapsed: p.elapsed,
        };
        return;
      }
      finishBlock(st, emit, false);
      if (t === 'HEAP SUMMARY:') {
        finishSummary(st, emit);
        st.summary = emptySummary('valgrind', p.pid, lineNo);
        st.summary.elapsed = p.elapsed;
        return;
      }
      if (t.startsWith('in use at exit:')) {
        st.summary ??= emptySummary('valgrind', p.pid, lineNo);
        const bb = bytesBlocks(t.slice(15));
        if (!bb) return void emit.diagnostic('unrecognized-line', 'HEAP SUMMARY line whose numbers could not be read', { excerpt: text });
        st.summary.inUseAtExit = bb;
        return;
      }
      if (t.startsWith('total heap usage:')) {
        st.summary ??= emptySummary('valgrind', p.pid, lineNo);
        // `1,379 allocs, 353 frees, 1,325,653 bytes allocated`: separators are `, `, digit groups have no space.
        const m = t.slice(17).split(', ');
        const allocs = parseGroupedInt(fields(m[0] ?? '')[0] ?? '');
        const frees = parseGroupedInt(fields(m[1] ?? '')[0] ?? '');
        const bytes = parseGroupedInt(fields(m[2] ?? '')[0] ?? '');
        if (allocs === null || frees === null || bytes === null) {
          return void emit.diagnostic('unrecognized-line', 'HEAP SUMMARY line whose numbers could not be read', { excerpt: text });
        }
        st.summary.totalHeapUsage = { allocs, frees, bytes };
        return;
      }
      if (t === 'LEAK SUMMARY:') {
        st.summary ??= emptySummary('valgrind', p.pid, lineNo);
        st.summary.line = lineNo;
        st.inLeakSummary = true;
        return;
      }
      if (st.inLeakSummary && st.summary) {
        const colon = t.indexOf(':');
        const key = colon > 0 ? t.slice(0, colon) : '';
        const k = key === 'suppressed' ? 'suppressed' : KINDS[key];
        if (k) {
          const bb = bytesBlocks(t.slice(colon + 1));
          if (!bb) return void emit.diagnostic('unrecognized-line', 'LEAK SUMMARY line whose numbers could not be read', { excerpt: text });
          st.summary[k] = bb;
          return;
        }
        if (t.startsWith('of which reachable via heuristic')) {
          emit.skip('heuristic');
          return;
        }
        if (colon > 0 && bytesBlocks(t.slice(colon + 1))) {
          emit.skip('heuristic'); // `newarray : N bytes in B blocks`
          return;
        }
      }
      if (t.startsWith('All heap blocks were freed')) {
        st.summary ??= emptySummary('valgrind', p.pid, lineNo);
        const zero = { bytes: 0, count: 0 };
        st.summary.definite = zero;
        st.summary.indirect = zero;
        st.summary.possible = zero;
        st.summary.reachable = zero;
        return;
      }
      if (t.startsWith('ERROR SUMMARY:')) {
        finishSummary(st, emit);
        return;
      }
      if (
        t.startsWith('Memcheck, ') || t.startsWith('Copyright ') || t.startsWith('Using Valgrind') || t.startsWith('Command:') ||
        t.startsWith('Parent PID:') || t.startsWith('For ') || t.startsWith('Rerun with') || t.startsWith('Reachable blocks') ||
        t.startsWith('To see them') || t.startsWith('Searching for pointers') || t.startsWith('Checked ') || t.startsWith('Use --')
      ) {
        emit.skip('tool-message');
        return;
      }
      // Another kind of memcheck error (Invalid read, Conditional jump, ...): its frames are not leak frames.
      st.otherError = true;
      emit.skip('other-error');
    },
    end(emit) {
      for (const st of states.values()) {
        finishBlock(st, emit, true);
        finishSummary(st, emit);
      }
    },
  };
}

export const valgrindParser: ParserDefinition<LeakReportRecord> = {
  format: 'valgrind',
  title: 'valgrind memcheck leak report',
  producedBy: 'valgrind --leak-check=full [--time-stamp=yes] <program>',
  recordSchema: LeakReportRecordSchema,
  sniff(head) {
    const { markers } = markerLines(head, ['Memcheck, a memory error detector', ' in loss record ', 'LEAK SUMMARY:', 'HEAP SUMMARY:']);
    if (markers.has('Memcheck, a memory error detector')) return { score: 0.95, reason: 'memcheck banner' };
    if (markers.has(' in loss record ') || markers.has('LEAK SUMMARY:')) return { score: 0.85, reason: 'memcheck loss record / LEAK SUMMARY' };
    if (markers.has('HEAP SUMMARY:')) return { score: 0.7, reason: 'memcheck HEAP SUMMARY' };
    return { score: 0, reason: 'no memcheck lines' };
  },
  createCore,
};

export const { parse: parseValgrind, parseAsync: parseValgrindAsync } = frontEnds(valgrindParser);
