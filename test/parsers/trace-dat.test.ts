import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { isInputError } from '../../src/core/errors.js';
import { pairAllocations } from '../../src/analysis/pairing/index.js';
import { parseTraceDat, parseTraceDatSource } from '../../src/parsers/trace-dat/index.js';
import { analyzePaths } from '../../src/node/analyzePaths.js';
import { openFileSource } from '../../src/node/fileSource.js';
import { parseTraceCmd } from '../../src/parsers/tracecmd/index.js';

const DIR = 'samples/captures/T1_tracedat';
// the default report format prints no irq-flags column: the dat's common_flags (irqContext) has no text twin
const withoutLine = (r: object) => JSON.stringify({ ...r, line: 0, irqContext: undefined });

describe('trace-dat: real trace.dat files read natively equal their trace-cmd report text', () => {
  for (const [dat, report] of [
    ['v7-zstd-stacks.dat', 'v7-zstd-stacks.report.txt.gz'],
    ['v6-pages.dat.gz', 'v6-pages.report.txt'],
  ] as const) {
    it(`${dat}: same records (but line numbers) and the same pairing as the report`, async () => {
      const raw = readFileSync(`${DIR}/${dat}`);
      const bytes = new Uint8Array(dat.endsWith('.gz') ? gunzipSync(raw) : raw);
      const text = report.endsWith('.gz') ? gunzipSync(readFileSync(`${DIR}/${report}`)).toString('utf8') : readFileSync(`${DIR}/${report}`, 'utf8');
      const fromDat = await parseTraceDat(bytes);
      const fromText = parseTraceCmd(text);
      expect(fromDat.diagnostics.total).toBe(0);
      expect(fromDat.records.length).toBe(fromText.records.length);
      expect(fromDat.records.map(withoutLine)).toEqual(fromText.records.map(withoutLine));
      expect(fromDat.stats.counters).toEqual(fromText.stats.counters);
      const a = pairAllocations(fromDat.records);
      const b = pairAllocations(fromText.records);
      expect(a.allocationSites.map((s) => [s.site, s.outstandingCount, s.outstandingBytes])).toEqual(b.allocationSites.map((s) => [s.site, s.outstandingCount, s.outstandingBytes]));
      expect(a.findings.map((f) => f.title)).toEqual(b.findings.map((f) => f.title));
    });
  }

  it('v7 header: version, zstd, 2 CPUs, local clock', async () => {
    const { header } = await parseTraceDat(new Uint8Array(readFileSync(`${DIR}/v7-zstd-stacks.dat`)));
    expect(header.version).toBe(7);
    expect(header.compression?.name).toBe('zstd');
    expect(header.cpus.length).toBe(2);
    expect(header.traceClock).toBe('local');
    expect(header.pageSize).toBe(4096);
  });

  it('a v6 file cut in its CPU data keeps the complete pages with a data-loss diagnostic; a cut header is a typed error', async () => {
    const bytes = new Uint8Array(gunzipSync(readFileSync(`${DIR}/v6-pages.dat.gz`)));
    const full = await parseTraceDat(bytes);
    const cut = await parseTraceDat(bytes.subarray(0, bytes.length - 20_000));
    expect(cut.records.length).toBeGreaterThan(0);
    expect(cut.records.length).toBeLessThan(full.records.length);
    expect(cut.diagnostics.byCode['trace-dat-truncated']).toBeGreaterThan(0);
    const err = await parseTraceDat(bytes.subarray(0, 5000)).catch((e) => e);
    expect(isInputError(err) && err.code).toBe('CORRUPT_INPUT');
  });
});

