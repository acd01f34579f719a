import { describe, expect, it } from 'vitest';
import {
  ftraceParser,
  parseFtrace,
  parseTraceCmd,
  splitTraceRecords,
  traceCmdParser,
  type TraceEvent,
  type TraceRecord,
} from '../../src/parsers/tracecmd/index.js';
import { MemforensicsInputError, isInputError } from '../../src/core/errors.js';
import { MAX_LINE_CHARS } from '../../src/core/parser.js';
import { TraceByteParser, parseTraceBytes, parseTraceBytesAsync } from '../../src/parsers/tracecmd/fast.js';
import { parseTraceCmdAsync } from '../../src/parsers/tracecmd/index.js';
import { parseFile } from '../../src/node/analyzePaths.js';
import { createReadStream, statSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import fc from 'fast-check';
import { randomByteChunks } from '../helpers/contract.js';
import { detectFormat } from '../../src/parsers/registry.js';
import type { ParseResult } from '../../src/core/parser.js';
import { expectChunkingInvariant, expectLinesAccounted, fuzzParser, seriousDiagnostics } from '../helpers/contract.js';
import { PUBLIC_TRACE_SAMPLES, TRACE_CAPTURES, sample } from '../helpers/samples.js';

const PUBLIC = PUBLIC_TRACE_SAMPLES;
const CAPTURES = TRACE_CAPTURES;

const events = (r: ParseResult<TraceRecord>): TraceEvent[] => r.records.filter((x): x is TraceEvent => x.type === 'event');

/** A compact, stable summary for golden files. */
function summary(r: ParseResult<TraceRecord>) {
  const { events: ev, stacks } = splitTraceRecords(r.records);
  return {
    format: r.format,
    stats: r.stats,
    diagnostics: r.diagnostics.byCode,
    events: ev.length,
    stacks: stacks.size,
    firstEvents: ev.slice(0, 3),
    lastEvent: ev.at(-1) ?? null,
    firstStack: stacks.get(0)?.frames ?? null,
  };
}

describe('trace-cmd / ftrace parser: public samples', () => {
  it.each(PUBLIC)('parses %s without data loss (both formats, chunking invariant)', async (rel) => {
    const text = sample(rel);
    const r = expectChunkingInvariant(ftraceParser, text);
    expectLinesAccounted(r);
    expect(seriousDiagnostics(r)).toEqual([]);
    expect(events(r).length).toBeGreaterThan(0);
    const t = parseTraceCmd(text);
    expect(t.records).toEqual(r.records);
    const name = rel.split('/').at(-1)!.replace(/\.txt$/, '');
    await expect(JSON.stringify(summary(r), null, 2)).toMatchFileSnapshot(`../golden/tracecmd-public-${name}.json`);
  });

  it('reads the 3.x ftrace layout: bare hex call_site, old GFP names, kfree(NULL), 4-space indent', () => {
    const r = parseFtrace(sample(PUBLIC[1]));
    const ev = events(r);
    expect(ev).toHaveLength(9);
    expect(ev[0]).toMatchObject({ ts: 0.17, cpu: 0, comm: 'init', pid: 1, event: 'kmalloc', callSite: 'c104deff', ptr: 'c147dd20', bytesReq: 29, bytesAlloc: 32, gfpFlags: 'GFP_KERNEL', line: 12 });
    expect(ev.find((e) => e.event === 'kfree')?.ptr).toBe('0');
    expect(r.stats.skippedByReason.header).toBe(11);
  });

  it('reads <...> comms, decimal pfn, vendor fields and failed page allocations (Android 4.14)', () => {
    const ev = events(parseFtrace(sample(PUBLIC[0])));
    expect(ev[0]).toMatchObject({ comm: '<...>', pid: 22275, cpu: 6, pfn: 970744, order: 0, migratetype: 0, page: 'd2be5665' });
    expect(ev[8]).toMatchObject({ comm: 'kswapd0', pid: 1207, failed: true, pfn: 0 });
  });

  it('attaches <stack trace> blocks without offsets, including a frame missing its leading space', () => {
    const r = parseFtrace(sample(PUBLIC[3]));
    const { events: ev, stacks } = splitTraceRecords(r.records);
    expect(ev).toHaveLength(2);
    expect(ev[0]).toMatchObject({ event: 'kmalloc_node', node: -1, bytesReq: 16344, bytesAlloc: 16384, stackId: 0 });
    expect(ev[1].stackId).toBe(0); // same stack, interned once
    expect(stacks.get(0)!.frames).toEqual([
      'kmem_cache_alloc_node_trace', '__kmalloc_node', '__alloc_skb', 'sock_alloc_send_pskb', 'sock_alloc_send_skb',
      'unix_stream_sendmsg', 'sock_aio_write', 'do_sync_write',
    ]);
  });

  it('reads trimmed excerpts with no task column or no CPU column, name= and accounted=', () => {
    const a = events(parseFtrace(sample(PUBLIC[4])));
    expect(a[0]).toMatchObject({ comm: '', pid: -1, cpu: 2, event: 'kmem_cache_free', callSite: 'putname+0x47/0x50', ptr: 'cef40c80' });
    const b = events(parseFtrace(sample(PUBLIC[5])));
    expect(b[0]).toMatchObject({ cpu: -1, node: -1, accounted: false, bytesAlloc: 4096 });
    expect(b[0].cacheName).toBeUndefined();
    expect(b[3]).toMatchObject({ event: 'kmem_cache_free', cacheName: 'names_cache', ptr: 'e70e10e0' });
  });

  it('detects trace-cmd and ftrace from content', () => {
    expect(detectFormat(sample(PUBLIC[2]))[0].format).toBe('trace-cmd');
    expect(detectFormat(sample(PUBLIC[1]))[0].format).toBe('ftrace');
    expect(detectFormat(sample(CAPTURES.d1p).slice(0, 4096))[0].format).toBe('trace-cmd');
  });
});

describe('trace-cmd parser: real D1 captures', () => {
  it.each(Object.entries(CAPTURES))('parses %s with every event counted as the ground truth says', async (name, rel) => {
    const r = parseTraceCmd(sample(rel));
    expectLinesAccounted(r);
    expect(seriousDiagnostics(r)).toEqual([]);
    const gt = JSON.parse(sample(`../test/ground-truth/${name}.groundtruth.json`)) as { event_counts: Record<string, number>; trace_first_ts: number; trace_last_ts: number };
    for (const [ev, n] of Object.entries(gt.event_counts)) expect(r.stats.counters[`event:${ev}`]).toBe(n);
    const ev = events(r);
    expect(ev.length).toBe(Object.values(gt.event_counts).reduce((a, b) => a + b, 0));
    expect(ev[0].ts).toBe(gt.trace_first_ts);
    expect(ev.at(-1)!.ts).toBe(gt.trace_last_ts);
    // Nested events (an IRQ inside a traced kfree) leave a few stacks with no event to attach to.
    expect(r.diagnostics.byCode['trace-orphan-stack'] ?? 0).toBeLessThan(10);
    // Every kernel_stack record lands on an event, except the orphans; the rest of the events
    // have no stack in the capture itself (frees in <idle> context): under 2%.
    const stackless = ev.filter((e) => e.stackId === undefined).length;
    expect(stackless).toBe(ev.length - r.stats.counters.kernelStacks + (r.diagnostics.byCode['trace-orphan-stack'] ?? 0));
    expect(stackless).toBeLessThan(ev.length / 50);
    await expect(JSON.stringify(summary(r), null, 2)).toMatchFileSnapshot(`../golden/tracecmd-${name}.json`);
  });

  it('reads D1 main records exactly: leading (sym+off), 0x pointers, name=, accounted=, kernel stacks', () => {
    const r = parseTraceCmd(sample(CAPTURES.d1p));
    const { events: ev, stacks } = splitTraceRecords(r.records);
    const leak = ev.find((e) => e.event === 'kmalloc' && e.callSite?.startsWith('do_eventfd') && e.pid === 2117)!;
    expect(leak).toMatchObject({ comm: 'kobjleak', bytesReq: 48, bytesAlloc: 64, accounted: false, node: -1 });
    expect(stacks.get(leak.stackId!)!.frames.slice(0, 3)).toEqual(['__kmalloc_cache_noprof', 'do_eventfd', '__x64_sys_eventfd2']);
    expect(ev[0]).toMatchObject({ comm: 'trace-cmd', pid: 2114, cpu: 1, callSite: 'getname_flags.part.0+0x24', ptr: 'ffff88810086a000', cacheName: 'names_cache' });
    // stacks are interned: far fewer distinct stacks than events
    expect(stacks.size).toBeLessThan(ev.length / 5);
  });

  it('reads page events of D1 pages: hex pfn, order, migratetype', () => {
    const ev = events(parseTraceCmd(sample(CAPTURES.d1pg)));
    expect(ev.find((e) => e.event === 'mm_page_alloc')).toMatchObject({ pfn: 0x3b2171, page: '3b2171', order: 0, migratetype: 1, gfpFlags: 'GFP_HIGHUSER_MOVABLE|__GFP_COMP' });
    expect(ev.find((e) => e.event === 'mm_page_free')).toMatchObject({ pfn: 0x3d1f78, order: 0 });
  });

  it('keeps the chunking invariant on a real capture slice', () => {
    const text = sample(CAPTURES.d1pg).split('\n').slice(0, 4000).join('\n');
    const r = expectChunkingInvariant(traceCmdParser, text);
    expect(seriousDiagnostics(r)).toEqual([]);
  });
});

describe('trace-cmd / ftrace parser: format variants', () => {
  it('reads comms with spaces, dashes and colons, the TGID column and 5-char flags', () => {
    const text = [
      '# tracer: nop',
      '#           TASK-PID     TGID     CPU#  |||||  TIMESTAMP  FUNCTION',
      '   Web Content-4242  ( 4200) [003] d..2.   100.000001: kmalloc: call_site=foo+0x1/0x2 ptr=0xffff000000001000 bytes_req=10 bytes_alloc=16 gfp_flags=GFP_KERNEL',
      '    test:.sh-1299   (-------) [000] .....   100.000002: kfree: call_site=bar+0x3/0x4 ptr=0xffff000000001000',
      ' kworker/u8:2-77 [001] ....   100.000003: kmem_cache_free: call_site=baz ptr=ffff0000000010c0',
    ].join('\n');
    const ev = events(parseFtrace(text));
    expect(ev[0]).toMatchObject({ comm: 'Web Content', pid: 4242, tgid: 4200, cpu: 3 });
    expect(ev[1]).toMatchObject({ comm: 'test:.sh', pid: 1299, cpu: 0 });
    expect(ev[1].tgid).toBeUndefined();
    expect(ev[2]).toMatchObject({ comm: 'kworker/u8:2', pid: 77, cpu: 1 });
  });

  it('reads trace-cmd -l (CPU glued to flags), the fields format and a missing separator', () => {
    const text = [
      'cpus=4',
      'version = 6',
      '     bash-1977    1d..2. 55.100000: kmalloc:              (foo+0x24) call_site=foo+0x24 ptr=0xffff1 bytes_req=56bytes_alloc=64 gfp_flags=GFP_KERNEL|__GFP_ZERO node=0xffffffff (-1) accounted=false',
      '     bash-1977    1d..2. 55.100100: kmem_cache_alloc_node: (bar+0x1) ptr=0xffff2 bytes_req=0x20 (32) bytes_alloc=0x20 (32) gfp_flags=0xcc0 node=0x0 (0)',
    ].join('\n');
    const ev = events(parseTraceCmd(text));
    expect(ev[0]).toMatchObject({ cpu: 1, comm: 'bash', pid: 1977, bytesReq: 56, bytesAlloc: 64, node: -1, accounted: false, gfpFlags: 'GFP_KERNEL|__GFP_ZERO' });
    expect(ev[1]).toMatchObject({ callSite: 'bar+0x1', bytesReq: 32, bytesAlloc: 32, node: 0 });
  });

  it('attaches a kernel_stack to the event of its CPU even when another CPU interleaves, and user stacks too', () => {
    const text = [
      '  a-1 [000] 10.000001: kmalloc: call_site=f1 ptr=0x1000 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL',
      '  b-2 [001] 10.000002: kmalloc: call_site=f2 ptr=0x2000 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL',
      '  a-1 [000] 10.000003: kernel_stack:         <stack trace >',
      '=> trace_event_raw_event_kmalloc (ffffffff815c6e9d)',
      '=> __kmalloc_noprof (ffffffff81000001)',
      '=> f1 (ffffffff81000002)',
      '  a-1 [000] 10.000004: user_stack:           <user stack trace >',
      '=>  <00007f0000001234>',
      '  b-2 [001] 10.000005: <stack trace>',
      ' => kmalloc_trace+0x1/0x2 <ffffffff810dc0da>',
      ' => i915_gem_do_thing+0x10/0x20 [i915] <ffffffffc0001000>',
    ].join('\n');
    const { events: ev, stacks } = splitTraceRecords(parseTraceCmd(text).records);
    expect(stacks.get(ev[0].stackId!)!.frames).toEqual(['__kmalloc_noprof', 'f1']);
    expect(stacks.get(ev[0].userStackId!)!).toMatchObject({ kind: 'user', frames: ['<00007f0000001234>'] });
    expect(stacks.get(ev[1].stackId!)!.frames).toEqual(['kmalloc_trace+0x1/0x2', 'i915_gem_do_thing+0x10/0x20 [i915]']);
    expect(ev.map((e) => e.line)).toEqual([1, 2]); // trace order kept
  });

  it('reads the task columns of every line, also when only non-ASCII characters tell two tasks apart', () => {
    const text = [
      '  dé-1 [000] 10.000001: kmalloc: call_site=f ptr=0x1000 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL',
      '  dü-1 [000] 10.000002: kmalloc: call_site=f ptr=0x2000 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL',
      '  dü-1 [000] 10.000003: kmalloc: call_site=f ptr=0x3000 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL',
      '  d-1 [000] 10.000004: kmalloc: call_site=f ptr=0x4000 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL',
      '  d-1 [001] 10.000005: kmalloc: call_site=f ptr=0x5000 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL',
      '  d-1 [001] 10.000006 kmalloc: call_site=f ptr=0x6000 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL',
      '  d-1 [001] 10.00.0007: kmalloc: call_site=f ptr=0x7000 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL',
      '  d-1 [001] 10.000008: kmalloc: call_site=f ptr=0x8000 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL',
    ].join('\n');
    const r = parseTraceCmd(text);
    const { events } = splitTraceRecords(r.records);
    expect(events.map((e) => `${e.comm} ${e.cpu} ${e.ts}`)).toEqual(['dé 0 10.000001', 'dü 0 10.000002', 'dü 0 10.000003', 'd 0 10.000004', 'd 1 10.000005', 'd 1 10.000008']);
    expect(r.stats.linesDiagnosed).toBe(2);
    for (const chunks of [[text], randomByteChunks(text, 4, 50)]) expect(parseTraceBytes(traceCmdParser, chunks)).toEqual(r);
  });

  it('keeps the innermost 256 frames of a deeper stack and reports and counts the dropped ones, on both front ends', () => {
    const deep = (n: number): string[] => Array.from({ length: n }, (_, i) => `=> f${i} (ffffffff8100${String(i).padStart(4, '0')})`);
    const text = [
      '  a-1 [000] 10.000001: kmalloc: call_site=f0 ptr=0x1000 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL',
      '  a-1 [000] 10.000002: kernel_stack:         <stack trace >',
      ...deep(300),
      '  a-1 [000] 10.000003: kmalloc: call_site=f0 ptr=0x2000 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL',
      '  a-1 [000] 10.000004: kernel_stack:         <stack trace >',
      ...deep(300),
      '  a-1 [000] 10.000005: kfree: call_site=g ptr=0x1000',
    ].join('\n');
    const r = parseTraceCmd(text);
    const { events, stacks } = splitTraceRecords(r.records);
    expect(stacks.get(events[0].stackId!)!.frames).toEqual(deep(256).map((l) => l.slice(3, l.indexOf(' ('))));
    expect(events[1].stackId).toBe(events[0].stackId);
    expect(r.stats.counters.stackFramesDropped).toBe(88);
    expect(r.diagnostics.items.filter((d) => d.code === 'trace-stack-truncated').map((d) => d.line)).toEqual([1, 303]);
    expect(r.stats.linesParsed).toBe(r.stats.linesRead); // every frame line is read, none diagnosed
    for (const chunks of [[text], randomByteChunks(text, 3, 1000)]) expect(parseTraceBytes(traceCmdParser, chunks)).toEqual(r);
  });

  it('reads rss_stat (type= and 5.5-era member=), mm_page_free_batched and pre-6.2 kmem_cache_* without name=', () => {
    const text = [
      '  app-7 [001] 5.000001: rss_stat: mm_id=1234 curr=1 type=MM_ANONPAGES size=12345B',
      '  app-7 [001] 5.000002: rss_stat: mm_id=1234 curr=1 member=1 size=4096B',
      '  app-7 [001] 5.000003: mm_page_free_batched: page=ffffea0000000040 pfn=1 order=0 cold=0',
      '  app-7 [001] 5.000004: kmem_cache_alloc: call_site=ffffffff81234567 ptr=ffff880012345678 bytes_req=192 bytes_alloc=192 gfp_flags=GFP_KERNEL',
      '  app-7 [001] 5.000005: kmem_cache_free: call_site=ffffffff81234568 ptr=ffff880012345678',
    ].join('\n');
    const ev = events(parseFtrace(text));
    expect(ev[0]).toMatchObject({ event: 'rss_stat', mmId: 1234, rssType: 'MM_ANONPAGES', rssSize: 12345 });
    expect(ev[1]).toMatchObject({ rssType: '1', rssSize: 4096 });
    expect(ev[2]).toMatchObject({ event: 'mm_page_free_batched', pfn: 1, order: 0, page: 'ffffea0000000040' });
    expect(ev[3]).toMatchObject({ event: 'kmem_cache_alloc', callSite: 'ffffffff81234567', ptr: 'ffff880012345678', bytesAlloc: 192 });
    expect(ev[3].cacheName).toBeUndefined();
    expect(ev[4]).toMatchObject({ event: 'kmem_cache_free', ptr: 'ffff880012345678' });
  });

  it('counts other events by name as info, reports lost events and overruns as data loss', () => {
    const text = [
      '# entries-in-buffer/entries-written: 100/250   #P:2',
      '  a-1 [000] 10.000001: sched_switch: prev_comm=a prev_pid=1',
      '  a-1 [000] 10.000002: sched_switch: prev_comm=a prev_pid=1',
      'CPU:1 [LOST 1024 EVENTS]',
      '  a-1 [000] 10.000003: kfree: call_site=f ptr=0x10',
      '  a-1 [000] 10.000004: do_sys_open <-do_syscall_64',
    ].join('\n');
    const r = parseFtrace(text);
    expect(r.stats.counters['event:sched_switch']).toBe(2);
    expect(r.diagnostics.byCode['trace-unknown-event']).toBe(2); // sched_switch once, do_sys_open once
    expect(r.diagnostics.byCode['trace-lost-events']).toBe(2);
    expect(r.diagnostics.items.filter((d) => d.code === 'trace-lost-events').map((d) => d.line)).toEqual([1, 4]);
    expectLinesAccounted(r);
  });

  it.each([
    ['garbage between events', 'a-1 [000] 1.0: kfree: call_site=f ptr=0x1\nhello world\na-1 [000] 1.1: kfree: call_site=f ptr=0x2\n', 'unrecognized-line', 2],
    ['kmalloc without ptr=', 'a-1 [000] 1.0: kfree: call_site=f ptr=0x1\na-1 [000] 1.1: kmalloc: call_site=f bytes_req=1 bytes_alloc=8\n', 'trace-bad-event-fields', 2],
    ['kmalloc without bytes_alloc=', 'a-1 [000] 1.0: kfree: call_site=f ptr=0x1\na-1 [000] 1.1: kmalloc: call_site=f ptr=0x2 bytes_req=1\n', 'trace-bad-event-fields', 2],
    ['a non-hex pointer', 'a-1 [000] 1.0: kfree: call_site=f ptr=0x1\na-1 [000] 1.1: kfree: call_site=f ptr=zz\n', 'trace-bad-event-fields', 2],
    ['an absurd size', 'a-1 [000] 1.0: kfree: call_site=f ptr=0x1\na-1 [000] 1.1: kmalloc: call_site=f ptr=0x2 bytes_req=1 bytes_alloc=999999999999999999999999\n', 'trace-bad-event-fields', 2],
    ['a page event without pfn or page', 'a-1 [000] 1.0: kfree: call_site=f ptr=0x1\na-1 [000] 1.1: mm_page_free: order=0\n', 'trace-bad-event-fields', 2],
    ['a bad task column', 'a-1 [000] 1.0: kfree: call_site=f ptr=0x1\nxx [00a] 1.1: kfree: call_site=f ptr=0x1\n', 'unrecognized-line', 2],
    ['a frame with no stack header', 'a-1 [000] 1.0: kfree: call_site=f ptr=0x1\n=> foo (ffff)\n', 'trace-orphan-stack', 2],
    ['time going backwards', 'a-1 [000] 2.0: kfree: call_site=f ptr=0x1\na-1 [000] 1.0: kfree: call_site=f ptr=0x2\n', 'time-went-backwards', 2],
  ])('diagnoses %s with a line number', (_name, text, code, line) => {
    const r = parseTraceCmd(text);
    expect(r.diagnostics.byCode[code]).toBe(1);
    expect(r.diagnostics.items.find((d) => d.code === code)!.line).toBe(line);
    expectLinesAccounted(r);
  });

  it('throws the typed error only for unusable input', () => {
    expect(() => parseTraceCmd('')).toThrow(MemforensicsInputError);
    expect(() => parseFtrace('just some\ntext\n')).toThrowError(expect.objectContaining({ code: 'NOT_THIS_FORMAT' }));
  });

  it('survives fuzzing', () => {
    fuzzParser(traceCmdParser, [...PUBLIC.map(sample), sample(CAPTURES.d1p).split('\n').slice(0, 300).join('\n')]);
  });
});

describe('trace-cmd byte fast path (parseTraceBytes)', () => {
  const bytes = (t: string): Uint8Array => new TextEncoder().encode(t);
  /** Same records, stats and diagnostics as the generic text front end, or the same typed error. */
  const expectSameAsText = (text: string, seed = 5): void => {
    let expected: ParseResult<TraceRecord> | string;
    try {
      expected = parseTraceCmd(text);
    } catch (e) {
      if (!isInputError(e)) throw e;
      expected = e.code;
    }
    for (const chunks of [[bytes(text)], randomByteChunks(text, seed, 4096), randomByteChunks(text, seed + 1, 61)]) {
      let got: ParseResult<TraceRecord> | string;
      try {
        got = parseTraceBytes(traceCmdParser, chunks);
      } catch (e) {
        if (!isInputError(e)) throw e;
        got = e.code;
      }
      expect(got).toEqual(expected);
    }
  };

  it.each(Object.entries(CAPTURES))('gives exactly the text front end result on %s', (_name, rel) => {
    const text = sample(rel);
    const a = parseTraceCmd(text);
    const b = parseTraceBytes(traceCmdParser, randomByteChunks(text, 9, 1 << 20));
    expect(b).toEqual(a);
  });

  it('skips lines over MAX_LINE_CHARS (an event line, a frame inside a block) exactly as the text front end does', () => {
    const lines = sample(CAPTURES.d1).split('\n').slice(0, 300);
    const frame = lines.findIndex((l, i) => i > 20 && l.startsWith('=>'));
    const event = lines.findIndex((l, i) => i > 100 && l.includes(' kmalloc: '));
    const text = lines
      .map((l, i) => (i === frame ? `=> ${'x'.repeat(MAX_LINE_CHARS)} (ffffffff81000000)\n${l}` : i === event ? `${l} ${'y'.repeat(MAX_LINE_CHARS)}` : l))
      .join('\n');
    const expected = parseTraceCmd(text);
    expect(expected.diagnostics.items.filter((d) => d.code === 'line-too-long')).toHaveLength(2);
    for (const chunks of [[text], randomByteChunks(text, 8, 300_000)]) expect(parseTraceBytes(traceCmdParser, chunks)).toEqual(expected);
  });

  it('keeps nothing of a chunk after push(): a caller may refill one Buffer for every read', () => {
    const text = sample(CAPTURES.d1);
    const all = Buffer.from(text);
    const expected = parseTraceBytes(traceCmdParser, [all]);
    for (const size of [4096, 1021, 100_003]) {
      const p = new TraceByteParser(traceCmdParser);
      const reused = Buffer.alloc(size);
      for (let o = 0; o < all.length; o += size) {
        const n = all.copy(reused, 0, o, Math.min(all.length, o + size));
        p.push(reused.subarray(0, n));
        reused.fill(0x7a); // what the next read would overwrite
      }
      expect(p.finish()).toEqual(expected);
    }
  });

  it('gives the same result on the public samples, CRLF, a BOM, NUL bytes and invalid UTF-8 inside stack blocks', () => {
    for (const rel of PUBLIC) expectSameAsText(sample(rel));
    const d1 = sample(CAPTURES.d1pg).split('\n').slice(0, 400).join('\n');
    expectSameAsText(d1.replaceAll('\n', '\r\n'));
    expectSameAsText('\uFEFF' + d1);
    const lines = d1.split('\n');
    lines[5] = '=> bad\u0000frame (ffff)';
    lines[9] = '=> caf\u00e9 (ffff)';
    expectSameAsText(lines.join('\n'));
  });

  it('strips a BOM cut across the first chunks (one, two or three bytes at a time) and keeps the line after it', () => {
    const text = sample(CAPTURES.d1pg).split('\n').slice(0, 200).join('\n');
    const expected = parseTraceCmd(text);
    const all = new TextEncoder().encode('\uFEFF' + text);
    for (const cut of [1, 2]) {
      const chunks = [all.subarray(0, cut), all.subarray(cut, 3), all.subarray(3)].filter((c) => c.length > 0);
      expect(parseTraceBytes(traceCmdParser, chunks)).toEqual(expected);
    }
  });

  it('reports a stream cut midway (gzip cut short) exactly as parseAsync does, keeping every record before it', async () => {
    const text = sample(CAPTURES.d1pg).split('\n').slice(0, 3000).join('\n');
    const cut = text.indexOf('\n', Math.floor(text.length * 0.6)) - 5; // inside a line
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield bytes(text.slice(0, cut >> 1));
      yield bytes(text.slice(cut >> 1, cut));
      throw Object.assign(new Error('unexpected end of file'), { code: 'Z_BUF_ERROR' });
    }
    const a = await parseTraceCmdAsync(broken());
    const b = await parseTraceBytesAsync(traceCmdParser, broken());
    expect(b).toEqual(a);
    expect(b.diagnostics.byCode['gzip-truncated']).toBe(1);
    const lineOfCut = text.slice(0, cut).split('\n').length;
    expect(b.diagnostics.items.find((d) => d.code === 'gzip-truncated')?.line).toBe(lineOfCut);
    expect(b.stats.linesRead).toBe(lineOfCut);
  });

  it('is what the Node pipeline (parseFile) runs, with the same ParseResult as the generic parseAsync', async () => {
    const file = new URL('../../samples/' + CAPTURES.d1pg, import.meta.url).pathname;
    const art = await parseFile({ path: file, bytes: statSync(file).size }, {});
    expect(art.format).toBe('trace-cmd');
    const generic = await parseTraceCmdAsync(createReadStream(file).pipe(createGunzip()), { onRecord: () => {} });
    expect(art.result).toEqual(generic);
    expect(art.result!.stats.linesRead).toBe(art.result!.stats.linesParsed + art.result!.stats.linesSkipped + art.result!.stats.linesDiagnosed);
    const pairing = (art.streamed as { pairing: { findings: { culprit?: string }[] } }).pairing;
    expect(pairing.findings.map((f) => f.culprit).sort()).toEqual(['__d_alloc', '__do_sys_timerfd_create', 'alloc_empty_file', 'security_file_alloc']);
  });

  it('agrees with the text front end on fuzzed input', () => {
    const seeds = [...PUBLIC.map(sample), sample(CAPTURES.d1p).split('\n').slice(0, 200).join('\n')];
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.nat(), fc.string({ maxLength: 30 }), (s, at, junk) => {
        const i = s.length ? at % s.length : 0;
        expectSameAsText(s.slice(0, i) + junk + '\n' + s.slice(i), at);
      }),
      { numRuns: 60, seed: 7 },
    );
  });
});
