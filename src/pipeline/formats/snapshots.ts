import { SnapshotDecimator } from '../../analysis/snapshotDecimator.js';
import type { StreamingConsumer } from './module.js';

/**
 * A 16-hour 1 Hz slabinfo series is 57,600 snapshots of ~200 caches: while streaming, keep an
 * evenly spaced, bounded subsample (always with the last snapshot) instead of every record.
 */
export function decimatingConsumer(maxSnapshots = 2048): StreamingConsumer {
  const decimator = new SnapshotDecimator<unknown>({ max: maxSnapshots });
  return {
    onRecord: (record) => decimator.push(record),
    finish: () => ({ snapshots: decimator.snapshots(), snapshotsSeen: decimator.seen, snapshotStride: decimator.stride }),
  };
}
