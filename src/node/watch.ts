import { open, stat } from 'node:fs/promises';
import { IncrementalParse } from '../core/incremental.js';
import { isInputError } from '../core/errors.js';
import { compareSeverity, type Finding, type FindingSeverity } from '../core/models.js';
import { analyze } from '../pipeline/analyze.js';
import type { ParsedArtefact } from '../pipeline/context.js';
import type { Report } from '../report/schema.js';
import { parseFile, planPaths, prepareParse } from './analyzePaths.js';
import { contentKind, readHead } from './files.js';
import type { AnalyzePathsOptions, ParseTask } from './tasks.js';

/**
 * Watch mode: follows a capture folder while the capture kit (or any loop) writes it, and tells
 * what changed in the verdict and the grades during the run instead of after it.
 *
 * Each growing text file is parsed incrementally: every byte is read once, from where the last
 * poll stopped, into a live parse (IncrementalParse), and the analyses re-run over the records so
 * far (they are cheap beside parsing). Files that are not appended to in place are parsed whole
 * once they stop changing, and again only if they change later: gzip files, binary captures and
 * traces (a trace-cmd report is written once, after the recording; its pairing streams). The
 * final report ends every live parse, so it is the report a one-shot `analyze` of the folder gives.
 */

/** Below this many bytes a still-growing file is not sniffed yet: a short head can mislead detection. */
const MIN_SNIFF_BYTES = 4096;
/** Bytes read per read() call when catching up on a file. */
const READ_CHUNK_BYTES = 1 << 20;

export interface WatchChange {
  /** What changed: the run's verdict, or one finding (new, regraded, gone). */
  kind: 'verdict' | 'finding-new' | 'finding-regraded' | 'finding-gone';
  /** One line for humans, with the evidence and the time to the limit when known. */
  message: string;
  severity: FindingSeverity;
  /** The severity before the change (regraded findings and verdicts). */
  previousSeverity?: FindingSeverity;
}

export interface WatchPollResult {
  report: Report;
  changes: WatchChange[];
  /** Bytes read from disk in this poll (new data only). */
  bytesRead: number;
}

type FileState =
  | { mode: 'pending'; size: number; mtimeMs: number }
  | { mode: 'incremental'; parse: IncrementalParse<unknown>; offset: number; artefact: Omit<ParsedArtefact, 'result'>; finished?: ParsedArtefact }
  | { mode: 'whole'; size: number; mtimeMs: number; artefact: ParsedArtefact | null; parsedSize?: number; parsedMtimeMs?: number };

/**
 * The identity of a finding across polls: its kind, culprit (else its title without the numbers,
 * which move with every snapshot: "SUnreclaim grows 56.2 MiB/h" is the same finding at 46.7) and source.
 */
function findingKey(f: Finding): string {
  return `${f.kind}\u0000${f.culprit ?? f.title.replace(/\d[\d.,]*\s*[KMGT]?i?B?/g, '#')}\u0000${f.source}`;
}

function describeFinding(f: Finding): string {
  const first = f.evidence[0];
  return first ? `${f.title} (${first.detail})` : f.title;
}

/** What changed between two reports of the same folder, most severe first. */
export function reportChanges(previous: Report | null, current: Report): WatchChange[] {
  const changes: WatchChange[] = [];
  const v = current.verdict;
  const pv = previous?.verdict;
  if (!pv || pv.kind !== v.kind || pv.severity !== v.severity) {
    changes.push({
      kind: 'verdict',
      severity: v.severity,
      ...(pv ? { previousSeverity: pv.severity } : {}),
      message: `verdict ${pv ? `${pv.kind} (${pv.severity}) -> ` : ''}${v.kind} (${v.severity}): ${v.summary}`,
    });
  }
  const before = new Map((previous?.findings ?? []).map((f) => [findingKey(f), f]));
  const seen = new Set<string>();
  for (const f of current.findings) {
    const key = findingKey(f);
    seen.add(key);
    const old = before.get(key);
    if (!old) {
      if (f.severity !== 'info') changes.push({ kind: 'finding-new', severity: f.severity, message: `new ${f.severity}: ${describeFinding(f)}` });
    } else if (old.severity !== f.severity) {
      changes.push({ kind: 'finding-regraded', severity: f.severity, previousSeverity: old.severity, message: `${old.severity} -> ${f.severity}: ${describeFinding(f)}` });
    }
  }
  for (const [key, old] of before) {
    if (!seen.has(key) && old.severity !== 'info') changes.push({ kind: 'finding-gone', severity: 'info', previousSeverity: old.severity, message: `no longer reported (was ${old.severity}): ${old.title}` });
  }
  return changes.sort((a, b) => (a.kind === 'verdict' ? -1 : b.kind === 'verdict' ? 1 : compareSeverity(a.severity, b.severity)));
}

