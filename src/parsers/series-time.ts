import { z } from 'zod';
import { classifyFramingLine } from '../core/framing.js';
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
