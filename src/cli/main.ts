#!/usr/bin/env node
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FORMAT_IDS, type FormatId } from '../core/parser.js';
import { formatBytes, formatDuration, parseSize } from '../core/text.js';
import { analyzePaths, type AnalyzePathsOptions } from '../node/analyzePaths.js';
import { contentKind, listArtefactFiles, readHead } from '../node/files.js';
import { detectFormat, PARSERS } from '../parsers/registry.js';
import { compareRuns } from '../pipeline/compareRuns.js';
import { isLeakFinding } from '../pipeline/verdict.js';
import { PairingOptionsSchema } from '../analysis/pairing/index.js';
import { renderers } from './renderers.js';
import type { Report } from '../report/schema.js';

const USAGE = `memforensics: offline forensics of Linux memory growth

Usage:
  memforensics analyze PATH... [options]   analyse capture files and folders (.gz transparently)
  memforensics detect PATH...              show the detected format of each file
  memforensics formats                     list the supported formats

analyze options:
  --json                 print the JSON report instead of Markdown
  --html FILE            also write the self-contained HTML report to FILE
  --markdown FILE        also write the Markdown report to FILE
  --out-dir DIR          write report.md, report.json and report.html into DIR
  --format ID            force a format for files detection cannot place
  --limit SIZE           memory limit to project usage to (e.g. 2GiB; default MemTotal)
  --interval SECONDS     sampling interval of series captured without timestamps
  --baseline PATH        compare with a baseline capture (before a fix); repeatable
  --each                 analyse every subfolder of the given folders as its own run (one report each)
  --fail-on LEVEL        exit 3 when a finding of LEVEL (critical|warning) or worse exists
  --include-tracer       keep the tracer's own allocations (trace-cmd, bpftrace, perf)
  --comm NAME            trace pairing: count only allocations by this comm (repeatable)
  --pid N                trace pairing: count only allocations by this pid (repeatable)
  --bytes-alloc N        trace pairing: only allocations of exactly N bytes, e.g. 4096 (repeatable)
  --from T / --to T      trace pairing: time window in trace seconds
  --events LIST          trace pairing: allocation events to count (kmalloc,kmem_cache_alloc,mm_page_alloc,...)
  --young-age SECONDS    trace pairing: outstanding allocations younger than this are reported apart (default 1)
  --all-series           keep every extracted series in the report
  --jobs N               parse files in N worker threads (default: the number of cores)
  --quiet                no progress or summary on stderr
  -h, --help             this help

Exit codes: 0 success, 1 unusable input or options, 3 --fail-on threshold reached.`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 1;
  }
  if (command === 'formats') {
    for (const p of PARSERS) process.stdout.write(`${p.format.padEnd(18)} ${p.title}  [${p.producedBy}]\n`);
    return 0;
  }
  if (command === 'detect') return detect(rest);
  if (command === 'analyze') return analyzeCommand(rest);
  throw new UsageError(`unknown command '${command}'`);
}

async function detect(paths: string[]): Promise<number> {
  if (paths.length === 0) throw new UsageError('detect needs at least one path');
  const { files, missing } = await listArtefactFiles(paths);
  for (const m of missing) process.stdout.write(`${m}\tmissing\n`);
  for (const f of files) {
    const kind = await contentKind(f.path);
    if (kind === 'trace-cmd-dat' || kind === 'binary') {
      process.stdout.write(`${f.path}\t${kind}\n`);
      continue;
    }
    const candidates = detectFormat(await readHead(f.path, 64 * 1024, kind), { path: f.path });
    const best = candidates[0];
    process.stdout.write(best ? `${f.path}\t${best.format}\t${best.confidence.toFixed(2)}\t${best.reason}\n` : `${f.path}\tunrecognized\n`);
  }
  return 0;
}

