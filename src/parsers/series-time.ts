import { z } from 'zod';
import { classifyFramingLine } from '../core/framing.js';
import type { TimeSeries } from '../core/models.js';
import type { Emit } from '../core/parser.js';

/** Options shared by every snapshot-series parser: how to build a time axis when the file has none. */
export const SeriesTimeOptionsSchema = z.object({
  /** Seconds between snapshots, used when the capture has no timestamps (the report says so). */
  intervalSeconds: z.number().positive().optional(),
  /** One epoch per snapshot from a sidecar file (e.g. meminfo_epochs.txt written by the loop). */
  timestamps: z.array(z.number()).optional(),
});
export type SeriesTimeOptions = z.infer<typeof SeriesTimeOptionsSchema>;

/**
 * Gives each snapshot its time: the stamp line that preceded it, else the sidecar timestamp,
 * else index x interval (marked assumed), else null.
 */
export class SeriesClock {
  readonly #stamps = new Map<number, number>();
  #lastTime = -Infinity;
  #warnedAssumed = false;
  #warnedMissing = false;
  #sawStamp = false;

  constructor(private readonly options: Partial<SeriesTimeOptions>) {}

  /** Records that the snapshot with this index is stamped at `time`. */
  stamp(time: number, snapshotIndex: number): void {
    this.#stamps.set(snapshotIndex, time);
    this.#sawStamp = true;
  }

  timeFor(index: number, emit: Emit<unknown>): { time: number | null; assumed: boolean } {
    let time: number | null = this.#stamps.get(index) ?? null;
    this.#stamps.delete(index);
    let assumed = false;
    if (time === null && this.options.timestamps) time = this.options.timestamps[index] ?? null;
    if (time === null && this.#sawStamp && !this.#warnedMissing) {
      this.#warnedMissing = true;
      emit.diagnostic('snapshot-no-timestamp', `snapshot ${index} has no timestamp line before it`);
    }
    if (time === null && this.options.intervalSeconds !== undefined) {
      time = index * this.options.intervalSeconds;
      assumed = true;
      if (!this.#warnedAssumed) {
        this.#warnedAssumed = true;
        emit.diagnostic('time-assumed', `no timestamps: snapshots placed every ${this.options.intervalSeconds} s`);
      }
    }
    if (time !== null) {
      if (time < this.#lastTime) emit.diagnostic('time-went-backwards', `snapshot ${index} is earlier than the one before`);
      this.#lastTime = time;
    }
    return { time, assumed };
  }

  /** timeFor() written onto a snapshot record (its `time` and `timeAssumed`). */
  timeSnapshot(snapshot: { index: number; time: number | null; timeAssumed: boolean }, emit: Emit<unknown>): void {
    const { time, assumed } = this.timeFor(snapshot.index, emit);
    snapshot.time = time;
    snapshot.timeAssumed = assumed;
  }
}

/**
 * Handles a line that capture loops put between snapshots (`===`, a blank line, an epoch or `date`
 * line): ends the snapshot being assembled, stamps the next one, and accounts the line as skipped.
 * Returns false when the line is not framing, so the caller parses it.
 */
export function handleFramingLine(
  text: string,
  emit: Emit<unknown>,
  clock: SeriesClock,
  nextIndex: number,
  endSnapshot: () => void,
): boolean {
  const framing = classifyFramingLine(text);
  if (!framing) return false;
  if (framing.kind === 'timestamp') {
    endSnapshot();
    clock.stamp(framing.time, nextIndex);
    emit.skip('timestamp');
  } else {
    if (framing.kind === 'separator') endSnapshot();
    emit.skip(framing.kind);
  }
  return true;
}

/** What every snapshot record carries for series building. */
interface TimedSnapshot {
  index: number;
  time: number | null;
  timeAssumed: boolean;
  partial: boolean;
  pid?: number | null;
}

/**
 * Turns snapshots into one series per field (kB), per process when the file holds several
 * (names then carry `pid=N`), leaving cut snapshots out. Without any time, the snapshot index is
 * the axis and the series is marked assumed.
 * @example
 * snapshotSeries(records, [['Rss', (s) => s.kb.Rss ?? null]], 'smaps_rollup.txt')
 */
export function snapshotSeries<S extends TimedSnapshot>(
  snapshots: readonly S[],
  fieldsOf: (group: readonly S[]) => [string, (s: S) => number | null | undefined][],
  source?: string,
  unit = 'kB',
): TimeSeries[] {
  const usable = snapshots.filter((s) => !s.partial);
  const pids = new Set(usable.map((s) => s.pid ?? null));
  const out: TimeSeries[] = [];
  for (const pid of pids) {
    const group = usable.filter((s) => (s.pid ?? null) === pid);
    const assumed = group.some((s) => s.timeAssumed || s.time === null);
    const suffix = pids.size > 1 ? ` pid=${pid ?? '?'}` : '';
    for (const [name, get] of fieldsOf(group)) {
      const t: number[] = [];
      const v: number[] = [];
      for (const s of group) {
        const x = get(s);
        if (x !== null && x !== undefined) {
          t.push(s.time ?? s.index);
          v.push(x);
        }
      }
      if (v.length > 0) out.push({ name: name + suffix, unit, t, v, timeAssumed: assumed || undefined, source });
    }
  }
  return out;
}
