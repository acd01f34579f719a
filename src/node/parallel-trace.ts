import { closeSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AllocationPairer, type PairingOptions, type PairingPiece, type PairingResult } from '../analysis/pairing/index.js';
import type { DiagnosticSummary } from '../core/diagnostics.js';
import { MemforensicsInputError } from '../core/errors.js';
import type { ParseStats } from '../core/parser.js';

/**
 * Parse + pair one big trace-cmd / ftrace text file on several cores: the file is cut into pieces
 * at event-line boundaries, each worker thread parses (byte fast path) AND pairs its piece on its
 * own (AllocationPairer piece mode), and the main thread merges the pieces' pairing states
 * strictly in file order (AllocationPairer.mergePiece: the live set carried from the earlier
 * pieces resolves each piece's first frees and first allocations per pointer; aggregates are
 * summed; stacks renumbered; lines shifted). Only aggregates and live sets cross threads, never
 * records. At most `workers + aheadPieces` pieces are done but not yet merged, so memory stays
 * bounded by the live set and the piece size, not the file size.
 *
 * The merged pairing equals the serial one (tested on the D1 captures and a generated trace). The
 * cuts are chosen where every CPU's last event already has its kernel stack (splitPoints); a
 * capture whose stacks come later than the next 1 MiB of text, or a user stack printed after a
 * cut, would still leave that stack orphaned in the next piece.
 *
 * The line accounting (lines read, parsed, skipped by reason) equals the serial run's; the sum of
 * the pieces' `stats.records` does not (41,881 against 41,698 on the D1 capture in two pieces, not
 * yet explained): read the pairing and the lines, not that count.
 */

export interface ParallelTraceOptions {
  /** Worker threads (default 2). */
  workers?: number;
  /** Target piece size in bytes (default: defaultPieceBytes, one piece per worker, 16 MiB-1 GiB). */
  pieceBytes?: number;
  /** Pieces parsed ahead of the pairing (default 1). */
  aheadPieces?: number;
  format?: 'trace-cmd' | 'ftrace';
  pairing?: PairingOptions;
  /**
   * Old-generation heap limit of each worker in MiB (default 256). 64 ran out of memory on a real-shaped
   * 663 MiB -T trace (the D1 recording 27 times: a piece's live set and first events outgrew it).
   */
  workerHeapMb?: number;
  /** Called after each piece is merged with the bytes of the file done so far (in file order). */
  onProgress?: (bytesDone: number) => void;
}

export interface ParallelTraceResult {
  pairing: PairingResult;
  stats: ParseStats;
  diagnostics: DiagnosticSummary;
  pieces: number;
  bytes: number;
}

/** Message from a worker: one parsed and paired piece. */
export interface PieceResult {
  index: number;
  /** The piece's pairing state (absent when the piece could not be parsed). */
  piece?: PairingPiece;
  stats: ParseStats;
  diagnostics: DiagnosticSummary;
  error?: { code: string; message: string };
}

export interface PieceTask {
  index: number;
  path: string;
  start: number;
  end: number;
  format: 'trace-cmd' | 'ftrace';
  pairing: PairingOptions;
}

function isStackStart(line: string): boolean {
  return line.includes('kernel_stack:') || line.includes('user_stack:') || line.includes('<stack trace') || line.includes('<user stack');
}

/** The CPU column `[001]` of an event line, or -1. */
function cpuOf(line: string): number {
  let from = 0;
  for (;;) {
    const open = line.indexOf('[', from);
    if (open < 0) return -1;
    const close = line.indexOf(']', open);
    if (close < 0) return -1;
    let ok = close > open + 1 && close - open <= 7;
    for (let i = open + 1; ok && i < close; i++) {
      const c = line.charCodeAt(i);
      if (c < 48 || c > 57) ok = false;
    }
    if (ok) return Number(line.slice(open + 1, close));
    from = open + 1;
  }
}

/** Bytes read before a target offset to learn which events still wait for their stacks. */
const LOOKBACK = 64 * 1024;
/** Bytes searched after a target offset for a safe cut. */
const LOOKAHEAD = 1024 * 1024;