async function analyzeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      json: { type: 'boolean' },
      html: { type: 'string' },
      markdown: { type: 'string' },
      'out-dir': { type: 'string' },
      format: { type: 'string' },
      limit: { type: 'string' },
      interval: { type: 'string' },
      baseline: { type: 'string', multiple: true },
      'fail-on': { type: 'string' },
      'include-tracer': { type: 'boolean' },
      comm: { type: 'string', multiple: true },
      pid: { type: 'string', multiple: true },
      'bytes-alloc': { type: 'string', multiple: true },
      from: { type: 'string' },
      to: { type: 'string' },
      events: { type: 'string' },
      'young-age': { type: 'string' },
      'all-series': { type: 'boolean' },
      each: { type: 'boolean' },
      quiet: { type: 'boolean' },
      jobs: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('analyze needs at least one file or folder');
  if (values.format && !(FORMAT_IDS as readonly string[]).includes(values.format)) {
    throw new UsageError(`unknown format '${values.format}' (see 'memforensics formats')`);
  }
  const failOn = values['fail-on'];
  if (failOn !== undefined && failOn !== 'critical' && failOn !== 'warning') throw new UsageError(`--fail-on takes critical or warning`);
  let limitBytes: number | undefined;
  if (values.limit !== undefined) {
    const l = parseSize(values.limit);
    if (l === null || l <= 0) throw new UsageError(`--limit: cannot read '${values.limit}' as a size (e.g. 2GiB, 512MiB)`);
    limitBytes = l;
  }
  let intervalSeconds: number | undefined;
  if (values.interval !== undefined) {
    intervalSeconds = Number(values.interval);
    if (!(intervalSeconds > 0)) throw new UsageError(`--interval takes a positive number of seconds`);
  }
  const pairing = pairingOptions(values);
  const jobs = values.jobs === undefined ? availableParallelism() : Number(values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError('--jobs takes a whole number of at least 1');
  const quiet = values.quiet === true;
  const tty = process.stderr.isTTY === true && !quiet;
  const options: AnalyzePathsOptions = {
    format: values.format as FormatId | undefined,
    limitBytes,
    intervalSeconds,
    includeTracer: values['include-tracer'],
    ...(pairing ? { pairing } : {}),
    allSeries: values['all-series'],
    onProgress: tty && jobs === 1 ? progressLine() : undefined,
    onFile: tty ? (file, index, count) => process.stderr.write(`\r\x1b[K[${index + 1}/${count}] ${path.basename(file)}`) : undefined,
    jobs,
  };

  const r = await renderers();
  const runs = values.each ? await subfolderRuns(positionals) : [{ name: '', paths: positionals }];
  if (runs.length === 0) throw new UsageError('--each: the given folders have no subfolders');
  const results: { name: string; report: Report; outDir?: string }[] = [];
  const written: string[] = [];
  for (const run of runs) {
    let report: Report = await analyzePaths(run.paths, options);
    if (tty) process.stderr.write('\r\x1b[K');
    if (values.baseline && values.baseline.length > 0) {
      const baseline = await analyzePaths(values.baseline, options);
      report = { ...report, comparison: compareRuns(baseline, report) };
    }
    const outputs: [string, string][] = [];
    const outDir = values['out-dir'] ? path.join(values['out-dir'], run.name) : undefined;
    if (outDir) {
      outputs.push([path.join(outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`]);
      outputs.push([path.join(outDir, 'report.md'), r.markdown(report)]);
      outputs.push([path.join(outDir, 'report.html'), r.html(report)]);
    }
    if (!values.each && values.html) outputs.push([values.html, r.html(report)]);
    if (!values.each && values.markdown) outputs.push([values.markdown, r.markdown(report)]);
    for (const [file, text] of outputs) {
      await mkdir(path.dirname(path.resolve(file)), { recursive: true });
      await writeFile(file, text);
      written.push(file);
    }
    results.push({ name: run.name, report, ...(outDir ? { outDir } : {}) });
  }

  if (values.each) {
    process.stdout.write(values.json ? `${JSON.stringify(results.map(({ name, report }) => ({ run: name, report })), null, 2)}\n` : runsTable(results));
  } else {
    const { report } = results[0];
    process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : r.markdown(report));
  }
  const reports = results.map((x) => x.report);
  if (!quiet) {
    const artefacts = reports.reduce((n, x) => n + x.artefacts.length, 0);
    const failed = reports.reduce((n, x) => n + x.artefacts.filter((a) => a.error).length, 0);
    const findings = reports.reduce((n, x) => n + x.findings.length, 0);
    const verdicts = [...new Set(reports.map((x) => x.verdict.kind))].join(', ');
    process.stderr.write(
      `memforensics: ${runs.length > 1 ? `${runs.length} runs, ` : ''}${artefacts} artefacts (${failed} not analysed), ${findings} findings, verdict ${verdicts}` +
        (written.length ? `; wrote ${written.length > 3 ? `${written.length} files under ${values['out-dir']}` : written.join(', ')}` : '') +
        '\n',
    );
  }
  const analysable = reports.flatMap((x) => x.artefacts).filter((a) => !a.skipped && !a.sidecarOf);
  if (analysable.length > 0 && analysable.every((a) => a.error)) {
    process.stderr.write('memforensics: no input could be analysed\n');
    return 1;
  }
  if (failOn) {
    const levels = failOn === 'critical' ? ['critical'] : ['critical', 'warning'];
    if (reports.some((x) => x.findings.some((f) => levels.includes(f.severity)))) return 3;
  }
  return 0;
}

/** `--each`: every subfolder of the given folders is one run (one capture bundle, one report). */
async function subfolderRuns(paths: readonly string[]): Promise<{ name: string; paths: string[] }[]> {
  const runs: { name: string; paths: string[] }[] = [];
  for (const p of paths) {
    const entries = await readdir(p, { withFileTypes: true }).catch(() => []);
    for (const e of entries.filter((x) => x.isDirectory() && !x.name.startsWith('.')).sort((a, b) => a.name.localeCompare(b.name))) {
      runs.push({ name: paths.length > 1 ? `${path.basename(p)}/${e.name}` : e.name, paths: [path.join(p, e.name)] });
    }
  }
  return runs;
}

/** The Markdown table that `--each` prints: one row per run. */
function runsTable(results: readonly { name: string; report: Report; outDir?: string }[]): string {
  const cell = (x: string) => x.replaceAll('|', '\\|').replaceAll('\n', ' ');
  const rows = results.map(({ name, report, outDir }) => {
    const v = report.verdict;
    const top =
      v.kind === 'fragmentation'
        ? report.findings.find((f) => f.kind === 'fragmentation' || f.kind === 'oom-kill')
        : v.kind === 'no-leak' || v.kind === 'inconclusive'
          ? undefined
          : (report.findings.find((f) => isLeakFinding(f) && f.culprit) ?? report.findings.find(isLeakFinding) ?? report.findings.find((f) => f.culprit));
    const ttl = v.timeToLimitSeconds != null ? formatDuration(v.timeToLimitSeconds) : '–';
    const culprit = top ? (top.culprit ?? top.title) : v.kind === 'fragmentation' ? v.summary : '–';
    return `| ${cell(name)} | **${v.kind}** | ${v.severity} | ${v.space ?? '–'} | ${ttl} | ${cell(culprit.length > 80 ? `${culprit.slice(0, 79)}…` : culprit)} | ${outDir ? `\`${cell(path.join(outDir, 'report.html'))}\`` : '–'} |`;
  });
  return ['# memforensics: one report per run', '', '| run | verdict | severity | where | time to limit | top culprit | report |', '| --- | --- | --- | --- | ---: | --- | --- |', ...rows, ''].join('\n');
}

function numbers(list: string[] | undefined, flag: string): number[] | undefined {
  if (!list) return undefined;
  return list.map((x) => {
    const n = Number(x);
    if (!Number.isFinite(n)) throw new UsageError(`${flag} takes a number, not '${x}'`);
    return n;
  });
}

/** The trace-pairing filters from the command line, validated by the pairing's own schema. */
function pairingOptions(values: Record<string, unknown>): AnalyzePathsOptions['pairing'] {
  const raw = {
    comms: values.comm as string[] | undefined,
    pids: numbers(values.pid as string[] | undefined, '--pid'),
    bytesAlloc: numbers(values['bytes-alloc'] as string[] | undefined, '--bytes-alloc'),
    from: numbers(values.from === undefined ? undefined : [values.from as string], '--from')?.[0],
    to: numbers(values.to === undefined ? undefined : [values.to as string], '--to')?.[0],
    events: values.events === undefined ? undefined : (values.events as string).split(',').map((e) => e.trim()),
    youngAgeSeconds: numbers(values['young-age'] === undefined ? undefined : [values['young-age'] as string], '--young-age')?.[0],
  };
  const set = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined));
  if (Object.keys(set).length === 0) return undefined;
  const parsed = PairingOptionsSchema.omit({ source: true }).safeParse(set);
  if (!parsed.success) throw new UsageError(`trace pairing options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

function progressLine(): AnalyzePathsOptions['onProgress'] {
  let last = 0;
  return (file, bytesRead, total) => {
    if (total < 4 << 20) return;
    const now = Date.now();
    if (now - last < 200) return;
    last = now;
    const pct = total > 0 ? Math.min(100, (100 * bytesRead) / total).toFixed(0) : '?';
    process.stderr.write(`\r\x1b[Kreading ${path.basename(file)}: ${formatBytes(bytesRead)} (${pct}%)`);
  };
}

export async function run(argv: string[]): Promise<number> {
  try {
    return await main(argv);
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string })?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      process.stderr.write(`memforensics: ${(e as Error).message}\n\n${USAGE}\n`);
      return 1;
    }
    process.stderr.write(`memforensics: ${(e as Error)?.stack ?? String(e)}\n`);
    return 1;
  }
}

// Run when executed directly (tsx src/cli/main.ts, node dist/cli.js), not when imported.
const invoked = process.argv[1] ? path.resolve(process.argv[1]) : '';
if (invoked.endsWith(`${path.sep}cli${path.sep}main.ts`) || invoked.endsWith(`${path.sep}dist${path.sep}cli.js`) || invoked.endsWith(`${path.sep}dist${path.sep}cli.cjs`)) {
  run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
