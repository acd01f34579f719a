import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readTar } from '../../src/core/tar.js';
import { analyzePaths, parsePaths } from '../../src/node/analyzePaths.js';
import type { Report } from '../../src/report/schema.js';
import { SAMPLES } from '../helpers/samples.js';
import { makeTar, type TarMember } from '../helpers/tar.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'mf-tar-'));
const captures = path.join(SAMPLES, 'captures');

function folderMembers(folder: string): TarMember[] {
  return readdirSync(path.join(captures, folder))
    .sort()
    .reverse() // tar keeps the order files were added in: not the folder's sorted order
    .map((f) => ({ name: `${folder}/${f}`, body: readFileSync(path.join(captures, folder, f)) }));
}

function verdictOf(r: Report) {
  const { kind, severity, summary, confidence, timeToLimitSeconds, space } = r.verdict;
  return { kind, severity, summary, confidence, timeToLimitSeconds, space, findings: r.findings.map((f) => [f.kind, f.severity, f.title]) };
}

function hasGnuTar(): boolean {
  try {
    execFileSync('tar', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('tar and tar.gz of real capture folders read member by member', () => {
  it('D4_leak as a .tar.gz: the same verdict as the folder, the epochs sidecar stamping its meminfo', async () => {
    const file = path.join(tmp, 'D4_leak.tar.gz');
    writeFileSync(file, gzipSync(makeTar(folderMembers('D4_leak'))));
    const fromTar = await analyzePaths([file]);
    const fromFolder = await analyzePaths([path.join(captures, 'D4_leak')]);
    expect(verdictOf(fromTar)).toEqual(verdictOf(fromFolder));
    expect(fromTar.verdict.summary).toContain('rss grows steadily at 2.89 GiB/h');
    expect(fromTar.artefacts.map((a) => [a.path.slice(tmp.length + 1), a.format, a.sidecarOf?.slice(tmp.length + 1) ?? null])).toEqual([
      ['D4_leak.tar.gz', null, null],
      ['D4_leak.tar.gz!/D4_leak/meminfo.txt', 'meminfo', null],
      ['D4_leak.tar.gz!/D4_leak/meminfo_epochs.txt', null, 'D4_leak.tar.gz!/D4_leak/meminfo.txt'],
      ['D4_leak.tar.gz!/D4_leak/rss.txt', 'rss', null],
    ]);
    expect(fromTar.artefacts[0]!.skipped).toBe('tar archive of 3 members, each listed as its own artefact');
    // The meminfo series is on the epochs' time axis, not an assumed one.
    const anon = fromTar.series.find((s) => s.name === 'AnonPages' || s.name.endsWith('AnonPages'));
    expect(anon?.timeAssumed).toBeUndefined();
    expect(anon?.t[0]).toBeGreaterThan(1.79e9);
  });

  it.runIf(hasGnuTar())('archives made by GNU tar (D1 trace with a gzipped member, D2, D3, D5): the folder verdicts', async () => {
    for (const folder of ['D1_main', 'D2_slab_meminfo', 'D3_userspace', 'D5_fragmentation']) {
      const file = path.join(tmp, `${folder}.tgz`);
      execFileSync('tar', ['czf', file, '-C', captures, folder]);
      expect(verdictOf(await analyzePaths([file])), folder).toEqual(verdictOf(await analyzePaths([path.join(captures, folder)])));
    }
  }, 60_000);
});

describe('hostile archives are diagnosed, never trusted', () => {
  const rss = readFileSync(path.join(captures, 'D4_leak/rss.txt'));

  it('names climbing out, links and devices are listed and not read; a bad checksum stops the archive', async () => {
    const file = path.join(tmp, 'hostile.tar');
    writeFileSync(
      file,
      makeTar([
        { name: 'run/rss.txt', body: rss },
        { name: '../../etc/cron.d/x', body: rss },
        { name: 'run/link', type: '2', linkName: '/etc/shadow' },
        { name: 'run/hard', type: '1', linkName: 'run/rss.txt' },
        { name: 'run/fifo', type: '6' },
        { name: 'run/after-bad.txt', body: rss, badChecksum: true },
        { name: 'run/never.txt', body: rss },
      ]),
    );
    const got = await parsePaths([file]);
    const rows = got.map((a) => [a.path.slice(file.length), a.format, a.error?.code ?? a.skipped ?? null]);
    expect(rows).toEqual([
      ['', null, 'CORRUPT_INPUT'],
      ['!/etc/cron.d/x', null, 'the member name "../../etc/cron.d/x" climbs out of the archive (..); not read'],
      ['!/run/fifo', null, 'not a regular file (device, fifo or unknown member type)'],
      ['!/run/hard', null, 'hard link to "run/rss.txt", not followed'],
      ['!/run/link', null, 'symbolic link to "/etc/shadow", not followed'],
      ['!/run/rss.txt', 'rss', null],
    ]);
    expect(got[0]!.error!.message).toMatch(/bad checksum: the rest of the archive was not read \(5 members before it were read\)/);
    expect(got.find((a) => a.format === 'rss')!.result!.stats.records).toBeGreaterThan(300);
  });

  it('a size field that lies (1 TiB in base-256) ends the member at the archive end, lines before kept', async () => {
    const file = path.join(tmp, 'huge.tar');
    writeFileSync(file, makeTar([{ name: 'rss.txt', body: rss, declaredSize: 2 ** 40 }], { end: false }));
    const [, member] = await parsePaths([file]);
    expect(member!.format).toBe('rss');
    expect(member!.result!.diagnostics.byCode['archive-truncated']).toBe(1);
    expect(member!.result!.stats.records).toBeGreaterThan(300);
  });

  it('no member larger than the decompression limit: the rest is cut with decompression-limit', async () => {
    const file = path.join(tmp, 'limit.tar');
    writeFileSync(file, makeTar([{ name: 'a/rss.txt', body: rss }, { name: 'a/rss2.txt', body: rss }]));
    const got = await parsePaths([file], { decompression: { maxOutputBytes: 4096 } });
    const members = got.slice(1);
    expect(members.map((m) => m.result?.diagnostics.byCode['decompression-limit'])).toEqual([1, 1]);
    // The lines of the first 4096 bytes (the last one cut), of the member's 7783.
    const linesIn4096 = rss.subarray(0, 4096).toString().split('\n').length;
    for (const m of members) expect(m.result!.stats.linesRead).toBe(linesIn4096);
  });

  it('a .tar.gz bomb: the whole archive stops at the limit, the archive row says so', async () => {
    const file = path.join(tmp, 'bomb.tar.gz');
    writeFileSync(file, gzipSync(makeTar([{ name: 'a/rss.txt', body: rss }, { name: 'a/zeros.txt', body: new Uint8Array(64 << 20) }])));
    const got = await parsePaths([file], { decompression: { maxOutputBytes: 32 << 20 } });
    expect(got[0]!.error?.code).toBe('DECOMPRESSION_LIMIT');
    expect(got[1]!.format).toBe('rss');
  });

  it('a tar cut inside a member: archive-truncated on that member, the members before intact', async () => {
    const whole = makeTar([{ name: 'a/rss.txt', body: rss }, { name: 'a/rss2.txt', body: rss }]);
    const file = path.join(tmp, 'cut.tar');
    writeFileSync(file, whole.subarray(0, 512 + rss.length + 512 + 1024));
    const [, first, second] = await parsePaths([file]);
    expect(first!.result!.diagnostics.total).toBe(0);
    expect(second!.result!.diagnostics.byCode['archive-truncated']).toBe(1);
  });

  it('the reader itself: pax and GNU long names, unsafe names flagged', async () => {
    const long = 'd/'.repeat(80) + 'meminfo.txt';
    const paxBody = (() => {
      const rec = ` path=${long}\n`;
      let len = rec.length + 3;
      if (String(len).length + rec.length !== len) len = String(len + 1).length + rec.length;
      return `${len}${rec}`;
    })();
    const tar = makeTar([
      { name: '././@LongLink', type: 'L', body: long + '\0' },
      { name: long.slice(0, 99), body: 'x\n' },
      { name: 'PaxHeaders/x', type: 'x', body: paxBody },
      { name: 'short', body: 'y\n' },
      { name: '/abs/./file', body: 'z\n' },
    ]);
    const names: string[] = [];
    for await (const m of readTar((async function* () { yield tar; })(), { maxMemberBytes: 1 << 20 })) names.push(m.name);
    expect(names).toEqual([long, long, 'abs/file']);
  });
});