/**
 * Offsets where pieces start: line starts that open an event (not a stack block), plus the size.
 * A cut is safe when the last event of every CPU before it already has its stack: a stack
 * printed after an event of another CPU (trace-cmd sorts by time) then never lands in the next
 * piece, away from its event. Without stacks in the window any event line is safe.
 * @example splitPoints('/tmp/trace.txt', statSync('/tmp/trace.txt').size, 4 << 20) // [0, 4194412, ..., size]
 */
export function splitPoints(file: string, size: number, pieceBytes: number): number[] {
  const points = [0];
  if (size <= pieceBytes) return [0, size];
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(LOOKBACK + LOOKAHEAD);
    for (let target = pieceBytes; target < size; target += pieceBytes) {
      const from = Math.max(points[points.length - 1], target - LOOKBACK);
      const n = readSync(fd, buf, 0, buf.length, from);
      if (n <= 0) break;
      // start at a line start (the first byte of the file, or after a newline)
      let pos = from === 0 ? 0 : buf.indexOf(10) + 1;
      if (pos <= 0) continue;
      const waiting = new Map<number, boolean>();
      let stacks = false;
      let safe = -1;
      let fallback = -1;
      while (pos < n) {
        const nl = buf.indexOf(10, pos);
        if (nl < 0 || nl >= n) break;
        const line = buf.toString('latin1', pos, nl);
        const at = from + pos;
        if (isStackStart(line)) {
          stacks = true;
          waiting.set(cpuOf(line), false);
        } else if (!line.trimStart().startsWith('=>') && line.trim().length > 0) {
          if (at >= target && at > points[points.length - 1]) {
            if (fallback < 0) fallback = at;
            let ok = true;
            if (stacks) for (const w of waiting.values()) if (w) ok = false;
            if (ok) {
              safe = at;
              break;
            }
          }
          waiting.set(cpuOf(line), true);
        }
        pos = nl + 1;
      }
      const cut = safe >= 0 ? safe : fallback;
      if (cut > points[points.length - 1] && cut < size) points.push(cut);
    }
  } finally {
    closeSync(fd);
  }
  points.push(size);
  return points;
}

function mergeStats(into: ParseStats, s: ParseStats): void {
  into.linesRead += s.linesRead;
  into.linesParsed += s.linesParsed;
  into.linesSkipped += s.linesSkipped;
  into.linesDiagnosed += s.linesDiagnosed;
  into.records += s.records;
  for (const [k, v] of Object.entries(s.skippedByReason)) into.skippedByReason[k] = (into.skippedByReason[k] ?? 0) + v;
  for (const [k, v] of Object.entries(s.counters)) into.counters[k] = (into.counters[k] ?? 0) + v;
}

function mergeDiagnostics(into: DiagnosticSummary, d: DiagnosticSummary, lineOffset: number, maxPerCode = 100): void {
  into.total += d.total;
  for (const [k, v] of Object.entries(d.bySeverity)) into.bySeverity[k as keyof typeof into.bySeverity] = (into.bySeverity[k as keyof typeof into.bySeverity] ?? 0) + v;
  for (const [k, v] of Object.entries(d.byCode)) into.byCode[k] = (into.byCode[k] ?? 0) + v;
  const stored: Record<string, number> = {};
  for (const it of into.items) stored[it.code] = (stored[it.code] ?? 0) + 1;
  for (const it of d.items) {
    if ((stored[it.code] ?? 0) >= maxPerCode) continue;
    stored[it.code] = (stored[it.code] ?? 0) + 1;
    into.items.push({ ...it, line: it.line > 0 ? it.line + lineOffset : 0 });
  }
}

/**
 * The piece size when the caller names none: one piece per worker, between 16 MiB and 1 GiB.
 * Every piece costs its worker a fresh parser and pairer (cold caches, a few ms of slower
 * parsing), an export and a merge: on a 1 GiB report two workers took 7.6-7.8 CPU s with 16 MiB
 * pieces, 5.9-7.4 with 256 MiB and 5.1-7.1 with 512 MiB (bench/RESULTS.md). A worker's memory
 * does not grow with its piece: it streams it and keeps the piece's live set, aggregates and a
 * typed-array set of the pointers it allocated.
 * @example defaultPieceBytes(1 << 30, 2) // 512 MiB: two pieces
 */
export function defaultPieceBytes(size: number, workers: number): number {
  return Math.min(1 << 30, Math.max(16 << 20, Math.ceil(size / Math.max(1, workers))));
}

