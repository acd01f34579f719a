import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { detectFormat, PARSERS } from '../../src/parsers/registry.js';
import { expectChunkingInvariant, fuzzParser } from '../helpers/contract.js';
import { SAMPLES } from '../helpers/samples.js';

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = path.join(dir, e);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** Real samples grouped by detected format, cut to their first 8 KiB (fuzzing wants variety, not size). */
const byFormat = new Map<string, string[]>();
for (const file of walk(SAMPLES)) {
  if (file.endsWith('.md')) continue;
  const buf = readFileSync(file);
  const text = (file.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8');
  const format = detectFormat(text.slice(0, 64 * 1024), { path: file })[0]?.format;
  if (!format) continue;
  const list = byFormat.get(format) ?? [];
  list.push(text.length > 8192 ? text.slice(0, text.lastIndexOf('\n', 8192) + 1) : text);
  byFormat.set(format, list);
}

describe('every registered parser survives fuzzing', () => {
  it.each(PARSERS.map((p) => [p.format, p] as const))('%s', (format, parser) => {
    const seeds = byFormat.get(format) ?? [];
    expect(seeds.length, `no real sample for ${format} in samples/`).toBeGreaterThan(0);
    fuzzParser(parser, seeds, 120);
  });
});

describe('every registered text parser gives the same result for any chunking of its real samples', () => {
  // trace.dat has no lines: its byte reader has its own tests (its chunking and fuzzing: issue 17, open).
  it.each(PARSERS.filter((p) => !p.binary).map((p) => [p.format, p] as const))('%s', (format, parser) => {
    for (const seed of (byFormat.get(format) ?? []).slice(0, 4)) expectChunkingInvariant(parser, seed);
  });
});
