import { createReadStream } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { AllocationPairer } from '../analysis/pairing/index.js';
import { isInputError } from '../core/errors.js';
import { ftraceParser, traceCmdParser, type TraceRecord } from '../parsers/tracecmd/index.js';
import { parseTraceBytesAsync } from '../parsers/tracecmd/fast.js';
import { nodeDecodeAscii } from './fastDecode.js';
import type { PieceResult, PieceTask } from './parallel-trace.js';

/**
 * Worker entry of pairTraceFileParallel: parses AND pairs one byte range of a trace file per
 * message, and sends back the piece's pairing state (aggregates, live set, the frees and
 * allocations the merge must resolve), never the records.
 */
parentPort!.on('message', (task: PieceTask) => {
  const def = task.format === 'ftrace' ? ftraceParser : traceCmdParser;
  const pairer = new AllocationPairer(task.pairing);
  pairer.startPiece();
  const stream = createReadStream(task.path, { start: task.start, end: task.end - 1, highWaterMark: 1 << 20 });
  parseTraceBytesAsync(def, stream, { onRecord: (r) => pairer.add(r as TraceRecord), decodeAscii: nodeDecodeAscii })
    .then((r) => {
      const msg: PieceResult = { index: task.index, piece: pairer.exportPiece(), stats: r.stats, diagnostics: r.diagnostics };
      parentPort!.postMessage(msg);
    })
    .catch((e: unknown) => {
      const empty: PieceResult = {
        index: task.index,
        stats: { linesRead: 0, linesParsed: 0, linesSkipped: 0, linesDiagnosed: 0, skippedByReason: {}, records: 0, counters: {} },
        diagnostics: { total: 0, bySeverity: { info: 0, warning: 0, 'data-loss': 0, error: 0 }, byCode: {}, items: [] },
        error: isInputError(e) ? { code: e.code, message: e.message } : { code: 'UNREADABLE', message: String(e) },
      };
      parentPort!.postMessage(empty);
    });
});
