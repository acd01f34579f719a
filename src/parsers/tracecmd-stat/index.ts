import { z } from 'zod';
import { frontEnds, type ParserCore, type ParserDefinition } from '../../core/parser.js';
import { parseNum, parseUInt } from '../../core/text.js';

/**
 * `trace-cmd report --stat`: the kernel ring buffer's statistics per CPU at the end of a
 * recording. It says whether the trace is complete: `overrun` or `dropped events` above zero
 * mean lost events, and pairing allocations with frees over a lossy trace shows false leaks.
 */
export const TraceCmdCpuStatSchema = z.object({
  cpu: z.number().int().nonnegative(),
  line: z.number().int().positive(),
  entries: z.number().nullable(),
  overrun: z.number().nullable(),
  commitOverrun: z.number().nullable(),
  bytes: z.number().nullable(),
  oldestEventTs: z.number().nullable(),
  nowTs: z.number().nullable(),
  droppedEvents: z.number().nullable(),
  readEvents: z.number().nullable(),
  /** `CPUn data recorded at offset=... / N bytes in size` (the .dat file's per-CPU data). */
  recordedBytes: z.number().nullable(),
});
export type TraceCmdCpuStat = z.infer<typeof TraceCmdCpuStatSchema>;

const FIELD_KEYS: Record<string, keyof TraceCmdCpuStat> = {
  entries: 'entries',
  overrun: 'overrun',
  'commit overrun': 'commitOverrun',
  bytes: 'bytes',
  'oldest event ts': 'oldestEventTs',
  'now ts': 'nowTs',
  'dropped events': 'droppedEvents',
  'read events': 'readEvents',
};

function emptyStat(cpu: number, line: number): TraceCmdCpuStat {
  return { cpu, line, entries: null, overrun: null, commitOverrun: null, bytes: null, oldestEventTs: null, nowTs: null, droppedEvents: null, readEvents: null, recordedBytes: null };
}

function createCore(): ParserCore<TraceCmdCpuStat> {
  const byCpu = new Map<number, TraceCmdCpuStat>();
  let current: TraceCmdCpuStat | null = null;
  let recordedCpu: number | null = null;
  return {
    line(text, lineNo, emit) {
      const s = text.trim();
      if (s.length === 0) return emit.skip('blank');
      if (s.startsWith('cpus=') || s === 'Kernel buffer statistics:' || s.startsWith('Note:') || s.startsWith('recorded in the trace data') || s.startsWith('They should') || s.startsWith('Buffer: ')) {
        return emit.skip('header');
      }
      if (s.startsWith('CPU: ')) {
        const cpu = parseUInt(s.slice(5).trim());
        if (cpu === null) return emit.diagnostic('unrecognized-line', 'CPU number unreadable', { excerpt: text });
        current = byCpu.get(cpu) ?? emptyStat(cpu, lineNo);
        byCpu.set(cpu, current);
        return;
      }
      if (s.startsWith('CPU') && s.includes('data recorded at offset=')) {
        recordedCpu = parseUInt(s.slice(3, s.indexOf(' ')));
        return;
      }
      if (s.endsWith('bytes in size') && recordedCpu !== null) {
        const stat = byCpu.get(recordedCpu) ?? emptyStat(recordedCpu, lineNo);
        byCpu.set(recordedCpu, stat);
        stat.recordedBytes = parseUInt(s.slice(0, s.indexOf(' ')));
        recordedCpu = null;
        return;
      }
      const colon = s.indexOf(':');
      const key = colon > 0 ? FIELD_KEYS[s.slice(0, colon)] : undefined;
      if (key && current) {
        const v = parseNum(s.slice(colon + 1).trim());
        if (v === null) return emit.diagnostic('number-out-of-range', `${s.slice(0, colon)} is not a number`, { excerpt: text });
        (current as Record<string, unknown>)[key] = v;
        return;
      }
      emit.diagnostic('unrecognized-line', 'not a trace-cmd report --stat line', { excerpt: text });
    },
    end(emit) {
      for (const stat of [...byCpu.values()].sort((a, b) => a.cpu - b.cpu)) {
        const lost = (stat.overrun ?? 0) + (stat.commitOverrun ?? 0) + (stat.droppedEvents ?? 0);
        if (lost > 0) {
          emit.diagnostic('trace-lost-events', `CPU ${stat.cpu} lost events (overrun ${stat.overrun}, commit overrun ${stat.commitOverrun}, dropped ${stat.droppedEvents}): pairing may show false leaks`, { line: stat.line });
        }
        emit.record(stat);
      }
    },
  };
}

export const traceCmdStatParser: ParserDefinition<TraceCmdCpuStat> = {
  format: 'trace-cmd-stat',
  title: 'trace-cmd report --stat: ring-buffer statistics per CPU (lost events)',
  producedBy: 'trace-cmd report --stat -i trace.dat',
  recordSchema: TraceCmdCpuStatSchema,
  sniff(head) {
    if (head.includes('Kernel buffer statistics:') || (head.includes('\nCPU: ') && head.includes('\noverrun: '))) {
      return { score: 0.9, reason: 'trace-cmd report --stat ring-buffer statistics' };
    }
    return { score: 0, reason: 'no ring-buffer statistics' };
  },
  createCore,
};

export const { parse: parseTraceCmdStat, parseAsync: parseTraceCmdStatAsync } = frontEnds(traceCmdStatParser);