describe('trace-dat: an instance recording (record -B sites) with softirq allocations', () => {
  it('reads the instance buffer when the top one is empty, and common_flags as the text -l flags column', async () => {
    const dat = await parseTraceDat(new Uint8Array(readFileSync('samples/captures/S2_softirq_accept_dat/softirq.dat')));
    const text = parseTraceCmd(gunzipSync(readFileSync('samples/captures/S2_softirq_accept/softirq.report.txt.gz')).toString('utf8'));
    // Only the stop-time note of the CPU stats (events left in the kernel buffer, in neither file).
    expect(dat.diagnostics.items.filter((d) => d.code !== 'trace-dat-unread-events')).toEqual([]);
    // -l prints comms cut to 8 characters; the dat has them whole from saved cmdlines
    const same = (r: object) => JSON.stringify({ ...r, line: 0, comm: 'comm' in r ? String(r.comm).slice(0, 8) : undefined });
    expect(dat.records.map(same)).toEqual(text.records.map(same));
    const softirq = dat.records.filter((r) => r.type === 'event' && r.irqContext === 'softirq');
    expect(softirq.length).toBe(400);
    const leaks = pairAllocations(dat.records, { youngAgeSeconds: 0 }).allocationSites.filter((s) => s.leak);
    expect(leaks.map((s) => [s.site, s.outstandingCount, s.interruptCount])).toEqual([['sk_prot_alloc', 200, 200], ['inet_reqsk_alloc', 200, 200]]);
  });
});

describe('trace-dat: a system-wide recording in its own instance (SCOPE=all, trace-cmd record -B tracedat) gives the leak verdict', () => {
  const FILE = `${DIR}/v7-zstd-all.dat`;

  it('reads the tracedat instance (the top buffer is empty) and finds the 300 leaked eventfd contexts of kobjleak, with their files and dentries, and no closed-object noise', async () => {
    const report = await analyzePaths([FILE]);
    expect(report.verdict.kind).toBe('leak');
    expect(report.verdict.space).toBe('kernel');
    const leaks = report.findings.filter((f) => f.kind === 'allocation-site-leak');
    expect(leaks.map((f) => f.culprit).sort()).toEqual(['__d_alloc', 'alloc_empty_file', 'do_eventfd', 'security_file_alloc']);
    // Sites are grouped across tasks: kobjleak holds most of each (the dentries also hold node's and cat's).
    expect(leaks.every((f) => f.title.includes('kobjleak'))).toBe(true);
    // ground truth: the leaker keeps exactly 300 eventfds open when the recording stops
    const eventfd = report.allocationSites.find((s) => s.site === 'do_eventfd' && 'topComms' in s && s.topComms[0]?.comm === 'kobjleak');
    expect(eventfd?.outstandingCount).toBe(300);
    // the epoll and timerfd contexts it closes are not leaks (freed through kfree_rcu in batches; the
    // youngest batch can still be outstanding at the stop)
    for (const noise of ['do_epoll_create', '__do_sys_timerfd_create']) {
      expect(report.allocationSites.filter((s) => s.site === noise && 'leak' in s && s.leak)).toEqual([]);
    }
    const art = report.artefacts.find((a) => a.path === FILE);
    expect(art?.format).toBe('trace-dat');
    expect(report.findings.some((f) => f.kind === 'trace-lost-events')).toBe(false);
  }, 60_000);

  it('through the Node file handle: the same records as from bytes in memory, reads bounded by the window', async () => {
    const bytes = new Uint8Array(readFileSync(FILE));
    const source = await openFileSource(FILE);
    let maxRead = 0;
    const watched = { size: source.size, read: (o: number, l: number) => source.read(o, l).then((u) => ((maxRead = Math.max(maxRead, u.length)), u)) };
    try {
      const a = await parseTraceDatSource(watched);
      const b = await parseTraceDat(bytes);
      expect(a.header.buffer).toBe('tracedat');
      expect(a.records.length).toBe(b.records.length);
      expect(a.stats.counters).toEqual(b.stats.counters);
      expect(a.records.slice(0, 2000)).toEqual(b.records.slice(0, 2000));
      expect(maxRead).toBeLessThanOrEqual(1 << 20);
      expect(maxRead).toBeLessThan(bytes.length / 4);
    } finally {
      await source.close();
    }
  }, 60_000);
});
