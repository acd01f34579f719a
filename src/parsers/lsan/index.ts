import type { StackFrame } from '../../core/models.js';
import { frontEnds, type Emit, type ParserCore, type ParserDefinition } from '../../core/parser.js';
import { fields, parseGroupedInt, parseUInt } from '../../core/text.js';
import { markerLines } from '../oom/sniff-lines.js';
import { emptySummary, LeakReportRecordSchema, type LeakRecord, type LeakReportRecord } from './record.js';

export * from './record.js';

/**
 * LeakSanitizer reports, standalone (`-fsanitize=leak`) or from AddressSanitizer:
 * `==PID==ERROR: LeakSanitizer: detected memory leaks`, `Direct leak of N byte(s) in M object(s)
 * allocated from:` / `Indirect leak ...` with frames `#0 0x... in func file:line[:col]`,
 * `#1 0x... (module+0xoff)`, optional ` (BuildId: ...)`, and `SUMMARY: AddressSanitizer: N byte(s)
 * leaked in M allocation(s).` Program output around it, other sanitizer reports and the
 * suppression table are skipped; a quoted (indented) report reads the same.
 */

/** Is `tok` a source location `file:line` or `file:line:col` (or LSan's `<null>`)? */
function isLocation(tok: string): boolean {
  if (tok === '<null>') return true;
  const parts = tok.split(':');
  if (parts.length < 2 || parts.length > 3 || parts[0].length === 0) return false;
  return parts.slice(1).every((p) => parseUInt(p) !== null);
}

/**
 * Parses one sanitizer frame line (without indentation): `#3 0x41012c in _start (/a.out+0x41012c) (BuildId: e98d...)`.
 * @example parseSanitizerFrame('#1 0x560ff83183e5 in parse_config_entry /opt/memlab/src/cfgleak.c:53')?.symbol // 'parse_config_entry'
 */
export function parseSanitizerFrame(line: string): (StackFrame & { index: number }) | null {
  const t = line.trim();
  if (!t.startsWith('#')) return null;
  const sp = t.indexOf(' ');
  const index = parseUInt(sp < 0 ? t.slice(1) : t.slice(1, sp));
  if (index === null || sp < 0) return null;
  let rest = t.slice(sp + 1).trimStart();
  const sp2 = rest.indexOf(' ');
  const address = sp2 < 0 ? rest : rest.slice(0, sp2);
  if (!address.startsWith('0x')) return null;
  rest = sp2 < 0 ? '' : rest.slice(sp2 + 1).trim();
  const build = rest.lastIndexOf(' (BuildId: ');
  if (build >= 0 && rest.endsWith(')')) rest = rest.slice(0, build).trimEnd();
  else if (rest.startsWith('(BuildId: ')) rest = '';
  let func: string | null = null;
  if (rest.startsWith('in ')) {
    func = rest.slice(3);
    rest = '';
  }
  const frame: StackFrame & { index: number } = { index, symbol: address, address };
  const body = func ?? rest;
  if (body.endsWith(')')) {
    const open = body.lastIndexOf('(');
    const inner = open >= 0 ? body.slice(open + 1, -1) : '';
    const plus = inner.lastIndexOf('+0x');
    if (open >= 0 && plus > 0 && !inner.includes(' ') && (open === 0 || body[open - 1] === ' ')) {
      frame.module = inner.slice(0, plus);
      frame.offset = inner.slice(plus);
      const f = body.slice(0, open).trim();
      if (f.length > 0) frame.symbol = f;
      return frame;
    }
  }
  if (body.startsWith('<unknown module>')) return frame;
  if (func !== null) {
    const last = func.lastIndexOf(' ');
    if (last > 0 && isLocation(func.slice(last + 1))) {
      frame.location = func.slice(last + 1);
      frame.symbol = func.slice(0, last);
    } else if (func.length > 0) frame.symbol = func;
  }
  return frame;
}

/** `Direct leak of 8 byte(s) in 1 object(s) allocated from:` → kind, bytes, count. */
function parseLeakHeader(t: string): { kind: 'definite' | 'indirect'; bytes: number; count: number } | 'bad' | null {
  const direct = t.startsWith('Direct leak of ');
  if (!direct && !t.startsWith('Indirect leak of ')) return null;
  const toks = fields(t);
  const bytes = parseGroupedInt(toks[3] ?? '');
  const count = parseGroupedInt(toks[6] ?? '');
  if (bytes === null || count === null || toks[4] !== 'byte(s)' || toks[5] !== 'in') return 'bad';
  return { kind: direct ? 'definite' : 'indirect', bytes, count };
}

/** `==4642==ERROR: ...` → [pid, message]. */
function sanitizerPrefix(t: string): [number, string] | null {
  if (!t.startsWith('==')) return null;
  const j = t.indexOf('==', 2);
  if (j < 0) return null;
  const pid = parseUInt(t.slice(2, j));
  return pid === null ? null : [pid, t.slice(j + 2)];
}

type E = Emit<LeakReportRecord>;