/**
 * Follows one capture folder. Call `poll()` as often as wanted (each reads only new bytes) and
 * `finish()` once at the end for the final report.
 * @example
 * const watcher = new CaptureWatcher('run-17/', { limitBytes: 2 ** 31 });
 * const { changes } = await watcher.poll();
 * const report = await watcher.finish();
 */
export class CaptureWatcher {
  readonly #dir: string;
  readonly #options: AnalyzePathsOptions;
  readonly #files = new Map<string, FileState>();
  #previous: Report | null = null;
  #totalBytesRead = 0;

  constructor(dir: string, options: AnalyzePathsOptions = {}) {
    this.#dir = dir;
    this.#options = options;
  }

  /** Bytes read from disk since the watcher started: each file's size once, for appended files. */
  get totalBytesRead(): number {
    return this.#totalBytesRead;
  }

  /** Reads what was appended since the last poll, re-analyses and returns what changed. */
  async poll(): Promise<WatchPollResult> {
    const before = this.#totalBytesRead;
    const artefacts = await this.#collect(false);
    const report = analyze(artefacts, this.#options);
    const changes = reportChanges(this.#previous, report);
    this.#previous = report;
    return { report, changes, bytesRead: this.#totalBytesRead - before };
  }

  /** Reads the rest, ends every live parse and returns the final report (that of a one-shot analyze). */
  async finish(): Promise<Report> {
    return analyze(await this.#collect(true), this.#options);
  }

  async #collect(final: boolean): Promise<ParsedArtefact[]> {
    const { order, tasks, fixed } = await planPaths([this.#dir]);
    const parsed = new Map<string, ParsedArtefact | null>();
    for (const task of tasks) parsed.set(task.path, await this.#update(task, final));
    const out: ParsedArtefact[] = [];
    for (const p of order) {
      const a = fixed.get(p) ?? parsed.get(p);
      if (a) out.push(a);
    }
    return out;
  }

  async #update(task: ParseTask, final: boolean): Promise<ParsedArtefact | null> {
    const info = await stat(task.path).catch(() => null);
    if (!info) return { path: task.path, format: null, error: { code: 'UNREADABLE', message: 'no such file or directory' } };
    let state = this.#files.get(task.path);
    // A file that shrank was rotated or rewritten: what was read of it no longer stands.
    if (state?.mode === 'incremental' && info.size < state.offset) state = undefined;
    if (!state) {
      state = { mode: 'pending', size: -1, mtimeMs: -1 };
      this.#files.set(task.path, state);
    }
    let active: Exclude<FileState, { mode: 'pending' }>;
    if (state.mode === 'pending') {
      const stable = info.size === state.size && info.mtimeMs === state.mtimeMs;
      state.size = info.size;
      state.mtimeMs = info.mtimeMs;
      if (!final && !stable && info.size < MIN_SNIFF_BYTES) return null;
      active = await this.#start(task, stable ? info.size : -1, stable ? info.mtimeMs : -1);
      this.#files.set(task.path, active);
    } else active = state;
    if (active.mode === 'whole') return this.#whole(active, task, info.size, info.mtimeMs, final);
    if (active.finished) return active.finished;
    await this.#readNew(active, task.path, info.size);
    if (final) return this.#finishIncremental(active);
    const result = active.parse.peek();
    return result ? { ...active.artefact, result, bytes: active.offset } : null;
  }

  /**
   * Chooses how to follow a file once it has enough bytes to be placed. `size` / `mtimeMs` are
   * the file's when it was last seen unchanged (-1 when it is still changing).
   */
  async #start(task: ParseTask, size: number, mtimeMs: number): Promise<Exclude<FileState, { mode: 'pending' }>> {
    const kind = await contentKind(task.path);
    if (kind === 'text') {
      try {
        const head = await readHead(task.path, 64 * 1024, kind);
        const { format, detection, module, parserOptions } = await prepareParse(task, this.#options, head);
        if (!module.streaming && !module.parseStream) {
          const parse = new IncrementalParse(module.parser, { ...parserOptions, source: task.path });
          return { mode: 'incremental', parse, offset: 0, artefact: { path: task.path, format, detection } };
        }
      } catch (e) {
        const failed: ParsedArtefact = { path: task.path, format: null, bytes: size, error: { code: isInputError(e) ? e.code : 'UNREADABLE', message: String((e as Error)?.message ?? e) } };
        return { mode: 'whole', size, mtimeMs, artefact: failed };
      }
    }
    return { mode: 'whole', size, mtimeMs, artefact: null, parsedSize: -1, parsedMtimeMs: -1 };
  }

  /**
   * A file parsed whole: once it has stopped changing between two polls (or at the end), and
   * again only when it changed since; while it changes the last parse stands.
   */
  async #whole(state: Extract<FileState, { mode: 'whole' }>, task: ParseTask, size: number, mtimeMs: number, final: boolean): Promise<ParsedArtefact | null> {
    const stable = size === state.size && mtimeMs === state.mtimeMs;
    state.size = size;
    state.mtimeMs = mtimeMs;
    if (!stable && !final) return state.artefact;
    // A parse failure found when the file was placed (parsedSize undefined) stands until it changes.
    if (state.parsedSize === undefined && state.artefact) {
      state.parsedSize = size;
      state.parsedMtimeMs = mtimeMs;
    }
    if (state.artefact && state.parsedSize === size && state.parsedMtimeMs === mtimeMs) return state.artefact;
    state.artefact = await parseFile({ ...task, bytes: size, readToEnd: true }, this.#options);
    state.parsedSize = size;
    state.parsedMtimeMs = mtimeMs;
    this.#totalBytesRead += size;
    return state.artefact;
  }

  async #readNew(state: Extract<FileState, { mode: 'incremental' }>, file: string, size: number): Promise<void> {
    if (size <= state.offset) return;
    const handle = await open(file, 'r');
    try {
      const buffer = new Uint8Array(Math.min(READ_CHUNK_BYTES, size - state.offset));
      while (state.offset < size) {
        const want = Math.min(buffer.length, size - state.offset);
        const { bytesRead } = await handle.read(buffer, 0, want, state.offset);
        if (bytesRead === 0) break;
        // A copy: the parse's decoder may keep a partial UTF-8 sequence of this chunk.
        state.parse.push(buffer.slice(0, bytesRead));
        state.offset += bytesRead;
        this.#totalBytesRead += bytesRead;
      }
    } finally {
      await handle.close();
    }
  }

  #finishIncremental(state: Extract<FileState, { mode: 'incremental' }>): ParsedArtefact {
    try {
      state.finished = { ...state.artefact, result: state.parse.finish(), bytes: state.offset };
    } catch (e) {
      state.finished = { path: state.artefact.path, format: null, bytes: state.offset, error: { code: isInputError(e) ? e.code : 'UNREADABLE', message: String((e as Error)?.message ?? e) } };
    }
    return state.finished;
  }
}

export interface WatchFolderOptions extends AnalyzePathsOptions {
  /** Seconds between polls (default 5). */
  pollSeconds?: number;
  /** Stop after this many seconds (default: until the signal aborts or the capture stops). */
  durationSeconds?: number;
  /** Stop when the folder's capture manifest records that the capture stopped (default true). */
  stopWithCapture?: boolean;
  signal?: AbortSignal;
  /** Called after every poll, with what changed (often nothing). */
  onPoll?: (poll: WatchPollResult) => void | Promise<void>;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** True when the folder's capture kit manifest carries a stop time: the capture is over. */
async function captureStopped(dir: string): Promise<boolean> {
  const { readFile } = await import('node:fs/promises');
  const { isCaptureManifest, parseCaptureManifest } = await import('../parsers/capture/manifest.js');
  const text = await readFile(`${dir}/manifest.txt`, 'utf8').catch(() => '');
  return isCaptureManifest(text) && parseCaptureManifest(text).stopEpoch !== null;
}

/**
 * Polls a capture folder until the signal aborts, the duration passes or the capture kit records
 * its stop, then returns the final report (the one-shot analyze of the folder).
 * @example
 * const report = await watchFolder('run-17/', { pollSeconds: 10, onPoll: ({ changes }) => changes.forEach((c) => console.log(c.message)) });
 */
export async function watchFolder(dir: string, options: WatchFolderOptions = {}): Promise<Report> {
  const { pollSeconds = 5, durationSeconds, stopWithCapture = true, signal, onPoll, ...analyzeOptions } = options;
  const watcher = new CaptureWatcher(dir, analyzeOptions);
  const deadline = durationSeconds !== undefined ? Date.now() + durationSeconds * 1000 : Infinity;
  for (;;) {
    // Read the stop mark before the poll: a capture that stopped meanwhile still gets its last snapshots read.
    const stopped = stopWithCapture && (await captureStopped(dir));
    await onPoll?.(await watcher.poll());
    if (stopped || signal?.aborted || Date.now() >= deadline) break;
    await sleep(Math.min(pollSeconds * 1000, Math.max(0, deadline - Date.now())), signal);
  }
  return watcher.finish();
}
