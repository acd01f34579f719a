import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isDocumentName } from '../../src/core/documents.js';
import { detectFormat } from '../../src/parsers/registry.js';
import { parsePaths } from '../../src/node/analyzePaths.js';
import { SAMPLES, sample } from '../helpers/samples.js';

describe('documents beside captures are never detected as captures', () => {
  // samples/SOURCES-public.md quotes pmap, slabinfo and pagetypeinfo headers: by content it reads
  // as pmap with confidence 0.95.
  const sources = sample('SOURCES-public.md');

  it('the real SOURCES file, whatever it is called, is no capture', () => {
    expect(detectFormat(sources).map((c) => c.format)[0]).toBe('pmap');
    for (const name of ['SOURCES.md', 'NOTES.txt', 'README', 'notes', 'README-run2.txt', 'dir/SOURCES_public']) {
      expect(detectFormat(sources, { path: name }), name).toEqual([]);
    }
  });

  it('names of captures are not documents', () => {
    for (const name of ['meminfo.txt', 'slabinfo-2026-12-03.txt', 'readings.csv', 'sourcestat.txt', 'notes_meminfo']) {
      expect(isDocumentName(name), name).toBe(name === 'notes_meminfo');
    }
  });

  it('a folder and an explicit file list them as documentation, not parsed', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mf-docs-'));
    copyFileSync(path.join(SAMPLES, 'SOURCES-public.md'), path.join(dir, 'NOTES.txt'));
    copyFileSync(path.join(SAMPLES, 'SOURCES-public.md'), path.join(dir, 'README'));
    copyFileSync(path.join(SAMPLES, 'captures/D4_leak/rss.txt'), path.join(dir, 'rss.txt'));
    const inFolder = await parsePaths([dir]);
    expect(inFolder.map((a) => [path.basename(a.path), a.format, a.skipped ?? null])).toEqual([
      ['NOTES.txt', null, 'documentation'],
      ['README', null, 'documentation'],
      ['rss.txt', 'rss', null],
    ]);
    const explicit = await parsePaths([path.join(dir, 'NOTES.txt')]);
    expect(explicit.map((a) => a.skipped)).toEqual(['documentation']);
  });
});
