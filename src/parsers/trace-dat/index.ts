import { MemforensicsInputError } from '../../core/errors.js';
import type { ParseResult, ParserDefinition, SniffResult } from '../../core/parser.js';
import { TraceRecordSchema, type TraceParseOptions, type TraceRecord } from '../tracecmd/core.js';
import { bytesSource } from './bytes.js';
import type { TraceDatHeader } from './header.js';
import { parseTraceDatSource, type TraceDatParseOptions } from './reader.js';

export { blobSource, bytesSource, type ByteSource } from './bytes.js';
export { readTraceDatHeader, TRACE_DAT_MAGIC, type CpuData, type TraceDatCpuStat, type TraceDatHeader } from './header.js';
export { parseTraceDatSource, type TraceDatParseOptions } from './reader.js';

/** The magic as the text head shows it (its bytes are ASCII). */
const MAGIC_TEXT = '\u0017\u0008Dtracing';

function sniffTraceDat(head: string): SniffResult {
  if (head.startsWith(MAGIC_TEXT)) return { score: 1, reason: 'trace.dat magic "\\x17\\x08Dtracing"' };
  return { score: 0, reason: 'no trace.dat magic' };
}

/**
 * trace-cmd's binary trace.dat (file versions 6 and 7, zstd/zlib compressed or not), read natively:
 * the same records as the `trace-cmd report` text parser, without running trace-cmd report.
 */
export const traceDatParser: ParserDefinition<TraceRecord, TraceParseOptions> = {
  format: 'trace-dat',
  title: "trace-cmd's binary trace.dat (file version 6 and 7, zstd/zlib) with kmem events and -T stacks, read natively",
  producedBy: 'trace-cmd record -e kmem:kmalloc -e kmem:kfree -e kmem:kmem_cache_alloc -e kmem:kmem_cache_free -T (then memforensics analyze trace.dat)',
  recordSchema: TraceRecordSchema,
  binary: true,
  sniff: sniffTraceDat,
  createCore: () => ({
    // a binary file has no lines: the byte front ends below read it
    line() {
      throw new MemforensicsInputError('BINARY_INPUT', 'trace.dat is binary: read it with parseTraceDat / parseTraceDatSource, not as text');
    },
    end() {},
  }),
};

/**
 * Parses a whole trace.dat held in memory.
 * @example
 * const { records, header } = await parseTraceDat(new Uint8Array(await blob.arrayBuffer()));
 */
export function parseTraceDat(bytes: Uint8Array, options: TraceDatParseOptions = {}): Promise<ParseResult<TraceRecord> & { header: TraceDatHeader }> {
  return parseTraceDatSource(bytesSource(bytes), options);
}

/** Most bytes parseTraceDatAsync collects from a stream (it needs random access; files use a ByteSource). */
export const MAX_STREAMED_TRACE_DAT_BYTES = 2 * 1024 ** 3;

/**
 * Parses a trace.dat from a stream of byte chunks (a gunzipped .dat.gz, a fetch body). The CPUs'
 * data sit at different offsets and are merged by time, so the stream is collected first
 * (at most MAX_STREAMED_TRACE_DAT_BYTES); a file on disk or a Blob is better read through
 * parseTraceDatSource, in bounded memory.
 */
export async function parseTraceDatAsync(chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>, options: TraceDatParseOptions = {}): Promise<ParseResult<TraceRecord> & { header: TraceDatHeader }> {
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const c of chunks as AsyncIterable<Uint8Array | string>) {
      if (typeof c === 'string') throw new MemforensicsInputError('BINARY_INPUT', 'trace.dat must be read as bytes, not text');
      total += c.length;
      if (total > MAX_STREAMED_TRACE_DAT_BYTES) throw new MemforensicsInputError('BAD_OPTIONS', `a streamed trace.dat larger than ${MAX_STREAMED_TRACE_DAT_BYTES} bytes: read the file through a ByteSource`);
      parts.push(c);
    }
  } catch (e) {
    if (e instanceof MemforensicsInputError) throw e;
    // a stream that failed midway (a .dat.gz cut short): what came is read, and the CPU data
    // that points past its end is reported as trace-dat-truncated by the reader
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  const result = await parseTraceDat(all, options);
  return result;
}
