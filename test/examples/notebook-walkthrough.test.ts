import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildNotebook, notebookText, splitSections } from '../../examples/build-notebook.js';
import { ROOT } from '../helpers/samples.js';

const run = promisify(execFile);
const SCRIPT = path.join(ROOT, 'examples/notebook-walkthrough.ts');
const NOTEBOOK = path.join(ROOT, 'examples/notebook-walkthrough.ipynb');

interface TrendRow {
  series: string;
  verdict: string;
  mibPerMin: number | null;
}
interface Summary {
  leak: {
    snapshots: number;
    anonPages: { verdict: string; mibPerMin: number; ci95MibPerMin: [number, number]; firstTroughKb: number; lastTroughKb: number };
    report: { verdict: string; space: string | null; trends: TrendRow[] };
    charts: string[];
  };
  control: {
    snapshots: number;
    anonPages: { verdict: string; mibPerMin: number | null };
    report: { verdict: string; space: string | null; trends: TrendRow[] };
  };
}

/** The example prints its summary last, as indented JSON starting on a line of its own. */
function summaryOf(stdout: string): Summary {
  const start = stdout.lastIndexOf('\n{\n');
  expect(start).toBeGreaterThan(0);
  return JSON.parse(stdout.slice(start + 1)) as Summary;
}

describe('examples/notebook-walkthrough.ts run as a user would (tsx, from the repository root)', () => {
  let stdout = '';
  let stderr = '';
  let summary: Summary;
  const outDir = mkdtempSync(path.join(tmpdir(), 'memforensics-walkthrough-'));

  beforeAll(async () => {
    // `--import tsx` is `npx tsx`: TypeScript, and the tsconfig paths that map `memforensics` to src/.
    const r = await run(process.execPath, ['--import', 'tsx', SCRIPT, outDir], { cwd: ROOT, maxBuffer: 32 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } });
    stdout = r.stdout;
    stderr = r.stderr;
    summary = summaryOf(stdout);
  });
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('parses both captures whole (379 and 260 snapshots, as the samplers wrote) with no diagnostics', () => {
    expect(stderr).toBe('');
    expect(stdout).toContain('leak run: 379 snapshots, 20845 lines, 0 diagnostics');
    expect(summary.leak.snapshots).toBe(379);
    expect(summary.control.snapshots).toBe(260);
  });

  it('finds the leak on AnonPages at the ground truth rate (1 MiB per cycle at 49.25 cycles/min ≈ 49.3 MiB/min)', () => {
    const a = summary.leak.anonPages;
    expect(a.verdict).toBe('leak');
    expect(a.mibPerMin).toBeGreaterThan(48.3);
    expect(a.mibPerMin).toBeLessThan(50.3);
    expect(a.ci95MibPerMin[0]).toBeLessThanOrEqual(a.mibPerMin);
    expect(a.ci95MibPerMin[1]).toBeGreaterThanOrEqual(a.mibPerMin);
    expect(a.ci95MibPerMin[0]).toBeGreaterThan(47);
    // Ground truth: the AnonPages 15-s minima rise from 7,792 kB; the last full window before the
    // exit has 290,752 kB and the leaker had kept 293 MiB (300,032 kB) plus its baseline by then.
    expect(a.firstTroughKb).toBe(7792);
    expect(a.lastTroughKb).toBeGreaterThanOrEqual(290_752);
    expect(a.lastTroughKb).toBeLessThan(310_000);
  });

  it('gives the folder verdict: a user-space leak for the leak run, at ≈ 49 MiB/min in AnonPages and the RSS', () => {
    const r = summary.leak.report;
    expect(r.verdict).toBe('leak');
    expect(r.space).toBe('user');
    const anon = r.trends.find((x) => x.series === 'AnonPages')!;
    const rss = r.trends.find((x) => x.series === 'rss')!;
    for (const trend of [anon, rss]) {
      expect(trend.verdict).toBe('leak');
      expect(Math.abs(trend.mibPerMin! - 49.3)).toBeLessThan(1);
    }
    expect(stdout).toMatch(/^leak run: LEAK \(critical, where: user\)/m);
  });

  it('says no leak for the control run (same load, nothing kept: RSS floor 1,492 kB throughout)', () => {
    expect(summary.control.anonPages.verdict).toBe('no-leak');
    expect(summary.control.report.verdict).toBe('no-leak');
    expect(summary.control.report.trends.length).toBeGreaterThan(0);
    expect(summary.control.report.trends.filter((x) => x.verdict === 'leak')).toEqual([]);
    const rss = summary.control.report.trends.find((x) => x.series === 'rss')!;
    expect(rss.verdict).toBe('no-leak');
  });

  it('prints the Markdown report and writes Vega-Lite v5 specs', () => {
    expect(stdout).toContain('# memforensics: LEAK (critical)');
    const own = JSON.parse(readFileSync(path.join(outDir, 'leak-anonpages-trend.vl.json'), 'utf8'));
    expect(own.$schema).toBe('https://vega.github.io/schema/vega-lite/v5.json');
    const layers = new Set(own.data.values.map((d: { layer: string }) => d.layer));
    expect([...layers]).toEqual(['AnonPages', 'troughs', 'fitted trend']);
    expect(own.layer).toHaveLength(3);
    expect(own.data.values.filter((d: { layer: string }) => d.layer === 'AnonPages')).toHaveLength(379);

    expect(summary.leak.charts.length).toBeGreaterThan(0);
    const shown = summary.leak.charts.filter((id) => existsSync(path.join(outDir, `${id}.vl.json`)));
    expect(shown.length).toBeGreaterThanOrEqual(2);
    for (const id of shown) {
      const spec = JSON.parse(readFileSync(path.join(outDir, `${id}.vl.json`), 'utf8'));
      expect(spec.$schema).toBe('https://vega.github.io/schema/vega-lite/v5.json');
      expect(Array.isArray(spec.layer)).toBe(true);
      expect(spec.layer.length).toBeGreaterThan(0);
    }
  });
});

