/**
 * Hostile inputs for every registered format (issue 9, "pathological input in linear time").
 *
 * Pure string builders, shared by the benchmark runner (bench/pathological/run.ts, full sizes:
 * 10 MB lines, 100,000 frames, a million distinct keys) and the vitest suite
 * (test/robustness/pathological.test.ts, the same shapes at a few KiB). Every case embeds its
 * hostile lines between valid lines of the format, so the parser is in the state that reaches
 * the code (and regular expression) under attack.
 */
import type { FormatId } from '../../src/core/parser.js';

/** How a case's size is counted: characters of the hostile part, stack frames, or distinct keys. */
export type CaseUnit = 'chars' | 'frames' | 'keys';

export interface PathologicalCase {
  format: FormatId;
  /** Stable name: `long-line-bare`, `long-line-prefix`, `frames`, `distinct`, `digits-500`, `re:...`. */
  name: string;
  unit: CaseUnit;
  /** The full-size count the benchmark uses (10 MB, 100,000 frames, 1,000,000 keys). */
  fullSize: number;
  /** Builds the input with `size` units of the hostile part. */
  build(size: number): string;
}

const MB = 10 * 1024 * 1024;
const FRAMES = 100_000;
const KEYS = 1_000_000;

/** A run of `n` characters cycling through `chars`. */
export function fill(chars: string, n: number): string {
  if (n <= 0) return '';
  const unit = chars.length;
  return chars.repeat(Math.ceil(n / unit)).slice(0, n);
}

function lines(n: number, f: (i: number) => string): string {
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = f(i);
  return out.join('\n') + '\n';
}

const hex16 = (i: number): string => (0xffff880000000000n + BigInt(i) * 64n).toString(16);

/** Per-format knowledge: valid context, where a long payload goes, how stacks and keys look. */
interface FormatSpec {
  format: FormatId;
  /** A few valid lines (ends with a newline). */
  template: string;
  /** A line shape with a long field: `before + payload + after`. */
  long: { before: string; fill: string; after: string };
  /** One event with `n` stack frames (formats that carry stacks). */
  frames?: (n: number) => string;
  /** `n` records or lines with `n` distinct keys (comms, cache names, fields, pids). */
  distinct: (n: number) => string;
  /** Adversarial lines for the regular expressions and hot paths this parser runs (name -> line of ~n chars). */
  adversarial?: Record<string, (n: number) => string>;
  /** More cases counted in keys or frames (a million distinct stacks, pids, ...). */
  more?: { name: string; unit: CaseUnit; build: (n: number) => string }[];
}

const TRACE_ALLOC = (comm: string, pid: number, t: string, ptr: string): string =>
  `${comm.padStart(16)}-${pid}  [000]  ${t}: kmalloc:              call_site=ffffffff8116ffbd ptr=${ptr} bytes_req=64 bytes_alloc=64 gfp_flags=GFP_KERNEL`;

const TRACE_TEMPLATE =
  'cpus=2\n' +
  `${TRACE_ALLOC('bash', 1234, '100.000001', 'ffff88007d6ec000')}\n` +
  '            bash-1234  [000]  100.000002: kfree:                call_site=ffffffff8116ffbd ptr=ffff88007d6ec000\n' +
  '            bash-1234  [001]  100.000003: mm_page_alloc:        page=0xffffea0001234560 pfn=74565 order=0 migratetype=0 gfp_flags=GFP_KERNEL\n';

const FTRACE_TEMPLATE =
  '# tracer: nop\n#\n#           TASK-PID   CPU#  ||||    TIMESTAMP  FUNCTION\n#              | |       |   ||||       |         |\n' +
  '            init-1     [000] .N..     0.170000: kmalloc: call_site=c104deff ptr=c147dd20 bytes_req=29 bytes_alloc=32 gfp_flags=GFP_KERNEL\n' +
  '            init-1     [000] .N..     0.170001: kfree: call_site=c104deff ptr=c147dd20\n';

const KMEMLEAK_OBJECT = (addr: string, comm: string, pid: number): string =>
  `unreferenced object 0x${addr} (size 192):\n` +
  `  comm "${comm}", pid ${pid}, jiffies 4294950577 (age 215.752s)\n` +
  '  hex dump (first 32 bytes):\n' +
  '    60 dd 68 61 81 88 ff ff 60 dd 68 61 81 88 ff ff  `.ha....`.ha....\n' +
  '  backtrace:\n' +
  '    [<00000000dae26536>] kmalloc_trace+0x2a/0xa0\n' +
  '    [<00000000b2938940>] tracing_log_err+0x277/0x2e0\n';

