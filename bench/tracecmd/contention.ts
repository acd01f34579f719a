/**
 * How much can two threads gain on this machine? Runs the byte fast path (child.ts `fast`, one
 * process, one thread of JavaScript) alone, then two copies at the same time on the same file,
 * and a pure-ALU loop alone and two at once. If two copies of the parse each take much longer
 * than one alone while the ALU loop does not, the ceiling of any two-worker split of the parse
 * (parallel-trace.ts) is set by the shared memory system, not by the code:
 *   throughput(2 at once) / throughput(1 alone) = 2 * wall(alone) / wall(each, at once).
 *
 *   npx tsx bench/tracecmd/contention.ts FILE [ROUNDS]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const outDir = '/tmp/memforensics-bench-tracecmd-contention';
const SPIN = 'const t0=performance.now();let x=0;for(let i=0;i<1e9;i++){x=(x+i*7)^(x>>>3)}process.stdout.write(JSON.stringify({wallSeconds:(performance.now()-t0)/1000,x:x&1})+"\\n")';

function runOne(args: string[]): Promise<{ wallSeconds: number; cpuSeconds?: number }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!)) : reject(new Error(`exit ${code}`))));
  });
}

async function main(): Promise<void> {
  const file = process.argv[2];
  const rounds = Number(process.argv[3] ?? 2);
  if (!file) throw new Error('usage: contention.ts FILE [ROUNDS]');
  mkdirSync(outDir, { recursive: true });
  await build({ entryPoints: { child: path.join(here, 'child.ts') }, bundle: true, platform: 'node', format: 'esm', outdir: outDir, logLevel: 'warning', absWorkingDir: root });
  writeFileSync(path.join(outDir, 'package.json'), '{"type":"module"}\n');
  const parse = [path.join(outDir, 'child.js'), 'fast', file];
  const spin = ['-e', SPIN];
  const rows: string[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const [label, args] of [['parse (byte fast path)', parse], ['ALU loop', spin]] as const) {
      const load = os.loadavg()[0].toFixed(1);
      const alone = await runOne([...args]);
      const pair = await Promise.all([runOne([...args]), runOne([...args])]);
      const each = (pair[0].wallSeconds + pair[1].wallSeconds) / 2;
      const cpu = (x: { cpuSeconds?: number }): string => (x.cpuSeconds === undefined ? '-' : x.cpuSeconds.toFixed(2));
      rows.push(
        `| ${label} | ${load} | ${alone.wallSeconds.toFixed(2)} | ${cpu(alone)} | ${each.toFixed(2)} | ${cpu(pair[0])}, ${cpu(pair[1])} | ${((2 * alone.wallSeconds) / each).toFixed(2)} |`,
      );
    }
  }
  process.stdout.write(
    [
      `Input: ${file}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), node ${process.version}, ${new Date().toISOString()}`,
      '',
      '| work | load avg (1 min) at start | wall s alone | CPU s alone | wall s each, 2 at once | CPU s each, 2 at once | throughput 2 at once / 1 alone |',
      '|---|---|---|---|---|---|---|',
      ...rows,
    ].join('\n') + '\n',
  );
}
void main();
