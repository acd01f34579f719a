/**
 * Pathological input in linear time (issue 9): every registered parser against hostile input.
 *
 *   npx tsx bench/pathological/run.ts [--format F[,F..]] [--case NAME] [--scale 1] [--chunk 65536] [--regex-only]
 *
 * Per format (bench/pathological/inputs.ts): a 10 MB single line (bare, behind a plausible
 * prefix, and split into millions of tokens), 100,000 stack frames under one event, a million
 * distinct keys (comms, caches, fields), every number 500 digits long, and an adversarial line
 * for each regular expression the parser runs. trace-cmd and ftrace also run on the byte fast
 * path (parseTraceBytes). Each case runs in its own process (its own peak RSS): a warm-up at
 * 1/16 size, then half size, then full size, streamed in CHUNK-sized pieces (64 KiB, as a file
 * stream delivers them) to a no-op record consumer.
 *
 * Times are CPU seconds of the parse (user + system of the child process, GC included): the
 * machine running this is shared, so wall time measures the neighbours; wall time is printed too.
 *
 * Budgets (exit code 1 when one is exceeded, or when a parser throws anything but the typed
 * input error, loses the line accounting or stores unbounded diagnostics):
 *  - linear scaling: time(full) / time(half) <= 2.5 (skipped under 0.25 s, where noise rules);
 *  - absolute: 10 MB hostile text within 5 s, 100,000 frames within 5 s, a million keys within 20 s;
 *  - the parse's own peak memory (process peak RSS minus the RSS just before the parse, the
 *    input already built; records go to a no-op consumer) within 1 GiB. The harness holds each
 *    input as one string (up to ~330 MB for a million kmemleak objects): peak RSS includes it;
 *  - stored diagnostics: at most 100 per code, none longer than 2,000 characters; stats
 *    counters: at most 10,000, names at most 200 characters (none may grow with the input).
 * A failed budget is re-measured once, best of 2 per size, before it counts (the machine is shared).
 *
 * First, every audited regular expression (bench/pathological/regex-audit.ts) runs on its
 * adversarial input at 5 and 10 MB in this process: budget 1 CPU s at 10 MB and the same x2.5
 * scaling rule; a pattern with nested quantifiers fails outright.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { allCases, type PathologicalCase } from './inputs.js';
import { applyAudited, hasNestedQuantifier, REGEX_AUDIT } from './regex-audit.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const outDir = '/tmp/memforensics-bench-pathological';

const RATIO_MAX = 2.5;
const RATIO_FLOOR_S = 0.25;
const BUDGET_S = { chars: 5, frames: 5, keys: 20 } as const;
const PARSE_PEAK_MAX_MB = 1024;
const COUNTERS_MAX = 10_000;
const COUNTER_KEY_MAX = 200;
const DIAG_CHARS_MAX = 2000;
const REGEX_BUDGET_S = 1;
const REGEX_SIZE = 10 * 1024 * 1024;

function cpuSeconds(f: () => unknown): number {
  const c0 = process.cpuUsage();
  f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
}

/** Times each audited regex on its attack input; returns Markdown rows and the failures. */
function regexTable(): { rows: string[]; failures: number } {
  const rows = ['| file | regex | use | attack (10 MiB) | CPU s (5 MiB) | CPU s (10 MiB) | x for 2x size | verdict | why linear |', '|---|---|---|---|---:|---:|---:|---|---|'];
  let failures = 0;
  for (const e of REGEX_AUDIT) {
    const measure = (): [number, number] => {
      const half = e.attack(REGEX_SIZE / 2);
      const full = e.attack(REGEX_SIZE);
      applyAudited(e, e.attack(4096)); // warm-up
      return [cpuSeconds(() => applyAudited(e, half)), cpuSeconds(() => applyAudited(e, full))];
    };
    const judge = ([h, f]: [number, number]): string[] => {
      const p: string[] = [];
      if (hasNestedQuantifier(e.regex.source)) p.push('nested quantifiers');
      if (f > REGEX_BUDGET_S) p.push(`over budget: ${f.toFixed(3)} s`);
      if (f >= 0.05 && f / Math.max(h, 1e-6) > RATIO_MAX) p.push(`super-linear: x${(f / h).toFixed(2)}`);
      return p;
    };
    let m = measure();
    let problems = judge(m);
    if (problems.length > 0) {
      m = measure();
      problems = judge(m);
    }
    if (problems.length > 0) failures++;
    const sample = JSON.stringify(e.attack(24)).slice(1, -1);
    process.stderr.write(`regex ${e.literal.padEnd(26)} ${m[1].toFixed(4)} s  ${problems.join('; ') || 'ok'}\n`);
    rows.push(
      `| ${e.file} | \`${e.literal.replaceAll('|', '\\|')}\` | ${e.use} | \`${sample.replaceAll('|', '\\|')}...\` | ${m[0].toFixed(4)} | ${m[1].toFixed(4)} | ${(m[1] / Math.max(m[0], 1e-6)).toFixed(2)} | ${problems.length ? `**FAIL** ${problems.join('; ')}` : 'ok'} | ${e.why} |`,
    );
  }
  return { rows, failures };
}

