import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { detectFormat } from '../src/parsers/registry.js';
import { SAMPLES, SHARED_REAL, hasSharedReal } from './helpers/samples.js';

/**
 * Every real file must be detected as its real format; files that are not memory artefacts
 * (the capture programs' own logs, ground-truth JSON) must not be claimed by any parser.
 */
const EXPECTED: [suffix: string, format: string | null][] = [
  ['.report.txt.gz', 'trace-cmd'],
  ['T1_tracedat/v6-pages.report.txt', 'trace-cmd'],
  // trace.dat (binary) is placed by its magic bytes, also gzipped.
  ['T1_tracedat/v6-pages.dat.gz', 'trace-dat'],
  ['T1_tracedat/v7-zstd-all.dat', 'trace-dat'],
  // `uname -a` beside the recordings: not a memory artefact.
  ['T1_tracedat/uname.txt', null],
  ['.slabinfo.0_before.txt', 'slabinfo'],
  ['.slabinfo.1_leak_held.txt', 'slabinfo'],
  ['.slabinfo.2_after_exit.txt', 'slabinfo'],
  ['D2_slab_meminfo_timerfd/slabinfo.txt', 'slabinfo'],
  ['D2_slab_meminfo/slabinfo.txt.gz', 'slabinfo'],
  ['/meminfo.txt', 'meminfo'],
  ['/meminfo.txt.gz', 'meminfo'],
  ['vmstat_fresh.txt', 'vmstat'],
  ['asan.txt', 'lsan'],
  ['bpftrace.txt', 'bpftrace'],
  ['memleak.txt', 'bcc-memleak'],
  ['memleak_a.txt', 'bcc-memleak'],
  ['/rss.txt', 'rss'],
  ['valgrind.txt', 'valgrind'],
  ['buddyinfo.txt', 'buddyinfo'],
  ['extfrag_index.txt', 'extfrag-index'],
  ['unusable_index.txt', 'extfrag-unusable'],
  ['pagetypeinfo.txt', 'pagetypeinfo'],
  ['public/bcc-memleak/', 'bcc-memleak'],
  ['public/bpftrace/', 'bpftrace'],
  ['public/buddyinfo/buddyinfo-', 'buddyinfo'],
  ['public/buddyinfo/x86_64-3.1-numa4-buddyinfo.txt', 'buddyinfo'],
  ['public/buddyinfo/extfrag-unusable_index', 'extfrag-unusable'],
  ['public/buddyinfo/extfrag_index', 'extfrag-index'],
  ['public/buddyinfo/pagetypeinfo', 'pagetypeinfo'],
  ['public/kmemleak/', 'kmemleak'],
  // Multi-scan kmemleak captures composed from the public excerpts' real objects (README there).
  ['composed/kmemleak/', 'kmemleak'],
  ['public/lsan-valgrind/asan', 'lsan'],
  ['public/lsan-valgrind/lsan', 'lsan'],
  ['public/lsan-valgrind/valgrind', 'valgrind'],
  ['public/meminfo/', 'meminfo'],
  ['public/oom/', 'oom'],
  ['public/pmap/', 'pmap'],
  ['public/slabinfo/slabtop', 'slabtop'],
  ['public/slabinfo/', 'slabinfo'],
  ['public/tracecmd/rpi3-arm32-tracecmd-report', 'trace-cmd'],
  ['public/tracecmd/', 'ftrace'],
  ['public/vmstat/', 'vmstat'],
  // Not memory artefacts: the capture programs' own logs and notes.
  ['.groundtruth.json', null],
  ['.leaker.log', null],
  ['leaker.log', null],
  ['leaker_fds_at_hold.txt', null],
  ['leaker_fds_before_kill.txt', null],
  // `trace-cmd report --stat`: its overrun/dropped counters say whether the trace lost events.
  ['.report-stat.txt', 'trace-cmd-stat'],
  ['U1_user_series/pidstat-r.txt', 'pidstat'],
  ['U1_user_series/ps-rss.txt', 'rss'],
  ['U1_user_series/slabtop-o.txt', 'slabtop'],
  ['U1_user_series/smaps_rollup.txt', 'smaps-rollup'],
  ['U1_user_series/used_kb.csv', 'csv'],
  ['U1_user_series/vmstat-s.txt', 'vmstat'],
  ['U1_user_series/vmstat-t-w-a.txt', 'vmstat'],
  // C1: a real memcg OOM (cgroup v1) with PSI and the kernel's OOM report.
  ['C1_cgroup_oom/cgroup-memory.txt', 'cgroup-memory'],
  ['C1_cgroup_oom/pressure.txt', 'psi'],
  ['C1_cgroup_oom/dmesg.txt', 'oom'],
  ['public/cgroup/', 'cgroup-memory'],
  ['public/allocinfo/', 'allocinfo'],
  ['.report.stderr.txt', null],
  ['timeline.txt', null],
  ['.trace-cmd-record.log', null],
  ['bpftrace.stderr.txt', null],
  ['memleak.stderr.txt', null],
  ['memleak_a.stderr.txt', null],
  ['cfgleak.log', null],
  ['wavemem.log', null],
  ['d4_all.log', null],
  ['pagepunch.log', null],
  ['zoneinfo_after.txt', 'zoneinfo'],
  ['zoneinfo_before.txt', 'zoneinfo'],
  ['Z1_zoneinfo_vmalloc/zoneinfo.txt', 'zoneinfo'],
  ['Z1_zoneinfo_vmalloc/vmallocinfo.txt.gz', 'vmallocinfo'],
  ['meminfo_epochs.txt', null],
  // Series without timestamps beside a vmstat -t log (issue 15 item 4), and the script computing their truth.
  ['TA_untimed_loops/ps-rss.txt', 'rss'],
  ['TA_untimed_loops/slabinfo.txt.gz', 'slabinfo'],
  ['TA_untimed_loops/vmstat-t.txt', 'vmstat'],
  ['capture/untimed-loops-truth.py', null],
  ['TB_untimed_epoch_log/ps-rss.txt', 'rss'],
  ['TB_untimed_epoch_log/slabinfo.txt.gz', 'slabinfo'],
  // The loop's own clock, one `date +%s.%N` per sample: no format claims it (the pipeline reads it as a time reference).
  ['TB_untimed_epoch_log/loop-epochs.log', null],
  ['E1_bpf_memleak/malloc-live-bytes.txt', 'bpftrace'],
  ['E1_bpf_memleak/malloc-sum-by-stack.txt', 'bpftrace'],
  ['E1_bpf_memleak/malloc-sum-by-stack-notime.txt', 'bpftrace'],
  ['E2_free_falling/free_kb.csv', 'csv'],
  ['E2_free_falling/vmstat-t-w.txt', 'vmstat'],
  ['E3_cache_churn_control/free_kb.csv', 'csv'],
  ['E3_cache_churn_control/vmstat-t-w.txt', 'vmstat'],
];

