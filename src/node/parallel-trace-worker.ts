import { createReadStream } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { isInputError } from '../core/errors.js';
import { ftraceParser, traceCmdParser, type TraceRecord } from '../parsers/tracecmd/index.js';
import { parseTraceBytesAsync } from '../parsers/tracecmd/fast.js';
import type { PieceResult, PieceTask } from './parallel-trace.js';
import { nodeDecodeAscii } from './fastDecode.js';

/** Worker entry of pairTraceFileParallel: parses one byte range of a trace file per message. */
parentPort!.on('message', (task: PieceTask) => {
  // Records travel as one JSON string per piece (much cheaper than structured clone of objects),
  // stripped of the fields pairing does not read (gfp flags, node, accounted, migratetype, cpu).
  const records: TraceRecord[] = [];
  const slim = (r: TraceRecord): TraceRecord => {
    if (r.type === 'stack') return r;
    const o: Record<string, unknown> = { type: 'event', ts: r.ts, cpu: -1, comm: r.comm, pid: r.pid, event: r.event, line: r.line };
    if (r.tgid !== undefined) o.tgid = r.tgid;
    if (r.callSite !== undefined) o.callSite = r.callSite;
    if (r.ptr !== undefined) o.ptr = r.ptr;
    if (r.bytesReq !== undefined) o.bytesReq = r.bytesReq;
    if (r.bytesAlloc !== undefined) o.bytesAlloc = r.bytesAlloc;
    if (r.cacheName !== undefined) o.cacheName = r.cacheName;
    if (r.pfn !== undefined) o.pfn = r.pfn;
    else if (r.page !== undefined) o.page = r.page;
    if (r.order !== undefined) o.order = r.order;
    if (r.failed) o.failed = true;
    if (r.stackId !== undefined) o.stackId = r.stackId;
    if (r.userStackId !== undefined) o.userStackId = r.userStackId;
    return o as TraceRecord;
  };
  const def = task.format === 'ftrace' ? ftraceParser : traceCmdParser;
  const stream = createReadStream(task.path, { start: task.start, end: task.end - 1, highWaterMark: 1 << 20 });
  parseTraceBytesAsync(def, stream, { onRecord: (r) => records.push(slim(r as TraceRecord)), decodeAscii: nodeDecodeAscii })
    .then((r) => {
      const msg: PieceResult = { index: task.index, records: [], recordsJson: JSON.stringify(records), stats: r.stats, diagnostics: r.diagnostics };
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
