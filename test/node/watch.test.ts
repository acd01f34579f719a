import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncrementalParse } from '../../src/core/incremental.js';
import { parseText } from '../../src/core/parser.js';
import { analyzePaths } from '../../src/node/analyzePaths.js';
import { CaptureWatcher, reportChanges, watchFolder, type WatchPollResult } from '../../src/node/watch.js';
import { meminfoParser } from '../../src/parsers/meminfo/index.js';
import { ROOT } from '../helpers/samples.js';

const D2 = path.join(ROOT, 'samples/captures/D2_slab_meminfo');
const tempDir = () => mkdtempSync(path.join(tmpdir(), 'mf-watch-'));

describe('IncrementalParse', () => {
  const text = readFileSync(path.join(D2, 'meminfo.txt'), 'utf8');

  it('gives what a one-shot parse gives, whatever the chunks, and shows complete snapshots on the way', () => {
    const whole = parseText(meminfoParser, text, { source: 'm' });
    const parse = new IncrementalParse(meminfoParser, { source: 'm' });
    const seen: number[] = [];
    // Cuts in mid-line and mid-number on purpose.
    for (let at = 0; at < text.length; at += 997) {
      parse.push(new TextEncoder().encode(text.slice(at, at + 997)));
      seen.push(parse.peek()?.records.length ?? 0);
    }
    expect(parse.bytesPushed).toBe(Buffer.byteLength(text));
    // Snapshots appear as they complete, never go back, and the last one waits for the end.
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen.at(-1)).toBeGreaterThanOrEqual(whole.records.length - 1);
    expect(parse.finish()).toEqual(whole);
    expect(parse.peek()).toBeNull();
  });

  it('peeks null before anything is recognised, and finish() throws the typed error of an unusable input', () => {
    const parse = new IncrementalParse(meminfoParser, {});
    parse.push('\n\n');
    expect(parse.peek()).toBeNull();
    expect(() => parse.finish()).toThrow(/empty input/);
  });
});

describe('CaptureWatcher on a folder that grows', () => {
  it('reads every byte once, follows the series as they grow, and ends with the one-shot report', async () => {
    const dir = tempDir();
    const meminfo = readFileSync(path.join(D2, 'meminfo.txt'));
    const vmstat = readFileSync(path.join(D2, 'vmstat_fresh.txt'));
    const watcher = new CaptureWatcher(dir, {});
    const polls: WatchPollResult[] = [];
    const steps = 6;
    let appended = 0;
    for (let i = 1; i <= steps; i++) {
      const cut = (b: Buffer, k: number) => b.subarray(Math.floor(((k - 1) * b.length) / steps), Math.floor((k * b.length) / steps));
      appendFileSync(path.join(dir, 'meminfo.txt'), cut(meminfo, i));
      appendFileSync(path.join(dir, 'vmstat.txt'), cut(vmstat, i));
      appended += cut(meminfo, i).length + cut(vmstat, i).length;
      // A compressed series arrives whole halfway, as a copied file does.
      if (i === 3) copyFileSync(path.join(D2, 'slabinfo.txt.gz'), path.join(dir, 'slabinfo.txt.gz'));
      polls.push(await watcher.poll());
    }
    const final = await watcher.finish();
    const oneShot = await analyzePaths([dir], { jobs: 1 });
    expect(final).toEqual(oneShot);

    // The appended files were read once: the bytes read are what was appended, plus the gz once.
    const gzBytes = statSync(path.join(dir, 'slabinfo.txt.gz')).size;
    expect(watcher.totalBytesRead).toBe(appended + gzBytes);
    // The meminfo series grows poll after poll.
    const snapshots = polls.map((p) => p.report.artefacts.find((a) => a.path.endsWith('meminfo.txt'))?.records ?? 0);
    expect(snapshots[0]).toBeLessThan(snapshots[steps - 1]);
    expect(snapshots).toEqual([...snapshots].sort((a, b) => a - b));
    // The gz file shows once it has stopped changing (the poll after it arrived), then stays.
    const hasSlab = polls.map((p) => p.report.artefacts.some((a) => a.path.endsWith('slabinfo.txt.gz') && a.format === 'slabinfo'));
    expect(hasSlab).toEqual([false, false, false, true, true, true]);
    // The first poll reports the verdict; a poll where nothing moved reports nothing.
    expect(polls[0].changes[0].kind).toBe('verdict');
    const idle = await watcher.poll();
    expect(idle.changes).toEqual([]);
    expect(idle.bytesRead).toBe(0);
  });

  it('starts again on a file that was rotated (shorter than what was read)', async () => {
    const dir = tempDir();
    const meminfo = readFileSync(path.join(D2, 'meminfo.txt'));
    writeFileSync(path.join(dir, 'meminfo.txt'), meminfo);
    const watcher = new CaptureWatcher(dir, {});
    await watcher.poll();
    writeFileSync(path.join(dir, 'meminfo.txt'), meminfo.subarray(0, meminfo.indexOf('MemTotal', 20000)));
    const after = await watcher.poll();
    const final = await watcher.finish();
    expect(final).toEqual(await analyzePaths([dir], { jobs: 1 }));
    expect(after.report.artefacts[0].records).toBeLessThan(parseText(meminfoParser, meminfo.toString('utf8')).records.length);
  });
});

