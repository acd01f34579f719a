import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/samples.js';

/** Node built-ins the pure core must never reach (it runs in browsers, Deno and notebooks). */
const NODE_ONLY = /(?:from|require\()\s*["'](?:node:)?(?:fs|fs\/promises|path|zlib|stream|worker_threads|os|child_process|util|url|module)["']/;

let out = '';

beforeAll(() => {
  // Inside the checkout, so the bundle resolves its dependencies from node_modules.
  mkdirSync(path.join(ROOT, 'test/artifacts'), { recursive: true });
  out = mkdtempSync(path.join(ROOT, 'test/artifacts/dist-'));
  execFileSync(path.join(ROOT, 'node_modules/.bin/tsup'), ['--out-dir', out], { cwd: ROOT, stdio: 'pipe' });
}, 240_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

function importGraph(entry: string, seen = new Set<string>()): Set<string> {
  if (seen.has(entry)) return seen;
  seen.add(entry);
  const text = readFileSync(entry, 'utf8');
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*["'](\.\/[^"']+)["']/g)) importGraph(path.join(path.dirname(entry), m[1]), seen);
  return seen;
}

describe('the built package', () => {
  it('ESM and CJS builds load and export the same API', async () => {
    const esm = await import(pathToFileURL(path.join(out, 'index.js')).href);
    const cjs = createRequire(import.meta.url)(path.join(out, 'index.cjs'));
    for (const name of ['analyzeTexts', 'detectFormat', 'parseMeminfo', 'detectLeakTrend', 'pairAllocations', 'renderHtml', 'renderMarkdown', 'toVegaLite', 'ReportSchema']) {
      expect(typeof esm[name], name).not.toBe('undefined');
      expect(typeof cjs[name], name).not.toBe('undefined');
    }
    const report = esm.analyzeTexts([{ path: 'used.csv', text: 'timestamp,used_kb\n1795334743,100\n1795334744,200\n1795334745,300\n' }]);
    expect(esm.ReportSchema.parse(report).artefacts[0].format).toBe('csv');
  });

  it('the core (memforensics) reaches no Node-only module; memforensics/node does', () => {
    for (const file of importGraph(path.join(out, 'index.js'))) {
      expect(NODE_ONLY.test(readFileSync(file, 'utf8')), path.basename(file)).toBe(false);
    }
    const nodeGraph = [...importGraph(path.join(out, 'node.js'))].map((f) => readFileSync(f, 'utf8'));
    expect(nodeGraph.some((t) => NODE_ONLY.test(t))).toBe(true);
  });

  it('declares its entry points', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.sideEffects).toBe(false);
    expect(Object.keys(pkg.exports)).toEqual(['.', './node', './report.schema.json', './package.json']);
    // node10 module resolution (older TypeScript setups) finds memforensics/node's types too.
    expect(pkg.typesVersions['*'].node).toEqual(['./dist/node.d.ts']);
    expect(pkg.files).toContain('schema');
    expect(pkg.files).toContain('capture');
    expect(JSON.parse(readFileSync(path.join(ROOT, pkg.exports['./report.schema.json']), 'utf8')).title).toBe('memforensics report');
    expect(pkg.bin.memforensics).toBe('./bin/memforensics.mjs');
    expect(pkg.engines.node).toBe('>=20');
  });
});
