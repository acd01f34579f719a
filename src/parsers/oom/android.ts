import { fields, parseUInt } from '../../core/text.js';
import { newReport, type OomReport } from './schema.js';
import type { LineHandler, OomState } from './state.js';
import { parseInt10, parseKb } from './values.js';

/**
 * Android kills: userspace lmkd logcat lines (three generations) and the legacy in-kernel
 * lowmemorykiller (`Killing '...'` with continuation lines, and the 2.6/3.0 `send sigkill to`).
 * Each kill is a record of its own, independent of kernel reports.
 */

const emptyAndroid = (): NonNullable<OomReport['android']> => ({
  uid: null, oomScoreAdj: null, rssKb: null, anonRssKb: null, swapKb: null, dmabufPssKb: null, dmabufRssKb: null, reason: null,
  cacheKb: null, cacheLimitKb: null, freeKb: null, onBehalfOf: null,
});

/** `at` starts the line or follows the logcat / kernel tag of a low-memory killer. */
function lmkTag(b: string, at: number): boolean {
  const pre = b.slice(0, at).trimEnd();
  return at === 0 || pre.endsWith('lowmemorykiller:') || pre.endsWith('lmkd:') || pre.endsWith('lowmemorykiller');
}

/** Android lmkd: `Kill 'pkg' (pid), uid N, oom_score_adj N to free NkB rss, [NkB anon rss, ]NkB swap[, ...]; reason: ...` */
const lmkdKill: LineHandler = (s, l) => {
  const { b } = l;
  const at = b.indexOf("Kill '");
  if (at < 0 || !lmkTag(b, at)) return false;
  // Android kills are independent of kernel reports: close any open one so records keep log order.
  s.flush(l.emit);
  s.flushLmk(l.emit);
  const q1 = at + "Kill '".length;
  const q2 = b.indexOf("' (", q1);
  const p2 = q2 < 0 ? -1 : b.indexOf(')', q2 + 3);
  const pid = p2 < 0 ? null : parseUInt(b.slice(q2 + 3, p2));
  if (pid === null) return s.malformed(l, 'lmkd kill line');
  const r = newReport('lmkd-kill', l.lineNo, l.time, l.timeKind);
  const a = emptyAndroid();
  let rest = b.slice(p2 + 1);
  const semi = rest.indexOf('; reason: ');
  if (semi >= 0) {
    a.reason = rest.slice(semi + '; reason: '.length).trim();
    rest = rest.slice(0, semi);
  }
  for (const segRaw of rest.split(',')) {
    const toks = fields(segRaw);
    for (let k = 0; k < toks.length; k++) {
      const t = toks[k];
      if (t === 'uid' && k + 1 < toks.length) a.uid = parseUInt(toks[++k]);
      else if ((t === 'oom_score_adj' || t === 'oom_adj' || t === 'adj') && k + 1 < toks.length) a.oomScoreAdj = parseInt10(toks[++k]);
      else {
        const kb = parseKb(t);
        if (kb === null) continue;
        const label = toks.slice(k + 1).join(' ');
        if (label === 'rss') a.rssKb = kb;
        else if (label === 'anon rss') a.anonRssKb = kb;
        else if (label === 'swap') a.swapKb = kb;
        else if (label === 'dmabuf_pss') a.dmabufPssKb = kb;
        else if (label === 'dmabuf_rss') a.dmabufRssKb = kb;
        break;
      }
    }
  }
  if (a.rssKb === null) return s.malformed(l, 'lmkd kill line');
  r.android = a;
  r.victim = {
    pid, comm: b.slice(q1, q2), totalVmKb: null, anonRssKb: a.anonRssKb, fileRssKb: null, shmemRssKb: null, uid: a.uid,
    pgtablesKb: null, oomScoreAdj: a.oomScoreAdj, score: null,
  };
  r.complete = true;
  r.killTime = l.time;
  l.emit.record(r);
  l.emit.count('lmkd-kill');
  return true;
};

/** Legacy in-kernel lowmemorykiller `Killing 'x' (pid)[ (tgid N)], adj N[, score_adj N],`: stays open for its continuation lines. */
const legacyKilling: LineHandler = (s, l) => {
  const { b } = l;
  const at = b.indexOf("Killing '");
  if (at < 0 || !lmkTag(b, at)) return false;
  s.flush(l.emit);
  s.flushLmk(l.emit);
  const q1 = at + "Killing '".length;
  const q2 = b.indexOf("' (", q1);
  const p2 = q2 < 0 ? -1 : b.indexOf(')', q2 + 3);
  const pid = p2 < 0 ? null : parseUInt(b.slice(q2 + 3, p2));
  if (pid === null) return s.malformed(l, 'lowmemorykiller kill line');
  const r = newReport('lowmemorykiller-kill', l.lineNo, l.time, l.timeKind);
  r.android = emptyAndroid();
  r.victim = {
    pid, comm: b.slice(q1, q2), totalVmKb: null, anonRssKb: null, fileRssKb: null, shmemRssKb: null, uid: null, pgtablesKb: null,
    oomScoreAdj: null, score: null,
  };
  r.complete = true;
  r.killTime = l.time;
  s.lmk = r;
  lmkFacts(s, b.slice(p2 + 1), l.lineNo);
  return true;
};