describe('reportChanges', () => {
  it('names the verdict change and regraded findings, most severe first, nothing when nothing moved', async () => {
    const report = await analyzePaths([D2], { jobs: 1 });
    expect(reportChanges(report, report)).toEqual([]);
    const first = reportChanges(null, report);
    expect(first[0]).toMatchObject({ kind: 'verdict', severity: report.verdict.severity });
    expect(first[0].message).toContain(report.verdict.summary);
    const worse = { ...report, findings: report.findings.map((f, i) => (i === 0 ? { ...f, severity: 'critical' as const } : f)) };
    const regraded = reportChanges(report, worse);
    if (report.findings[0].severity !== 'critical') expect(regraded).toEqual([expect.objectContaining({ kind: 'finding-regraded', severity: 'critical', previousSeverity: report.findings[0].severity })]);
    const gone = reportChanges(worse, { ...report, findings: [] });
    expect(gone.some((c) => c.kind === 'finding-gone')).toBe(true);
  });
});

/**
 * For real: the capture kit writes a folder beside a process leaking 2 MiB/s while watch follows
 * it; the watch sees the leak during the run and ends with the one-shot report of the folder.
 */
const KIT = path.join(ROOT, 'capture/memforensics-capture.sh');
const LEAKER = path.join(ROOT, 'test/fixtures/capture/leaker.mjs');
const hasDash = ['/usr/bin/dash', '/bin/dash'].some((p) => existsSync(p));
let leak: ChildProcess;
beforeAll(async () => {
  leak = spawn(process.execPath, [LEAKER, 'leak', '2048'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 1500));
});
afterAll(() => leak.kill());

describe.skipIf(!hasDash)('watch on a capture being written', () => {
  it('reports the leak while the kit runs, stops with the kit, and gives the one-shot report', async () => {
    const out = path.join(tempDir(), 'run');
    const kit = spawn('dash', [KIT, '-o', out, '-i', '0.5', '-d', '9', '-p', String(leak.pid), '-q'], { stdio: 'ignore' });
    const kitDone = new Promise((r) => kit.on('exit', r));
    while (!existsSync(path.join(out, 'manifest.txt'))) await new Promise((r) => setTimeout(r, 100));
    const polls: WatchPollResult[] = [];
    const report = await watchFolder(out, { pollSeconds: 0.7, durationSeconds: 30, onPoll: (p) => void polls.push(p) });
    expect(await kitDone).toBe(0);
    // It stopped because the kit recorded its stop, not at the 30 s cap.
    expect(polls.length).toBeLessThan(25);
    expect(report).toEqual(await analyzePaths([out], { jobs: 1 }));
    expect(report.verdict.kind).toBe('leak');
    const leakSeen = polls.findIndex((p) => p.report.verdict.kind === 'leak');
    expect(leakSeen).toBeGreaterThanOrEqual(0);
    expect(leakSeen).toBeLessThan(polls.length - 1);
    expect(polls[leakSeen].changes.find((c) => c.kind === 'verdict')?.message).toMatch(/-> leak/);
  }, 60_000);
});

const run = promisify(execFile);
describe.skipIf(!hasDash)('memforensics watch (CLI)', () => {
  it('prints changes, runs --on-alert with what changed in its environment, keeps the HTML report, and exits by --fail-on', async () => {
    const out = path.join(tempDir(), 'run');
    const alerts = path.join(tempDir(), 'alerts.txt');
    const html = path.join(tempDir(), 'report.html');
    const kit = spawn('dash', [KIT, '-o', out, '-i', '0.5', '-d', '8', '-p', String(leak.pid), '-q'], { stdio: 'ignore' });
    const kitDone = new Promise((r) => kit.on('exit', r));
    while (!existsSync(path.join(out, 'manifest.txt'))) await new Promise((r) => setTimeout(r, 100));
    const cli = run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), 'watch', out, '--poll', '0.7', '--html', html, '--on-alert', `printf '%s|%s\\n' "$MEMFORENSICS_VERDICT" "$MEMFORENSICS_SEVERITY" >> '${alerts}'`, '--fail-on', 'warning'], { cwd: ROOT }).catch((e) => e);
    const result = await cli;
    expect(await kitDone).toBe(0);
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/verdict .*-> leak \((warning|critical)\)/);
    expect(readFileSync(alerts, 'utf8')).toMatch(/^leak\|(warning|critical)$/m);
    expect(readFileSync(html, 'utf8')).toContain('<html');
  }, 60_000);
});
