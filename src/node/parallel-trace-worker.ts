import { createReadStream } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { isInputError } from '../core/errors.js';
import { ftraceParser, traceCmdParser, type TraceRecord } from '../parsers/tracecmd/index.js';
import { parseTraceBytesAsync } from '../parsers/tracecmd/fast.js';
import type { PieceResult, PieceTask } from './parallel-trace.js';

/** Worker entry of pairTraceFileParallel: parses one byte range of a trace file per message. */
parentPort!.on('message', (task: PieceTask) => {
  const records: TraceRecord[] = [];
  const def = task.format === 'ftrace' ? ftraceParser : traceCmdParser;
  const stream = createReadStream(task.path, { start: task.start, end: task.end - 1, highWaterMark: 1 << 20 });
  parseTraceBytesAsync(def, stream, { onRecord: (r) => records.push(r as TraceRecord) })
    .then((r) => {
      const msg: PieceResult = { index: task.index, records, stats: r.stats, diagnostics: r.diagnostics };
      parentPort!.postMessage(msg);
    })
    .catch((e: unknown) => {
      const empty: PieceResult = {
        index: task.index,
        records,
        stats: { linesRead: 0, linesParsed: 0, linesSkipped: 0, linesDiagnosed: 0, skippedByReason: {}, records: 0, counters: {} },
        diagnostics: { total: 0, bySeverity: { info: 0, warning: 0, 'data-loss': 0, error: 0 }, byCode: {}, items: [] },
        error: isInputError(e) ? { code: e.code, message: e.message } : { code: 'UNREADABLE', message: String(e) },
      };
      parentPort!.postMessage(empty);
    });
});
