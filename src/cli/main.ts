#!/usr/bin/env node
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FORMAT_IDS, type FormatId } from '../core/parser.js';
import { parseSize } from '../core/text.js';
import { formatBytes, formatDuration, formatTimeToLimit } from '../core/format.js';
import { analyzePaths, type AnalyzePathsOptions } from '../node/analyzePaths.js';
import { contentKind, listArtefactFiles, readHead } from '../node/files.js';
import { detectFormat, PARSERS } from '../parsers/registry.js';
import { compareRuns } from '../pipeline/compareRuns.js';
import { isLeakFinding } from '../pipeline/verdict.js';
import { PairingOptionsSchema } from '../analysis/pairing/index.js';
import { renderers } from './renderers.js';
import type { Report } from '../report/schema.js';
import { TOOL_VERSION } from '../pipeline/buildReport.js';
import { compareSeverity, type FindingSeverity } from '../core/models.js';
import { colourFor, InputError, NoInputError, paintSeverityWords, parseFailOn, reachesFailLevel, UsageError } from './shared.js';

const USAGE = `memforensics: offline forensics of Linux memory growth

Usage:
  memforensics analyze PATH... [options]   analyse capture files and folders (.gz transparently)
  memforensics detect PATH...              show the detected format of each file (exit 2 if a path is missing)
  memforensics formats                     list the supported formats
  memforensics capture [--print] [ARGS]    run the capture kit (POSIX sh, for the device), or print it
                                           (memforensics capture --print > capture.sh; sh capture.sh -h)
  memforensics watch DIR [options]         follow a capture folder while it grows; a line when the verdict
                                           or a grade changes (see watch options)
  memforensics --version                   print the version

analyze options:
  --json                 print the JSON report instead of Markdown (with --each: one report per line, NDJSON)
  --html FILE            also write the self-contained HTML report to FILE
  --markdown FILE        also write the Markdown report to FILE
  -o, --out-dir DIR      write report.md, report.json and report.html into DIR
  -F, --format ID        force a format for files detection cannot place
  -l, --limit SIZE       memory limit to project usage to (e.g. 2GiB; default MemTotal)
  -i, --interval SECONDS sampling interval of series captured without timestamps
  -b, --baseline PATH    compare with a baseline capture (before a fix); repeatable
  -e, --each             analyse every subfolder of the given folders as its own run (one report each)
  --fail-on LEVEL        exit 3 when a finding of LEVEL (critical|warning) or worse exists
  --include-tracer       keep the tracer's own allocations (trace-cmd, bpftrace, perf)
  --comm NAME            trace pairing: count only allocations by this comm (repeatable)
  --pid N                trace pairing: count only allocations by this pid (repeatable)
  --bytes-alloc N        trace pairing: only allocations of exactly N bytes, e.g. 4096 (repeatable)
  --from T / --to T      trace pairing: time window in trace seconds
  --events LIST          trace pairing: allocation events to count (kmalloc,kmem_cache_alloc,mm_page_alloc,...)
  --young-age SECONDS    trace pairing: outstanding allocations younger than this are reported apart (default 1)
  --group-by KEY         trace pairing: what a site is: site (default: the call site across all tasks, its
                         top tasks listed), stack (each stack of a site), comm, or pid (one site per task)
  --max-decompressed SIZE  stop reading a .gz input past SIZE expanded (default 8GiB; also past 1000:1)
  --all-series           keep every extracted series in the report
  -j, --jobs N           worker threads: files in parallel, and a trace of 128 MiB or more in pieces (default: the number of cores)
  -q, --quiet            no progress or summary on stderr (problems with files are still reported)
  -h, --help             this help
  -V, --version          print the version

watch options (also -l, -i, -F, --fail-on and -q of analyze):
  --poll SECONDS         seconds between polls (default 5)
  --duration SECONDS     stop after this long (default: until Ctrl-C, or when the capture kit stops)
  --on-alert CMD         run CMD (with sh) when the verdict or a grade changes to warning or worse;
                         MEMFORENSICS_VERDICT, MEMFORENSICS_SEVERITY and MEMFORENSICS_CHANGE hold what changed
  --html FILE            keep FILE an up-to-date HTML report (rewritten after each change)
  --json                 print each change as one JSON line, and the final report as JSON

Colour: severity words are coloured on a terminal; NO_COLOR=1 turns it off.
Exit codes: 0 success, 1 no file could be analysed, 2 usage error or no input (missing paths, no capture
            file), 3 --fail-on threshold reached.`;