/** Documentation and capture scripts are listed by the CLI but never sniffed (see listArtefactFiles). */
const NOT_CAPTURES = ['.md', '.sh', '.c', '.py', '.bt'];

function expectedFor(file: string): string | null | undefined {
  for (const [suffix, format] of EXPECTED) if (file.endsWith(suffix) || ((suffix.startsWith('public/') || suffix.startsWith('composed/')) && file.includes(suffix))) return format;
  return undefined;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = path.join(dir, e);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

function head(file: string): string {
  const buf = readFileSync(file);
  const text = (file.endsWith('.gz') ? gunzipSync(buf) : buf).subarray(0, 64 * 1024);
  return new TextDecoder().decode(text);
}

const roots = [SAMPLES, ...(hasSharedReal ? [SHARED_REAL] : [])];
const files = roots.flatMap((r) => walk(r).map((f) => [path.relative(path.dirname(r), f), f] as const)).filter(([, f]) => !f.endsWith('.dat') && !NOT_CAPTURES.some((e) => f.endsWith(e)));

describe('format detection over every real file', () => {
  it.each(files)('%s', (rel, file) => {
    const expected = expectedFor(rel.replaceAll(path.sep, '/'));
    expect(expected, `no expectation for ${rel}`).not.toBeUndefined();
    const got = detectFormat(head(file), { path: file });
    if (expected === null) expect(got.map((c) => c.format)).toEqual([]);
    else expect(got[0]?.format, JSON.stringify(got)).toBe(expected);
  });
});
