import type { z } from 'zod';
import { fields, parseUInt } from '../../core/text.js';
import type { MemcgCounterSchema, OomVictim } from './schema.js';

/** Readers of the value shapes the kernel prints inside OOM reports (`123kB`, `key:NkB`, `a=1,b=2`, `12*4kB`, zone heads). */

/** Signed decimal integer. */
export function parseInt10(s: string): number | null {
  if (s.startsWith('-')) {
    const v = parseUInt(s.slice(1));
    return v === null ? null : -v;
  }
  return parseUInt(s.startsWith('+') ? s.slice(1) : s);
}

/** `123kB`, `123KB`, `123kb` → 123; null otherwise. */
export function parseKb(s: string): number | null {
  const t = s.endsWith(',') ? s.slice(0, -1) : s;
  if (t.length < 3) return null;
  const u = t.slice(-2).toLowerCase();
  if (u !== 'kb') return null;
  return parseUInt(t.slice(0, -2));
}

export function isHexDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) | 0x20;
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/** `key:NkB` pairs of a line into `out`; returns how many tokens were such pairs and how many were not. */
export function kbPairs(toks: readonly string[], out: Record<string, number>, sum = false): { hit: number; miss: number } {
  let hit = 0;
  let miss = 0;
  for (const t of toks) {
    const c = t.indexOf(':');
    if (c <= 0) {
      miss++;
      continue;
    }
    const v = parseKb(t.slice(c + 1));
    if (v === null) {
      miss++;
      continue;
    }
    const k = t.slice(0, c);
    out[k] = sum ? (out[k] ?? 0) + v : v;
    hit++;
  }
  return { hit, miss };
}

/** `3` or `4-7`: the tail of a node list printed with %*pbl. */
function isNodeList(piece: string): boolean {
  const t = piece.trim();
  if (t.length === 0) return false;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || c === 45)) return false;
  }
  return true;
}

/** Splits `a=1,b=x,y,c=(null)` on commas, gluing pieces without `=` (nodemask `0,2`) to the previous value. */
export function commaPairs(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  let last: string | null = null;
  for (const piece of s.split(',')) {
    const eq = piece.indexOf('=');
    if (eq > 0) {
      last = piece.slice(0, eq).trim();
      out[last] = piece.slice(eq + 1).trim();
    } else if (last !== null && isNodeList(piece)) out[last] += `,${piece}`;
    else if (piece.trim().length > 0) {
      // A bare flag (`global_oom`).
      last = null;
      out[piece.trim()] = 'true';
    }
  }
  return out;
}

/** `12*4kB` → [12, 4]. */
export function parseStarSize(t: string): [number, number] | null {
  const star = t.indexOf('*');
  if (star <= 0) return null;
  const n = parseUInt(t.slice(0, star));
  const kb = parseKb(t.slice(star + 1));
  return n === null || kb === null || kb === 0 ? null : [n, kb];
}

const ZONE_NAMES = new Set(['DMA', 'DMA32', 'Normal', 'HighMem', 'Movable', 'Device']);

/** `Node 0 Normal` / `Normal` at the start of tokens: [node, zone, tokensUsed]. */
export function zoneHead(toks: readonly string[]): [number, string, number] | null {
  if (toks.length >= 3 && toks[0] === 'Node') {
    const n = parseUInt(toks[1]);
    if (n === null) return null;
    return [n, toks[2].endsWith(':') ? toks[2].slice(0, -1) : toks[2], 3];
  }
  if (toks.length >= 1) {
    const z0 = toks[0].endsWith(':') ? toks[0].slice(0, -1) : toks[0];
    if (ZONE_NAMES.has(z0)) return [0, z0, 1];
  }
  return null;
}

/** Parses `Killed process N (comm) total-vm:..kB, anon-rss:..kB, ...` starting at `at`. */
export function parseKilled(body: string, at: number): OomVictim | null {
  let i = at + 'Killed process '.length;
  let j = i;
  while (j < body.length && body.charCodeAt(j) >= 48 && body.charCodeAt(j) <= 57) j++;
  const pid = parseUInt(body.slice(i, j));
  if (pid === null) return null;
  i = body.indexOf('(', j);
  if (i < 0 || i > j + 20) return null;
  let close = -1;
  for (const marker of [') total-vm:', ') vsz:', '), UID ', ') UID ']) {
    close = body.indexOf(marker, i);
    if (close >= 0) break;
  }
  if (close < 0) close = body.lastIndexOf(')');
  if (close < i) return null;
  const comm = body.slice(i + 1, close);
  const v: OomVictim = {
    pid, comm, totalVmKb: null, anonRssKb: null, fileRssKb: null, shmemRssKb: null, uid: null, pgtablesKb: null, oomScoreAdj: null, score: null,
  };
  for (const raw of fields(body.slice(close + 1))) {
    const t = raw.endsWith(',') ? raw.slice(0, -1) : raw;
    const c = t.indexOf(':');
    if (c <= 0) continue;
    const key = t.slice(0, c);
    const val = t.slice(c + 1);
    if (key === 'total-vm' || key === 'vsz') v.totalVmKb = parseKb(val);
    else if (key === 'anon-rss') v.anonRssKb = parseKb(val);
    else if (key === 'file-rss') v.fileRssKb = parseKb(val);
    else if (key === 'shmem-rss') v.shmemRssKb = parseKb(val);
    else if (key === 'UID') v.uid = parseUInt(val);
    else if (key === 'pgtables') v.pgtablesKb = parseKb(val);
    else if (key === 'oom_score_adj') v.oomScoreAdj = parseInt10(val);
  }
  return v;
}

/** `... usage 53824kB, limit 102400kB, failcnt 20427` */
export function parseMemcgCounter(rest: string): z.infer<typeof MemcgCounterSchema> | null {
  const toks = fields(rest.replaceAll(',', ' '));
  let usage: number | null = null;
  let limit: number | null = null;
  let failcnt: number | null = null;
  for (let k = 0; k + 1 < toks.length; k++) {
    if (toks[k] === 'usage') usage = parseKb(toks[k + 1]);
    else if (toks[k] === 'limit') limit = parseKb(toks[k + 1]);
    else if (toks[k] === 'failcnt') failcnt = parseUInt(toks[k + 1]);
  }
  return usage === null || limit === null ? null : { usageKb: usage, limitKb: limit, failcnt };
}