interface Measure {
  format: string;
  case: string;
  mode: string;
  size: number;
  bytes: number;
  seconds: number;
  wallSeconds: number;
  outcome: string;
  records: number;
  linesRead: number;
  accounted: boolean;
  internalErrors: number;
  diagnostics: number;
  storedDiagnostics: number;
  codes: number;
  longestDiag: number;
  counters: number;
  longestCounter: number;
  parsePeakMb: number;
  maxRssMb: number;
}

interface Row {
  c: PathologicalCase;
  mode: string;
  half: Measure;
  full: Measure;
  ratio: number;
  problems: string[];
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function runChild(c: PathologicalCase, mode: string, scale: number, chunk: number): Measure[] {
  const full = Math.max(16, Math.round(c.fullSize * scale));
  const sizes = [Math.max(1, Math.round(full / 16)), Math.round(full / 2), full];
  const r = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=4096', path.join(outDir, 'child.js'), c.format, c.name, sizes.join(','), mode, String(chunk)], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`${c.format} ${c.name} ${mode}: child failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Measure);
}

function check(c: PathologicalCase, half: Measure, full: Measure): { ratio: number; problems: string[] } {
  const problems: string[] = [];
  const ratio = full.seconds / Math.max(1e-6, half.seconds);
  for (const m of [half, full]) {
    if (m.outcome.startsWith('THREW')) problems.push(`threw: ${m.outcome}`);
    if (!m.accounted) problems.push('line accounting broken');
    if (m.internalErrors > 0) problems.push(`${m.internalErrors} internal-error diagnostics`);
    if (m.longestDiag > DIAG_CHARS_MAX) problems.push(`a stored diagnostic of ${m.longestDiag} chars`);
    if (m.storedDiagnostics > 100 * Math.max(1, m.codes)) problems.push(`${m.storedDiagnostics} stored diagnostics`);
    if (m.counters > COUNTERS_MAX) problems.push(`${m.counters} stats counters`);
    if (m.longestCounter > COUNTER_KEY_MAX) problems.push(`a stats counter name of ${m.longestCounter} chars`);
  }
  if (full.seconds >= RATIO_FLOOR_S && ratio > RATIO_MAX) problems.push(`super-linear: x${ratio.toFixed(2)} time for x2 size`);
  const budget = BUDGET_S[c.unit];
  if (full.seconds > budget) problems.push(`over budget: ${full.seconds.toFixed(2)} s > ${budget} s`);
  if (full.parsePeakMb > PARSE_PEAK_MAX_MB) problems.push(`parse peak ${full.parsePeakMb.toFixed(0)} MiB > ${PARSE_PEAK_MAX_MB}`);
  return { ratio, problems };
}

function sizeLabel(c: PathologicalCase, n: number): string {
  if (c.unit === 'chars') return `${(n / 1048576).toFixed(n < 1048576 ? 2 : 0)} MiB line(s)`;
  return `${n.toLocaleString('en-US')} ${c.unit}`;
}

async function main(): Promise<void> {
  const formats = arg('--format')?.split(',');
  const only = arg('--case');
  const scale = Number(arg('--scale') ?? 1);
  const chunk = Number(arg('--chunk') ?? 65536);
  mkdirSync(outDir, { recursive: true });
  await build({ entryPoints: { child: path.join(here, 'child.ts') }, bundle: true, platform: 'node', format: 'esm', outdir: outDir, logLevel: 'warning' });
  writeFileSync(path.join(outDir, 'package.json'), '{"type":"module"}\n');

  const rx = formats || only ? { rows: [], failures: 0 } : regexTable();
  const regexOnly = process.argv.includes('--regex-only');
  const cases = allCases().filter((c) => !regexOnly && (!formats || formats.includes(c.format)) && (!only || c.name === only));
  const rows: Row[] = [];
  const t0 = performance.now();
  for (const c of cases) {
    const modes = c.format === 'trace-cmd' || c.format === 'ftrace' ? ['text', 'fast'] : ['text'];
    for (const mode of modes) {
      let [, half, full] = runChild(c, mode, scale, chunk);
      let { ratio, problems } = check(c, half, full);
      if (problems.length > 0) {
        // The machine is shared by several engineers: re-measure once and keep the faster run of
        // each size (best of 2) before believing a budget failure.
        const [, half2, full2] = runChild(c, mode, scale, chunk);
        if (half2.seconds < half.seconds) half = half2;
        if (full2.seconds < full.seconds) full = full2;
        ({ ratio, problems } = check(c, half, full));
      }
      rows.push({ c, mode, half, full, ratio, problems });
      const tag = problems.length ? `FAIL ${problems.join('; ')}` : 'ok';
      process.stderr.write(
        `${c.format.padEnd(17)} ${mode.padEnd(4)} ${c.name.padEnd(28)} ${full.seconds.toFixed(3).padStart(7)} s  x${ratio.toFixed(2).padStart(5)}  ${(full.bytes / 1048576 / Math.max(full.seconds, 1e-6)).toFixed(0).padStart(5)} MiB/s  rss ${full.maxRssMb.toFixed(0).padStart(5)} MiB  ${full.outcome}  ${tag}\n`,
      );
    }
  }

  const cpu = os.cpus()[0]?.model ?? '?';
  const out: string[] = [
    `Machine: ${os.cpus().length} CPUs (${cpu}), node ${process.version}, ${os.platform()} ${os.release()}, ${new Date().toISOString()}; chunks of ${chunk} bytes; scale ${scale}; total ${((performance.now() - t0) / 1000).toFixed(0)} s wall.`,
    '',
    '| format | front end | case | size | input MiB | CPU s (half) | CPU s (full) | x for 2x size | MiB/CPU s | wall s (full) | peak RSS MiB | parse peak MiB | outcome | records | diagnostics (stored) | verdict |',
    '|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|',
  ];
  for (const r of rows) {
    const f = r.full;
    out.push(
      `| ${r.c.format} | ${r.mode} | ${r.c.name} | ${sizeLabel(r.c, f.size)} | ${(f.bytes / 1048576).toFixed(1)} | ${r.half.seconds.toFixed(3)} | ${f.seconds.toFixed(3)} | ${r.ratio.toFixed(2)} | ${(f.bytes / 1048576 / Math.max(f.seconds, 1e-6)).toFixed(0)} | ${f.wallSeconds.toFixed(2)} | ${f.maxRssMb.toFixed(0)} | ${f.parsePeakMb.toFixed(0)} | ${f.outcome} | ${f.records} | ${f.diagnostics} (${f.storedDiagnostics}) | ${r.problems.length ? `**FAIL** ${r.problems.join('; ')}` : 'ok'} |`,
    );
  }
  const failed = rows.filter((r) => r.problems.length > 0);
  out.push('', `${rows.length} measurements, ${failed.length} over budget.`);
  if (rx.rows.length > 0) out.push('', `Regular expressions (${REGEX_AUDIT.length} audited; ${rx.failures} over budget):`, '', ...rx.rows);
  process.stdout.write(out.join('\n') + '\n');
  process.exitCode = failed.length + rx.failures > 0 ? 1 : 0;
}

main().catch((e: unknown) => {
  process.stderr.write(`${String((e as Error)?.stack ?? e)}\n`);
  process.exitCode = 2;
});
