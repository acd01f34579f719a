import type { TraceRecord } from '../../parsers/tracecmd/core.js';
import { AllocationPairer, type PairingOptions, type PairingResult } from './pairAllocations.js';

/**
 * A streaming consumer for the analysis pipeline (the shape of StreamingConsumer in
 * ../streaming.ts): feed it every parser record through `onRecord`, get the pairing at the end.
 * Memory is the pairing's live set, never the trace.
 * @example
 * const c = createPairingConsumer('d1p.report.txt.gz');
 * await parseTraceCmdAsync(stream, { onRecord: c.onRecord });
 * const { allocationSites, findings } = c.finish().pairing;
 */
export function createPairingConsumer(source: string, options: PairingOptions = {}): {
  onRecord: (record: unknown) => void;
  finish: () => { pairing: PairingResult };
} {
  const pairer = new AllocationPairer({ ...options, source });
  return {
    onRecord: (record) => pairer.add(record as TraceRecord),
    finish: () => ({ pairing: pairer.finish() }),
  };
}
