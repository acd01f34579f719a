import { frontEnds, type ParserDefinition, type SniffResult } from '../../core/parser.js';
import {
  createTraceCore,
  TraceRecordSchema,
  type TraceEvent,
  type TraceParseOptions,
  type TraceRecord,
  type TraceStackRecord,
} from './core.js';

export * from './core.js';

/**
 * Two formats, one core: `trace-cmd report` output and raw ftrace `trace` / `trace_pipe` text
 * print kmem events the same way after the task/CPU/timestamp columns.
 */

function countKmemLines(head: string): { events: number; padded: number; leadSym: number } {
  let events = 0;
  let padded = 0;
  let leadSym = 0;
  for (const name of ['kmalloc:', 'kmalloc_node:', 'kfree:', 'kmem_cache_alloc:', 'kmem_cache_free:', 'mm_page_alloc:', 'mm_page_free:', 'kmem_cache_alloc_node:', 'rss_stat:', 'mm_page_free_batched:']) {
    let from = 0;
    for (let k = 0; k < 200; k++) {
      const at = head.indexOf(` ${name}`, from);
      if (at < 0) break;
      events++;
      const after = at + 1 + name.length;
      if (head.startsWith('   ', after)) padded++;
      let j = after;
      while (head.charCodeAt(j) === 32) j++;
      if (head.charCodeAt(j) === 40) leadSym++;
      from = after;
    }
  }
  return { events, padded, leadSym };
}

function hasLineStarting(head: string, prefix: string): boolean {
  return head.startsWith(prefix) || head.includes(`\n${prefix}`);
}

function sniffTraceCmd(head: string): SniffResult {
  const k = countKmemLines(head);
  const header = hasLineStarting(head, 'cpus=') || hasLineStarting(head, 'version = ');
  if (header && (k.events > 0 || head.includes('kernel_stack:'))) return { score: 0.95, reason: 'trace-cmd report header (cpus=/version =) and kmem events' };
  if (k.events > 0 && (k.padded > 0 || k.leadSym > 0 || head.includes('kernel_stack:'))) {
    return { score: 0.8, reason: 'kmem events with trace-cmd report padding / kernel_stack records' };
  }
  if (header) return { score: 0.55, reason: 'trace-cmd report header' };
  if (k.events > 0) return { score: 0.6, reason: 'kmem trace events' };
  return { score: 0, reason: 'no kmem trace events' };
}

function sniffFtrace(head: string): SniffResult {
  const k = countKmemLines(head);
  const tracer = head.includes('# tracer:');
  if (tracer && k.events > 0) return { score: 0.95, reason: 'ftrace "# tracer:" header and kmem events' };
  if (tracer) return { score: 0.6, reason: 'ftrace "# tracer:" header' };
  if (k.events > 0 && k.padded === 0 && k.leadSym === 0 && !head.includes('kernel_stack:')) {
    return { score: 0.7, reason: 'kmem events in ftrace layout' };
  }
  if (k.events > 0) return { score: 0.5, reason: 'kmem events (trace-cmd layout more likely)' };
  return { score: 0, reason: 'no kmem trace events' };
}

export const traceCmdParser: ParserDefinition<TraceRecord, TraceParseOptions> = {
  format: 'trace-cmd',
  title: 'trace-cmd report text with kmem events (kmalloc/kfree/kmem_cache_*/mm_page_*/rss_stat) and -T stacks',
  producedBy: 'trace-cmd record -e kmem:kmalloc -e kmem:kfree -e kmem:kmem_cache_alloc -e kmem:kmem_cache_free -T; trace-cmd report',
  recordSchema: TraceRecordSchema,
  sniff: sniffTraceCmd,
  createCore: (options) => createTraceCore(options),
};

export const ftraceParser: ParserDefinition<TraceRecord, TraceParseOptions> = {
  format: 'ftrace',
  title: 'raw ftrace trace / trace_pipe text with kmem events and stacktrace blocks',
  producedBy: 'echo 1 > events/kmem/enable; cat /sys/kernel/tracing/trace (or trace_pipe)',
  recordSchema: TraceRecordSchema,
  sniff: sniffFtrace,
  createCore: (options) => createTraceCore(options),
};

export const { parse: parseTraceCmd, parseAsync: parseTraceCmdAsync } = frontEnds(traceCmdParser);
export const { parse: parseFtrace, parseAsync: parseFtraceAsync } = frontEnds(ftraceParser);

/**
 * Splits parsed trace records into events and a stack table (id → frames).
 * @example
 * const { events, stacks } = splitTraceRecords(parseTraceCmd(text).records);
 * stacks.get(events[0].stackId!)?.frames[0]; // 'kmem_cache_alloc_noprof'
 */
export function splitTraceRecords(records: readonly TraceRecord[]): {
  events: TraceEvent[];
  stacks: Map<number, TraceStackRecord>;
} {
  const events: TraceEvent[] = [];
  const stacks = new Map<number, TraceStackRecord>();
  for (const r of records) {
    if (r.type === 'stack') stacks.set(r.id, r);
    else events.push(r);
  }
  return { events, stacks };
}
