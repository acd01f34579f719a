import { frontEnds, type ParserCore, type ParserDefinition } from '../../core/parser.js';
import { fields } from '../../core/text.js';
import { OOM_MESSAGE_HANDLERS } from './handlers.js';
import { stripLogPrefix } from './prefix.js';
import { OomReportSchema, type OomOptions, type OomReport } from './schema.js';
import { markerLines } from './sniff-lines.js';
import { OomState, type OomLine } from './state.js';

export { stripLogPrefix, type LogPrefix } from './prefix.js';
export {
  MemcgCounterSchema, OomOptionsSchema, OomReportSchema, OomTaskSchema, OomVictimSchema, OomZoneSchema,
  type OomOptions, type OomReport, type OomTask, type OomVictim,
} from './schema.js';

/**
 * Kernel OOM-killer reports (dmesg, `dmesg -T`, journalctl, /dev/kmsg, syslog), page-allocation
 * failure reports (same Mem-Info body, no kill), and Android kills: userspace lmkd logcat lines
 * (three generations) and the legacy in-kernel lowmemorykiller. One record per report, streamed
 * when the next report starts or the input ends. Lines of other kernel messages are skipped.
 */

/** The per-zone free lists use the shape shared with the buddyinfo parser (`freeBlocks[k]` = free blocks of order k). */
export { BuddyZoneSchema, type BuddyZone } from '../buddyinfo/index.js';

/** The push core: strips the log prefix, splits the message once, and hands it to the first handler of its kind. */
function createCore(options: Partial<OomOptions>): ParserCore<OomReport> {
  const year = options.year ?? 2000;
  const s = new OomState(options.maxTasks ?? 20);
  return {
    line(text, lineNo, emit) {
      if (text.trim().length === 0) {
        emit.skip('blank');
        return;
      }
      const { body: b, time, timeKind } = stripLogPrefix(text, year);
      if (b.length === 0) {
        emit.skip('blank');
        return;
      }
      const toks = fields(b);
      const l: OomLine = { text, lineNo, b, time, timeKind, toks, t0: toks[0], emit };
      for (const [, handle] of OOM_MESSAGE_HANDLERS) if (handle(s, l)) return;
      // Any other kernel (or logcat) message: not part of an OOM report.
      emit.skip('other-message');
    },
    end(emit) {
      s.flushLmk(emit);
      s.flush(emit);
    },
  };
}

export const oomParser: ParserDefinition<OomReport, OomOptions> = {
  format: 'oom',
  title: 'Kernel OOM-killer / allocation-failure reports and Android lmkd / lowmemorykiller kills',
  producedBy: 'dmesg, dmesg -T, journalctl -k, /var/log/messages, adb logcat',
  recordSchema: OomReportSchema,
  sniff(head) {
    const { hits, markers } = markerLines(head, [
      ' invoked oom-killer: gfp_mask=', 'oom-kill:constraint=', ': Killed process ', 'Killed process ', 'oom_reaper: reaped process ',
      ': page allocation failure', "lowmemorykiller: Kill '", "lowmemorykiller: Killing '", 'Tasks state (memory values in pages)',
      ' or sacrifice child', 'Mem-Info:', ' mems_allowed=',
    ]);
    if (hits === 0) return { score: 0, reason: 'no OOM-killer or low-memory-killer lines' };
    return { score: Math.min(0.95, 0.55 + 0.1 * hits), reason: `OOM report lines: ${[...markers].slice(0, 3).join(', ')}` };
  },
  createCore,
};

export const { parse: parseOom, parseAsync: parseOomAsync } = frontEnds(oomParser);