function createCore(): ParserCore<LeakReportRecord> {
  let pid: number | null = null;
  let block: LeakRecord | null = null;
  /** Frames of a non-leak sanitizer report (use-after-free ...) follow: they are not orphans. */
  let otherReport = false;
  let inSuppressions = false;
  let sinceSummary = { bytes: 0, count: 0, errors: 0 };

  const finish = (emit: E, atEnd: boolean): void => {
    if (!block) return;
    if (block.frames.length === 0) {
      emit.diagnostic('leak-truncated-record', atEnd ? 'leak record at the end of the input has no stack (input cut)' : 'leak record without a stack', {
        line: block.line,
      });
    }
    emit.record(block);
    emit.count(`leak-${block.kind}`);
    sinceSummary.bytes += block.bytes;
    sinceSummary.count += block.count;
    block = null;
  };

  return {
    line(text, lineNo, emit) {
      const t = text.trim();
      if (t.length === 0) {
        finish(emit, false);
        emit.skip('blank');
        return;
      }
      if (t.startsWith('#')) {
        const f = parseSanitizerFrame(t);
        if (f) {
          const { index: _index, ...frame } = f;
          if (block) {
            block.frames.push(frame);
            block.endLine = lineNo;
          } else if (otherReport) emit.skip('other-report-frame');
          else emit.diagnostic('report-orphan-frame', 'stack frame outside any leak record', { excerpt: text });
          return;
        }
      }
      const header = parseLeakHeader(t);
      if (header === 'bad') {
        finish(emit, false);
        emit.diagnostic('unrecognized-line', 'leak header whose numbers could not be read', { excerpt: text });
        return;
      }
      if (header) {
        finish(emit, false);
        otherReport = false;
        block = {
          type: 'leak', tool: 'lsan', pid, kind: header.kind, bytes: header.bytes, directBytes: null, indirectBytes: null, count: header.count,
          lossRecord: null, frames: [], line: lineNo, endLine: lineNo, elapsed: null,
        };
        return;
      }
      finish(emit, false);
      const sp = sanitizerPrefix(t);
      if (sp) {
        if (sp[1].startsWith('ERROR: LeakSanitizer: detected memory leaks')) {
          pid = sp[0];
          otherReport = false;
          sinceSummary.errors++;
          emit.count('reports');
          return;
        }
        if (sp[1].startsWith('ERROR:')) otherReport = true;
        emit.skip('sanitizer-message');
        return;
      }
      if (t.startsWith('SUMMARY: ')) {
        const colon = t.indexOf(': ', 9);
        const sanitizer = colon > 0 ? t.slice(9, colon) : null;
        const toks = fields(t);
        const bi = toks.indexOf('byte(s)');
        if (bi < 0 || toks[bi + 1] !== 'leaked') {
          emit.skip('other-summary');
          return;
        }
        const bytes = parseGroupedInt(toks[bi - 1] ?? '');
        const count = parseGroupedInt(toks[bi + 3] ?? '');
        if (bytes === null || count === null) {
          emit.diagnostic('unrecognized-line', 'SUMMARY line whose numbers could not be read', { excerpt: text });
          return;
        }
        const s = emptySummary('lsan', pid, lineNo);
        s.leaked = { bytes, count };
        s.sanitizer = sanitizer;
        if (sinceSummary.errors <= 1 && (sinceSummary.bytes !== bytes || sinceSummary.count !== count)) {
          emit.diagnostic(
            'leak-summary-mismatch',
            `SUMMARY says ${bytes} bytes in ${count} allocations, the leak records read add up to ${sinceSummary.bytes} bytes in ${sinceSummary.count}`,
            { excerpt: text },
          );
        }
        sinceSummary = { bytes: 0, count: 0, errors: 0 };
        emit.record(s);
        return;
      }
      if (t.startsWith('=====')) {
        emit.skip('banner');
        return;
      }
      if (t.startsWith('Suppressions used:')) {
        inSuppressions = true;
        emit.skip('suppressions');
        return;
      }
      if (inSuppressions && (t.startsWith('count ') || parseUInt(fields(t)[0] ?? '') !== null)) {
        emit.skip('suppressions');
        return;
      }
      inSuppressions = false;
      if (t.startsWith('-----')) {
        emit.skip('banner');
        return;
      }
      if (t.startsWith('Objects leaked above:') || (t.startsWith('0x') && t.endsWith(' bytes)'))) {
        emit.skip('leaked-objects');
        return;
      }
      if (t.startsWith('HINT: ') || t.startsWith('Thread T') || t.includes(' by thread T') || t.includes('is located ')) {
        emit.skip('sanitizer-message');
        return;
      }
      // Anything else is the program's own output (or a shell's), printed around the report.
      emit.skip('program-output');
    },
    end(emit) {
      finish(emit, true);
    },
  };
}

export const lsanParser: ParserDefinition<LeakReportRecord> = {
  format: 'lsan',
  title: 'LeakSanitizer / AddressSanitizer leak report',
  producedBy: 'a program built with -fsanitize=address or -fsanitize=leak, at exit (stderr)',
  recordSchema: LeakReportRecordSchema,
  sniff(head) {
    const { markers } = markerLines(head, ['ERROR: LeakSanitizer: detected memory leaks', 'Direct leak of ', 'Indirect leak of ']);
    if (markers.has('ERROR: LeakSanitizer: detected memory leaks')) return { score: 0.95, reason: 'LeakSanitizer ERROR line' };
    if (markers.size > 0 && head.includes(' allocated from:')) return { score: 0.85, reason: 'LSan leak header' };
    return { score: 0, reason: 'no LeakSanitizer lines' };
  },
  createCore,
};

export const { parse: parseLsan, parseAsync: parseLsanAsync } = frontEnds(lsanParser);
