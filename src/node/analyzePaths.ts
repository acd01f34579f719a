import path from 'node:path';
import { readFile, readdir } from 'node:fs/promises';
import { isInputError } from '../core/errors.js';
import { analyze } from '../pipeline/analyze.js';
import type { ParsedArtefact } from '../pipeline/context.js';
import { formatModule, parseStreamWith } from '../pipeline/formats/index.js';
import { epochLogArtefact, parseEpochLog } from '../pipeline/timeAxis.js';
import { pairingOptions } from '../pipeline/formats/trace.js';
import type { ParseResult } from '../core/parser.js';
import { chooseFormat } from '../parsers/auto.js';
import { nodeDecodeAscii } from './fastDecode.js';
import type { Report } from '../report/schema.js';
import type { AnalyzePathsOptions, ParseTask } from './tasks.js';
import { declaredFormat, isCaptureManifest, parseCaptureManifest, unsupportedDeclared, type CaptureManifest } from '../parsers/capture/manifest.js';
import { openFileSource } from './fileSource.js';
import { contentKind, listArtefactFiles, parseTimestampsSidecar, readChunks, readHead, sidecarTarget } from './files.js';
import { isArchiveName, parseArchive } from './archive.js';

export type { AnalyzePathsOptions } from './tasks.js';

/** An epoch log is a few bytes per sample: past 8 MiB it is not one worth holding. */
const EPOCH_LOG_MAX_BYTES = 8 << 20;

async function readEpochLog(file: string, bytes: number): Promise<number[] | null> {
  if (bytes > EPOCH_LOG_MAX_BYTES) return null;
  return parseEpochLog(await readHead(file, EPOCH_LOG_MAX_BYTES, await contentKind(file)).catch(() => ''));
}

async function* counting(chunks: AsyncIterable<Uint8Array>, onBytes: (n: number) => void): AsyncGenerator<Uint8Array> {
  let n = 0;
  for await (const c of chunks) {
    n += c.length;
    onBytes(n);
    yield c;
  }
}

/**
 * Plans the work for a set of paths: the files to parse (with their timestamp sidecars) and the
 * entries that need no parsing (missing paths, documentation, sidecars), in listing order.
 */
export async function planPaths(paths: readonly string[]): Promise<{ order: string[]; tasks: ParseTask[]; fixed: Map<string, ParsedArtefact>; archives: Map<string, number> }> {
  const { files, missing } = await listArtefactFiles(paths);
  const fixed = new Map<string, ParsedArtefact>();
  const order: string[] = [];
  for (const p of missing) {
    order.push(p);
    fixed.set(p, { path: p, format: null, error: { code: 'UNREADABLE', message: 'no such file or directory' } });
  }
  const all = new Set(files.map((f) => f.path));
  const sidecarOf = new Map<string, string>();
  for (const f of files) {
    const target = sidecarTarget(f.path, all);
    if (target) sidecarOf.set(f.path, target);
  }
  const sidecarFor = new Map([...sidecarOf].map(([sidecar, target]) => [target, sidecar]));
  const manifests = await captureManifests(files.map((f) => f.path));
  const tasks: ParseTask[] = [];
  // Tar archives are read member by member (archive.ts), in this thread.
  const archives = new Map<string, number>();
  for (const f of files) {
    order.push(f.path);
    if (!f.documentation && isArchiveName(f.path)) {
      archives.set(f.path, f.bytes);
      continue;
    }
    const manifest = manifests.get(path.dirname(f.path));
    if (manifest?.path === f.path) {
      fixed.set(f.path, { path: f.path, format: null, bytes: f.bytes, skipped: 'capture-manifest' });
      // What the kit could not read is listed, so that a missing slabinfo is not a silent gap.
      for (const u of manifest.manifest.unreadable) {
        const where = `${path.dirname(f.path)}${path.sep}[not captured] ${u.source}`;
        order.push(where);
        fixed.set(where, { path: where, format: null, skipped: `not captured: ${u.reason}` });
      }
    } else if (f.documentation) fixed.set(f.path, { path: f.path, format: null, bytes: f.bytes, skipped: 'documentation' });
    else if (sidecarOf.has(f.path)) fixed.set(f.path, { path: f.path, format: null, bytes: f.bytes, sidecarOf: sidecarOf.get(f.path) });
    else if (manifest && unsupportedDeclared(manifest.manifest, path.basename(f.path))) {
      // Captured for a format this version does not read: listed as such, never guessed at.
      fixed.set(f.path, { path: f.path, format: null, bytes: f.bytes, skipped: `captured as ${unsupportedDeclared(manifest.manifest, path.basename(f.path))}, a format this version does not read` });
    } else {
      const declared = manifest ? declaredFormat(manifest.manifest, path.basename(f.path)) : undefined;
      const interval = manifest?.manifest.intervalSeconds ?? undefined;
      tasks.push({ path: f.path, bytes: f.bytes, ...(sidecarFor.has(f.path) ? { sidecar: sidecarFor.get(f.path) } : {}), ...(declared ? { format: declared } : {}), ...(interval ? { intervalSeconds: interval } : {}) });
    }
  }
  return { order, tasks, fixed, archives };
}

