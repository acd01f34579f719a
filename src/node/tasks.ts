import type { FormatId } from '../core/parser.js';
import type { DecompressionLimits } from '../core/limits.js';
import type { AnalyzeOptions } from '../pipeline/context.js';

/** Options of analyzePaths / parsePaths, and the parts a worker thread receives. */
export interface AnalyzePathsOptions extends AnalyzeOptions {
  /** Forces a format for files detection cannot place (applies to every file). */
  format?: FormatId;
  /** Seconds between snapshots for series captured without timestamps. */
  intervalSeconds?: number;
  /** Called with progress for large inputs (bytes read so far of the current file). */
  onProgress?: (file: string, bytesRead: number, totalBytes: number) => void;
  /** Called when a file starts, for progress lines. */
  onFile?: (file: string, index: number, count: number) => void;
  /** Parse files in this many worker threads (default 1: in this thread). */
  jobs?: number;
  /** How far .gz inputs and archive members may expand (defaults: DEFAULT_DECOMPRESSION_LIMITS). */
  decompression?: Partial<DecompressionLimits>;
  /** With jobs > 1, files smaller than this parse in this thread (default WORKER_MIN_BYTES, 16 MiB). */
  workerMinBytes?: number;
  /**
   * Worker threads that parse and pair one big plain-text trace together (default: `jobs`); a
   * trace of at least `traceParallelMinBytes` (default TRACE_PARALLEL_MIN_BYTES, 128 MiB) is cut
   * into pieces at event lines and paired in pieces (same result as the serial pairer).
   */
  traceWorkers?: number;
  traceParallelMinBytes?: number;
}

/** One file to parse: what a worker thread receives. */
export interface ParseTask {
  path: string;
  bytes: number;
  sidecar?: string;
  /** The format a capture manifest declared for this file (detection is skipped). */
  format?: FormatId;
  /** The sampling interval a capture manifest declared (for series without their own times). */
  intervalSeconds?: number;
  /**
   * Read to the end even if the file grows meanwhile (watch mode follows growth itself); by
   * default a file is read to its listed size and last complete line (see readChunks).
   */
  readToEnd?: boolean;
}

/** The serialisable subset of the options a worker needs. */
export type WorkerParseOptions = Omit<AnalyzePathsOptions, 'onProgress' | 'onFile'>;