/**
 * Parses and pairs a trace file with worker threads.
 * @example
 * const { pairing } = await pairTraceFileParallel('/tmp/trace.txt', { workers: 2, pairing: { comms: ['kobjleak'] } });
 */
export async function pairTraceFileParallel(file: string, options: ParallelTraceOptions = {}): Promise<ParallelTraceResult> {
  const size = statSync(file).size;
  const workers = Math.max(1, options.workers ?? 2);
  const points = splitPoints(file, size, options.pieceBytes ?? defaultPieceBytes(size, workers));
  const tasks: PieceTask[] = [];
  for (let i = 0; i + 1 < points.length; i++) tasks.push({ index: i, path: file, start: points[i], end: points[i + 1], format: options.format ?? 'trace-cmd', pairing: { source: file, ...options.pairing } });

  const here = fileURLToPath(import.meta.url);
  const fromSource = here.endsWith('.ts');
  const workerFile = path.join(path.dirname(here), fromSource ? 'parallel-trace-worker.ts' : 'parallel-trace-worker.js');
  // Small worker heaps: a worker holds one piece's records at a time; a tight limit makes V8
  // collect instead of growing, which keeps the process RSS (three isolates) bounded.
  const resourceLimits = { maxOldGenerationSizeMb: options.workerHeapMb ?? 256, maxYoungGenerationSizeMb: 16 };
  const spawn = (): Worker =>
    fromSource
      ? new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(pathToFileURL(workerFile).href)}); });`, { eval: true, resourceLimits })
      : new Worker(workerFile, { resourceLimits });

  const pairer = new AllocationPairer({ source: file, ...options.pairing });
  const stats: ParseStats = { linesRead: 0, linesParsed: 0, linesSkipped: 0, linesDiagnosed: 0, skippedByReason: {}, records: 0, counters: {} };
  const diagnostics: DiagnosticSummary = { total: 0, bySeverity: { info: 0, warning: 0, 'data-loss': 0, error: 0 }, byCode: {}, items: [] };
  const ready = new Map<number, PieceResult>();
  let nextToPair = 0;
  let nextToSend = 0;
  let lineOffset = 0;
  let errors = 0;
  let firstError: PieceResult['error'];
  const ahead = options.aheadPieces ?? 1;

  const pairPiece = (p: PieceResult): void => {
    if (p.error) {
      errors++;
      firstError ??= p.error;
    }
    if (p.piece) pairer.mergePiece(p.piece, lineOffset);
    mergeStats(stats, p.stats);
    mergeDiagnostics(diagnostics, p.diagnostics, lineOffset);
    lineOffset += p.stats.linesRead;
    options.onProgress?.(tasks[p.index].end);
  };

  await new Promise<void>((resolve, reject) => {
    const pool: Worker[] = [];
    let idle: Worker[] = [];
    const finishIfDone = (): void => {
      if (nextToPair >= tasks.length) {
        for (const w of pool) void w.terminate();
        resolve();
      }
    };
    const dispatch = (): void => {
      while (idle.length > 0 && nextToSend < tasks.length && nextToSend < nextToPair + ahead + workers) {
        const w = idle.pop()!;
        w.postMessage(tasks[nextToSend++]);
      }
    };
    for (let i = 0; i < Math.min(workers, tasks.length); i++) {
      const w = spawn();
      pool.push(w);
      w.on('message', (msg: PieceResult) => {
        ready.set(msg.index, msg);
        idle.push(w);
        // the worker's next piece first: it parses while this thread merges
        dispatch();
        try {
          while (ready.has(nextToPair)) {
            const p = ready.get(nextToPair)!;
            ready.delete(nextToPair);
            pairPiece(p);
            nextToPair++;
          }
        } catch (e) {
          reject(e);
          return;
        }
        dispatch();
        finishIfDone();
      });
      w.on('error', reject);
      w.on('online', () => {
        idle.push(w);
        dispatch();
      });
    }
    idle = idle.filter(Boolean);
    if (tasks.length === 0) resolve();
  });

  if (tasks.length > 0 && errors === tasks.length) {
    throw new MemforensicsInputError(firstError?.code === 'EMPTY_INPUT' ? 'EMPTY_INPUT' : 'NOT_THIS_FORMAT', firstError?.message ?? 'no trace content');
  }
  return { pairing: pairer.finish(), stats, diagnostics, pieces: tasks.length, bytes: size };
}
