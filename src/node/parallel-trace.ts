import { closeSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AllocationPairer, type PairingOptions, type PairingResult } from '../analysis/pairing/index.js';
import type { DiagnosticSummary } from '../core/diagnostics.js';
import { MemforensicsInputError } from '../core/errors.js';
import type { ParseStats } from '../core/parser.js';
import type { TraceRecord } from '../parsers/tracecmd/core.js';

/**
 * Parse + pair one big trace-cmd / ftrace text file on several cores: the file is cut into pieces
 * at event-line boundaries, worker threads parse the pieces (byte fast path), and the main thread
 * pairs their records strictly in file order, remapping stack ids and line numbers. At most
 * `workers + aheadPieces` pieces are parsed but not yet paired, so memory stays bounded by
 * the piece size, not the file size.
 *
 * Caveat: a kernel_stack printed after an event of the previous piece (another CPU interleaved at
 * the cut) is reported as an orphan stack; with pieces of tens of MB that is a handful of events.
 */

export interface ParallelTraceOptions {
  /** Worker threads (default 2). */
  workers?: number;
  /** Target piece size in bytes (default 4 MiB). */
  pieceBytes?: number;
  /** Pieces parsed ahead of the pairing (default 1). */
  aheadPieces?: number;
  format?: 'trace-cmd' | 'ftrace';
  pairing?: PairingOptions;
  /** Old-generation heap limit of each worker in MiB (default 64). */
  workerHeapMb?: number;
}

export interface ParallelTraceResult {
  pairing: PairingResult;
  stats: ParseStats;
  diagnostics: DiagnosticSummary;
  pieces: number;
  bytes: number;
}

/** Message from a worker: one parsed piece. */
export interface PieceResult {
  index: number;
  records: TraceRecord[];
  /** The records as one JSON string (what the workers send: cheaper than structured clone). */
  recordsJson?: string;
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
}

function isStackContinuation(line: string): boolean {
  const t = line.trimStart();
  return t.startsWith('=>') || line.includes('kernel_stack:') || line.includes('user_stack:') || line.includes('<stack trace') || line.includes('<user stack');
}

/**
 * Offsets where pieces start: line starts that open an event (not a stack block), plus the size.
 * @example splitPoints('/tmp/trace.txt', statSync('/tmp/trace.txt').size, 4 << 20) // [0, 4194412, ..., size]
 */
export function splitPoints(file: string, size: number, pieceBytes: number): number[] {
  const points = [0];
  if (size <= pieceBytes) return [0, size];
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(1 << 16);
    for (let target = pieceBytes; target < size; target += pieceBytes) {
      let pos = target;
      let found = -1;
      while (found < 0 && pos < size) {
        const n = readSync(fd, buf, 0, buf.length, pos);
        if (n <= 0) break;
        let nl = buf.indexOf(10, 0);
        while (nl >= 0 && nl + 1 < n) {
          const next = buf.indexOf(10, nl + 1);
          if (next < 0) break;
          const line = buf.toString('utf8', nl + 1, next);
          if (!isStackContinuation(line)) {
            found = pos + nl + 1;
            break;
          }
          nl = next;
        }
        if (found < 0) pos += Math.max(1, n - 512);
      }
      if (found > points[points.length - 1] && found < size) points.push(found);
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
 * Parses and pairs a trace file with worker threads.
 * @example
 * const { pairing } = await pairTraceFileParallel('/tmp/trace.txt', { workers: 2, pairing: { comms: ['kobjleak'] } });
 */
export async function pairTraceFileParallel(file: string, options: ParallelTraceOptions = {}): Promise<ParallelTraceResult> {
  const size = statSync(file).size;
  const workers = Math.max(1, options.workers ?? 2);
  const points = splitPoints(file, size, options.pieceBytes ?? 4 * 1024 * 1024);
  const tasks: PieceTask[] = [];
  for (let i = 0; i + 1 < points.length; i++) tasks.push({ index: i, path: file, start: points[i], end: points[i + 1], format: options.format ?? 'trace-cmd' });

  const here = fileURLToPath(import.meta.url);
  const fromSource = here.endsWith('.ts');
  const workerFile = path.join(path.dirname(here), fromSource ? 'parallel-trace-worker.ts' : 'parallel-trace-worker.js');
  // Small worker heaps: a worker holds one piece's records at a time; a tight limit makes V8
  // collect instead of growing, which keeps the process RSS (three isolates) bounded.
  const resourceLimits = { maxOldGenerationSizeMb: options.workerHeapMb ?? 64, maxYoungGenerationSizeMb: 16 };
  const spawn = (): Worker =>
    fromSource
      ? new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(pathToFileURL(workerFile).href)}); });`, { eval: true, resourceLimits })
      : new Worker(workerFile, { resourceLimits });

  const pairer = new AllocationPairer({ source: file, ...options.pairing });
  const stats: ParseStats = { linesRead: 0, linesParsed: 0, linesSkipped: 0, linesDiagnosed: 0, skippedByReason: {}, records: 0, counters: {} };
  const diagnostics: DiagnosticSummary = { total: 0, bySeverity: { info: 0, warning: 0, 'data-loss': 0, error: 0 }, byCode: {}, items: [] };
  const globalStacks = new Map<string, number>();
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
    const local: number[] = [];
    const records = p.recordsJson !== undefined ? (JSON.parse(p.recordsJson) as TraceRecord[]) : p.records;
    for (const r of records) {
      if (r.type === 'stack') {
        const key = `${r.kind}\n${r.frames.join('\n')}`;
        let id = globalStacks.get(key);
        if (id === undefined) {
          id = globalStacks.size;
          globalStacks.set(key, id);
          pairer.add({ ...r, id, line: r.line + lineOffset });
        }
        local[r.id] = id;
      } else {
        r.line += lineOffset;
        if (r.stackId !== undefined) r.stackId = local[r.stackId];
        if (r.userStackId !== undefined) r.userStackId = local[r.userStackId];
        pairer.addEvent(r);
      }
    }
    mergeStats(stats, p.stats);
    mergeDiagnostics(diagnostics, p.diagnostics, lineOffset);
    lineOffset += p.stats.linesRead;
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
