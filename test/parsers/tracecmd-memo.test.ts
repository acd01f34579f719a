import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ftraceParser, parseFtrace, parseTraceCmd, traceCmdParser, type TraceEvent } from '../../src/parsers/tracecmd/index.js';
import { parseTraceBytes } from '../../src/parsers/tracecmd/fast.js';
import type { TraceCoreOptions } from '../../src/parsers/tracecmd/core.js';
import { isInputError } from '../../src/core/errors.js';
import { randomByteChunks } from '../helpers/contract.js';
import { PUBLIC_TRACE_SAMPLES, TRACE_CAPTURES, sample } from '../helpers/samples.js';

/**
 * The field memo (core.ts) reuses a slab event line's parsed fields for a later line whose
 * fields text differs only in a plain hex `ptr=` value. It must never change a result: every
 * test here parses the same text with the memo on (the default) and off.
 */
const NO_MEMO = { fieldMemo: false } as TraceCoreOptions;

const CAPTURES = Object.values(TRACE_CAPTURES);
const PUBLIC = PUBLIC_TRACE_SAMPLES;

/** The result, or the typed input error's code (a text with no usable line is refused alike). */
function outcome<T>(run: () => T): T | { inputError: string } {
  try {
    return run();
  } catch (e) {
    if (isInputError(e)) return { inputError: e.code };
    throw e;
  }
}

