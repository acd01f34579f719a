import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { AllocationPairer } from '../analysis/pairing/index.js';
import { isInputError } from '../core/errors.js';
import { ftraceParser, traceCmdParser, type TraceRecord } from '../parsers/tracecmd/index.js';
import { parseTraceBytesAsync } from '../parsers/tracecmd/fast.js';
import { nodeDecodeAscii } from './fastDecode.js';
import type { PieceResult, PieceTask } from './parallel-trace.js';

const readBuffer = Buffer.allocUnsafe(1 << 20);

/**
 * The piece's bytes, read synchronously into one reused buffer (the worker has nothing else to
 * do meanwhile): a read stream allocated a fresh 1 MiB Buffer per read, which cost measurably
 * more CPU per piece. The byte fast path keeps nothing of a chunk after push().
 */
function* pieceChunks(task: PieceTask): Generator<Uint8Array> {
  const fd = openSync(task.path, 'r');
  try {
    for (let at = task.start; at < task.end; ) {
      const n = readSync(fd, readBuffer, 0, Math.min(readBuffer.length, task.end - at), at);
      if (n <= 0) break;
      yield readBuffer.subarray(0, n);
      at += n;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Worker entry of pairTraceFileParallel: parses AND pairs one byte range of a trace file per
 * message, and sends back the piece's pairing state (aggregates, live set, the frees and
 * allocations the merge must resolve), never the records.
 */
parentPort!.on('message', (task: PieceTask) => {
  const def = task.format === 'ftrace' ? ftraceParser : traceCmdParser;
  const pairer = new AllocationPairer(task.pairing);
  pairer.startPiece();
  parseTraceBytesAsync(def, pieceChunks(task), { onRecord: (r) => pairer.add(r as TraceRecord), decodeAscii: nodeDecodeAscii })
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
