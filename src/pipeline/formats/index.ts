import type { FormatId } from '../../core/parser.js';
import { allocinfoModule } from './allocinfo.js';
import { vmallocinfoModule, zoneinfoModule } from './zoneinfo.js';
import { cgroupMemoryModule, psiModule } from './cgroup.js';
import { buddyinfoModule, extfragIndexModule, extfragUnusableModule, pagetypeinfoModule } from './buddyinfo.js';
import { bccMemleakModule, bpftraceModule, kmemleakModule, lsanModule, oomModule, valgrindModule } from './culprits.js';
import { meminfoModule } from './meminfo.js';
import type { FormatModule } from './module.js';
import { csvModule, pidstatModule, pmapModule, rssModule, smapsRollupModule, vmstatModule } from './series.js';
import { slabinfoModule, slabtopModule } from './slab.js';
import { ftraceModule, traceCmdModule, traceCmdStatModule, traceDatModule } from './trace.js';

export type { FormatModule, StreamingConsumer, StreamParseHooks } from './module.js';
export { parseStreamWith } from './module.js';

/**
 * Every format's module, keyed by format id: the one place that maps a format to its parsing,
 * analysis and streaming. A new format adds its parser to parsers/registry.ts and its module here.
 */
export const FORMAT_MODULES: Readonly<Record<FormatId, FormatModule>> = {
  meminfo: meminfoModule,
  slabinfo: slabinfoModule,
  slabtop: slabtopModule,
  vmstat: vmstatModule,
  buddyinfo: buddyinfoModule,
  pagetypeinfo: pagetypeinfoModule,
  'extfrag-unusable': extfragUnusableModule,
  'extfrag-index': extfragIndexModule,
  kmemleak: kmemleakModule,
  'bcc-memleak': bccMemleakModule,
  bpftrace: bpftraceModule,
  'trace-cmd': traceCmdModule,
  'trace-dat': traceDatModule,
  ftrace: ftraceModule,
  'trace-cmd-stat': traceCmdStatModule,
  csv: csvModule,
  rss: rssModule,
  pidstat: pidstatModule,
  pmap: pmapModule,
  'smaps-rollup': smapsRollupModule,
  oom: oomModule,
  lsan: lsanModule,
  valgrind: valgrindModule,
  'cgroup-memory': cgroupMemoryModule,
  psi: psiModule,
  allocinfo: allocinfoModule,
  zoneinfo: zoneinfoModule,
  vmallocinfo: vmallocinfoModule,
};

/** The module of a format id. */
export function formatModule(format: FormatId): FormatModule {
  return FORMAT_MODULES[format];
}
