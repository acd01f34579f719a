import { describe, expect, it } from 'vitest';
import { isBpftraceProgramLine, parseBpftrace, parseBpftraceProgram, type BpftraceProgramRecord } from '../../src/parsers/bpftrace/index.js';
import { expectLinesAccounted } from '../helpers/contract.js';
import { sample } from '../helpers/samples.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/samples.js';

const script = (name: string) => readFileSync(path.join(ROOT, 'samples/capture', name), 'utf8');

describe('bpftrace program semantics', () => {
  it("seed 000's @[ustack] = sum(arg0) on malloc: bytes, allocated (no free audit), printed every 5 s with a time line", () => {
    const p = parseBpftraceProgram(script('malloc-sum-by-stack.bt'));
    expect(p.maps).toEqual([{ map: '@', aggregation: 'sum', argument: 'arg0', unit: 'bytes', measure: 'allocated' }]);
    expect(p).toMatchObject({ printIntervalSeconds: 5, printsTime: true, clearedAtEnd: [] });
  });

  it('a live-bytes map a free probe subtracts from is outstanding bytes; END clears the helper maps only', () => {
    const p = parseBpftraceProgram(script('malloc-live-bytes.bt'));
    expect(p.maps.find((m) => m.map === '@by_stack')).toEqual({ map: '@by_stack', aggregation: 'sum', argument: '@size[tid]', unit: 'bytes', measure: 'outstanding' });
    expect(p.maps.find((m) => m.map === '@live')).toMatchObject({ unit: 'bytes', measure: 'outstanding' });
    expect(p).toMatchObject({ printIntervalSeconds: 5, printsTime: false });
    expect(p.clearedAtEnd.sort()).toEqual(['@live', '@live_stack', '@size', '@stk']);
  });

  it("seed 000's kstack audit and its @live audit, as one-liners", () => {
    const k = parseBpftraceProgram("tracepoint:kmem:kmalloc /pid == 1234/ { @[kstack()] = sum(args->bytes_alloc); } interval:s:10 { print(@, 5); }");
    expect(k.maps).toEqual([{ map: '@', aggregation: 'sum', argument: 'args->bytes_alloc', unit: 'bytes', measure: 'allocated' }]);
    expect(k.printIntervalSeconds).toBe(10);
    const live = parseBpftraceProgram(
      'uretprobe:libc:malloc { @live[retval] = @size[tid]; delete(@size[tid]); } uprobe:libc:malloc { @size[tid] = arg0; } uprobe:libc:free { delete(@live[arg0]); } interval:s:20 { printf("--- Total outstanding bytes: %d ---\\n", sum(@live)); print(@live, 5); }',
    );
    expect(live.maps.find((m) => m.map === '@live')).toMatchObject({ aggregation: 'assign', unit: 'bytes', measure: 'outstanding' });
    expect(live.printIntervalSeconds).toBe(20);
    const counts = parseBpftraceProgram('kprobe:kmalloc { @calls[kstack] = count(); } interval:ms:500 { print(@calls); }');
    expect(counts.maps[0]).toMatchObject({ unit: 'count' });
    expect(counts.printIntervalSeconds).toBe(0.5);
  });

  it('tells program lines from printed output', () => {
    expect(isBpftraceProgramLine("# bpftrace -e 'uprobe:libc:malloc { @[ustack] = sum(arg0); }'")).toBe(true);
    expect(isBpftraceProgramLine('interval:s:5 { time("%H:%M:%S\\n"); print(@); }')).toBe(true);
    expect(isBpftraceProgramLine('uprobe:/lib/x86_64-linux-gnu/libc.so.6:malloc')).toBe(true);
    expect(isBpftraceProgramLine('t: 5')).toBe(false);
    expect(isBpftraceProgramLine('Attaching 2 probes...')).toBe(false);
    expect(isBpftraceProgramLine('11:13:03')).toBe(false);
  });

  it('a program pasted at the top of a capture becomes a program record, not map entries', () => {
    const text = [
      "# bpftrace -e 'uprobe:libc:malloc { @[ustack] = sum(arg0); }",
      "  interval:s:5 { print(@); }'",
      'Attaching 2 probes...',
      '@[',
      '    leak+24',
      '    main+3',
      ']: 2048',
      '',
      '@[',
      '    leak+24',
      '    main+3',
      ']: 4096',
    ].join('\n');
    const r = parseBpftrace(text);
    expectLinesAccounted(r);
    const program = r.records.filter((x): x is BpftraceProgramRecord => x.kind === 'program');
    expect(program).toHaveLength(1);
    expect(program[0]).toMatchObject({ source: 'capture', line: 1, printIntervalSeconds: 5, maps: [{ map: '@', unit: 'bytes', measure: 'allocated' }] });
    expect(r.records.filter((x) => x.kind === 'entry').map((x) => (x.kind === 'entry' ? x.value : null))).toEqual([2048, 4096]);
    expect(r.diagnostics.total).toBe(0);
  });

  it('a pasted program left open (truncated) does not swallow the output after it', () => {
    const text = ["# bpftrace -e 'uprobe:libc:malloc { @[ustack] = sum(arg0);", 'Attaching 1 probe...', '@[', '    leak+24', ']: 2048', '', '@[', '    leak+24', ']: 4096'].join('\n');
    const r = parseBpftrace(text);
    expect(r.records.filter((x) => x.kind === 'entry').map((x) => (x.kind === 'entry' ? x.value : null))).toEqual([2048, 4096]);
    expect(r.records.find((x) => x.kind === 'program')).toMatchObject({ source: 'capture', line: 1 });
  });

  it('the script file and --interval given as options become program records', () => {
    const text = sample('captures/E1_bpf_memleak/malloc-sum-by-stack-notime.txt');
    const r = parseBpftrace(text, { script: script('malloc-sum-by-stack.bt'), intervalSeconds: 4 });
    expect(r.records.filter((x) => x.kind === 'program').map((x) => (x.kind === 'program' ? [x.source, x.printIntervalSeconds] : null))).toEqual([
      ['script-file', 5],
      ['option', 4],
    ]);
  });
});