const OOM_HEAD =
  '[13449.623801] stress invoked oom-killer: gfp_mask=0xd0, order=0, oom_score_adj=0\n' +
  '[13449.623808] CPU: 0 PID: 14726 Comm: stress Not tainted 3.10.0-693.el7.x86_64 #1\n' +
  '[13449.623810] Call Trace:\n' +
  '[13449.623815]  [<ffffffff8178219b>] dump_stack+0x19/0x1b\n';
const OOM_TAIL =
  '[13449.623900] [ pid ]   uid  tgid total_vm      rss nr_ptes swapents oom_score_adj name\n' +
  '[13449.623901] [14726]     0 14726   262164   250000     500        0             0 stress\n' +
  '[13449.624000] Memory cgroup out of memory: Kill process 14726 (stress) score 1000 or sacrifice child\n' +
  '[13449.624001] Killed process 14726 (stress) total-vm:1048656kB, anon-rss:999000kB, file-rss:0kB\n';

const SLABINFO_HEAD =
  'slabinfo - version: 2.1\n' +
  '# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n';
const SLAB_ROW = (name: string, n: number): string =>
  `${name.padEnd(18)} ${n} ${n + 64}     64   64    1 : tunables    0    0    0 : slabdata    ${n >> 6}    ${n >> 6}      0`;

const SLABTOP_HEAD =
  ' Active / Total Objects (% used)    : 368411 / 418333 (88.1%)\n' +
  ' Active / Total Slabs (% used)      : 13742 / 13742 (100.0%)\n' +
  ' Active / Total Caches (% used)     : 123 / 235 (52.3%)\n' +
  ' Active / Total Size (% used)       : 98488.26K / 105089.02K (93.7%)\n' +
  ' Minimum / Average / Maximum Object : 0.01K / 0.25K / 50.27K\n\n' +
  '  OBJS ACTIVE  USE OBJ SIZE  SLABS OBJ/SLAB CACHE SIZE NAME                   \n';

const VMSTAT_HEAD =
  'procs -----------memory---------- ---swap-- -----io---- -system-- ------cpu----- -----timestamp-----\n' +
  ' r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st                 UTC\n';
const VMSTAT_ROW = ' 1  0      0 23890228   5516 642884    0    0     0   280   89  109  0  0 100  0  0 2026-11-22 07:29:04\n';

const PAGETYPE_HEAD =
  'Page block order: 9\nPages per block:  512\n\n' +
  'Free pages count per migrate type at order       0      1      2      3      4      5      6      7      8      9     10 \n';
const PAGETYPE_ROW = (node: number, type: string): string =>
  `Node    ${node}, zone   Normal, type ${type.padStart(12)}      0      0      0      1      1      1      1      1      0      0      0 `;

const ORDERS = '      0      0      1      0      2      1      1      0      1      1      3';