/** Reads whatever lowmemorykiller facts a (continuation) text holds into the open legacy kill; true when it held one. */
function lmkFacts(s: OomState, t: string, lineNo: number): boolean {
  const lmk = s.lmk;
  if (!lmk?.android) return false;
  const a = lmk.android;
  let hit = false;
  const toks = fields(t.replaceAll(',', ' '));
  for (let k = 0; k < toks.length; k++) {
    const w = toks[k];
    if ((w === 'adj' || w === 'score_adj') && k + 1 < toks.length) {
      // `adj 15, score_adj 1000` (old oom_adj scale first): score_adj wins.
      const v = parseInt10(toks[k + 1]);
      if (v !== null && (w === 'score_adj' || a.oomScoreAdj === null)) a.oomScoreAdj = v;
      hit ||= v !== null;
    } else if (w === 'free' && toks[k - 1] === 'to' && k + 1 < toks.length) {
      a.rssKb = parseKb(toks[k + 1]);
      hit = true;
    } else if (w === 'behalf' && toks[k + 1] === 'of' && k + 2 < toks.length) {
      a.onBehalfOf = toks[k + 2].replaceAll("'", '');
      hit = true;
    } else if (w === 'cache' && k + 1 < toks.length && parseKb(toks[k + 1]) !== null) {
      a.cacheKb = parseKb(toks[k + 1]);
      hit = true;
    } else if (w === 'limit' && k + 1 < toks.length && parseKb(toks[k + 1]) !== null) {
      a.cacheLimitKb = parseKb(toks[k + 1]);
      hit = true;
    } else if (w === 'memory' && toks[k - 1] === 'Free' && toks[k + 1] === 'is' && k + 2 < toks.length) {
      a.freeKb = parseKb(toks[k + 2]);
      hit = true;
    } else if (toks[k - 1] === 'is' && parseKb(w) !== null) hit = true; // Free CMA is / Total reserve is ...
    else if (w === 'mask' && toks[k + 1] === 'is') hit = true;
  }
  if (hit) lmk.endLine = lineNo;
  return hit;
}

/**
 * A continuation line of the open legacy kill (`to free NkB`, `cache NkB is below limit NkB`, ...).
 * Any other line ends that kill (it is emitted) and goes on to the next handlers.
 */
const legacyContinuation: LineHandler = (s, l) => {
  if (!s.lmk) return false;
  const { b } = l;
  const cont = b.startsWith('lowmemorykiller: ') ? b.slice(17).trimStart() : b;
  if (
    (cont.startsWith('to free ') || cont.startsWith('cache ') || cont.startsWith('Free ') || cont.startsWith('Total ') ||
      cont.startsWith('GFP mask') || cont.startsWith('cma free')) &&
    lmkFacts(s, cont, l.lineNo)
  ) {
    return true;
  }
  s.flushLmk(l.emit);
  return false;
};

/** 2.6/3.0 lowmemorykiller: `send sigkill to PID (comm), adj N, size N` (size in pages). */
const sendSigkill: LineHandler = (s, l) => {
  const { b } = l;
  const at = b.indexOf('send sigkill to ');
  if (at < 0) return false;
  const toks = fields(b.slice(at + 16).replaceAll(',', ' '));
  const pid = parseUInt(toks[0] ?? '');
  const open = b.indexOf('(', at);
  const close = b.indexOf(')', open);
  const size = toks.indexOf('size');
  const adj = toks.indexOf('adj');
  if (pid === null || open < 0 || close < 0 || size < 0) return s.malformed(l, 'lowmemorykiller kill line');
  s.flush(l.emit);
  s.flushLmk(l.emit);
  const r = newReport('lowmemorykiller-kill', l.lineNo, l.time, l.timeKind);
  const pages = parseUInt(toks[size + 1] ?? '');
  r.android = { ...emptyAndroid(), oomScoreAdj: adj >= 0 ? parseInt10(toks[adj + 1] ?? '') : null, rssKb: pages === null ? null : pages * 4 };
  r.victim = {
    pid, comm: b.slice(open + 1, close), totalVmKb: null, anonRssKb: null, fileRssKb: null, shmemRssKb: null, uid: null,
    pgtablesKb: null, oomScoreAdj: r.android.oomScoreAdj, score: null,
  };
  r.complete = true;
  r.killTime = l.time;
  l.emit.record(r);
  l.emit.count('lowmemorykiller-kill');
  return true;
};

/** `lowmemorykiller: select 1234 (comm), adj N, size N, to kill`: the choice before the kill line. */
const lmkSelect: LineHandler = (_s, l) => {
  const { b } = l;
  if (!(b.startsWith('lowmemorykiller: select ') || (b.startsWith('select ') && b.endsWith('to kill')))) return false;
  l.emit.skip('lowmemorykiller-select');
  return true;
};

export const ANDROID_HANDLERS = { lmkdKill, legacyKilling, legacyContinuation, sendSigkill, lmkSelect } as const;