const TRY_HELP = "try 'memforensics --help'";

const paint = colourFor(process.stdout);
const paintErr = colourFor(process.stderr);

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command) throw new UsageError('no command given');
  if (command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command === '-V' || command === '--version') {
    process.stdout.write(`memforensics ${TOOL_VERSION}\n`);
    return 0;
  }
  if (command === 'formats') {
    for (const p of PARSERS) process.stdout.write(`${p.format.padEnd(18)} ${p.title}  [${p.producedBy}]\n`);
    return 0;
  }
  if (command === 'detect') return detect(rest);
  if (command === 'capture') return capture(rest);
  if (command === 'analyze') return analyzeCommand(rest);
  if (command === 'watch') return (await import('./watch.js')).watchCommand(rest, paint);
  throw new UsageError(`unknown command '${command}'`);
}

/** The capture kit's script, found from this file (src/cli in a clone, dist in the package). */
function captureScriptPath(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = path.join(dir, 'capture', 'memforensics-capture.sh');
    if (existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new InputError('the capture kit (capture/memforensics-capture.sh) is missing from this installation');
}

/** `capture --print` writes the kit to stdout (to copy to a device); otherwise it runs it here with sh. */
async function capture(args: string[]): Promise<number> {
  const script = captureScriptPath();
  if (args.includes('--print')) {
    process.stdout.write(readFileSync(script, 'utf8'));
    return 0;
  }
  const child = spawn('sh', [script, ...args], { stdio: 'inherit' });
  // The kit stops cleanly on SIGINT/SIGTERM: forward them instead of dying first.
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}

async function detect(paths: string[]): Promise<number> {
  if (paths.length === 0) throw new UsageError('detect needs at least one path');
  const { files, missing } = await listArtefactFiles(paths);
  // Missing paths on stderr, as ls and rg report them; stdout keeps one tab-separated line per file.
  for (const m of missing) process.stderr.write(`memforensics: ${m}: ${(await whyUnreadable(m)) ?? 'cannot be read'}\n`);
  if (files.length === 0) return 2;
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
  return missing.length ? 2 : 0;
}

async function analyzeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      json: { type: 'boolean' },
      html: { type: 'string' },
      markdown: { type: 'string' },
      'out-dir': { type: 'string', short: 'o' },
      format: { type: 'string', short: 'F' },
      limit: { type: 'string', short: 'l' },
      'max-decompressed': { type: 'string' },
      interval: { type: 'string', short: 'i' },
      baseline: { type: 'string', multiple: true, short: 'b' },
      'fail-on': { type: 'string' },
      'include-tracer': { type: 'boolean' },
      comm: { type: 'string', multiple: true },
      pid: { type: 'string', multiple: true },
      'bytes-alloc': { type: 'string', multiple: true },
      from: { type: 'string' },
      to: { type: 'string' },
      events: { type: 'string' },
      'young-age': { type: 'string' },
      'group-by': { type: 'string' },
      'all-series': { type: 'boolean' },
      each: { type: 'boolean', short: 'e' },
      quiet: { type: 'boolean', short: 'q' },
      jobs: { type: 'string', short: 'j' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'V' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`memforensics ${TOOL_VERSION}\n`);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('analyze needs at least one file or folder');
  if (values.format && !(FORMAT_IDS as readonly string[]).includes(values.format)) {
    throw new UsageError(`unknown format '${values.format}' (see 'memforensics formats')`);
  }
  const failOn = parseFailOn(values['fail-on']);
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
  let maxOutputBytes: number | undefined;
  if (values['max-decompressed'] !== undefined) {
    const m = parseSize(values['max-decompressed']);
    if (m === null || m <= 0) throw new UsageError(`--max-decompressed: cannot read '${values['max-decompressed']}' as a size (e.g. 16GiB)`);
    maxOutputBytes = m;
  }
  const options: AnalyzePathsOptions = {
    ...(maxOutputBytes !== undefined ? { decompression: { maxOutputBytes } } : {}),
    format: values.format as FormatId | undefined,
    limitBytes,
    intervalSeconds,
    includeTracer: values['include-tracer'],
    ...(pairing ? { pairing } : {}),
    allSeries: values['all-series'],
    onProgress: tty ? progressLine() : undefined,
    onFile: tty ? (file, index, count) => process.stderr.write(`\r\x1b[K[${index + 1}/${count}] ${path.basename(file)}`) : undefined,
    jobs,
  };

  if (!values.each) await requireInput(positionals, '');
  if (values.baseline?.length) await requireInput(values.baseline, '--baseline: ');
  const r = await renderers();
  const runs = values.each ? await subfolderRuns(positionals) : [{ name: '', paths: positionals }];
  if (runs.length === 0) throw new NoInputError(`--each: ${positionals.join(', ')} ${positionals.length > 1 ? 'have' : 'has'} no subfolders (each subfolder is one run)`);
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

  const reports = results.map((x) => x.report);
  // Problems with files go to stderr, whatever the output format (stdout may be a pipe to jq).
  for (const a of reports.flatMap((x) => x.artefacts)) {
    if (a.error) process.stderr.write(`memforensics: ${a.path}: ${a.error.message} (${a.error.code})\n`);
  }
  const analysable = reports.flatMap((x) => x.artefacts).filter((a) => !a.skipped && !a.sidecarOf);
  const unplaced = reports.some((x) => x.unplaced?.length);
  if (analysable.length === 0 && !unplaced) throw new NoInputError(`no capture files under ${positionals.join(', ')}`);
  if (analysable.length === 0) throw new InputError('none of the files could be analysed (see above)');
  if (analysable.every((a) => a.error)) throw new InputError(analysable.length === 1 ? 'the file could not be analysed (see above)' : `none of the ${analysable.length} files could be analysed (see above)`);

  if (values.each) {
    // NDJSON: one run per line, for jq, DuckDB's read_json_auto and other fleet tools.
    process.stdout.write(values.json ? results.map(({ name, report }) => `${JSON.stringify({ run: name, report })}\n`).join('') : runsTable(results, paint));
  } else {
    const { report } = results[0];
    process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : paintSeverityWords(r.markdown(report), paint));
  }
  if (!quiet) {
    const artefacts = reports.reduce((n, x) => n + x.artefacts.length, 0);
    const failed = reports.reduce((n, x) => n + x.artefacts.filter((a) => a.error).length, 0);
    const findings = reports.reduce((n, x) => n + x.findings.length, 0);
    const verdicts = [...new Set(reports.map((x) => x.verdict.kind))].join(', ');
    const worst = reports.flatMap((x) => x.findings.map((f) => f.severity)).sort(compareSeverity)[0];
    process.stderr.write(
      `memforensics: ${runs.length > 1 ? `${runs.length} runs, ` : ''}${artefacts} artefacts (${failed} not analysed), ${findings} findings, verdict ${verdicts}` +
        (worst ? `, worst ${paintErr(worst)}` : '') +
        (written.length ? `; wrote ${written.length > 3 ? `${written.length} files under ${values['out-dir']}` : written.join(', ')}` : '') +
        '\n',
    );
  }
  return reports.some((x) => reachesFailLevel(x.findings, failOn)) ? 3 : 0;
}

