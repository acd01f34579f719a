/**
 * Bounded retention for long snapshot series (slabinfo, meminfo, buddyinfo... at 1 Hz for days):
 * keeps a uniform subsample of at most `2 x max` snapshots while they stream out of a parser
 * (`onRecord`), plus always the most recent one, so the series' end (a release at the kill, the
 * final level) stays exact. When the buffer fills, every other kept snapshot is dropped and the
 * stride doubles (the classic power-of-two decimation of streaming plotters): memory is bounded
 * by `max`, never by the capture's length, and the kept times stay evenly spaced.
 */
export interface SnapshotDecimatorOptions {
  /** Target number of kept snapshots; the buffer holds between max and 2 x max (default 2048). */
  max?: number;
}

export class SnapshotDecimator<S> {
  readonly #max: number;
  #kept: S[] = [];
  #stride = 1;
  #seen = 0;
  #last: S | undefined;
  #lastKept = false;

  constructor(options: SnapshotDecimatorOptions = {}) {
    this.#max = Math.max(2, Math.floor(options.max ?? 2048));
  }

  /** Offers the next snapshot (arrival order = time order). */
  push(snapshot: S): void {
    const i = this.#seen++;
    this.#last = snapshot;
    this.#lastKept = i % this.#stride === 0;
    if (!this.#lastKept) return;
    this.#kept.push(snapshot);
    if (this.#kept.length >= 2 * this.#max) {
      this.#kept = this.#kept.filter((_, k) => k % 2 === 0);
      this.#stride *= 2;
      this.#lastKept = (this.#seen - 1) % this.#stride === 0;
    }
  }

  /** Snapshots offered so far. */
  get seen(): number {
    return this.#seen;
  }

  /** Every how many offered snapshots one is kept now. */
  get stride(): number {
    return this.#stride;
  }

  /**
   * The kept snapshots in order, ending with the most recent one offered.
   * @example
   * const d = new SnapshotDecimator<SlabinfoSnapshot>({ max: 1024 });
   * await parseSlabinfoAsync(stream, { onRecord: (s) => d.push(s as SlabinfoSnapshot) });
   * const growth = slabGrowth(d.snapshots());
   */
  snapshots(): S[] {
    const out = this.#kept.slice();
    if (this.#last !== undefined && !this.#lastKept) out.push(this.#last);
    return out;
  }
}