const SPECS: FormatSpec[] = [
  {
    format: 'meminfo',
    template: 'MemTotal:        8048880 kB\nMemFree:         1234567 kB\nMemAvailable:    2345678 kB\nSlab:             123456 kB\n',
    long: { before: 'MemTotal: ', fill: '9', after: ' kB' },
    distinct: (n) => lines(n, (i) => `Field_${i}: ${i} kB`),
  },
  {
    format: 'slabinfo',
    template: SLABINFO_HEAD + SLAB_ROW('kmalloc-64', 12345) + '\n' + SLAB_ROW('dentry', 4000) + '\n',
    long: { before: 'kmalloc-64 ', fill: '9', after: ' 12800 64 64 1 : tunables 0 0 0 : slabdata 200 200 0' },
    distinct: (n) => SLABINFO_HEAD + lines(n, (i) => SLAB_ROW(`cache_${i}`, i)),
  },
  {
    format: 'slabtop',
    template: SLABTOP_HEAD + ' 62412  62390  99%    0.19K   2972       21     11888K dentry                 \n',
    long: { before: ' 62412  62390  99%    0.19K   2972       21     11888K ', fill: 'x', after: '' },
    distinct: (n) => SLABTOP_HEAD + lines(n, (i) => ` ${i + 1}  ${i}  99%    0.19K   2972       21     11888K cache_${i}`),
  },
  {
    format: 'vmstat',
    template: VMSTAT_HEAD + VMSTAT_ROW + VMSTAT_ROW,
    long: { before: ' 1  0      0 ', fill: '9', after: '   5516 642884    0    0     0   280   89  109  0  0 100  0  0 2026-11-22 07:29:04' },
    // /proc/vmstat dumps: one distinct counter name per line.
    distinct: (n) => 'nr_free_pages 12345\npgfault 1\n' + lines(n, (i) => `nr_counter_${i} ${i}`),
    adversarial: {
      // parseTimeValue -> parseDateOutput: `split(/\s+/)` over long blank runs in the timestamp columns.
      'date-split-blanks': (n) => ` 1  0      0 23890228   5516 642884    0    0     0   280   89  109  0  0 100  0  0 ${fill(' \t', n)}x`,
    },
  },
  {
    format: 'buddyinfo',
    template: `Node 0, zone      DMA${ORDERS}\nNode 0, zone   Normal${ORDERS}\n`,
    long: { before: 'Node 0, zone   Normal ', fill: '9', after: ORDERS },
    distinct: (n) => lines(n, (i) => `Node ${i}, zone Zone${i}${ORDERS}`),
  },
  {
    format: 'pagetypeinfo',
    template: PAGETYPE_HEAD + PAGETYPE_ROW(0, 'Unmovable') + '\n' + PAGETYPE_ROW(0, 'Movable') + '\n',
    long: { before: 'Node    0, zone   Normal, type    Unmovable ', fill: '9', after: ORDERS },
    distinct: (n) => PAGETYPE_HEAD + lines(n, (i) => PAGETYPE_ROW(i, `Type${i}`)),
  },
  {
    format: 'extfrag-unusable',
    template: 'Node 0, zone      DMA 0.000 0.000 0.000 0.002 0.004 0.016 0.032 0.065 0.097 0.097 0.226\nNode 0, zone   Normal 0.000 0.000 0.000 0.000 0.000 0.001 0.002 0.003 0.004 0.004 0.005\n',
    long: { before: 'Node 0, zone   Normal 0.', fill: '9', after: ' 0.000 0.000 0.000 0.000 0.001 0.002 0.003 0.004 0.004 0.005' },
    distinct: (n) => lines(n, (i) => `Node ${i}, zone Zone${i} 0.000 0.000 0.000 0.002 0.004 0.016 0.032 0.065 0.097 0.097 0.226`),
  },
  {
    format: 'extfrag-index',
    template: 'Node 0, zone      DMA -1.000 0.500 0.750 0.875 0.937 0.969 0.984 0.992 0.996 0.998 0.999 \nNode 0, zone   Normal -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 0.998 0.999 \n',
    long: { before: 'Node 0, zone   Normal -1.', fill: '0', after: ' 0.500 0.750 0.875 0.937 0.969 0.984 0.992 0.996 0.998 0.999' },
    distinct: (n) => lines(n, (i) => `Node ${i}, zone Zone${i} -1.000 0.500 0.750 0.875 0.937 0.969 0.984 0.992 0.996 0.998 0.999`),
  },
  {
    format: 'kmemleak',
    template: KMEMLEAK_OBJECT('ffff88810d8ec700', 'bash', 869) + KMEMLEAK_OBJECT('ffff88810d8ec800', 'bash', 869),
    // A hex-dump line of 10 MB inside an object.
    long: { before: 'unreferenced object 0xffff88810d8ec900 (size 192):\n  comm "bash", pid 869, jiffies 4294950577 (age 215.752s)\n  hex dump (first 32 bytes):\n    ', fill: '60 dd ', after: ' `.ha....`.ha....\n  backtrace:\n    [<00000000dae26536>] kmalloc_trace+0x2a/0xa0' },
    frames: (n) =>
      'unreferenced object 0xffff88810d8ec700 (size 192):\n  comm "bash", pid 869, jiffies 4294950577 (age 215.752s)\n  backtrace:\n' +
      lines(n, (i) => `    [<${(0xdae26536 + i).toString(16).padStart(16, '0')}>] fn_${i}+0x2a/0xa0`),
    distinct: (n) => {
      const out = new Array<string>(n);
      for (let i = 0; i < n; i++) out[i] = KMEMLEAK_OBJECT(hex16(i), `comm_${i}`, i + 1);
      return out.join('');
    },
    adversarial: {
      'hex-address-run': (n) => `unreferenced object 0x${fill('f', n)}g (size 192):`,
      'backtrace-address-run': (n) => `  backtrace:\n    [<${fill('0', n)}`,
      'date-split-blanks': (n) => `[${fill(' \t', n)}x] kmemleak: 1 new suspected memory leaks`,
    },
  },
  {
    format: 'bcc-memleak',
    template:
      'Attaching to pid 5193, Ctrl+C to quit.\n[11:16:33] Top 2 stacks with outstanding allocations:\n' +
      '        addr = 948cd0 size = 16\n        64 bytes in 4 allocations from stack\n                 main+0x6d [allocs]\n                 __libc_start_main+0xf0 [libc-2.21.so]\n',
    long: { before: '                 ', fill: 'x', after: '+0x6d [allocs]' },
    frames: (n) =>
      '[11:16:33] Top 1 stacks with outstanding allocations:\n        64 bytes in 4 allocations from stack\n' +
      lines(n, (i) => `                 fn_${i}+0x6d [lib${i % 7}.so]`),
    distinct: (n) =>
      '[11:16:33] Top 1 stacks with outstanding allocations:\n' +
      lines(n, (i) => `        addr = ${(0x948cd0 + i * 16).toString(16)} size = 16\n        ${16 + i} bytes in 1 allocations from stack\n                 fn_${i}+0x6d [comm_${i}]`),
    adversarial: {
      'date-split-blanks': (n) => `[${fill(' \t', n)}x] Top 2 stacks with outstanding allocations:`,
    },
  },
  {
    format: 'bpftrace',
    template: 'Attaching 1 probe...\n@[\n    __kmalloc+39\n    krealloc+84\n]: 5\n@bytes[bash]: 4096\n',
    long: { before: '@bytes[', fill: 'x', after: ']: 1' },
    frames: (n) => 'Attaching 1 probe...\n@[\n' + lines(n, (i) => `    fn_${i}+${i}`) + ']: 1\n',
    distinct: (n) => 'Attaching 1 probe...\n' + lines(n, (i) => `@bytes[comm_${i}]: ${i}`),
    adversarial: {
      // The closing line of a multi-line key: `.replace(/^\]/, '')` after a long run of `]`.
      'close-bracket-run': (n) => `@[\n    __kmalloc+39\n${fill(']', n)}: 1`,
    },
  },
  {
    format: 'trace-cmd',
    template: TRACE_TEMPLATE,
    long: { before: '          ', fill: 'x', after: '-1234  [000]  100.000001: kmalloc:              call_site=ffffffff8116ffbd ptr=ffff88007d6ec000 bytes_req=64 bytes_alloc=64 gfp_flags=GFP_KERNEL' },
    frames: (n) =>
      `${TRACE_ALLOC('bash', 1234, '100.000001', 'ffff88007d6ec000')}\n` +
      '            bash-1234  [000]  100.000001: kernel_stack:         <stack trace >\n' +
      lines(n, (i) => `=> fn_${i} (${(0xffffffff81000000 + i * 16).toString(16)})`),
    distinct: (n) => lines(n, (i) => TRACE_ALLOC(`c${i}`, i + 1, `100.${String(i).padStart(7, '0')}`, hex16(i))),
    more: [
      {
        // Every event with its own stack: the interned-stack table grows with the input.
        name: 'distinct-stacks',
        unit: 'keys',
        build: (n) =>
          lines(
            n,
            (i) =>
              `${TRACE_ALLOC('bash', 1234, `100.${String(i).padStart(7, '0')}`, hex16(i))}\n            bash-1234  [000]  100.${String(i).padStart(7, '0')}: kernel_stack:         <stack trace >\n=> fn_${i} (ffffffff81000000)\n=> caller_${i % 1000} (ffffffff81000010)`,
          ),
      },
      // An event name of n characters (an unknown event: counted and reported once).
      { name: 'long-event-name', unit: 'chars', build: (n) => `${TRACE_TEMPLATE}            bash-1234  [000]  100.000009: ${fill('x', n)}: foo=1\n` },
      // n distinct unknown event names.
      { name: 'distinct-events', unit: 'keys', build: (n) => TRACE_TEMPLATE + lines(n, (i) => `            bash-1234  [000]  ${100 + i / 1e6}: ev_${i}: foo=1`) },
    ],
  },
  {
    format: 'trace-cmd-stat',
    template:
      'cpus=2\n\nKernel buffer statistics:\n  Note: "entries" are the entries left in the kernel ring buffer and are not\n\n' +
      'CPU: 0\nentries: 8741\noverrun: 0\ncommit overrun: 0\nbytes: 687572\noldest event ts:  3504.480313\nnow ts:  3506.547472\ndropped events: 0\nread events: 29563\n\n' +
      'CPU0 data recorded at offset=0x1000\n    2854912 bytes in size\n',
    long: { before: 'read events: ', fill: '9', after: '' },
    // n CPUs (the map of per-CPU statistics grows with them).
    distinct: (n) => 'Kernel buffer statistics:\n' + lines(n, (i) => `CPU: ${i}\nentries: ${i}\noverrun: 0\nread events: ${i}`),
  },
  {
    format: 'ftrace',
    template: FTRACE_TEMPLATE,
    long: { before: '          ', fill: 'x', after: '-1     [000] .N..     0.170000: kmalloc: call_site=c104deff ptr=c147dd20 bytes_req=29 bytes_alloc=32 gfp_flags=GFP_KERNEL' },
    frames: (n) =>
      '            init-1     [000] .N..     0.170000: kmalloc: call_site=c104deff ptr=c147dd20 bytes_req=29 bytes_alloc=32 gfp_flags=GFP_KERNEL\n' +
      '            init-1     [000] .N..     0.170000: <stack trace>\n' +
      lines(n, (i) => ` => fn_${i}`),
    distinct: (n) =>
      '# tracer: nop\n' +
      lines(n, (i) => `${`c${i}`.padStart(16)}-${i + 1}     [000] ....     0.${String(i).padStart(7, '0')}: kmalloc: call_site=c104deff ptr=${hex16(i)} bytes_req=29 bytes_alloc=32 gfp_flags=GFP_KERNEL`),
  },
  {
    format: 'csv',
    template: 'timestamp,used_kb\n1795334743.838,1033664\n1795334744.888,1135612\n',
    long: { before: '1795334745.950,', fill: '9', after: '' },
    distinct: (n) => 'timestamp,used_kb\n' + lines(n, (i) => `${1795334743 + i}.5,${1000 + i}`),
    adversarial: {
      // `# comment` before the header: `/[,;\t]/.test(inner)` over a long comment without a delimiter.
      'comment-no-delimiter': (n) => `# ${fill('x', n)}\ntimestamp,used_kb\n1795334743.838,1033664`,
      // A header of n/2 columns (one 10 MB line of many cells).
      'wide-header': (n) => `timestamp,${fill('c,', n)}used_kb\n1795334743.838,1033664`,
    },
  },
  {
    format: 'rss',
    template: 'Sun Nov 22 08:05:43 UTC 2026\n  PID   RSS COMMAND\n18521 14052 python3\nSun Nov 22 08:05:44 UTC 2026\n  PID   RSS COMMAND\n18521 14572 python3\n',
    long: { before: '18521 14052 ', fill: 'x', after: '' },
    distinct: (n) => 'Sun Nov 22 08:05:43 UTC 2026\n  PID   RSS COMMAND\n' + lines(n, (i) => `${i + 1} ${1000 + i} comm_${i}`),
    adversarial: {
      'date-split-blanks': (n) => `Sun${fill(' \t', n)}Nov 22 08:05:45 UTC 2026`,
    },
  },
  {
    format: 'pidstat',
    template:
      'Linux 6.18.44-fc-v657 (vm) \t11/22/26 \t_x86_64_\t(2 CPU)\n\n' +
      '08:05:43      UID       PID  minflt/s  majflt/s     VSZ     RSS   %MEM  Command\n' +
      '08:05:44        0     18521    128.71      0.00   17604   14468   0.06  python3\n',
    long: { before: '08:05:45        0     18521    128.71      0.00   17604   14468   0.06  ', fill: 'x', after: '' },
    distinct: (n) =>
      '08:05:43      UID       PID  minflt/s  majflt/s     VSZ     RSS   %MEM  Command\n' +
      lines(n, (i) => `08:05:44        0     ${i + 1}    128.71      0.00   17604   ${14468 + i}   0.06  comm_${i}`),
  },
  {
    format: 'pmap',
    template:
      '16639:   ./memory_leak_sample\nAddress           Kbytes     RSS   Dirty Mode   Mapping\n' +
      '0000000000400000       4       4       0 r-x--  memory_leak_sample\n0000000007b8e000     264     208     208 rw---    [ anon ]\n' +
      '---------------- ------- ------- -------\ntotal kB            268     212     208\n',
    long: { before: '0000000000600000       4       4       4 rw---  ', fill: 'x', after: '' },
    distinct: (n) =>
      '16639:   ./memory_leak_sample\nAddress           Kbytes     RSS   Dirty Mode   Mapping\n' +
      lines(n, (i) => `${(0x400000 + i * 4096).toString(16).padStart(16, '0')}       4       4       0 r-x--  lib_${i}.so`),
  },
  {
    format: 'smaps-rollup',
    template: 'epoch 1795334743.838\n55dc0d404000-7ffd54658000 ---p 00000000 00:00 0                          [rollup]\nRss:               14052 kB\nPss:               12056 kB\n',
    long: { before: 'Rss: ', fill: '9', after: ' kB' },
    distinct: (n) => '55dc0d404000-7ffd54658000 ---p 00000000 00:00 0                          [rollup]\n' + lines(n, (i) => `Key_${i}: ${i} kB`),
    adversarial: {
      // parseVmaHeader's `/^[0-9a-f]+$/` (guarded by a 33-char limit on the range token).
      'vma-hex-run': (n) => `${fill('a', n)}-${fill('f', 16)}g ---p 00000000 00:00 0 [rollup]`,
    },
  },
  {
    format: 'cgroup-memory',
    template:
      'epoch 1796294191.689\n/sys/fs/cgroup/memory/a/memory.usage_in_bytes:11702272\n/sys/fs/cgroup/memory/a/memory.limit_in_bytes:268435456\n' +
      '/sys/fs/cgroup/memory/a/memory.stat:rss 11239424\n/sys/fs/cgroup/memory/a/memory.oom_control:oom_kill 0\n===\n',
    long: { before: '/sys/fs/cgroup/memory/a/memory.usage_in_bytes:', fill: '9', after: '' },
    distinct: (n) => lines(n, (i) => `/sys/fs/cgroup/cg_${i}/memory.current:${i}`),
  },
  {
    format: 'psi',
    template: 'epoch 1796294191.689\nsome avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n===\n',
    long: { before: 'some avg10=0.00 avg60=0.00 avg300=0.00 total=', fill: '9', after: '' },
    distinct: (n) => lines(n, (i) => `some avg10=0.00 avg60=0.00 avg300=0.00 total=${i}\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=${i}`),
  },
  {
    format: 'allocinfo',
    template:
      'allocinfo - version: 1.0\n#     <size>  <calls> <tag info>\n         512        1 arch/x86/events/rapl.c:681 func:init_rapl_pmus\n' +
      '          16        1 fs/xfs/xfs_mount.c:87 [xfs] func:xfs_uuid_mount \n',
    long: { before: '         512        1 arch/x86/events/rapl.c:681 func:', fill: 'x', after: '' },
    distinct: (n) => 'allocinfo - version: 1.0\n' + lines(n, (i) => `${i} 1 mm/file_${i}.c:${i} func:fn_${i}`),
  },
  {
    format: 'zoneinfo',
    template:
      'Node 0, zone   Normal\n  pages free     4291049\n        min      10\n        low      13\n        high     16\n        managed  5210112\n' +
      '        protection: (0, 0, 0, 0, 0)\n      nr_free_pages 4291049\n  pagesets\n    cpu: 0\n              count:    0\n  start_pfn:           1048576\n',
    long: { before: '      nr_free_pages ', fill: '9', after: '' },
    distinct: (n) => 'Node 0, zone   Normal\n  pages free     42\n' + lines(n, (i) => `      nr_key_${i} ${i}`),
  },
  {
    format: 'vmallocinfo',
    template:
      '0x00000000b6f731d5-0x000000009187e478   20480 kernel_clone+0xb8/0x400 pages=4 vmalloc N0=4\n' +
      '0x00000000b0fbb6f1-0x00000000b83427bc    8192 acpi_os_map_iomem+0x1bc/0x1e0 phys=0x00000000000a0000 ioremap\n0x00000000b0fbb6f1-0x00000000b83427bc    8192 unpurged vm_area\n',
    long: { before: '0x00000000b6f731d5-0x000000009187e478   20480 ', fill: 'x', after: ' pages=4 vmalloc' },
    distinct: (n) => lines(n, (i) => `0x00000000b6f731d5-0x000000009187e478   20480 caller_${i}+0x1/0x2 pages=4 vmalloc`),
  },
  {
    format: 'oom',
    template: OOM_HEAD + OOM_TAIL,
    long: { before: '[13449.623808] CPU: 0 PID: 14726 Comm: ', fill: 'x', after: ' Not tainted 3.10.0-693.el7.x86_64 #1' },
    frames: (n) => OOM_HEAD + lines(n, (i) => `[13449.623815]  [<${(0xffffffff81000000 + i * 16).toString(16)}>] fn_${i}+0x19/0x1b`) + OOM_TAIL,
    distinct: (n) =>
      OOM_HEAD +
      '[13449.623900] [ pid ]   uid  tgid total_vm      rss nr_ptes swapents oom_score_adj name\n' +
      lines(n, (i) => `[13449.623901] [${i + 1}]     0 ${i + 1}   262164   ${i}     500        0             0 comm_${i}`) +
      OOM_TAIL,
    adversarial: {
      // `/^r\d{1,2}:[0-9a-f]+$/` on an ARM32 register dump token inside the call trace.
      'arm-register-run': (n) => `${OOM_HEAD}[13449.623816]  r1:${fill('a', n)}z r5:ffffffff\n${OOM_TAIL}`,
      // `.replace(/^[.:]\s*/, '')` after `: page allocation failure`.
      'alloc-failure-blanks': (n) => `[  100.000000] kswapd0: page allocation failure:${fill(' ', n)}x, mode:0x0\n`,
      // `/^\d/` over the tokens after `Tainted:`.
      'tainted-tokens': (n) => `[13449.623808] CPU: 0 PID: 14726 Comm: stress Tainted: ${fill('G ', n)}1x\n`,
      // The log-prefix parser's parseTimeValue(-> split(/\s+/)) on a bracket of blanks.
      'date-split-blanks': (n) => `[${fill(' \t', n)}x] stress invoked oom-killer: gfp_mask=0xd0, order=0, oom_score_adj=0\n`,
    },
  },
  {
    format: 'lsan',
    template:
      '=================================================================\n==4642==ERROR: LeakSanitizer: detected memory leaks\n\n' +
      'Direct leak of 16384 byte(s) in 4 object(s) allocated from:\n' +
      '    #0 0x7f88040b89cf in __interceptor_malloc ../../../../src/libsanitizer/asan/asan_malloc_linux.cpp:69\n' +
      '    #1 0x560ff83183e5 in parse_config_entry /opt/memlab/cfgleak.c:53\n\n' +
      'SUMMARY: AddressSanitizer: 16384 byte(s) leaked in 4 allocation(s).\n',
    long: { before: 'Direct leak of 16 byte(s) in 1 object(s) allocated from:\n    #0 0x560ff83183e5 in ', fill: 'x', after: ' /opt/memlab/cfgleak.c:53' },
    frames: (n) =>
      '==4642==ERROR: LeakSanitizer: detected memory leaks\n\nDirect leak of 16384 byte(s) in 4 object(s) allocated from:\n' +
      lines(n, (i) => `    #${i} 0x${(0x560ff83183e5 + i).toString(16)} in fn_${i} /src/f${i % 97}.c:${i}`),
    distinct: (n) =>
      '==4642==ERROR: LeakSanitizer: detected memory leaks\n\n' +
      lines(n, (i) => `Direct leak of ${16 + i} byte(s) in 1 object(s) allocated from:\n    #0 0x7f88040b89cf in malloc\n    #1 0x${(0x560ff8318000 + i).toString(16)} in fn_${i} /src/f.c:${i}\n`),
    adversarial: {
      'grouped-digits': (n) => `Direct leak of ${fill('1,', n)}1 byte(s) in 4 object(s) allocated from:`,
    },
  },
  {
    format: 'valgrind',
    template:
      '==4633== Memcheck, a memory error detector\n==4633== \n==4633== HEAP SUMMARY:\n==4633==     in use at exit: 20,480 bytes in 20 blocks\n' +
      '==4633== 16,384 bytes in 4 blocks are definitely lost in loss record 2 of 2\n' +
      '==4633==    at 0x48417B4: malloc (in /usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so)\n' +
      '==4633==    by 0x109264: parse_config_entry (cfgleak.c:53)\n==4633== \n',
    long: { before: '==4633== 16 bytes in 1 blocks are definitely lost in loss record 1 of 1\n==4633==    by 0x109264: ', fill: 'x', after: ' (cfgleak.c:53)' },
    frames: (n) =>
      '==4633== 16,384 bytes in 4 blocks are definitely lost in loss record 2 of 2\n==4633==    at 0x48417B4: malloc (vg_replace_malloc.c:299)\n' +
      lines(n, (i) => `==4633==    by 0x${(0x109264 + i).toString(16).toUpperCase()}: fn_${i} (f${i % 97}.c:${i})`) +
      '==4633== \n',
    distinct: (n) =>
      lines(
        n,
        (i) =>
          `==4633== ${16 + i} bytes in 1 blocks are definitely lost in loss record ${i + 1} of ${n}\n==4633==    at 0x48417B4: malloc (vg_replace_malloc.c:299)\n==4633==    by 0x${(0x109264 + i).toString(16)}: fn_${i} (f.c:${i})\n==4633== `,
      ),
    more: [
      // A million `==PID==` prefixes: one interleaved process each.
      {
        name: 'distinct-pids',
        unit: 'keys',
        build: (n) => lines(n, (i) => `==${i + 1}== 16 bytes in 1 blocks are definitely lost in loss record 1 of 1\n==${i + 1}==    at 0x48417B4: malloc (vg_replace_malloc.c:299)`),
      },
    ],
    adversarial: {
      // parseValgrindFrame's `.replace(/:$/, '')` on a frame without `: ` (every position starts a match attempt).
      'frame-colon-run': (n) => `==4633== 16 bytes in 1 blocks are definitely lost in loss record 1 of 1\n==4633==    by 0x${fill(':', n)}x\n`,
    },
  },
];

