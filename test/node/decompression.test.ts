import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { expansionExcess, DEFAULT_DECOMPRESSION_LIMITS } from '../../src/core/limits.js';
import { parsePaths } from '../../src/node/analyzePaths.js';
import { readHead } from '../../src/node/files.js';
import { SAMPLES } from '../helpers/samples.js';

const dir = () => mkdtempSync(path.join(tmpdir(), 'mf-gz-'));

describe('decompression limits', () => {
  it('judges size and ratio, the ratio only past the grace size', () => {
    const L = DEFAULT_DECOMPRESSION_LIMITS;
    expect(expansionExcess(1024, 1, L)).toBeNull();
    expect(expansionExcess(L.ratioGraceBytes + 1, 1000, L)).toMatch(/more than 1000:1/);
    expect(expansionExcess(L.maxOutputBytes + 1, L.maxOutputBytes, L)).toMatch(/past 8\.0 GiB/);
    // A real meminfo series of repeated snapshots (about 180:1) is within the limits.
    expect(expansionExcess(2 * 1024 ** 3, 11 * 1024 ** 2, L)).toBeNull();
  });

  it('stops a bomb with a decompression-limit diagnostic and keeps every line before it', async () => {
    const snapshot = readFileSync(path.join(SAMPLES, 'captures/D2_slab_meminfo/meminfo.txt'), 'utf8');
    // Real snapshots, then 64 MiB of one repeated line: a ratio no capture has.
    const bomb = gzipSync(Buffer.concat([Buffer.from(snapshot), Buffer.alloc(64 << 20, 'MemFree: 1 kB\n')]), { level: 9 });
    const d = dir();
    writeFileSync(path.join(d, 'meminfo.txt.gz'), bomb);
    const [a] = await parsePaths([d], { decompression: { maxOutputBytes: 16 << 20, ratioGraceBytes: 1 << 20, maxExpansionRatio: 100 } });
    expect(a.format).toBe('meminfo');
    expect(a.result!.diagnostics.byCode['decompression-limit']).toBe(1);
    expect(a.result!.diagnostics.items.find((i) => i.code === 'decompression-limit')!.message).toMatch(/expanded more than 100:1/);
    // Everything before the limit stands: the real snapshots are all there.
    const whole = await parsePaths([path.join(SAMPLES, 'captures/D2_slab_meminfo/meminfo.txt')]);
    expect(a.result!.records.length).toBeGreaterThanOrEqual(whole[0].result!.records.length);
    expect(a.result!.stats.linesRead).toBeLessThan(2 * (16 << 20) / 14);
  });

  it('reads the head of a bomb for detection without inflating the rest', async () => {
    const d = dir();
    writeFileSync(path.join(d, 'x.gz'), gzipSync(Buffer.alloc(256 << 20, 'a')));
    const head = await readHead(path.join(d, 'x.gz'), 64 * 1024);
    expect(head.length).toBe(64 * 1024);
  });
});
