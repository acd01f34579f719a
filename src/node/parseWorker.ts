import { parentPort, workerData } from 'node:worker_threads';
import { parseFile } from './analyzePaths.js';
import type { ParseTask, WorkerParseOptions } from './tasks.js';

/** Worker thread entry: parses the files it is sent, one at a time, and posts the results back. */
const options = (workerData as { options: WorkerParseOptions }).options;
parentPort!.on('message', (task: ParseTask) => {
  void parseFile(task, options).then((result) => parentPort!.postMessage(result));
});
