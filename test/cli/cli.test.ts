import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ReportSchema } from '../../src/report/schema.js';
import { ROOT, SAMPLES } from '../helpers/samples.js';

const run = promisify(execFile);
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const CLI = path.join(ROOT, 'src/cli/main.ts');

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    // One thread: worker start-up under tsx costs more than these small folders take to parse.
    const jobs = args[0] === 'analyze' && !args.includes('--jobs') ? ['--jobs', '1'] : [];
    const { stdout, stderr } = await run(TSX, [CLI, ...args, ...jobs], { cwd: ROOT, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const D3 = path.join(SAMPLES, 'captures/D3_userspace');

describe('memforensics CLI', () => {
  it('analyze --json prints a valid report, one artefact per file with its format', async () => {
    const r = await cli('analyze', D3, '--json', '--quiet', '--jobs', '2');
    expect(r.code).toBe(0);
    const report = ReportSchema.parse(JSON.parse(r.stdout));
    expect(report.artefacts.map((a) => [path.basename(a.path), a.format])).toEqual([
      ['asan.txt', 'lsan'],
      ['bpftrace.txt', 'bpftrace'],
      ['memleak.txt', 'bcc-memleak'],
      ['memleak_a.txt', 'bcc-memleak'],
      ['rss.txt', 'rss'],
      ['valgrind.txt', 'valgrind'],
    ]);
    expect(report.verdict.kind).toBe('leak');
  });

  it('prints Markdown by default and writes the HTML, Markdown and JSON reports', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mf-cli-'));
    const r = await cli('analyze', D3, '--out-dir', dir, '--html', path.join(dir, 'x.html'), '--quiet');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('# memforensics');
    for (const f of ['report.json', 'report.md', 'report.html', 'x.html']) expect(existsSync(path.join(dir, f)), f).toBe(true);
    expect(readFileSync(path.join(dir, 'report.html'), 'utf8')).toContain('<!DOCTYPE html>');
  });

  it('--each gives one report per capture folder and a table of verdicts', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mf-each-'));
    const r = await cli('analyze', path.join(SAMPLES, 'captures'), '--each', '--out-dir', dir, '--quiet');
    expect(r.code).toBe(0);
    const row = (run: string) => r.stdout.split('\n').find((l) => l.startsWith(`| ${run} |`)) ?? '';
    expect(row('D4_control')).toContain('**no-leak**');
    expect(row('D4_leak')).toContain('**leak**');
    expect(row('D5_fragmentation')).toContain('**fragmentation**');
    expect(row('D3_userspace')).toContain('parse_config_entry');
    expect(existsSync(path.join(dir, 'D2_slab_meminfo', 'report.html'))).toBe(true);
  });

  it('--fail-on gates CI with exit code 3', async () => {
    expect((await cli('analyze', D3, '--fail-on', 'warning', '--quiet')).code).toBe(3);
    expect((await cli('analyze', path.join(SAMPLES, 'captures/D4_control'), '--fail-on', 'warning', '--quiet')).code).toBe(0);
  });

  it('--baseline compares before and after a fix', async () => {
    const r = await cli('analyze', path.join(SAMPLES, 'captures/D4_control'), '--baseline', path.join(SAMPLES, 'captures/D4_leak'), '--json', '--quiet');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.comparison.fixHolds).toBe(true);
    expect(report.comparison.gone).toBeGreaterThan(0);
  });

  it('--baseline in the default Markdown output: the fix verdict and the before/after table of D4', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mf-cmp-'));
    const html = path.join(dir, 'cmp.html');
    const r = await cli('analyze', path.join(SAMPLES, 'captures/D4_control'), '-b', path.join(SAMPLES, 'captures/D4_leak'), '--html', html, '-q');
    expect(r.code).toBe(0);
    const md = r.stdout;
    const start = md.indexOf('## Comparison with the baseline');
    expect(start).toBeGreaterThan(0);
    const section = md.slice(start, md.indexOf('\n## ', start + 1)).split('\n');
    expect(section).toContain('Verdict before → after: **leak** → **no-leak**; **the fix holds**. 3 gone, 0 remain, 0 new.');
    // The leak's usage trends at 2.89 GiB/h before, flat after the fix.
    expect(section.filter((l) => l.startsWith('|'))).toEqual([
      '| Status | What | Item | Before | After | Measure |',
      '| --- | --- | --- | ---: | ---: | --- |',
      '| gone | usage trend | `AnonPages` | +2.89 GiB/h | 0 B/h | slope per hour |',
      '| gone | usage trend | `Used` | +2.49 GiB/h | -421 MiB/h | slope per hour |',
      '| gone | usage trend | `rss` | +2.89 GiB/h | 0 B/h | slope per hour |',
    ]);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('<tr><td><span class="badge v-no-leak">gone</span></td><td>usage trend</td><td class="wrap"><code>rss</code></td><td class="num">+2.89 GiB/h</td><td class="num">0 B/h</td><td>slope per hour</td></tr>');
    expect(page).toContain('<span class="badge v-no-leak">the fix holds</span>');
  });

  it('lists unreadable and unplaceable files with an error and goes on', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mf-cli-'));
    writeFileSync(path.join(dir, 'greeting.txt'), 'hello\nworld\n');
    // A notes file is documentation by its name (core/documents.ts), never sniffed.
    writeFileSync(path.join(dir, 'notes.txt'), 'hello\nworld\n');
    writeFileSync(path.join(dir, 'empty.txt'), '');
    writeFileSync(path.join(dir, 'meminfo.txt'), readFileSync(path.join(SAMPLES, 'public/meminfo/al2023-6.1-ec2-first30-lines.txt')));
    const r = await cli('analyze', dir, path.join(dir, 'missing.txt'), '--json', '--quiet');
    expect(r.code).toBe(0);
    const report = ReportSchema.parse(JSON.parse(r.stdout));
    const byName = Object.fromEntries(report.artefacts.map((a) => [path.basename(a.path), a]));
    expect(byName['greeting.txt'].error?.code).toBe('UNRECOGNIZED_FORMAT');
    expect(byName['notes.txt'].skipped).toBe('documentation');
    expect(byName['empty.txt'].error?.code).toBe('EMPTY_INPUT');
    expect(byName['missing.txt'].error?.code).toBe('UNREADABLE');
    expect(byName['meminfo.txt'].format).toBe('meminfo');
    // Each problem is also on stderr, with its path, whatever goes to stdout.
    expect(r.stderr).toContain(`${path.join(dir, 'missing.txt')}: no such file or directory (UNREADABLE)`);
    expect(r.stderr).toContain(`${path.join(dir, 'greeting.txt')}: `);
    expect(r.stderr).toContain('(UNRECOGNIZED_FORMAT)');
  });

  it('--format forces a parser; usage errors exit 2 with one line and a pointer to --help', async () => {
    const forced = await cli('analyze', path.join(SAMPLES, 'captures/D3_userspace/rss.txt'), '--format', 'csv', '--json', '--quiet');
    expect(JSON.parse(forced.stdout).artefacts[0].detection.method).toBe('forced');
    const bad = await cli('analyze', D3, '--format', 'nope');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("memforensics: unknown format 'nope' (see 'memforensics formats'); try 'memforensics --help'\n");
    const limit = await cli('analyze', D3, '--limit', 'lots');
    expect(limit.code).toBe(2);
    expect(limit.stderr).toContain('--limit');
    for (const args of [['analyze', D3, '--html'], ['analyze', D3, '--json=1'], ['analyze', D3, '--nope'], []]) {
      const u = await cli(...args);
      expect(u.code, args.join(' ')).toBe(2);
      expect(u.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(u.stderr).toContain("try 'memforensics --help'");
      expect(u.stderr).not.toContain('    at ');
    }
    // Node's parseArgs explains `--` after an unknown option: one sentence is enough.
    expect((await cli('analyze', D3, '--nope')).stderr).toBe("memforensics: Unknown option '--nope'; try 'memforensics --help'\n");
  });

  it('an empty input set is an error (exit 2), with the reason for each path', async () => {
    const nowhere = path.join(SAMPLES, 'nowhere');
    const none = await cli('analyze', nowhere);
    expect([none.code, none.stderr]).toEqual([2, `memforensics: ${nowhere}: no such file or directory\n`]);
    const emptyDir = mkdtempSync(path.join(tmpdir(), 'mf-empty-'));
    const empty = await cli('analyze', emptyDir);
    expect([empty.code, empty.stderr]).toEqual([2, `memforensics: no capture files under ${emptyDir}\n`]);
    // Only documentation: still nothing to analyse.
    writeFileSync(path.join(emptyDir, 'README.md'), '# notes\n');
    expect((await cli('analyze', emptyDir)).code).toBe(2);
    const baseline = await cli('analyze', D3, '--baseline', nowhere);
    expect([baseline.code, baseline.stderr]).toEqual([2, `memforensics: --baseline: ${nowhere}: no such file or directory\n`]);
    const each = await cli('analyze', nowhere, '--each');
    expect([each.code, each.stderr.trim()]).toEqual([2, `memforensics: --each: ${nowhere}: no such folder`]);
    const noRuns = await cli('analyze', emptyDir, '--each');
    expect([noRuns.code, noRuns.stderr.trim()]).toEqual([2, `memforensics: --each: ${emptyDir} has no subfolders (each subfolder is one run)`]);
  });

  it('files that exist but cannot be analysed: each on stderr with its hint, exit 1', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mf-bad-'));
    writeFileSync(path.join(dir, 'blob.txt'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131) % 256)));
    writeFileSync(path.join(dir, 'misc.txt'), 'hello\nworld\n');
    const r = await cli('analyze', dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([
      `memforensics: ${path.join(dir, 'blob.txt')}: binary file, not a text capture (BINARY_INPUT)`,
      `memforensics: ${path.join(dir, 'misc.txt')}: not a format memforensics knows (use --format to force one) (UNRECOGNIZED_FORMAT)`,
      'memforensics: none of the 2 files could be analysed (see above)',
    ]);
  });

  it('--version and -V print the version of package.json', async () => {
    const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    for (const flag of ['--version', '-V']) expect((await cli(flag)).stdout).toBe(`memforensics ${version}\n`);
    expect((await cli('analyze', '-V')).stdout).toBe(`memforensics ${version}\n`);
  });

  it('short options work like the long ones', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mf-short-'));
    const r = await cli('analyze', D3, '-q', '-j', '1', '-o', dir, '-l', '2GiB');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(existsSync(path.join(dir, 'report.json'))).toBe(true);
  });

  it('a closed pipe ends the output quietly (no EPIPE stack trace)', async () => {
    const sh = promisify(execFile);
    const { stdout, stderr } = await sh('sh', ['-c', `'${TSX}' '${CLI}' analyze '${D3}' --json --jobs 1 --quiet | head -c 100; '${TSX}' '${CLI}' formats | head -1`], { cwd: ROOT });
    expect(stdout.length).toBeGreaterThan(100);
    expect(stderr).toBe('');
  });

  it('--each --json prints one report per line (NDJSON)', async () => {
    const r = await cli('analyze', path.join(SAMPLES, 'captures'), '--each', '--json', '--quiet');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.run)).toContain('D4_control');
    const control = lines.find((l) => l.run === 'D4_control');
    expect(ReportSchema.parse(control.report).verdict.kind).toBe('no-leak');
  });

  it('trace pairing filters: only 64-byte allocations of kobjleak', async () => {
    const r = await cli('analyze', path.join(SAMPLES, 'captures/D1_main'), '--bytes-alloc', '64', '--comm', 'kobjleak', '--json', '--quiet');
    const report = JSON.parse(r.stdout);
    const top = report.allocationSites[0];
    expect([top.site, top.outstandingCount, top.bytesAllocated]).toEqual(['do_eventfd', 300, 19200]);
    // grouped by site across tasks (the default): the comm filter shows in each site's holders
    expect(report.allocationSites.every((s: { comm: string | null; topComms: { comm: string }[] }) => s.comm === null && s.topComms.every((c) => c.comm === 'kobjleak'))).toBe(true);
    const bad = await cli('analyze', path.join(SAMPLES, 'captures/D1_main'), '--events', 'nope');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('trace pairing options');
  });

  it('--group-by: sites across tasks by default, one site per pid on request (S1: 150 pids, one object each)', async () => {
    const dir = path.join(SAMPLES, 'captures/S1_schedstat_pids');
    const bySite = JSON.parse((await cli('analyze', dir, '--json', '--quiet')).stdout);
    expect(bySite.verdict.kind).toBe('leak');
    expect(bySite.verdict.summary).toContain('load_msg: 150 kmalloc objects allocated by 150 tasks');
    const byPid = await cli('analyze', dir, '--group-by', 'pid', '--json', '--quiet');
    const r = JSON.parse(byPid.stdout);
    expect(r.allocationSites.every((s: { pid: number | null; outstandingCount: number }) => s.pid !== null && s.outstandingCount === 1)).toBe(true);
    expect(r.verdict.kind).not.toBe('leak');
    const bad = await cli('analyze', dir, '--group-by', 'thread');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('groupBy');
  });

  it('detect names each file\'s format and reason', async () => {
    const r = await cli('detect', path.join(SAMPLES, 'captures/D5_fragmentation'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/buddyinfo\.txt\tbuddyinfo\t/);
    expect(r.stdout).toMatch(/unusable_index\.txt\textfrag-unusable\t/);
    // A missing path: on stderr, exit 2, the other paths still detected.
    const nowhere = path.join(SAMPLES, 'nowhere');
    const m = await cli('detect', nowhere, path.join(SAMPLES, 'captures/D5_fragmentation/buddyinfo.txt'));
    expect([m.code, m.stderr]).toEqual([2, `memforensics: ${nowhere}: no such file or directory\n`]);
    expect(m.stdout).toMatch(/^\S+buddyinfo\.txt\tbuddyinfo\t/);
  });
});