/** The capture kit's manifest of each folder that has one (manifest.txt starting with its header). */
async function captureManifests(files: readonly string[]): Promise<Map<string, { path: string; manifest: CaptureManifest }>> {
  const out = new Map<string, { path: string; manifest: CaptureManifest }>();
  for (const f of files) {
    if (path.basename(f) !== 'manifest.txt') continue;
    const text = await readFile(f, 'utf8').catch(() => '');
    if (isCaptureManifest(text)) out.set(path.dirname(f), { path: f, manifest: parseCaptureManifest(text) });
  }
  return out;
}

/**
 * Files below this size are parsed in the main thread even with --jobs: a worker costs a thread
 * start (and, from TypeScript sources, a compile) and a structured clone of its result, more than
 * parsing a few megabytes takes. Measured in bench/RESULTS.md (demo: 36-73 s with a pool per run,
 * 5 s without).
 */
export const WORKER_MIN_BYTES = 16 << 20;

/**
 * Reads, detects and parses every file under the given paths (folders recursively, .gz
 * transparently). A file that cannot be read or placed becomes an artefact with an `error`;
 * it never stops the others. With `jobs` > 1 the files are parsed in worker threads
 * (see parallel.ts); the result is the same as the serial run.
 */
export async function parsePaths(paths: readonly string[], options: AnalyzePathsOptions = {}): Promise<ParsedArtefact[]> {
  const { order, tasks, fixed, archives } = await planPaths(paths);
  const parsed = new Map<string, ParsedArtefact>();
  // Only files big enough to pay for a worker (its start and the result's structured clone) go
  // to one; the others parse here meanwhile. A folder of small captures never starts a worker.
  const minBytes = options.workerMinBytes ?? WORKER_MIN_BYTES;
  const big = (options.jobs ?? 1) > 1 ? tasks.filter((t) => t.bytes >= minBytes) : [];
  const small = tasks.filter((t) => !(t.bytes >= minBytes && big.length > 0));
  let index = 0;
  const inWorkers = (async () => {
    if (big.length < 2) {
      small.push(...big);
      return;
    }
    const { parseTasksInWorkers } = await import('./parallel.js');
    const { onProgress, onFile, ...workerOptions } = options;
    const results = await parseTasksInWorkers(big, workerOptions, options.jobs!, onFile ? (file) => onFile(file, index++, tasks.length) : undefined, onProgress);
    for (const r of results) parsed.set(r.path, r);
  })();
  for (let i = 0; i < small.length; i++) {
    const t = small[i];
    options.onFile?.(t.path, index++, tasks.length);
    parsed.set(t.path, await parseFile(t, options));
  }
  const fromArchives = new Map<string, ParsedArtefact[]>();
  for (const [archive, bytes] of archives) {
    options.onFile?.(archive, index++, tasks.length + archives.size);
    fromArchives.set(archive, await parseArchive(archive, bytes, options));
  }
  await inWorkers;
  return order.flatMap((p) => fromArchives.get(p) ?? [fixed.get(p) ?? parsed.get(p)!]);
}

/**
 * The format, module and parser options of one file from its head: what the one-shot parse and
 * watch mode's incremental parse share, so both read a file the same way.
 */
export async function prepareParse(task: ParseTask, options: AnalyzePathsOptions, head: string) {
  const parserOptions: Record<string, unknown> = {};
  // --interval first; else the interval the capture kit's manifest declared.
  const intervalSeconds = options.intervalSeconds ?? task.intervalSeconds;
  if (intervalSeconds) parserOptions.intervalSeconds = intervalSeconds;
  if (task.sidecar) parserOptions.timestamps = parseTimestampsSidecar(await readFile(task.sidecar, 'utf8'));
  const declared = options.format ? undefined : task.format;
  const { format, detection } = declared
    ? { format: declared, detection: { method: 'forced' as const, confidence: 1, reason: 'declared by the capture manifest' } }
    : chooseFormat(head, { path: task.path, format: options.format });
  if (format === 'bpftrace') {
    const script = await bpftraceScriptBeside(task.path);
    if (script !== null) parserOptions.script = script;
  }
  return { format, detection, module: formatModule(format), parserOptions };
}

/** Longest `.bt` program read beside a capture (a script is a few KiB). */
const MAX_SCRIPT_BYTES = 256 * 1024;

/**
 * The bpftrace program a capture came from: `NAME.bt` beside `NAME.txt` (`bpftrace NAME.bt >
 * NAME.txt`), else the only `.bt` file of the folder. It says what each map sums and how often
 * it prints; without it the map names are all there is.
 */
