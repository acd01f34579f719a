import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzePaths } from '../../src/node/analyzePaths.js';
import { parseCaptureManifest } from '../../src/parsers/capture/manifest.js';
import { ROOT } from '../helpers/samples.js';

/**
 * The capture kit for real: run under dash and under busybox sh beside a process that leaks
 * 2 MiB/s and a control that oscillates, then analysed as a user would. The ground truth is the
 * leaker's rate.
 */
const KIT = path.join(ROOT, 'capture/memforensics-capture.sh');
const LEAKER = path.join(ROOT, 'test/fixtures/capture/leaker.mjs');
const RATE_KIB = 2048;
const run = promisify(execFile);
const has = (cmd: string) => ['/usr/bin', '/bin', '/usr/local/bin'].some((d) => existsSync(path.join(d, cmd)));
const SHELLS: [string, string[]][] = [
  ['dash', ['dash']],
  ['busybox sh', ['busybox', 'sh']],
];

let leak: ChildProcess;
let control: ChildProcess;
beforeAll(async () => {
  leak = spawn(process.execPath, [LEAKER, 'leak', String(RATE_KIB)], { stdio: 'ignore' });
  control = spawn(process.execPath, ['--expose-gc', LEAKER, 'control'], { stdio: 'ignore' });
  // Past the runtime's own warm-up, so that the control's series is its oscillation alone.
  await new Promise((r) => setTimeout(r, 1500));
});
afterAll(() => {
  leak.kill();
  control.kill();
});

describe('the capture kit (capture/memforensics-capture.sh)', () => {
  for (const [name, sh] of SHELLS) {
    it.skipIf(!has(sh[0]))(`under ${name}: a folder memforensics reads with the manifest's formats and times, verdicts matching the truth`, async () => {
      const out = path.join(mkdtempSync(path.join(tmpdir(), 'mf-kit-')), 'run');
      await run(sh[0], [...sh.slice(1), KIT, '-o', out, '-i', '0.5', '-d', '10', '-p', String(leak.pid), '-p', String(control.pid), '-q']);
      const manifest = parseCaptureManifest(readFileSync(path.join(out, 'manifest.txt'), 'utf8'));
      expect(manifest.stopReason).toBe('duration');
      expect(manifest.intervalSeconds).toBe(0.5);
      expect(manifest.snapshots).toBeGreaterThanOrEqual(10);
      expect(manifest.memTotalKb).toBeGreaterThan(0);
      expect(manifest.files.map((f) => f.name)).toEqual(expect.arrayContaining(['meminfo.txt', 'slabinfo.txt', `proc-${leak.pid}.rss.txt`, `proc-${control.pid}.rss.txt`]));

      const report = await analyzePaths([out], { jobs: 1 });
      const byName = Object.fromEntries(report.artefacts.map((a) => [path.basename(a.path), a]));
      expect(byName['meminfo.txt'].detection?.reason).toBe('declared by the capture manifest');
      expect(byName['meminfo.txt'].records).toBe(manifest.snapshots);
      expect(byName['manifest.txt'].skipped).toBe('capture-manifest');
      expect(report.artefacts.filter((a) => a.error)).toEqual([]);
      const trend = (pid: number | undefined) => report.trends.find((t) => path.basename(t.source) === `proc-${pid}.rss.txt`)!;
      expect(trend(leak.pid).verdict).toBe('leak');
      expect(trend(leak.pid).timeAssumed).toBe(false);
      const truthKbPerHour = RATE_KIB * 3600;
      expect(Math.abs(trend(leak.pid).slopePerHour! - truthKbPerHour) / truthKbPerHour).toBeLessThan(0.1);
      expect(trend(control.pid).verdict).not.toBe('leak');
      expect(report.verdict.kind).toBe('leak');
      expect(report.verdict.summary).toContain('rss grows steadily');
    });
  }

  it('stops cleanly on SIGTERM, keeping every complete snapshot', async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'mf-kit-')), 'run');
    const kit = spawn('dash', [KIT, '-o', out, '-i', '0.3', '-q'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 2500));
    kit.kill('SIGTERM');
    const code = await new Promise((r) => kit.on('exit', r));
    expect(code).toBe(0);
    const manifest = parseCaptureManifest(readFileSync(path.join(out, 'manifest.txt'), 'utf8'));
    expect(manifest.stopReason).toBe('signal');
    const meminfo = readFileSync(path.join(out, 'meminfo.txt'), 'utf8');
    const stamps = meminfo.split('\n').filter((l) => l.startsWith('epoch=')).length;
    const totals = meminfo.split('\n').filter((l) => l.startsWith('MemTotal:')).length;
    const lasts = meminfo.split('\n').filter((l) => l.startsWith('DirectMap') || l.startsWith('Hugetlb:')).length;
    expect(stamps).toBe(manifest.snapshots);
    expect(totals).toBe(stamps);
    expect(lasts).toBeGreaterThanOrEqual(stamps);
    expect(existsSync(path.join(out, '.snapshot.tmp'))).toBe(false);
  });

  it('caps its own output size and says so', async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'mf-kit-')), 'run');
    await run('dash', [KIT, '-o', out, '-i', '0.1', '--max-mb', '1', '-q']);
    expect(parseCaptureManifest(readFileSync(path.join(out, 'manifest.txt'), 'utf8')).stopReason).toBe('size-cap');
  });

  it('rejects bad options with one line and exit 2, and a non-empty output folder', async () => {
    const bad = await run('dash', [KIT, '-i', 'soon']).catch((e) => e);
    expect([bad.code, bad.stderr.trim()]).toEqual([2, 'memforensics-capture: -i needs a number of seconds']);
    const taken = await run('dash', [KIT, '-o', ROOT]).catch((e) => e);
    expect(taken.code).toBe(2);
    expect(taken.stderr).toContain('is not empty');
  });

  it('memforensics capture --print prints the kit to copy to a device', async () => {
    const { stdout } = await run(path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(ROOT, 'src/cli/main.ts'), 'capture', '--print']);
    expect(stdout).toBe(readFileSync(KIT, 'utf8'));
  });
});