/** Why an explicit path cannot be read, as ls says it. */
async function whyUnreadable(p: string): Promise<string | null> {
  try {
    await stat(p);
    return null;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
  }
}

/**
 * An empty input set is an error, not an "inconclusive" report: every given path missing, or no file
 * under them at all (documentation files do not count), exits 2 with the reason.
 */
async function requireInput(paths: readonly string[], flag: string): Promise<void> {
  const { files } = await listArtefactFiles(paths);
  if (files.some((f) => !f.documentation)) return;
  const unreadable: string[] = [];
  for (const p of paths) {
    const why = await whyUnreadable(p);
    if (why) unreadable.push(`${p}: ${why}`);
  }
  if (unreadable.length === paths.length) throw new NoInputError(`${flag}${unreadable.join('; ')}`);
  throw new NoInputError(`${flag}no capture files under ${paths.join(', ')}${unreadable.length ? ` (${unreadable.join('; ')})` : ''}`);
}

/** `--each`: every subfolder of the given folders is one run (one capture bundle, one report). */
async function subfolderRuns(paths: readonly string[]): Promise<{ name: string; paths: string[] }[]> {
  const runs: { name: string; paths: string[] }[] = [];
  for (const p of paths) {
    const entries = await readdir(p, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
      throw new NoInputError(e.code === 'ENOENT' ? `--each: ${p}: no such folder` : e.code === 'ENOTDIR' ? `--each: ${p} is a file, not a folder of runs` : `--each: ${p}: ${e.message}`);
    });
    for (const e of entries.filter((x) => x.isDirectory() && !x.name.startsWith('.')).sort((a, b) => a.name.localeCompare(b.name))) {
      runs.push({ name: paths.length > 1 ? `${path.basename(p)}/${e.name}` : e.name, paths: [path.join(p, e.name)] });
    }
  }
  return runs;
}

