import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ParsedArtefact } from '../pipeline/context.js';
import type { ParseTask, WorkerParseOptions } from './tasks.js';

/** What a parse worker posts: byte progress while it reads, then the parsed artefact. */
type WorkerMessage = { type: 'progress'; file: string; bytesRead: number; totalBytes: number } | { type: 'result'; result: ParsedArtefact };

/**
 * Parses files in worker threads, one file at a time per worker, biggest files first so the
 * cores finish together. Each worker runs the same `parseFile` as the serial loop and posts back
 * plain data (structured clone), so the analysis that follows sees exactly the serial result.
 */
export async function parseTasksInWorkers(
  tasks: readonly ParseTask[],
  options: WorkerParseOptions,
  jobs: number,
  onFile?: (file: string, index: number, count: number) => void,
  onProgress?: (file: string, bytesRead: number, totalBytes: number) => void,
): Promise<ParsedArtefact[]> {
  const here = fileURLToPath(import.meta.url);
  const fromSource = here.endsWith('.ts');
  const workerFile = path.join(path.dirname(here), fromSource ? 'parseWorker.ts' : 'parseWorker.js');
  const queue = [...tasks].sort((a, b) => b.bytes - a.bytes);
  const results: ParsedArtefact[] = [];
  let started = 0;
  const workerCount = Math.max(1, Math.min(jobs, queue.length));

  const runWorker = () =>
    new Promise<void>((resolve, reject) => {
      // Running from TypeScript sources (tests, tsx): the worker registers tsx, then loads the .ts entry.
      const worker = fromSource
        ? new Worker(
            `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(pathToFileURL(workerFile).href)}); });`,
            { eval: true, workerData: { options } },
          )
        : new Worker(workerFile, { workerData: { options } });
      const next = () => {
        const task = queue.shift();
        if (!task) {
          void worker.terminate();
          resolve();
          return;
        }
        onFile?.(task.path, started++, tasks.length);
        worker.postMessage(task);
      };
      worker.on('message', (msg: WorkerMessage) => {
        if (msg.type === 'progress') {
          onProgress?.(msg.file, msg.bytesRead, msg.totalBytes);
          return;
        }
        results.push(msg.result);
        next();
      });
      worker.on('error', reject);
      worker.on('online', next);
    });

  await Promise.all(Array.from({ length: workerCount }, runWorker));
  return results;
}
