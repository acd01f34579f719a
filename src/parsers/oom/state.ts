import type { Emit } from '../../core/parser.js';
import { parseUInt } from '../../core/text.js';
import { newReport, type OomReport } from './schema.js';

export type E = Emit<OomReport>;

/** Which body section of a kernel report the following lines belong to. */
export type Mode = 'none' | 'trace' | 'meminfo' | 'slab' | 'tasks' | 'memcg-stats';

/** One input line as every handler sees it: the text after the log prefix, split once. */
export interface OomLine {
  /** The raw line, for diagnostics' excerpts. */
  readonly text: string;
  readonly lineNo: number;
  /** The message after the log prefix (timestamps, host, facility). */
  readonly b: string;
  readonly time: number | null;
  readonly timeKind: OomReport['timeKind'];
  readonly toks: readonly string[];
  readonly t0: string | undefined;
  readonly emit: E;
}

/** A handler of one kind of message: true when the line was its kind (and is then accounted for). */
export type LineHandler = (s: OomState, l: OomLine) => boolean;

/**
 * What the push core keeps between lines: the open kernel report, the open legacy lowmemorykiller
 * kill (its facts continue on the next lines), and the body section being read.
 */
export class OomState {
  cur: OomReport | null = null;
  /** The report has its kill line: later body lines start a new report. */
  closed = false;
  mode: Mode = 'none';
  taskCols: string[] = [];
  lmk: OomReport | null = null;

  constructor(readonly maxTasks: number) {}

  /** The open kernel report if it still takes body lines. */
  get open(): OomReport | null {
    return this.cur && !this.closed ? this.cur : null;
  }

  ensureMemcg(r: OomReport): NonNullable<OomReport['memcg']> {
    return (r.memcg ??= { taskPath: null, limitPath: null, memory: null, memsw: null, kmem: null, swap: null, stats: {}, statsPath: null });
  }

  /** Finishes the open kernel report: settles its kind from the evidence it holds, then emits it. */
  flush(emit: E): void {
    if (!this.cur) return;
    const r = this.cur;
    this.cur = null;
    this.mode = 'none';
    this.closed = false;
    // A report that starts mid-way (no trigger line) but whose call trace passes warn_alloc is an allocation failure.
    if (r.kind === 'oom-kill' && r.trigger === null && r.victim === null && r.oomKill === null && r.callTrace.includes('warn_alloc')) {
      r.kind = 'alloc-failure';
    }
    const killEvidence = r.victim !== null || r.oomKill !== null || r.constraint !== null || r.memcg !== null || r.taskCount > 0;
    if (r.kind === 'oom-kill' && r.trigger === null && !killEvidence) r.kind = 'show-mem';
    if (r.kind === 'oom-kill' && r.victim === null) {
      emit.diagnostic('oom-incomplete-block', 'OOM-killer report without its `Killed process` line (log cut or interleaved)', { line: r.line });
    }
    if (r.kind === 'oom-kill' && r.victim === null && r.oomKill?.pid !== undefined) {
      const pid = parseUInt(r.oomKill.pid);
      if (pid !== null) {
        r.victim = {
          pid, comm: r.oomKill.task ?? '', totalVmKb: null, anonRssKb: null, fileRssKb: null, shmemRssKb: null,
          uid: r.oomKill.uid !== undefined ? parseUInt(r.oomKill.uid) : null, pgtablesKb: null, oomScoreAdj: null, score: null,
        };
      }
    }
    r.complete = r.kind === 'alloc-failure' ? r.trigger !== null : r.trigger !== null && r.victim !== null;
    if (r.tasks.length > this.maxTasks) {
      r.tasks = [...r.tasks].sort((a, b) => (b.rssPages ?? 0) - (a.rssPages ?? 0)).slice(0, this.maxTasks);
    }
    emit.record(r);
    emit.count(r.kind);
  }

  flushLmk(emit: E): void {
    if (!this.lmk) return;
    emit.record(this.lmk);
    emit.count(this.lmk.kind);
    this.lmk = null;
  }

  /** Starts a new kernel report of `kind` at this line, closing the open one. */
  start(l: OomLine, kind: OomReport['kind']): OomReport {
    this.flush(l.emit);
    return (this.cur = newReport(kind, l.lineNo, l.time, l.timeKind));
  }

  /** The open report, starting an incomplete one when a body line arrives outside any. */
  body(l: OomLine): OomReport {
    if (this.cur && !this.closed) return this.cur;
    return this.start(l, 'oom-kill');
  }

  /** Reports a line of a known kind whose fields could not be read; the line is then accounted for. */
  malformed(l: OomLine, what: string): true {
    l.emit.diagnostic('oom-malformed-line', `${what}: fields could not be read`, { excerpt: l.text });
    return true;
  }
}
