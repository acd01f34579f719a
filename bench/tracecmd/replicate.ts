/**
 * A real-shaped big trace: a real `trace-cmd report` (recorded with -T on this machine, e.g. the
 * D1 capture) written N times one after the other, each copy shifted in time by the recording's
 * span and with its slab pointers moved into a copy-specific range, so every copy pairs on its
 * own exactly as the original does. Event mix, stack depths, symbols, comm/pid churn and line
 * lengths are the real recording's (the generator in generate.ts invents them); the ground
 * truth is N times the original's.
 *
 *   npx tsx bench/tracecmd/replicate.ts REAL_REPORT[.gz] OUT SIZE_MB
 */
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';

const [input, out, sizeArg] = process.argv.slice(2);
if (!input || !out) throw new Error('usage: replicate.ts REAL_REPORT[.gz] OUT SIZE_MB');
const targetBytes = Number(sizeArg ?? 1024) * 1024 * 1024;

function lines(): AsyncIterable<string> {
  const raw = createReadStream(input);
  return createInterface({ input: input.endsWith('.gz') ? raw.pipe(createGunzip()) : raw, crlfDelay: Infinity });
}

/** The timestamp column of an event line (`comm-pid [cpu] TIME: event:`): [start, end) or null. */
function timestampSpan(line: string): [number, number] | null {
  const close = line.indexOf('] ');
  if (close < 0 || line.startsWith('=>')) return null;
  let start = close + 2;
  while (line.charCodeAt(start) === 32) start++;
  const colon = line.indexOf(': ', start);
  if (colon < 0) return null;
  const text = line.slice(start, colon);
  return Number.isFinite(Number(text)) && text.includes('.') ? [start, colon] : null;
}

async function main(): Promise<void> {
  let first = Infinity;
  let last = -Infinity;
  for await (const line of lines()) {
    const span = timestampSpan(line);
    if (!span) continue;
    const t = Number(line.slice(span[0], span[1]));
    first = Math.min(first, t);
    last = Math.max(last, t);
  }
  const period = last - first + 1;
  const sink = createWriteStream(out);
  let written = 0;
  for (let copy = 0; written < targetBytes; copy++) {
    // 0xffff8881_xxxxxxxx -> 0xffff88<copy byte>_xxxxxxxx: a range of its own per copy.
    const tag = (0x81 + copy * 7) % 0x100;
    const region = `ptr=0xffff88${tag.toString(16).padStart(2, '0')}`;
    for await (const line of lines()) {
      if (copy > 0 && line.startsWith('cpus=')) continue;
      let text = line;
      const span = timestampSpan(text);
      if (span && copy > 0) text = text.slice(0, span[0]) + (Number(text.slice(span[0], span[1])) + copy * period).toFixed(6) + text.slice(span[1]);
      if (copy > 0) text = text.replaceAll('ptr=0xffff8881', region);
      const ok = sink.write(text + '\n');
      written += text.length + 1;
      if (!ok) await new Promise<void>((r) => sink.once('drain', () => r()));
    }
  }
  await new Promise((r) => sink.end(r));
  process.stderr.write(`${out}: ${statSync(out).size} bytes\n`);
}
void main();
