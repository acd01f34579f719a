/**
 * trace-cmd parse + pairing benchmark: the Python regex baseline and memforensics (generic text
 * front end, byte fast path, worker threads) side by side on one generated report.
 *
 *   npx tsx bench/tracecmd/run.ts [SIZE_MB=1024] [FILE=/tmp/tracecmd-bench-SIZE.txt]
 *   BENCH_SKIP_TEXT=1 skips the generic text front end (slow on multi-GB files).
 *   BENCH_REPEAT=N runs the whole sequence N times (the variants interleaved, so that a busy
 *   minute on a shared machine falls on all of them) and reports each variant's best run, with
 *   every run's wall time beside it.
 *
 * Generates the file if missing (never commit it), bundles the Node side with esbuild into
 * /tmp so no TypeScript loader runs during the measurement, runs each variant in its own
 * process (its own peak RSS) and prints a Markdown table for bench/RESULTS.md.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const sizeMb = Number(process.argv[2] ?? 1024);
const file = process.argv[3] ?? `/tmp/tracecmd-bench-${sizeMb}.txt`;
const outDir = '/tmp/memforensics-bench-tracecmd';

async function main(): Promise<void> {
  if (!existsSync(file)) {
    process.stderr.write(`generating ${file} (${sizeMb} MB)\n`);
    execFileSync(process.execPath, ['--import', 'tsx', path.join(here, 'generate.ts'), file, String(sizeMb), '1'], { stdio: 'inherit', cwd: root });
  }
  await build({
    entryPoints: { child: path.join(here, 'child.ts'), 'parallel-trace-worker': path.join(root, 'src/node/parallel-trace-worker.ts') },
    bundle: true,
    platform: 'node',
    format: 'esm',
    outdir: outDir,
    logLevel: 'warning',
  });
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'package.json'), '{"type":"module"}\n');
  const bytes = statSync(file).size;
  const rows: Record<string, unknown>[] = [];
  const run = (label: string, cmd: string, args: string[]): void => {
    process.stderr.write(`running ${label}\n`);
    const load = os.loadavg()[0];
    const t0 = performance.now();
    const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
    const wall = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`${label} failed: ${r.stderr}`);
    const j = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    rows.push({ label, processWallSeconds: wall, loadAvg1: load, ...j });
  };
  const repeat = Math.max(1, Number(process.env.BENCH_REPEAT ?? 1));
  for (let round = 0; round < repeat; round++) {
    run('python3 regex baseline', 'python3', [path.join(here, 'baseline_pairs.py'), file]);
    if (!process.env.BENCH_SKIP_TEXT) run('memforensics text front end (1 core)', process.execPath, [path.join(outDir, 'child.js'), 'text', file]);
    run('memforensics byte fast path (1 core)', process.execPath, [path.join(outDir, 'child.js'), 'fast', file]);
    run('memforensics 1 worker thread (parse+pair in worker, merge)', process.execPath, [path.join(outDir, 'child.js'), 'parallel', file, '1']);
    run('memforensics 2 worker threads (parse+pair in workers, merge)', process.execPath, [path.join(outDir, 'child.js'), 'parallel', file, '2']);
    run('memforensics analyze FILE --json (default options: what users run)', process.execPath, [path.join(outDir, 'child.js'), 'analyze', file]);
  }
  // each variant's best run (least wall time), with all its runs' wall times
  const best = new Map<string, Record<string, any>>();
  const walls = new Map<string, number[]>();
  for (const r of rows as Array<Record<string, any>>) {
    walls.set(r.label, [...(walls.get(r.label) ?? []), r.processWallSeconds]);
    const b = best.get(r.label);
    if (b === undefined || r.processWallSeconds < b.processWallSeconds) best.set(r.label, r);
  }

  const mb = bytes / 1048576;
  const py = best.get('python3 regex baseline') as { processWallSeconds: number; cpuSeconds: number };
  const lines = [
    `Input: ${file}, ${mb.toFixed(0)} MiB, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), node ${process.version}, ${new Date().toISOString()}${repeat > 1 ? `, best of ${repeat} interleaved runs per variant` : ''}`,
    '',
    `| variant | load avg (1 min) at start | wall s | MiB/s (wall) | CPU s | MiB/s (CPU) | events/s (wall) | peak RSS MiB | x baseline (wall) | x baseline (CPU) | top site |${repeat > 1 ? ' wall s of every run | x baseline in each round (median) |' : ''}`,
    `|---|---|---|---|---|---|---|---|---|---|---|${repeat > 1 ? '---|---|' : ''}`,
  ];
  // The neighbours' load swings from minute to minute: each round's ratio compares runs made
  // minutes apart at most, and their median does not rest on one lucky run.
  const pyWalls = walls.get('python3 regex baseline')!;
  const median = (x: number[]): number => {
    const v = [...x].sort((a, b) => a - b);
    return v.length % 2 ? v[v.length >> 1] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  };
  const perRound = (label: string): string => {
    const ratios = walls.get(label)!.map((w, i) => pyWalls[i] / w);
    return `${ratios.map((x) => x.toFixed(1)).join(' / ')} (${median(ratios).toFixed(2)})`;
  };
  for (const r of best.values()) {
    const wall = r.processWallSeconds as number;
    const cpu = r.cpuSeconds as number;
    const rss = (r.peakRssMiB as number | undefined) ?? ((r.peakRssKiB as number) / 1024);
    const top = r.top ?? r.top?.[0];
    const topSite = Array.isArray(r.top) ? `${r.top[0]?.site} (${r.top[0]?.count})` : top ? `${top.site} (${top.count}${top.leak ? ', leak' : ''})` : '-';
    lines.push(
      `| ${r.label} | ${(r.loadAvg1 as number).toFixed(1)} | ${wall.toFixed(2)} | ${(mb / wall).toFixed(1)} | ${cpu.toFixed(2)} | ${(mb / cpu).toFixed(1)} | ${Math.round((r.events as number) / wall)} | ${rss.toFixed(0)} | ${(py.processWallSeconds / wall).toFixed(2)} | ${(py.cpuSeconds / cpu).toFixed(2)} | ${topSite} |${repeat > 1 ? ` ${walls.get(r.label)!.map((w) => w.toFixed(2)).join(' / ')} | ${perRound(r.label)} |` : ''}`,
    );
  }
  process.stdout.write(lines.join('\n') + '\n');
  process.stderr.write(JSON.stringify(rows) + '\n');
}
void main();