/** The valid lines a format's cases embed their hostile lines in. */
export function templateOf(format: FormatId): string {
  return SPECS.find((s) => s.format === format)?.template ?? '';
}

/** The formats covered here (the test checks this equals every registered parser). */
export const PATHOLOGICAL_FORMATS: readonly FormatId[] = SPECS.map((s) => s.format);

/** Every digit run of a text replaced by a 500-digit number (`9...9`, or `0.0...01` inside decimals). */
export function with500Digits(text: string): string {
  const big = '9'.repeat(500);
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      while (i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
      out += big;
    } else {
      out += text[i];
      i++;
    }
  }
  return out;
}

function repeatTo(block: string, n: number): string {
  return block.repeat(Math.max(1, Math.ceil(n / Math.max(1, block.length))));
}

/** All cases for one format (the benchmark runs each at fullSize and fullSize/2). */
export function casesFor(format: FormatId): PathologicalCase[] {
  const spec = SPECS.find((s) => s.format === format);
  if (!spec) return [];
  const { template: t, long } = spec;
  const out: PathologicalCase[] = [
    // The whole input one line without any newline: nothing of the format, only the typed error may be thrown.
    { format, name: 'long-line-bare', unit: 'chars', fullSize: MB, build: (n) => fill('a1 :x', n) },
    { format, name: 'long-line-prefix', unit: 'chars', fullSize: MB, build: (n) => `${t}${long.before}${fill(long.fill, n)}${long.after}\n${t}` },
    // The same line shape with the payload split into n/2 tokens (fields() arrays of millions).
    { format, name: 'long-line-tokens', unit: 'chars', fullSize: MB, build: (n) => `${t}${long.before}${fill(`${long.fill} `, n)}${long.after}\n${t}` },
    { format, name: 'distinct', unit: 'keys', fullSize: KEYS, build: (n) => spec.distinct(n) },
    // Valid lines first (so a result exists), then the template with every number 500 digits long.
    { format, name: 'digits-500', unit: 'chars', fullSize: MB, build: (n) => t + repeatTo(with500Digits(t), n) },
  ];
  if (spec.frames) out.push({ format, name: 'frames', unit: 'frames', fullSize: FRAMES, build: spec.frames });
  for (const m of spec.more ?? []) out.push({ format, name: m.name, unit: m.unit, fullSize: m.unit === 'frames' ? FRAMES : m.unit === 'keys' ? KEYS : MB, build: m.build });
  for (const [name, f] of Object.entries(spec.adversarial ?? {})) {
    out.push({ format, name: `re:${name}`, unit: 'chars', fullSize: MB, build: (n) => `${t}${f(n)}\n${t}` });
  }
  return out;
}

/** Every case for every format. */
export function allCases(): PathologicalCase[] {
  return PATHOLOGICAL_FORMATS.flatMap((f) => casesFor(f));
}
