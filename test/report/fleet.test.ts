import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { ROOT, SAMPLES } from '../helpers/samples.js';

/** The README's DuckDB recipes, run as written on `--each --json` output of the bundled captures. */
const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Fleet queries'), readme.indexOf('## Diagnostic codes'));
const recipes = [...section.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]);

describe("the README's fleet queries (DuckDB over NDJSON reports)", () => {
  it('run on real reports and give the verdicts, findings, long-form series and Parquet a team would query', async () => {
    expect(recipes).toHaveLength(4);
    const dir = mkdtempSync(path.join(tmpdir(), 'mf-fleet-'));
    const { stdout } = await promisify(execFile)(path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(ROOT, 'src/cli/main.ts'), 'analyze', path.join(SAMPLES, 'captures'), '--each', '--json', '--quiet', '--jobs', '1'], {
      cwd: ROOT,
      maxBuffer: 512 << 20,
    });
    writeFileSync(path.join(dir, 'reports.ndjson'), stdout);
    const runs = stdout.trim().split('\n').map((l) => JSON.parse(l) as { run: string; report: { verdict: { kind: string } } });

    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    await c.run(`SET file_search_path = '${dir}'`);
    const rows = async (sql: string) => (await c.runAndReadAll(sql.replaceAll("'verdicts.parquet'", `'${path.join(dir, 'verdicts.parquet')}'`))).getRowObjectsJS();

    const verdicts = await rows(recipes[0]);
    expect(verdicts).toHaveLength(runs.length);
    const byRun = Object.fromEntries(verdicts.map((v) => [v.run, v]));
    expect(byRun.D4_control.verdict).toBe('no-leak');
    expect(byRun.D4_leak.verdict).toBe('leak');
    expect(byRun.D5_fragmentation.verdict).toBe('fragmentation');
    expect(verdicts.map((v) => v.verdict)).toEqual(verdicts.map((v) => runs.find((r) => r.run === v.run)!.report.verdict.kind));

    const findings = await rows(recipes[1]);
    expect(findings.some((f) => f.run === 'D3_userspace' && f.culprit === 'parse_config_entry')).toBe(true);
    expect(findings.every((f) => f.severity !== 'info')).toBe(true);

    const points = await rows(recipes[2]);
    const rss = points.filter((p) => p.run === 'D4_leak' && p.name === 'rss');
    expect(rss.length).toBeGreaterThan(100);
    expect(typeof rss[0].t).toBe('number');

    await c.run(recipes[3].replaceAll("'verdicts.parquet'", `'${path.join(dir, 'verdicts.parquet')}'`));
    expect(existsSync(path.join(dir, 'verdicts.parquet'))).toBe(true);
    const back = await rows(`SELECT count(*)::INTEGER AS n FROM read_parquet('${path.join(dir, 'verdicts.parquet')}')`);
    expect(back[0].n).toBe(runs.length);
  });
});
