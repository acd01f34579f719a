import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { withTables } from '../scripts/readme-tables.js';
import { ROOT } from './helpers/samples.js';

const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const ci = readFileSync(path.join(ROOT, '.ci/run'), 'utf8');

describe('README', () => {
  it('has the format and diagnostic-code tables the code generates (npx tsx scripts/readme-tables.ts --write)', () => {
    expect(readme).toBe(withTables(readme));
  });

  it('has a two-command quick start that matches package.json and .ci/run', () => {
    const quick = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('## The CLI'));
    const commands = quick.split('\n').filter((l) => l.startsWith('npm '));
    expect(commands.map((c) => c.split('#')[0].trim())).toEqual(['npm ci && npm run demo', 'npm test']);
    expect(pkg.scripts.demo).toContain('analyze samples');
    // npm test type-checks the whole tree (src, test, bench, examples) before running vitest.
    expect(pkg.scripts.test).toBe('npm run typecheck && vitest run');
    expect(pkg.scripts.typecheck).toBe('tsc --noEmit -p .');
    expect(ci).toContain('npm ci');
    expect(ci).toContain('npm test');
  });

  it('recommends analysing trace.dat directly, with the sample that the trace-dat tests analyse', () => {
    const quick = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('## The CLI'));
    expect(quick).toContain('`memforensics analyze trace.dat`');
    expect(quick).toContain('v7-zstd-all.dat');
    expect(readme).toMatch(/\| `trace-dat` \|[^\n]*\| 6\.18 \(trace-cmd 3\.1\.6\): file versions 6 and 7/);
  });
});
