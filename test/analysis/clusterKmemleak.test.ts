import { describe, expect, it } from 'vitest';
import { parseKmemleak } from '../../src/parsers/kmemleak/index.js';
import {
  clusterKmemleak,
  contentKindOf,
  contentSimilarity,
  kmemleakFindings,
  kmemleakSites,
  KmemleakClusteringSchema,
} from '../../src/analysis/clusterKmemleak.js';
import { AllocationSiteSchema, FindingSchema } from '../../src/core/models.js';
import { KmemleakClusterSchema } from '../../src/report/schema.js';
import { sample } from '../helpers/samples.js';

/** Kernel-style hex dump rows for the first 32 bytes of a text. */
function hexRows(text: string): string[] {
  const bytes = [...new TextEncoder().encode(text)].slice(0, 32);
  while (bytes.length < 32) bytes.push(0);
  const rows: string[] = [];
  for (let i = 0; i < 32; i += 16) {
    const row = bytes.slice(i, i + 16);
    const hex = row.map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = row.map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    rows.push(`    ${hex}  ${ascii}`);
  }
  return rows;
}

function obj(addr: string, size: number, comm: string, content: string, frames: string[], age = 10): string {
  return [
    `unreferenced object ${addr} (size ${size}):`,
    `  comm "${comm}", pid 100, jiffies 4294900000 (age ${age}.000s)`,
    '  hex dump (first 32 bytes):',
    ...hexRows(content),
    '  backtrace:',
    ...frames.map((f) => `    [<00000000deadbeef>] ${f}`),
    '',
  ].join('\n');
}

const SEQ = ['kmemleak_alloc+0x4a/0x90', '__kvmalloc_node_noprof+0x5c/0x110', 'seq_read_iter+0x1c0/0x4a0', 'proc_reg_read_iter+0x54/0xa0', 'vfs_read+0x1f4/0x2e0', 'ksys_read+0x6f/0xf0'];
const SKB = ['kmem_cache_alloc_node+0x1a0/0x2c0', '__alloc_skb+0x4e/0x1e0', 'tcp_send_ack+0x20/0x40'];
const schedstat = (ts: number) => `version 15\ntimestamp ${ts}\ncpu0 0 0 0`;

describe('clusterKmemleak', () => {
  it('clusters the real 6.17 dump: one culprit past the *_noprof allocator frames', () => {
    const r = clusterKmemleak(parseKmemleak(sample('public/kmemleak/arm64-6.17-crc-nobracket-bpf.txt')).records, { source: 'bpf.txt' });
    KmemleakClusteringSchema.parse(r);
    expect(r.clusters).toHaveLength(1);
    expect(r.clusters[0]).toMatchObject({ culprit: 'do_check_common', count: 4, bytes: 256, comms: ['systemd'], pids: [1], contentKind: 'binary', source: 'bpf.txt' });
    expect(r.clusters[0].backtraceKey.startsWith('do_check_common+0x2668/0x2d50;bpf_check+0x2464/0x2ec0')).toBe(true);
    expect(r.clusters[0].backtrace[0]).toBe('kmemleak_alloc+0x3c/0x50');
    KmemleakClusterSchema.parse(r.clusters[0]);
  });

  it('clusters the 6.3 dump: two call sites in tracing_log_err, one holding text', async () => {
    const r = clusterKmemleak(parseKmemleak(sample('public/kmemleak/x86_64-6.3-hashed-age-tracing.txt')).records);
    expect(r.clusters.map((c) => [c.id, c.count, c.bytes])).toEqual([['tracing_log_err#1', 1, 192], ['tracing_log_err#2', 1, 32]]);
    expect(r.clusters[1]).toMatchObject({ contentKind: 'text', contentText: '\\n  Command: hist:keys=x\\n', ageSeconds: [215.752, 215.752] });
    const r3 = clusterKmemleak(parseKmemleak(sample('public/kmemleak/x86_64-3.x-abrt-i915-raw-addrs.txt')).records);
    expect(r3.clusters[0].culprit).toBe('idr_pre_get');
    const dbg = clusterKmemleak(parseKmemleak(sample('public/kmemleak/arm32-4.8-dmesg-object-dump-checksum.txt')).records);
    expect(dbg).toMatchObject({ objects: 0, debugDumpsIgnored: 1, insufficientData: true, clusters: [] });
    await expect(JSON.stringify({ r63: r.clusters, r3x: r3.clusters }, null, 2)).toMatchFileSnapshot('../golden/kmemleak-clusters-public.json');
  });

  it('splits one backtrace by content: the leaked buffers that all hold /proc/schedstat text', () => {
    const text = [
      ...[4295012345, 4295013346, 4295014347, 4295019999, 4295120000].map((ts, i) => obj(`0xffff8880a000${i}000`, 4096, 'cat', schedstat(ts), SEQ, 50 - i)),
      obj('0xffff8880b0000000', 4096, 'less', '', SEQ),
      obj('0xffff8880b0001000', 4096, 'less', '', SEQ),
    ].join('');
    const r = clusterKmemleak(parseKmemleak(text).records, { source: 'k.txt' });
    expect(r.clusters.map((c) => [c.culprit, c.count, c.bytes, c.contentKind])).toEqual([
      ['seq_read_iter', 5, 20480, 'text'],
      ['seq_read_iter', 2, 8192, 'zeros'],
    ]);
    expect(r.clusters[0].contentText).toContain('version 15\\ntimestamp 429501');
    expect(r.clusters[0].ageSeconds).toEqual([46, 50]);
    expect(r.clusters[0].comms).toEqual(['cat']);
    expect(r.contentGroups).toHaveLength(1);
    expect(r.contentGroups[0]).toMatchObject({ count: 5, bytes: 20480, culprits: ['seq_read_iter'], contentKind: 'text' });
    const sites = kmemleakSites(r);
    expect(sites).toHaveLength(1);
    expect(AllocationSiteSchema.parse(sites[0])).toMatchObject({ site: 'seq_read_iter', outstandingCount: 7, outstandingBytes: 28672, tool: 'kmemleak', source: 'k.txt' });
    const f = kmemleakFindings(r);
    expect(f[0]).toMatchObject({ kind: 'kmemleak-cluster', space: 'kernel', culprit: 'seq_read_iter', severity: 'warning' });
    expect(f[0].evidence[0].detail).toContain('version 15');
    for (const x of f) FindingSchema.parse(x);
  });

  it('measures content similarity', () => {
    expect(contentSimilarity([1, 2, 3, 4], [1, 2, 3, 5])).toBe(0.75);
    expect(contentSimilarity([], [])).toBe(1);
    expect(contentSimilarity([1], [])).toBe(0);
    const a = [...new TextEncoder().encode('timestamp 4295012345 cpu0 12')];
    const b = [...new TextEncoder().encode('timestamp 4295999 cpu0 1234567')];
    expect(contentSimilarity(a, b)).toBeGreaterThan(0.6);
    expect(contentKindOf([0, 0])).toBe('zeros');
    expect(contentKindOf([])).toBe('none');
    expect(contentKindOf([0x60, 0xdd, 0x68, 0x61, 0x81, 0x88, 0xff, 0xff])).toBe('binary');
  });

  it('does not mutate its input and handles empty input', () => {
    const recs = parseKmemleak(sample('public/kmemleak/arm64-6.17-crc-nobracket-bpf.txt')).records;
    const copy = structuredClone(recs);
    clusterKmemleak(recs);
    expect(recs).toEqual(copy);
    expect(clusterKmemleak([])).toMatchObject({ insufficientData: true, objects: 0 });
  });
});
