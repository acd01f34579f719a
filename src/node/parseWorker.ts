import { parentPort, workerData } from 'node:worker_threads';
import { parseFile } from './analyzePaths.js';
import type { ParseTask, WorkerParseOptions } from './tasks.js';

/** Progress posts from a worker are at most this often (the main thread draws one line from them). */
const PROGRESS_EVERY_MS = 200;

/**
 * Worker thread entry: parses the files it is sent, one at a time, posts byte progress while it
 * reads (so a TTY shows bytes, rate and ETA whatever --jobs is) and posts each result back. A big trace parsed here stays on this worker's thread (traceWorkers 1):
 * the file-level pool already uses the cores.
 */
const options = (workerData as { options: WorkerParseOptions }).options;
parentPort!.on('message', (task: ParseTask) => {
  let last = 0;
  const onProgress = (file: string, bytesRead: number, totalBytes: number) => {
    const now = Date.now();
    if (now - last < PROGRESS_EVERY_MS) return;
    last = now;
    parentPort!.postMessage({ type: 'progress', file, bytesRead, totalBytes });
  };
  void parseFile(task, { ...options, traceWorkers: 1, onProgress }).then((result) => parentPort!.postMessage({ type: 'result', result }));
});