describe('trace core field memo', () => {
  it.each(CAPTURES)('changes nothing on the real capture %s (both front ends)', (rel) => {
    const text = sample(rel);
    const off = parseTraceCmd(text, NO_MEMO);
    expect(parseTraceCmd(text)).toEqual(off);
    expect(parseTraceBytes(traceCmdParser, randomByteChunks(text, 3, 1 << 20))).toEqual(off);
  });

  it('changes nothing on the public excerpts (trace-cmd and ftrace)', () => {
    for (const rel of PUBLIC) {
      const text = sample(rel);
      expect(parseTraceCmd(text)).toEqual(parseTraceCmd(text, NO_MEMO));
      expect(parseFtrace(text)).toEqual(parseFtrace(text, NO_MEMO));
    }
  });

  it('reads each line own pointer, and fields that differ anywhere else, on repeated call sites', () => {
    const line = (ts: number, ptr: string, tail = 'bytes_req=192 bytes_alloc=192 gfp_flags=GFP_KERNEL node=-1 accounted=false') =>
      `       bash-2101  [000]  ${ts.toFixed(6)}: kmem_cache_alloc:     (__d_alloc+0x2d) call_site=__d_alloc+0x2d ptr=${ptr} name=dentry ${tail}`;
    const text = [
      line(1, '0xffff888100000040'),
      line(2, '0xffff888100000080'),
      line(3, '0xffff8881000000c0', 'bytes_req=192 bytes_alloc=256 gfp_flags=GFP_KERNEL node=-1 accounted=false'),
      line(4, '0xffff888100000100'),
      line(5, '0x40'),
      line(6, '(null)'),
      line(7, '0xABCDEF'),
    ].join('\n');
    const ev = parseTraceCmd(text).records as TraceEvent[];
    expect(ev.map((e) => [e.ptr, e.bytesAlloc])).toEqual([
      ['ffff888100000040', 192],
      ['ffff888100000080', 192],
      ['ffff8881000000c0', 256],
      ['ffff888100000100', 192],
      ['40', 192],
      ['0', 192],
      ['abcdef', 192],
    ]);
    expect(parseTraceCmd(text)).toEqual(parseTraceCmd(text, NO_MEMO));
  });

  it('changes nothing on fuzzed task columns, timestamps and event names around remembered lines', () => {
    const tasks = ['  task-1 [000] ', '  ta:sk-1 [000] ', 'kworker/1:0-45 [001] ', '  task-1 [000] d..2. ', '<...>-12 (   12) [001] .... ', 'a-1 [0] 1', '', '  task-1 [000]'];
    const stamps = ['1.000000', '12', '.5', '1.2.3', '1:2', '', '2.5 ', '9.9'];
    const rests = [': kmalloc: call_site=f ptr=0x10 bytes_alloc=8', ': kernel_stack: <stack trace >', ':', ': x: y', ':kfree: call_site=f ptr=0x10', '\n=> f (ffff)'];
    fc.assert(
      fc.property(fc.array(fc.record({ task: fc.constantFrom(...tasks), ts: fc.constantFrom(...stamps), rest: fc.constantFrom(...rests) }), { minLength: 1, maxLength: 30 }), (specs) => {
        const text = specs.map((s) => `${s.task}${s.ts}${s.rest}`).join('\n');
        expect(outcome(() => parseTraceCmd(text))).toEqual(outcome(() => parseTraceCmd(text, NO_MEMO)));
        expect(outcome(() => parseTraceBytes(ftraceParser, [text]))).toEqual(outcome(() => parseTraceBytes(ftraceParser, [text], NO_MEMO)));
      }),
      { numRuns: 400, seed: 13 },
    );
  });

  it('changes nothing on fuzzed pointer tokens and tails after lines it has remembered', () => {
    const ptrs = ['0xffff888100000040', '0xffff888100000041', '0xffff88810000004g', '0xffff88810000004=', '0xffff8881000000c0', 'ffff888100000080', '0X1F', '0x', 'x', '0', '(null)', ' (null)', '  0x10', '0xabc=1', '0xab(c', '0xabc)', '0x12 (34)', '0xzz', '', '0xffff888100000040ptr=0x1', 'deadbeef', 'ABCDEF0123'];
    // tails of one length that differ in content: they share a memo slot, so only the text
    // comparison tells them apart
    const tails = [
      '', ' name=dentry bytes_alloc=8', ' name=filp_x bytes_alloc=8', ' nome=dentry bytes_alloc=8', ' bytes_req=8 bytes_alloc=8', ' bytes_req=9 bytes_alloc=9',
      ' bytes_req=8bytes_alloc=88', ' bytes_req=8 bytes_alloc=x', ' bytes_alloc=8 ptr=0x99', ' bytes_alloc=8 ptr=(nil)', ' bytes_alloc=8 (12)',
      ' bytes_alloc=8 (1x)', ' bytes_alloc=8 node=4294967295 accounted=true', ' bytes_alloc=8 node=4294967295 accounted=maybe', ' bytes_alloc=8\r', ' bytes_alloc=8\t',
    ];
    const leads = ['(f+0x1) ', '(f+0x1 ', '', '(', 'call_site=f+0x2 '];
    const kinds = ['kmalloc', 'kfree', 'kmem_cache_alloc', 'kmem_cache_free', 'kmalloc_node', 'mm_page_alloc'];
    // one kind, lead-in and a few pointers and tails per run, so that most lines repeat a
    // remembered one but for the pointer or the tail
    const runArb = fc
      .record({
        kind: fc.constantFrom(...kinds),
        lead: fc.constantFrom(...leads),
        ptrSet: fc.subarray(ptrs, { minLength: 1, maxLength: 4 }),
        tailSet: fc.subarray(tails, { minLength: 1, maxLength: 3 }),
      })
      .chain(({ kind, lead, ptrSet, tailSet }) =>
        fc.record({
          kind: fc.constant(kind),
          lead: fc.constant(lead),
          lines: fc.array(fc.record({ ptr: fc.constantFrom(...ptrSet), tail: fc.constantFrom(...tailSet), site: fc.constantFrom('f+0x1', 'g+0x1'), junk: fc.constantFrom('', '', '', 'x=1', ' ') }), {
            minLength: 1,
            maxLength: 30,
          }),
        }),
      );
    fc.assert(
      fc.property(runArb, ({ kind, lead, lines }) => {
        const text = lines
          .map((s, i) => `  task-1 [000] ${(i + 1).toFixed(6)}: ${kind}: ${lead}call_site=${s.site} ptr=${s.ptr}${s.tail}${s.junk}`)
          .join('\n');
        expect(outcome(() => parseTraceCmd(text))).toEqual(outcome(() => parseTraceCmd(text, NO_MEMO)));
        expect(outcome(() => parseTraceBytes(ftraceParser, [text]))).toEqual(outcome(() => parseTraceBytes(ftraceParser, [text], NO_MEMO)));
      }),
      { numRuns: 300, seed: 11 },
    );
  });
});
