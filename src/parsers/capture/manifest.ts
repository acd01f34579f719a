import { z } from 'zod';
import { FORMAT_IDS, type FormatId } from '../../core/parser.js';

/**
 * The manifest the capture kit (capture/memforensics-capture.sh) writes beside its files: when
 * the capture ran, on what, at which interval, what each file is and what could not be read.
 * `memforensics analyze` takes the formats and the time axis from it instead of guessing.
 */

export const CAPTURE_MANIFEST_HEADER = '# memforensics capture manifest v';

export const CaptureManifestSchema = z.object({
  version: z.number().int(),
  startEpoch: z.number().nullable(),
  stopEpoch: z.number().nullable(),
  stopReason: z.string().nullable(),
  intervalSeconds: z.number().nullable(),
  snapshots: z.number().int().nullable(),
  kernel: z.string().nullable(),
  uname: z.string().nullable(),
  memTotalKb: z.number().nullable(),
  pageSize: z.number().nullable(),
  /** Each file the kit wrote: its name in the folder, the format id it declared, and its source. */
  files: z.array(z.object({ name: z.string(), format: z.string(), source: z.string(), known: z.boolean() })),
  /** Sources the kit could not read, and why. */
  unreadable: z.array(z.object({ source: z.string(), reason: z.string() })),
  /** Lines that are none of the above (a newer kit's keys). */
  unknownLines: z.array(z.object({ line: z.number().int(), text: z.string() })),
});
export type CaptureManifest = z.infer<typeof CaptureManifestSchema>;

/** True when a text starts like a capture manifest. */
export function isCaptureManifest(head: string): boolean {
  return (head.charCodeAt(0) === 0xfeff ? head.slice(1) : head).startsWith(CAPTURE_MANIFEST_HEADER);
}

function num(s: string | undefined): number | null {
  if (s === undefined || s.trim() === '') return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

/**
 * Reads a manifest. Unknown keys are kept in `unknownLines`, never thrown on.
 * @example
 * parseCaptureManifest('# memforensics capture manifest v1\ninterval_s=2\n').intervalSeconds // 2
 */
export function parseCaptureManifest(text: string): CaptureManifest {
  const lines = text.split('\n');
  const first = lines[0] ?? '';
  const header = first.charCodeAt(0) === 0xfeff ? first.slice(1) : first;
  const m: CaptureManifest = {
    version: header.startsWith(CAPTURE_MANIFEST_HEADER) ? (num(header.slice(CAPTURE_MANIFEST_HEADER.length)) ?? 0) : 0,
    startEpoch: null,
    stopEpoch: null,
    stopReason: null,
    intervalSeconds: null,
    snapshots: null,
    kernel: null,
    uname: null,
    memTotalKb: null,
    pageSize: null,
    files: [],
    unreadable: [],
    unknownLines: [],
  };
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
    if (line.trim() === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const key = eq > 0 ? line.slice(0, eq) : '';
    const value = eq > 0 ? line.slice(eq + 1) : '';
    if (key === 'file') {
      // file=NAME format=ID source=WHAT (WHAT may hold spaces; NAME and ID do not)
      const f = value.indexOf(' format=');
      const s = value.indexOf(' source=', f + 1);
      if (f > 0 && s > f) {
        const format = value.slice(f + 8, s);
        m.files.push({ name: value.slice(0, f), format, source: value.slice(s + 8), known: (FORMAT_IDS as readonly string[]).includes(format) });
        continue;
      }
    } else if (key === 'unreadable') {
      const r = value.indexOf(' reason=');
      if (r > 0) {
        m.unreadable.push({ source: value.slice(0, r), reason: value.slice(r + 8) });
        continue;
      }
    } else if (key === 'start_epoch') {
      m.startEpoch = num(value);
      continue;
    } else if (key === 'stop_epoch') {
      m.stopEpoch = num(value);
      continue;
    } else if (key === 'stop_reason') {
      m.stopReason = value || null;
      continue;
    } else if (key === 'interval_s') {
      m.intervalSeconds = num(value);
      continue;
    } else if (key === 'snapshots') {
      m.snapshots = num(value);
      continue;
    } else if (key === 'kernel') {
      m.kernel = value || null;
      continue;
    } else if (key === 'uname') {
      m.uname = value.trim() || null;
      continue;
    } else if (key === 'memtotal_kb') {
      m.memTotalKb = num(value);
      continue;
    } else if (key === 'page_size') {
      m.pageSize = num(value);
      continue;
    } else if (key === 'duration_s' || key === 'shell') {
      continue;
    }
    m.unknownLines.push({ line: i + 1, text: line.slice(0, 200) });
  }
  return m;
}

/** The declared format of a file of the capture, when memforensics knows that format. */
export function declaredFormat(manifest: CaptureManifest, fileName: string): FormatId | undefined {
  const f = manifest.files.find((x) => x.name === fileName);
  return f?.known ? (f.format as FormatId) : undefined;
}

/** The format id a manifest declared for a file when memforensics does not read that format (yet). */
export function unsupportedDeclared(manifest: CaptureManifest, fileName: string): string | undefined {
  const f = manifest.files.find((x) => x.name === fileName);
  return f && !f.known ? f.format : undefined;
}