describe('examples/notebook-walkthrough.ipynb', () => {
  const script = readFileSync(SCRIPT, 'utf8');

  it('is in sync with the script (regenerate with: npx tsx examples/build-notebook.ts)', () => {
    expect(readFileSync(NOTEBOOK, 'utf8')).toBe(notebookText(script));
  });

  it("is a Deno-kernel notebook whose code cells are exactly the script's code sections", () => {
    const nb = JSON.parse(readFileSync(NOTEBOOK, 'utf8'));
    expect(nb.nbformat).toBe(4);
    expect(nb.metadata.kernelspec).toEqual({ display_name: 'Deno', language: 'typescript', name: 'deno' });
    const code = nb.cells.filter((c: { cell_type: string }) => c.cell_type === 'code').map((c: { source: string[] }) => c.source.join(''));
    const sections = splitSections(script).filter((s) => s.kind === 'code');
    expect(code).toHaveLength(sections.length);
    sections.forEach((section, i) => expect(code[i]).toBe(section.lines.join('\n').trim()));
    // No line of the script is lost: each is in a cell, as is or (Markdown) without its '// '.
    const cellLines = new Set(nb.cells.flatMap((c: { source: string[] }) => c.source.join('').split('\n')));
    const lost = script.split('\n').filter((l) => !l.startsWith('// %%') && l.trim() !== '' && l !== '//' && !cellLines.has(l) && !cellLines.has(l.slice(3)));
    expect(lost).toEqual([]);
  });
});

