import { appendFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFile } from '../../src/node/analyzePaths.js';
import { SAMPLES } from '../helpers/samples.js';

/**
 * A capture still being written (a stress run appending meminfo): planned at one size, it has
 * grown, with a line half written, by the time it is read.
 */
describe('a file that grows while it is read', () => {
  const real = readFileSync(path.join(SAMPLES, 'captures/D4_leak/rss.txt'), 'utf8');
  const lines = real.split('\n').filter((l) => l.length > 0);

  it('is read up to its size when listed and its last complete line, with live-capture-cut', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mf-live-'));
    const file = path.join(dir, 'rss.txt');
    // Listed while the writer was in the middle of line 201.
    const listed = lines.slice(0, 200).join('\n') + '\n' + lines[200]!.slice(0, 7);
    writeFileSync(file, listed);
    const bytes = statSync(file).size;
    appendFileSync(file, lines[200]!.slice(7) + '\n' + lines.slice(201).join('\n') + '\n');
    const a = await parseFile({ path: file, bytes }, {});
    expect(a.format).toBe('rss');
    expect(a.result!.stats.linesRead).toBe(200);
    expect(a.result!.stats.records).toBe(200);
    expect(a.result!.diagnostics.byCode['live-capture-cut']).toBe(1);
    expect(a.result!.diagnostics.items.map((d) => d.message).join(' ')).toMatch(/grew while it was read .*a line of 7 bytes being written was left out/);
  });

  it('a file that did not grow keeps its last line even without a newline, and no diagnostic', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mf-live-'));
    const file = path.join(dir, 'rss.txt');
    writeFileSync(file, lines.slice(0, 200).join('\n'));
    const a = await parseFile({ path: file, bytes: statSync(file).size }, {});
    expect(a.result!.stats.linesRead).toBe(200);
    expect(a.result!.diagnostics.byCode['live-capture-cut']).toBeUndefined();
  });
});
