/**
 * Compares two revisions of the trace fast path on this machine: builds inproc.ts against each
 * revision's sources (a git worktree per revision under /tmp), then runs them alternately, A B A B,
 * each run in its own process, so that load from other processes falls on both alike. Prints
 * every run's minimum and the minimum of minimums per revision.
 *
 *   npx tsx bench/tracecmd/ab.ts REV_A REV_B [FILE] [pair|parse] [PROCESSES] [ROUNDS]
 *   npx tsx bench/tracecmd/ab.ts HEAD~3 WORKTREE /tmp/t200.txt pair 4 4
 *
 * WORKTREE stands for the working tree as it is (uncommitted changes included). FILE: a generated
 * report (generate.ts); 200 MiB gives ~1 s per round.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const [, , revA = 'HEAD', revB = 'WORKTREE', file = '/tmp/t200.txt', mode = 'pair', procsArg = '4', roundsArg = '4'] = process.argv;

/** Worktrees this run added (removed again at the end). */
const added: string[] = [];

async function bundleFor(rev: string, label: string): Promise<string> {
  let tree = root;
  if (rev !== 'WORKTREE') {
    const sha = execFileSync('git', ['rev-parse', rev], { cwd: root, encoding: 'utf8' }).trim();
    tree = `/tmp/memforensics-ab-${sha.slice(0, 12)}`;
    if (!existsSync(tree)) {
      execFileSync('git', ['worktree', 'add', '--detach', '-f', tree, sha], { cwd: root, stdio: 'ignore' });
      added.push(tree);
    }
    if (!existsSync(path.join(tree, 'node_modules'))) symlinkSync(path.join(root, 'node_modules'), path.join(tree, 'node_modules'));
  }
  const outDir = `/tmp/memforensics-ab-out/${label}`;
  mkdirSync(outDir, { recursive: true });
  // this revision's inproc.ts, compiled against the other tree's sources
  await build({
    stdin: { contents: readFileSync(path.join(here, 'inproc.ts'), 'utf8'), resolveDir: path.join(tree, 'bench/tracecmd'), loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: path.join(outDir, 'inproc.js'),
    logLevel: 'warning',
  });
  writeFileSync(path.join(outDir, 'package.json'), '{"type":"module"}\n');
  return path.join(outDir, 'inproc.js');
}

async function main(): Promise<void> {
  const bundles = { A: await bundleFor(revA, 'a'), B: await bundleFor(revB, 'b') };
  // the bundles hold everything they need: the worktrees can go
  for (const tree of added) execFileSync('git', ['worktree', 'remove', '--force', tree], { cwd: root, stdio: 'ignore' });
  const mins: Record<string, number[]> = { A: [], B: [] };
  const checks: Record<string, string> = {};
  for (let i = 0; i < Number(procsArg); i++) {
    for (const side of ['A', 'B'] as const) {
      const r = spawnSync(process.execPath, [bundles[side], file, mode, roundsArg], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${side} failed: ${r.stderr}`);
      const [check, timing] = r.stdout.trim().split('\n');
      checks[side] = check;
      mins[side].push(Number(/min (\d+)/.exec(timing)![1]));
    }
  }
  if (checks.A !== checks.B) process.stdout.write(`note: the two revisions give different results:\n A ${checks.A}\n B ${checks.B}\n`);
  for (const side of ['A', 'B'] as const) {
    process.stdout.write(`${side} ${side === 'A' ? revA : revB}: min ${Math.min(...mins[side])} ms (runs: ${mins[side].join(' ')})\n`);
  }
}
void main();