async function bpftraceScriptBeside(file: string): Promise<string | null> {
  const dir = path.dirname(file);
  let stem = path.basename(file);
  for (const ext of ['.gz', '.txt', '.out', '.log']) if (stem.endsWith(ext)) stem = stem.slice(0, -ext.length);
  const read = async (p: string): Promise<string | null> => {
    const text = await readFile(p, 'utf8').catch(() => null);
    return text !== null && text.length <= MAX_SCRIPT_BYTES ? text : null;
  };
  const same = await read(path.join(dir, `${stem}.bt`));
  if (same !== null) return same;
  const scripts = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.bt'));
  return scripts.length === 1 ? read(path.join(dir, scripts[0])) : null;
}

/** Detects and parses one file (the unit of work of the serial loop and of each worker). */
export async function parseFile(task: ParseTask, options: AnalyzePathsOptions): Promise<ParsedArtefact> {
  const { path: file, bytes } = task;
  let head: string | undefined;
  try {
    const kind = await contentKind(file);
    if (kind === 'binary') return { path: file, format: null, bytes, error: { code: 'BINARY_INPUT', message: 'binary file, not a text capture' } };
    head = await readHead(file, 64 * 1024, kind);
    const { format, detection, module, parserOptions } = await prepareParse(task, options, head);
    if ((format === 'trace-cmd' || format === 'ftrace') && kind === 'text' && bytes >= (options.traceParallelMinBytes ?? TRACE_PARALLEL_MIN_BYTES)) {
      const workers = options.traceWorkers ?? options.jobs ?? 1;
      // A worker that fails (out of its heap on a huge live set) costs time, not the answer.
      if (workers >= 2) {
        const inPieces = await parseTraceInPieces(task, format, detection, workers, options).catch(() => null);
        if (inPieces) return inPieces;
      }
    }
    // Formats whose records are consumed while streaming (traces, long series) never hold all records.
    const consumer = module.streaming?.(file, options);
    if (kind === 'trace-cmd-dat' && module.parseSource) {
      // a trace.dat is read where its parts are, window by window: never the whole file in memory
      const source = await openFileSource(file);
      try {
        const onProgress = options.onProgress ? (n: number) => options.onProgress!(file, n, bytes) : undefined;
        const result = await module.parseSource(source, { ...parserOptions, source: file, onRecord: consumer?.onRecord, ...(onProgress ? { onProgress } : {}), ...(options.decompression ? { decompression: options.decompression } : {}) });
        return { path: file, format, detection, result, bytes, streamed: consumer?.finish(result) };
      } finally {
        await source.close();
      }
    }
    const raw = readChunks(file, kind, options.decompression, task.readToEnd ? undefined : bytes);
    const chunks = options.onProgress ? counting(raw, (n) => options.onProgress!(file, n, bytes)) : raw;
    const result = await parseStreamWith(module, chunks, { ...parserOptions, source: file, onRecord: consumer?.onRecord }, { decodeAscii: nodeDecodeAscii });
    return { path: file, format, detection, result, bytes, streamed: consumer?.finish(result) };
  } catch (e) {
    // No format claims it: it may be the capture loop's epoch log, the clock of the series beside it.
    const epochs = isInputError(e) && head !== undefined && parseEpochLog(head) ? await readEpochLog(file, bytes) : null;
    if (epochs) return epochLogArtefact(file, epochs, bytes);
    if (isInputError(e)) return { path: file, format: null, bytes, error: { code: e.code, message: e.message } };
    return { path: file, format: null, bytes, error: { code: 'UNREADABLE', message: String((e as Error)?.message ?? e) } };
  }
}

/**
 * Below this size one thread parses and pairs a trace faster than workers can start, cut the
 * file and merge (bench/RESULTS.md: on 200 MiB two workers were slower than one thread; from
 * about 1 GiB they take 40-45 % of its wall time).
 */
export const TRACE_PARALLEL_MIN_BYTES = 128 * 1024 * 1024;

/** A big plain-text trace parsed and paired in pieces on `workers` threads (pairTraceFileParallel). */
async function parseTraceInPieces(task: ParseTask, format: 'trace-cmd' | 'ftrace', detection: ParsedArtefact['detection'], workers: number, options: AnalyzePathsOptions): Promise<ParsedArtefact> {
  const { pairTraceFileParallel } = await import('./parallel-trace.js');
  const onProgress = options.onProgress;
  const run = await pairTraceFileParallel(task.path, {
    workers,
    format,
    pairing: pairingOptions(task.path, options),
    ...(onProgress ? { onProgress: (bytesDone: number) => onProgress(task.path, bytesDone, task.bytes) } : {}),
  });
  const result: ParseResult<unknown> = { format, records: [], diagnostics: run.diagnostics, stats: run.stats };
  return { path: task.path, format, detection, result, bytes: task.bytes, streamed: { pairing: run.pairing } };
}

/**
 * Analyses files and folders of captures and returns the report data object.
 * @example
 * const report = await analyzePaths(['captures/'], { limitBytes: 2 * 1024 ** 3 });
 */
export async function analyzePaths(paths: readonly string[], options: AnalyzePathsOptions = {}): Promise<Report> {
  return analyze(await parsePaths(paths, options), options);
}
