/**
 * One pathological case in its own process (so its peak RSS is its own):
 *   child FORMAT CASE SIZES MODE [CHUNK_BYTES]
 * SIZES is a comma list (run in order; the first is a JIT warm-up the runner ignores),
 * MODE is `text` (the generic front end, string chunks) or `fast` (the trace-cmd byte path).
 * Prints one JSON line per size (`seconds` is the parse's CPU time, `wallSeconds` its wall time); records are streamed to a no-op consumer (onRecord), so the
 * memory measured is the parser's own.
 */
import { parseChunks } from '../../src/core/parser.js';
import { parserFor } from '../../src/parsers/registry.js';
import { casesFor } from './inputs.js';
import { parseTraceBytes } from '../../src/parsers/tracecmd/fast.js';
import { isInputError } from '../../src/core/errors.js';
import type { FormatId, ParseResult } from '../../src/core/parser.js';

function chunksOf(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function main(): void {
  const [, , format = '', caseName = '', sizesArg = '', mode = 'text', chunkArg = '65536'] = process.argv;
  const def = parserFor(format as FormatId);
  const c = casesFor(format as FormatId).find((x) => x.name === caseName);
  if (!def || !c) throw new Error(`unknown case ${format} ${caseName}`);
  const chunk = Number(chunkArg);
  for (const size of sizesArg.split(',').map(Number)) {
    // The fast path gets bytes and the text is dropped before parsing (not held twice).
    const chunks: (string | Uint8Array)[] = mode === 'fast' ? chunksOf(c.build(size), chunk).map((s) => new TextEncoder().encode(s)) : chunksOf(c.build(size), chunk);
    const bytes = chunks.reduce((a, x) => a + (typeof x === 'string' ? Buffer.byteLength(x) : x.length), 0);
    globalThis.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    let outcome = 'ok';
    let r: ParseResult<unknown> | null = null;
    let records = 0;
    const onRecord = (): void => {
      records++;
    };
    try {
      r = mode === 'fast' ? parseTraceBytes(def as never, chunks, { onRecord }) : parseChunks(def, chunks, { onRecord });
    } catch (e) {
      outcome = isInputError(e) ? `typed:${(e as { code: string }).code}` : `THREW:${String(e).slice(0, 200)}`;
    }
    const wallSeconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(c0);
    // CPU time (user + system, GC threads included): the machine is shared, wall time is not ours.
    const seconds = (cpu.user + cpu.system) / 1e6;
    const s = r?.stats;
    const items = r?.diagnostics.items ?? [];
    const longestDiag = items.reduce((m, d) => Math.max(m, d.message.length + d.excerpt.length), 0);
    const codes = Object.keys(r?.diagnostics.byCode ?? {}).length;
    const counterKeys = Object.keys(r?.stats.counters ?? {});
    const maxRss = process.resourceUsage().maxRSS / 1024;
    process.stdout.write(
      JSON.stringify({
        format,
        case: caseName,
        mode,
        size,
        bytes,
        seconds,
        wallSeconds,
        outcome,
        records,
        linesRead: s?.linesRead ?? 0,
        accounted: s ? s.linesParsed + s.linesSkipped + s.linesDiagnosed === s.linesRead : true,
        internalErrors: r?.diagnostics.byCode['internal-error'] ?? 0,
        diagnostics: r?.diagnostics.total ?? 0,
        storedDiagnostics: items.length,
        codes,
        longestDiag,
        counters: counterKeys.length,
        longestCounter: counterKeys.reduce((m, k) => Math.max(m, k.length), 0),
        // Peak RSS above the RSS just before this parse (input already built): the parser's own
        // peak, as long as the process peak was reached during this (the largest) parse.
        parsePeakMb: Math.max(0, maxRss - rssBefore / 1048576),
        maxRssMb: maxRss,
      }) + '\n',
    );
  }
}

main();
