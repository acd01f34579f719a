import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { leakSites, LeakSitesResultSchema, toAllocationSites } from '../../src/analysis/leakSites.js';
import { FindingSchema } from '../../src/core/models.js';
import { parseLsan } from '../../src/parsers/lsan/index.js';
import { parseValgrind } from '../../src/parsers/valgrind/index.js';
import { LeakSiteSchema } from '../../src/report/schema.js';
import { ROOT, sample } from '../helpers/samples.js';

const D3_VALGRIND = 'captures/D3_userspace/valgrind.txt';
const D3_ASAN = 'captures/D3_userspace/asan.txt';

describe('leakSites', () => {
  it('names parse_config_entry as the D3 culprit from valgrind, and keeps still-reachable memory out of the findings', async () => {
    const records = parseValgrind(sample(D3_VALGRIND)).records;
    const r = leakSites(records, D3_VALGRIND);
    expect(LeakSitesResultSchema.parse(r)).toEqual(r);
    expect(r.sites).toHaveLength(1);
    const [s] = r.sites;
    expect(LeakSiteSchema.parse(s)).toEqual(s);
    expect(s).toMatchObject({ site: 'parse_config_entry', siteLocation: 'cfgleak.c:53', bytes: 16384, count: 4, kind: 'definite', tool: 'valgrind', pid: 4633 });
    expect(s.stack).toEqual(['malloc', 'parse_config_entry', 'reload_config', 'run_event_loop', 'main']);
    // Ground truth: still reachable 4,096 bytes in 16 blocks (the bounded log ring) is not a leak.
    expect(r.summaries[0].reachable).toEqual({ bytes: 4096, count: 16 });
    expect(r.findings).toHaveLength(1);
    const [f] = r.findings;
    expect(FindingSchema.parse(f)).toEqual(f);
    expect(f).toMatchObject({ kind: 'leak-site', severity: 'critical', space: 'user', culprit: 'parse_config_entry', source: D3_VALGRIND });
    expect(f.evidence[0].lines).toEqual([17, 22]);
    expect(f.evidence[0].values).toMatchObject({ bytes: 16384, count: 4, kind: 'definite' });
    await expect(JSON.stringify(r, null, 2)).toMatchFileSnapshot('../golden/leakSites-d3-valgrind.json');
  });

  it('names the same culprit from ASan/LSan, so the two tools join on it', () => {
    const v = leakSites(parseValgrind(sample(D3_VALGRIND)).records, D3_VALGRIND);
    const a = leakSites(parseLsan(sample(D3_ASAN)).records, D3_ASAN);
    expect(a.sites[0]).toMatchObject({ site: 'parse_config_entry', bytes: 16384, count: 4, kind: 'definite', tool: 'lsan', pid: 4642, siteLocation: '/opt/memlab/src/cfgleak.c:53' });
    expect(a.findings[0].culprit).toBe(v.findings[0].culprit);
    expect(a.summaries[0].leaked).toEqual({ bytes: 16384, count: 4 });
    const sites = toAllocationSites([...v.sites, ...a.sites]);
    expect(sites.map((x) => [x.site, x.tool, x.outstandingBytes, x.outstandingCount])).toEqual([
      ['parse_config_entry', 'valgrind', 16384, 4],
      ['parse_config_entry', 'lsan', 16384, 4],
    ]);
  });

  it('skips interceptors and C++ new to find the site; direct bytes count, indirect ones are reported beside', () => {
    const t5309 = leakSites(parseLsan(sample('public/lsan-valgrind/lsan-gcc-libsanitizer-git-t5309-thread-race-indented.txt')).records, 't5309');
    expect(t5309.sites[0].site).toBe('__pthread_getattr_np');
    const cs50 = leakSites(parseValgrind(sample('public/lsan-valgrind/valgrind-3.11-indirect-direct-loss-records-cs50.txt')).records, 'cs50');
    expect(cs50.sites.map((s) => [s.site, s.kind, s.bytes, s.indirectBytes])).toEqual([
      ['bag_new', 'definite', 8, 388],
      ['freadlinep', 'indirect', 324, 0],
      ['bagnode_new', 'indirect', 64, 0],
    ]);
    expect(cs50.findings.map((f) => [f.culprit, f.severity])).toEqual([
      ['bag_new', 'critical'],
      ['freadlinep', 'info'],
      ['bagnode_new', 'info'],
    ]);
    const fx = readFileSync(path.join(ROOT, 'test/fixtures/lsan-valgrind/synthetic-valgrind-interleaved-pids-kinds.txt'), 'utf8');
    const v = leakSites(parseValgrind(fx).records, 'fx');
    expect(v.sites.map((s) => [s.site, s.kind, s.pid])).toEqual([
      ['build_tree', 'definite', 100],
      ['Cache::grow(unsigned long)', 'possible', 200],
      ['log_ring_push', 'reachable', 200],
    ]);
    expect(v.findings.map((f) => [f.culprit, f.severity])).toEqual([
      ['build_tree', 'critical'],
      ['Cache::grow(unsigned long)', 'warning'],
    ]);
  });

  it('reports insufficient data for a summary-only run instead of throwing', () => {
    const r = leakSites(parseValgrind(sample('public/lsan-valgrind/valgrind-3.22-time-stamp-yes-leak-summary-postgres.txt')).records, 'pg');
    expect(r.insufficientData).toBe(true);
    expect(r.findings).toEqual([]);
    expect(r.summaries[0].definite).toEqual({ bytes: 410, count: 5 });
    expect(leakSites([], 'none')).toEqual({ sites: [], summaries: [], findings: [], insufficientData: true });
  });

  it('does not mutate its input', () => {
    const records = parseValgrind(sample(D3_VALGRIND)).records;
    const copy = structuredClone(records);
    leakSites(records, 'x');
    expect(records).toEqual(copy);
  });
});