/** The Markdown table that `--each` prints: one row per run. */
function runsTable(results: readonly { name: string; report: Report; outDir?: string }[], color: (s: FindingSeverity) => string): string {
  const cell = (x: string) => x.replaceAll('|', '\\|').replaceAll('\n', ' ');
  const rows = results.map(({ name, report, outDir }) => {
    const v = report.verdict;
    const top =
      v.kind === 'fragmentation'
        ? report.findings.find((f) => f.kind === 'fragmentation' || f.kind === 'oom-kill')
        : v.kind === 'no-leak' || v.kind === 'inconclusive'
          ? undefined
          : (report.findings.find((f) => isLeakFinding(f) && f.culprit) ?? report.findings.find(isLeakFinding) ?? report.findings.find((f) => f.culprit));
    const ttl = formatTimeToLimit(v.timeToLimitSeconds, v.timeToLimitAxisAssumed);
    const culprit = top ? (top.culprit ?? top.title) : v.kind === 'fragmentation' ? v.summary : '–';
    return `| ${cell(name)} | **${v.kind}** | ${color(v.severity)} | ${v.space ?? '–'} | ${ttl} | ${cell(culprit.length > 80 ? `${culprit.slice(0, 79)}…` : culprit)} | ${outDir ? `\`${cell(path.join(outDir, 'report.html'))}\`` : '–'} |`;
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
    groupBy: values['group-by'] as string | undefined,
  };
  const set = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined));
  if (Object.keys(set).length === 0) return undefined;
  const parsed = PairingOptionsSchema.omit({ source: true }).safeParse(set);
  if (!parsed.success) throw new UsageError(`trace pairing options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/**
 * One progress line on the TTY for the files being read (several at once with worker threads):
 * bytes read of the files' sizes, the rate since the first byte, and an ETA.
 */
function progressLine(): AnalyzePathsOptions['onProgress'] {
  let last = 0;
  const started = Date.now();
  const files = new Map<string, { read: number; total: number }>();
  return (file, bytesRead, total) => {
    if (total < 4 << 20) return;
    files.set(file, { read: bytesRead, total });
    const now = Date.now();
    if (now - last < 200) return;
    last = now;
    let read = 0;
    let size = 0;
    const active: string[] = [];
    for (const [f, p] of files) {
      read += p.read;
      size += p.total;
      if (p.read < p.total) active.push(path.basename(f));
    }
    const seconds = (now - started) / 1000;
    const rate = seconds > 0.5 ? read / seconds : 0;
    const pct = size > 0 ? Math.min(100, (100 * read) / size).toFixed(0) : '?';
    const eta = rate > 0 && size > read ? `, ETA ${formatDuration((size - read) / rate)}` : '';
    const what = active.length > 1 ? `${active.length} files` : (active[0] ?? path.basename(file));
    process.stderr.write(`\r\x1b[Kreading ${what}: ${formatBytes(read)} of ${formatBytes(size)} (${pct}%)${rate > 0 ? `, ${formatBytes(rate)}/s` : ''}${eta}`);
  };
}

/** A closed pipe (`| head`) ends the output quietly, as cat and rg do. */
function quietOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

export async function run(argv: string[]): Promise<number> {
  quietOnClosedPipe(process.stdout);
  quietOnClosedPipe(process.stderr);
  try {
    return await main(argv);
  } catch (e) {
    const code = (e as { code?: string })?.code ?? '';
    if (e instanceof UsageError || code.startsWith('ERR_PARSE_ARGS_')) {
      // One line and a pointer to the help, exit 2 (as argparse and rg do). Node's parseArgs adds a
      // paragraph on `--` to unknown options: the first sentence says it.
      const message = (e as Error).message.split('\n')[0].split('. To specify a positional argument')[0];
      process.stderr.write(`memforensics: ${message}; ${TRY_HELP}\n`);
      return 2;
    }
    if (e instanceof NoInputError) {
      process.stderr.write(`memforensics: ${e.message}\n`);
      return 2;
    }
    if (e instanceof InputError) {
      process.stderr.write(`memforensics: ${e.message}\n`);
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
