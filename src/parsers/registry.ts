import type { FormatId, ParserDefinition, SniffContext } from '../core/parser.js';
import { isDocumentName } from '../core/documents.js';
// Each format registers here: one import and one entry in PARSERS (keep both lists sorted by format).
import { meminfoParser } from './meminfo/index.js';
import { slabinfoParser, slabtopParser } from './slabinfo/index.js';
import { vmstatParser } from './vmstat/index.js';
import { buddyinfoParser, extfragIndexParser, extfragUnusableParser, pagetypeinfoParser } from './buddyinfo/index.js';
import { kmemleakParser } from './kmemleak/index.js';
import { bccMemleakParser } from './bcc-memleak/index.js';
import { bpftraceParser } from './bpftrace/index.js';
import { ftraceParser, traceCmdParser } from './tracecmd/index.js';
import { csvParser } from './csv/index.js';
import { pidstatParser } from './pidstat/index.js';
import { pmapParser } from './pmap/index.js';
import { rssParser } from './rss/index.js';
import { smapsRollupParser } from './smaps-rollup/index.js';
import { oomParser } from './oom/index.js';
import { lsanParser } from './lsan/index.js';
import { valgrindParser } from './valgrind/index.js';
import { traceCmdStatParser } from './tracecmd-stat/index.js';
import { traceDatParser } from './trace-dat/index.js';
import { cgroupMemoryParser } from './cgroup/index.js';
import { psiParser } from './psi/index.js';
import { allocinfoParser } from './allocinfo/index.js';
import { zoneinfoParser } from './zoneinfo/index.js';
import { vmallocinfoParser } from './vmallocinfo/index.js';
// @registry-imports

/** Every registered parser, the single source for detection, the CLI and the README table. */
export const PARSERS: readonly ParserDefinition<any, any>[] = [
  meminfoParser,
  slabinfoParser,
  slabtopParser,
  vmstatParser,
  buddyinfoParser,
  pagetypeinfoParser,
  extfragUnusableParser,
  extfragIndexParser,
  kmemleakParser,
  bccMemleakParser,
  bpftraceParser,
  traceCmdParser,
  ftraceParser,
  csvParser,
  rssParser,
  pidstatParser,
  pmapParser,
  smapsRollupParser,
  oomParser,
  lsanParser,
  valgrindParser,
  traceCmdStatParser,
  traceDatParser,
  cgroupMemoryParser,
  psiParser,
  allocinfoParser,
  zoneinfoParser,
  vmallocinfoParser,
  // @registry-entries
];

export function parserFor(format: FormatId): ParserDefinition<any, any> | undefined {
  return PARSERS.find((p) => p.format === format);
}

export interface FormatCandidate {
  format: FormatId;
  /** 0..1, from the parser's sniff. */
  confidence: number;
  reason: string;
}

/** Below this a sniff score is not a detection. */
export const DETECTION_THRESHOLD = 0.5;

/**
 * Ranks the formats the first KiBs of an artefact could be, most likely first.
 * Candidates below DETECTION_THRESHOLD are left out; a document (README, NOTES.txt) has none.
 * @example
 * detectFormat('slabinfo - version: 2.1\n# name ...')[0].format // 'slabinfo'
 */
export function detectFormat(head: string, context: SniffContext = {}): FormatCandidate[] {
  // A README or notes file quotes captures; it is never one (see core/documents.ts).
  if (context.path !== undefined && isDocumentName(context.path)) return [];
  const text = head.charCodeAt(0) === 0xfeff ? head.slice(1) : head;
  const out: FormatCandidate[] = [];
  for (const p of PARSERS) {
    const r = p.sniff(text, context);
    if (r.score >= DETECTION_THRESHOLD) out.push({ format: p.format, confidence: Math.min(1, r.score), reason: r.reason });
  }
  return out.sort((a, b) => b.confidence - a.confidence);
}