describe('examples/README-notebook-section.md (the README section "Use in a notebook")', () => {
  it('runs its TypeScript as written, in a stand-in for the Deno kernel, with the results its comments claim', async () => {
    const markdown = readFileSync(path.join(ROOT, 'examples/README-notebook-section.md'), 'utf8');
    const blocks = [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
    expect(blocks.length).toBeGreaterThan(0);
    const dir = mkdtempSync(path.join(tmpdir(), 'memforensics-readme-'));
    try {
      const snippet = path.join(dir, 'snippet.mts');
      const shown = path.join(dir, 'shown.json');
      writeFileSync(snippet, blocks.join('\n'));
      // A stand-in for the kernel's `Deno.jupyter.display`: records the MIME bundles it is given.
      const stub = path.join(dir, 'deno-jupyter-stub.mjs');
      writeFileSync(
        stub,
        `import { writeFileSync } from 'node:fs';
const bundles = [];
globalThis.Deno = { jupyter: { display: async (bundle, options) => { bundles.push({ types: Object.keys(bundle), raw: options?.raw === true, spec: bundle['application/vnd.vegalite.v5+json'] }); } } };
process.on('exit', () => writeFileSync(${JSON.stringify(shown)}, JSON.stringify(bundles)));
`,
      );
      const r = await run(process.execPath, ['--import', 'tsx', '--import', pathToFileURL(stub).href, snippet], { cwd: ROOT, maxBuffer: 8 * 1024 * 1024 });
      const lines = r.stdout.trim().split('\n');
      expect(lines[0]).toBe('379 snapshots, 0 diagnostics');
      expect(lines[1]).toBe('AnonPages: leak, 49.4 MiB/min');
      expect(lines[2]).toMatch(/^leak: Memory is leaking in user space: /);
      const bundles = JSON.parse(readFileSync(shown, 'utf8')) as { types: string[]; raw: boolean; spec: { $schema: string; layer: unknown[] } }[];
      expect(bundles.length).toBeGreaterThan(0);
      for (const b of bundles) {
        expect(b.types).toEqual(['application/vnd.vegalite.v5+json']);
        expect(b.raw).toBe(true);
        expect(b.spec.$schema).toBe('https://vega.github.io/schema/vega-lite/v5.json');
        expect(b.spec.layer.length).toBeGreaterThan(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The lead pastes the section into README.md between `<!-- notebook:start -->` and `<!-- notebook:end -->`.
const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const pasted = readme.slice(readme.indexOf('<!-- notebook:start -->') + '<!-- notebook:start -->'.length, readme.indexOf('<!-- notebook:end -->')).trim();
describe.skipIf(!readme.includes('<!-- notebook:end -->') || pasted === '')('README.md "Use in a notebook"', () => {
  it('is the tested section, word for word', () => {
    expect(pasted).toBe(readFileSync(path.join(ROOT, 'examples/README-notebook-section.md'), 'utf8').trim());
  });
});

describe('the entry points the examples import', () => {
  it("map 'memforensics' and 'memforensics/node' to the same source files for tsx/tsc (tsconfig paths) and Deno (examples/deno.json)", () => {
    const tsconfig = JSON.parse(readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8'));
    const deno = JSON.parse(readFileSync(path.join(ROOT, 'examples/deno.json'), 'utf8'));
    const fromTs = Object.fromEntries(Object.entries(tsconfig.compilerOptions.paths as Record<string, string[]>).map(([k, [v]]) => [k, path.resolve(ROOT, v)]));
    const fromDeno = Object.fromEntries(Object.entries(deno.imports as Record<string, string>).map(([k, v]) => [k, path.resolve(ROOT, 'examples', v)]));
    expect(fromDeno).toEqual(fromTs);
    expect(Object.keys(fromTs).sort()).toEqual(['memforensics', 'memforensics/node']);
    for (const file of Object.values(fromTs)) expect(existsSync(file)).toBe(true);
  });
});

// Deno is not a dependency: this runs only where `deno` is installed (the notebook's kernel).
const denoVersion = await run('deno', ['--version']).then(
  () => true,
  () => false,
);
describe.skipIf(!denoVersion)('examples/notebook-walkthrough.ts under Deno (the notebook kernel runtime)', () => {
  it('gives the same results as under Node', async () => {
    const r = await run('deno', ['run', '-A', 'notebook-walkthrough.ts'], { cwd: path.join(ROOT, 'examples'), maxBuffer: 32 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' } });
    const s = summaryOf(r.stdout);
    expect(s.leak.anonPages.verdict).toBe('leak');
    expect(Math.abs(s.leak.anonPages.mibPerMin - 49.3)).toBeLessThan(1);
    expect(s.leak.report.verdict).toBe('leak');
    expect(s.control.report.verdict).toBe('no-leak');
  });
});

describe('buildNotebook (percent-format script to .ipynb)', () => {
  it('turns markdown sections into Markdown cells and code sections into code cells', () => {
    const nb = buildNotebook('// %% [markdown]\n// # Title\n//\n// text\n\n// %%\n\nconst x = 1;\nconsole.log(x);\n\n');
    expect(nb.cells).toEqual([
      { cell_type: 'markdown', id: 'cell-01', metadata: {}, source: ['# Title\n', '\n', 'text'] },
      { cell_type: 'code', execution_count: null, id: 'cell-02', metadata: {}, outputs: [], source: ['const x = 1;\n', 'console.log(x);'] },
    ]);
  });

  it.each([
    ['code before the first marker', 'const x = 1;\n// %%\n', /line 1: text before the first/],
    ['a Markdown line that is not a comment', '// %% [markdown]\n// ok\nnot a comment\n', /line 3: a Markdown cell's lines must be/],
  ])('rejects %s', (_name, script, error) => {
    expect(() => buildNotebook(script)).toThrow(error);
  });
});
