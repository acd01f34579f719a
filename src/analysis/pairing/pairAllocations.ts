import { z } from 'zod';
import { formatBytes } from '../../core/format.js';
import type { Finding } from '../../core/models.js';
import type { TraceEvent, TraceEventKind, TraceRecord, TraceStackRecord } from '../../parsers/tracecmd/core.js';
import { detach } from '../../parsers/tracecmd/core.js';
import { firstFrameOutsideAllocator, isAllocatorFrame } from '../allocatorFrames.js';
import { LiveMap, PointerSet, type PointerSetData } from './pointerSet.js';
import { DEFAULT_TRACER_COMMS, type AllocationContext, type PairingGroup, type UnmatchedFreeSampleSchema } from './pairingSchema.js';
import type { PairingOptions, LifetimeStats, PairedSite, PairedStack, PairedTask, PairingResult } from './pairingSchema.js';
import { addExact, cumulativeFit, exactValue, survivorCurve } from './survivorMath.js';
export * from './pairingSchema.js';

/**
 * Pairs kernel allocations with their frees by pointer (slab objects: kmalloc and kmem_cache share
 * one pointer space; pages by pfn), in trace order, and ranks what is left by how much it looks
 * like a leak. Streaming: memory is the live set of unfreed allocations plus one aggregate per
 * site / stack / task, never the whole trace.
 *
 * Handled for real: frees of objects allocated before the trace (unmatchedFrees, not errors);
 * an allocation over a pointer that is still live (the earlier object was freed by a path that
 * traced no free: kfree_rcu batches, kfree_bulk; counted as inferredFrees of the earlier object's
 * site, like bcc memleak's missed-free workaround); kfree(NULL) and ZERO_SIZE_PTR ignored.
 */


/** One aggregate of a piece (see AllocationPairer.exportPiece). */
export interface PieceAgg {
  key: string;
  site: string;
  comm: string | null;
  pid: number | null;
  event: string;
  cacheName: string | null;
  stackId: number | null;
  allocs: number;
  frees: number;
  inferredFrees: number;
  outstandingCount: number;
  outstandingBytes: number;
  lifeN: number;
  lifeParts: number[];
  lifeMin: number;
  lifeMax: number;
  hist: number[] | null;
  firstLine: number;
  lastLine: number;
}
export interface PieceTaskAgg {
  key: string;
  comm: string;
  pid: number | null;
  context: AllocationContext;
  allocs: number;
  frees: number;
  inferredFrees: number;
  outstandingCount: number;
  outstandingBytes: number;
}
/** An allocation live at the end of a piece; site/stack/task index the piece's aggregates (-1: none). */
export interface PieceLive {
  page: boolean;
  key: string;
  ts: number;
  bytes: number;
  req: number;
  line: number;
  site: number;
  stack: number;
  task: number;
}
/** A free the piece could not match. */
export interface PieceUnmatched {
  page: boolean;
  key: string;
  line: number;
  ts: number;
  event: string;
  comm: string;
  pid: number;
  callSite: string | null;
}
/** What a pairer in piece mode hands to mergePiece: counters, aggregates, stacks, live set, open questions. */
export interface PairingPiece {
  eventCounts: Record<string, number>;
  start: number | null;
  end: number | null;
  ignored: number;
  allocs: number;
  frees: number;
  byEvent: Record<string, { allocs: number; frees: number }>;
  inferredSlab: number;
  inferredPage: number;
  /** Unmatched frees of pointers the piece had seen before (not resolvable by the merge). */
  unmatchedSlab: number;
  unmatchedPage: number;
  /** Frees of pointers the piece had not seen: matched against the earlier pieces' live set at the merge. */
  candidates: PieceUnmatched[];
  /** The first unmatched frees that are not candidates (for the result's samples). */
  samples: PieceUnmatched[];
  /**
   * Pointers the piece allocated while not live there (as typed arrays, see PointerSet). One
   * whose first event in the piece is an allocation (it has no candidate free: a candidate always
   * comes before the piece's first allocation of its pointer) replaced an object live from the
   * earlier pieces, which was freed untraced.
   */
  allocatedSlab: PointerSetData;
  allocatedPages: PointerSetData;
  stacks: TraceStackRecord[];
  sites: PieceAgg[];
  stackAggs: PieceAgg[];
  tasks: PieceTaskAgg[];
  live: PieceLive[];
}

const HIST_BUCKETS = 48; // log2 buckets of microseconds: 1 µs .. ~8.9 years

class Agg {
  allocs = 0;
  frees = 0;
  inferredFrees = 0;
  outstandingCount = 0;
  outstandingBytes = 0;
  lifeN = 0;
  /** Exact sum of the lifetimes (see addExact). */
  lifeParts: number[] = [];
  lifeMin = Infinity;
  lifeMax = -Infinity;
  hist: Uint32Array | null = null;
  firstLine = 0;
  lastLine = 0;
  constructor(
    readonly site: string,
    readonly comm: string | null,
    readonly pid: number | null,
    readonly event: string,
    readonly cacheName: string | null,
    readonly stackId: number | null,
  ) {}
  lifetime(sec: number): void {
    this.lifeN++;
    addExact(this.lifeParts, sec);
    if (sec < this.lifeMin) this.lifeMin = sec;
    if (sec > this.lifeMax) this.lifeMax = sec;
    const us = sec * 1e6;
    const b = us < 1 ? 0 : Math.min(HIST_BUCKETS - 1, 1 + Math.floor(Math.log2(us)));
    (this.hist ??= new Uint32Array(HIST_BUCKETS))[b]++;
  }
}

class TaskAgg {
  allocs = 0;
  frees = 0;
  inferredFrees = 0;
  outstandingCount = 0;
  outstandingBytes = 0;
  constructor(
    readonly comm: string,
    readonly pid: number | null,
    readonly context: AllocationContext,
  ) {}
}

interface FastEntry {
  irq: TraceEvent['irqContext'];
  callSite: string | undefined;
  cls: string;
  cache: string | undefined;
  order: number | undefined;
  site: Agg;
  stack: Agg;
  task: TaskAgg;
}

class Live {
  constructor(
    readonly ts: number,
    readonly bytes: number,
    readonly req: number,
    readonly site: Agg | null,
    readonly stack: Agg | null,
    readonly task: TaskAgg | null,
    readonly line: number,
  ) {}
}

/**
 * Frames that only run in interrupt context, innermost first decides: an allocation under one
 * belongs to the handler, not to the task it interrupted (whose comm/pid the event carries).
 * ksoftirqd runs softirqs as a task of its own: the same handlers, so the same context.
 */
const SOFTIRQ_FRAMES = new Set(['__do_softirq', 'handle_softirqs', 'do_softirq', 'net_rx_action', 'net_tx_action', 'run_timer_softirq', 'tasklet_action', 'tasklet_hi_action', 'tasklet_action_common', 'blk_done_softirq', 'rcu_core', 'rcu_core_si', 'irq_poll_softirq', 'run_ksoftirqd']);
const HARDIRQ_FRAMES = new Set(['handle_irq_event', 'handle_irq_event_percpu', '__handle_irq_event_percpu', 'handle_edge_irq', 'handle_fasteoi_irq', 'handle_level_irq', 'common_interrupt', 'asm_common_interrupt', '__sysvec_apic_timer_interrupt', 'sysvec_apic_timer_interrupt', 'hrtimer_interrupt', '__hrtimer_run_queues', 'gic_handle_irq', 'do_IRQ']);
const NMI_FRAMES = new Set(['exc_nmi', 'default_do_nmi', 'nmi_handle', 'asm_exc_nmi']);
const CONTEXT_LABEL: Record<AllocationContext, string> = { task: '', softirq: 'softirq', hardirq: 'hardirq', nmi: 'NMI' };

/** Slab-allocator internals: allocations made to grow a cache, on behalf of other sites. */
const SLAB_INTERNAL = new Set(['allocate_slab', 'new_slab', 'alloc_slab_page', 'alloc_slab_obj_exts', '___slab_alloc']);

function allocClass(e: TraceEventKind): 'kmalloc' | 'kmem_cache_alloc' | 'mm_page_alloc' | null {
  switch (e) {
    case 'kmalloc':
    case 'kmalloc_node':
      return 'kmalloc';
    case 'kmem_cache_alloc':
    case 'kmem_cache_alloc_node':
      return 'kmem_cache_alloc';
    case 'mm_page_alloc':
      return 'mm_page_alloc';
    default:
      return null;
  }
}

function symbolOf(callSite: string): string {
  const plus = callSite.indexOf('+');
  return plus > 0 ? callSite.slice(0, plus) : callSite;
}

function isHexAddress(s: string): boolean {
  if (s.length < 6) return false;
  let i = s.startsWith('0x') ? 2 : 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i) | 0x20;
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

function lifetimeStats(a: Agg): LifetimeStats {
  if (a.lifeN === 0) return { count: 0, meanSeconds: null, minSeconds: null, maxSeconds: null, medianSeconds: null };
  let median: number | null = null;
  if (a.hist) {
    const half = a.lifeN / 2;
    let acc = 0;
    for (let b = 0; b < HIST_BUCKETS; b++) {
      acc += a.hist[b];
      if (acc >= half) {
        // geometric middle of the bucket, clamped to the observed range
        const mid = b === 0 ? 0.5e-6 : Math.pow(2, b - 0.5) * 1e-6;
        median = Math.min(a.lifeMax, Math.max(a.lifeMin, mid));
        break;
      }
    }
  }
  return { count: a.lifeN, meanSeconds: exactValue(a.lifeParts) / a.lifeN, minSeconds: a.lifeMin, maxSeconds: a.lifeMax, medianSeconds: median };
}


/**
 * The streaming pairer: feed it parser records (events and stack definitions) in trace order.
 * @example
 * const pairer = new AllocationPairer({ source: 'd1p.report.txt' });
 * parseTraceCmd(text, { onRecord: (r) => pairer.add(r as TraceRecord) });
 * const result = pairer.finish();
 * result.allocationSites[0].site; // 'do_eventfd' (or another object of the same leak)
 */
export class AllocationPairer {
  readonly #o: PairingOptions;
  readonly #source: string;
  readonly #excluded: Set<string>;
  readonly #comms: Set<string> | null;
  readonly #pids: Set<number> | null;
  readonly #sizes: Set<number> | null;
  readonly #kinds: Set<string> | null;
  readonly #bySite = new Map<string, Agg>();
  readonly #byStack = new Map<string, Agg>();
  readonly #byTask = new Map<string, TaskAgg>();
  /** Live allocations by pointer (slab) and by pfn (pages), in allocation order. */
  readonly #slab = new LiveMap<Live>();
  readonly #pages = new LiveMap<Live>();
  readonly #stacks = new Map<number, TraceStackRecord>();
  readonly #siteCache = new Map<string, string>();
  readonly #stackContext = new Map<number, AllocationContext>();
  readonly #group: PairingGroup;
  /** Fast path: pid → task entry → stack id → aggregates (verified against comm / call site / cache). */
  readonly #fast = new Map<number, { comm: string; task: TaskAgg; byStack: Map<number, FastEntry> }>();
  readonly #eventCounts: Record<string, number> = {};
  readonly #unmatchedSamples: z.infer<typeof UnmatchedFreeSampleSchema>[] = [];
  #unmatchedSlab = 0;
  #unmatchedPage = 0;
  #inferredSlab = 0;
  #inferredPage = 0;
  #ignored = 0;
  #allocs = 0;
  #frees = 0;
  readonly #byEvent: Record<string, { allocs: number; frees: number }> = {};
  #start: number | null = null;
  #end: number | null = null;
  /**
   * Piece mode (startPiece): the pointers the piece allocated while not live (no strings kept:
   * see PointerSet), the pointers of its candidate frees, and the unmatched frees the merge
   * resolves.
   */
  #piece: {
    allocatedSlab: PointerSet;
    allocatedPages: PointerSet;
    candidateSlab: Set<string>;
    candidatePages: Set<string>;
    candidates: PieceUnmatched[];
    samples: PieceUnmatched[];
  } | null = null;
  /** mergePiece: global stack ids by kind + frames. */
  readonly #mergeStackIds = new Map<string, number>();

  constructor(options: PairingOptions = {}) {
    this.#o = options;
    this.#group = options.groupBy ?? 'site';
    this.#source = options.source ?? 'trace';
    this.#excluded = new Set(options.includeTracer ? [] : (options.excludeComms ?? DEFAULT_TRACER_COMMS));
    this.#comms = options.comms ? new Set(options.comms) : null;
    this.#pids = options.pids ? new Set(options.pids) : null;
    this.#sizes = options.bytesAlloc ? new Set(options.bytesAlloc) : null;
    this.#kinds = options.events ? new Set(options.events) : null;
  }

  /** Adds one parser record (an event or a stack definition). */
  add(record: TraceRecord): void {
    if (record.type === 'stack') {
      this.#stacks.set(record.id, record);
      return;
    }
    this.addEvent(record);
  }

  /** Adds one event. Events must come in trace order. */
  addEvent(e: TraceEvent): void {
    const o = this.#o;
    if (o.to !== undefined && e.ts > o.to) return;
    this.#eventCounts[e.event] = (this.#eventCounts[e.event] ?? 0) + 1;
    if (this.#start === null) this.#start = o.from !== undefined ? Math.max(o.from, e.ts) : e.ts;
    if (this.#end === null || e.ts > this.#end) this.#end = e.ts;
    switch (e.event) {
      case 'kmalloc':
      case 'kmalloc_node':
      case 'kmem_cache_alloc':
      case 'kmem_cache_alloc_node': {
        const p = e.ptr;
        if (p === undefined || p === '0' || p === '10') {
          this.#ignored++;
          return;
        }
        this.#alloc(e, this.#slab, p, e.bytesAlloc ?? 0, e.bytesReq ?? e.bytesAlloc ?? 0, false);
        return;
      }
      case 'kfree':
      case 'kmem_cache_free': {
        const p = e.ptr;
        if (p === undefined || p === '0' || p === '10') {
          this.#ignored++;
          return;
        }
        this.#free(e, this.#slab, p, false);
        return;
      }
      case 'mm_page_alloc': {
        if (e.failed || (e.pfn === undefined && e.page === undefined)) {
          this.#ignored++;
          return;
        }
        const bytes = 4096 * 2 ** (e.order ?? 0);
        this.#alloc(e, this.#pages, e.pfn !== undefined ? String(e.pfn) : `g${e.page}`, bytes, bytes, true);
        return;
      }
      case 'mm_page_free':
      case 'mm_page_free_batched': {
        if (e.pfn === undefined && e.page === undefined) {
          this.#ignored++;
          return;
        }
        this.#free(e, this.#pages, e.pfn !== undefined ? String(e.pfn) : `g${e.page}`, true);
        return;
      }
      default:
        return;
    }
  }

  #counted(e: TraceEvent, bytes: number): boolean {
    const o = this.#o;
    if (o.from !== undefined && e.ts < o.from) return false;
    if (this.#excluded.has(e.comm)) return false;
    if (this.#comms && !this.#comms.has(e.comm)) return false;
    if (this.#pids && !this.#pids.has(e.pid) && !(e.tgid !== undefined && this.#pids.has(e.tgid))) return false;
    if (this.#sizes && !this.#sizes.has(bytes)) return false;
    if (o.minBytesAlloc !== undefined && bytes < o.minBytesAlloc) return false;
    if (o.maxBytesAlloc !== undefined && bytes > o.maxBytesAlloc) return false;
    if (this.#kinds && !this.#kinds.has(e.event)) return false;
    return true;
  }

  #siteOf(e: TraceEvent): string {
    const cs = e.callSite;
    const sid = e.stackId;
    const key = `${cs ?? ''}|${sid ?? ''}|${e.order ?? ''}`;
    let site = this.#siteCache.get(key);
    if (site !== undefined) return site;
    const frames = sid !== undefined ? this.#stacks.get(sid)?.frames : undefined;
    if (cs !== undefined && cs.length > 0) {
      const sym = symbolOf(cs);
      if (isHexAddress(sym) || isAllocatorFrame(sym)) {
        // raw hex call_site, or an allocator wrapper (kvmalloc, kmemdup): the stack knows better
        if (frames && frames.length > 0) {
          const at = frames.findIndex((f) => symbolOf(f) === sym);
          site = firstFrameOutsideAllocator(at >= 0 ? frames.slice(at + 1) : frames) ?? sym;
        } else site = sym;
      } else site = sym;
    } else if (frames && frames.length > 0) {
      site = firstFrameOutsideAllocator(frames) ?? frames[0];
    } else {
      site = e.event === 'mm_page_alloc' ? `(page) order=${e.order ?? 0}` : '(unknown)';
    }
    site = detach(site);
    if (this.#siteCache.size < 100_000) this.#siteCache.set(detach(key), site);
    return site;
  }

  #alloc(e: TraceEvent, map: LiveMap<Live>, key: string, bytes: number, req: number, page: boolean): void {
    const old = map.get(key);
    // piece mode: a pointer not live here may be one an earlier piece left live (the merge decides)
    if (this.#piece !== null && old === undefined) (page ? this.#piece.allocatedPages : this.#piece.allocatedSlab).add(key);
    if (old !== undefined) {
      // the allocator handed this pointer out again: the earlier object was freed untraced
      if (page) this.#inferredPage++;
      else this.#inferredSlab++;
      this.#release(old, true);
      map.delete(key);
    }
    let site: Agg | null = null;
    let stack: Agg | null = null;
    let task: TaskAgg | null = null;
    if (this.#counted(e, bytes)) {
      this.#allocs++;
      const cls = allocClass(e.event) ?? e.event;
      (this.#byEvent[cls] ??= { allocs: 0, frees: 0 }).allocs++;
      const fe = this.#fastEntry(e, cls);
      if (fe !== null) {
        site = fe.site;
        stack = fe.stack;
        task = fe.task;
      } else {
      const group = this.#group;
      const sid = e.stackId ?? -1;
      const siteName = this.#siteOf(e);
      const cache = e.cacheName === undefined ? null : detach(e.cacheName);
      // an interrupt handler's allocation is its own, whichever task it interrupted
      const context = this.#contextOf(e, sid);
      const comm = context === 'task' ? detach(e.comm) : CONTEXT_LABEL[context];
      const pid = context === 'task' ? e.pid : null;
      const tk = context === 'task' ? `${e.comm}\u0000${e.pid}` : comm;
      // the stack id leads (mergePiece renumbers it); a site across tasks keys on neither comm nor pid
      const sk =
        group === 'site' ? `-\u0000${cls}\u0000${siteName}\u0000${cache ?? ''}`
        : group === 'stack' ? `${sid}\u0000${cls}\u0000${siteName}\u0000${cache ?? ''}`
        : group === 'comm' ? `-\u0000${cls}\u0000${siteName}\u0000${cache ?? ''}\u0000${comm}`
        : `-\u0000${cls}\u0000${siteName}\u0000${cache ?? ''}\u0000${tk}`;
      site = this.#bySite.get(sk) ?? null;
      if (site === null) {
        site = new Agg(siteName, group === 'comm' || group === 'pid' ? comm : null, group === 'pid' ? pid : null, cls, cache, group === 'stack' && sid >= 0 ? sid : null);
        site.firstLine = e.line;
        this.#bySite.set(detach(sk), site);
      }
      const stk = `${sid}\u0000${sk.slice(sk.indexOf('\u0000') + 1)}`;
      stack = this.#byStack.get(stk) ?? null;
      if (stack === null) {
        stack = new Agg(siteName, site.comm, site.pid, cls, cache, sid >= 0 ? sid : null);
        this.#byStack.set(detach(stk), stack);
      }
      task = this.#byTask.get(tk) ?? null;
      if (task === null) {
        task = new TaskAgg(comm, pid, context);
        this.#byTask.set(detach(tk), task);
      }
      this.#rememberFast(e, cls, site, stack, task);
      }
      site.allocs++;
      site.outstandingCount++;
      site.outstandingBytes += bytes;
      site.lastLine = e.line;
      stack!.allocs++;
      stack!.outstandingCount++;
      stack!.outstandingBytes += bytes;
      stack!.lastLine = e.line;
      task.allocs++;
      task.outstandingCount++;
      task.outstandingBytes += bytes;
    }
    // (the live map keeps no key string: nothing pins the input chunk the key was cut from)
    map.set(key, new Live(e.ts, bytes, req, site, stack, task, e.line));
  }

  #fastEntry(e: TraceEvent, cls: string): FastEntry | null {
    if (e.stackId === undefined) return null;
    const t = this.#fast.get(e.pid);
    if (t === undefined || t.comm !== e.comm) return null;
    const f = t.byStack.get(e.stackId);
    if (f === undefined || f.irq !== e.irqContext || f.callSite !== e.callSite || f.cls !== cls || f.cache !== e.cacheName || f.order !== e.order) return null;
    return f;
  }

  #rememberFast(e: TraceEvent, cls: string, site: Agg, stack: Agg, task: TaskAgg): void {
    if (e.stackId === undefined) return;
    let t = this.#fast.get(e.pid);
    if (t === undefined || t.comm !== e.comm) {
      t = { comm: detach(e.comm), task, byStack: new Map() };
      this.#fast.set(e.pid, t);
    }
    // an interrupt-context entry has the interrupt's task aggregate, not this pid's: not cached
    if (t.task !== task) return;
    const cs = e.callSite === undefined ? undefined : detach(e.callSite);
    const cache = e.cacheName === undefined ? undefined : detach(e.cacheName);
    t.byStack.set(e.stackId, { irq: e.irqContext, callSite: cs, cls, cache, order: e.order, site, stack, task });
  }

  #releaseAgg(a: Agg | null, bytes: number, inferred: boolean): void {
    if (a === null) return;
    a.outstandingCount--;
    a.outstandingBytes -= bytes;
    if (inferred) a.inferredFrees++;
    else a.frees++;
  }

  #release(l: Live, inferred: boolean): void {
    this.#releaseAgg(l.site, l.bytes, inferred);
    this.#releaseAgg(l.stack, l.bytes, inferred);
    if (l.task) {
      l.task.outstandingCount--;
      l.task.outstandingBytes -= l.bytes;
      if (inferred) l.task.inferredFrees++;
      else l.task.frees++;
    }
  }

  #free(e: TraceEvent, map: LiveMap<Live>, key: string, page: boolean): void {
    const l = map.get(key);
    if (l === undefined && this.#piece !== null) {
      // piece mode: the merge decides (against the earlier pieces' live set)
      // The piece's first event on this pointer unless the piece allocated it before (then it was
      // freed here already: allocated while not live, and not live now) or freed it unmatched before.
      const pc = this.#piece;
      const candidateKeys = page ? pc.candidatePages : pc.candidateSlab;
      const first = !(page ? pc.allocatedPages : pc.allocatedSlab).has(key) && !candidateKeys.has(key);
      const k = detach(key);
      if (first) candidateKeys.add(k);
      const u: PieceUnmatched = { page, key: k, line: e.line, ts: e.ts, event: e.event, comm: detach(e.comm), pid: e.pid, callSite: e.callSite === undefined ? null : detach(e.callSite) };
      if (first) pc.candidates.push(u);
      else {
        if (page) this.#unmatchedPage++;
        else this.#unmatchedSlab++;
        if (pc.samples.length < (this.#o.maxSamples ?? 20)) pc.samples.push(u);
      }
      return;
    }
    if (l === undefined) {
      if (page) this.#unmatchedPage++;
      else this.#unmatchedSlab++;
      if (this.#unmatchedSamples.length < (this.#o.maxSamples ?? 20)) {
        this.#unmatchedSamples.push({ line: e.line, ts: e.ts, event: e.event, comm: detach(e.comm), pid: e.pid, callSite: e.callSite === undefined ? null : detach(e.callSite), key: detach(key) });
      }
      return;
    }
    map.delete(key);
    if (l.site) {
      this.#frees++;
      (this.#byEvent[l.site.event] ??= { allocs: 0, frees: 0 }).frees++;
      const life = Math.max(0, e.ts - l.ts);
      l.site.lifetime(life);
      l.stack?.lifetime(life);
    }
    this.#release(l, false);
  }

  /** The allocation's context: the irq-flags column when printed, else the stack's interrupt frames. */
  #contextOf(e: TraceEvent, stackId: number): AllocationContext {
    if (e.irqContext !== undefined) return e.irqContext;
    if (stackId < 0) return 'task';
    let c = this.#stackContext.get(stackId);
    if (c === undefined) {
      c = 'task';
      const frames = this.#stacks.get(stackId)?.frames ?? [];
      for (const f of frames) {
        const sym = symbolOf(f);
        if (SOFTIRQ_FRAMES.has(sym)) c = 'softirq';
        else if (HARDIRQ_FRAMES.has(sym)) c = 'hardirq';
        else if (NMI_FRAMES.has(sym)) c = 'nmi';
        else continue;
        break;
      }
      this.#stackContext.set(stackId, c);
    }
    return c;
  }

  #slabInternal(stackId: number, site: string): boolean {
    if (SLAB_INTERNAL.has(site)) return true;
    const frames = stackId >= 0 ? this.#stacks.get(stackId)?.frames : undefined;
    if (!frames) return false;
    for (let i = 0; i < frames.length && i < 8; i++) if (SLAB_INTERNAL.has(symbolOf(frames[i]))) return true;
    return false;
  }

  /**
   * Piece mode (parallel pairing): the pairer is fed one piece of a trace, cut at a line
   * boundary, without the live set the earlier pieces left. It remembers, per pointer, whether
   * the first event the piece saw on it was an allocation or an unmatched free, so that
   * mergePiece can resolve those against the live set carried from the earlier pieces.
   * Call before the first event.
   */
  startPiece(): void {
    this.#piece = { allocatedSlab: new PointerSet(), allocatedPages: new PointerSet(), candidateSlab: new Set(), candidatePages: new Set(), candidates: [], samples: [] };
  }

  /**
   * The piece's state for mergePiece (structured-clone safe: plain objects, arrays, numbers).
   * @example
   * const pairer = new AllocationPairer(opts); pairer.startPiece();
   * for (const r of pieceRecords) pairer.add(r);
   * postMessage(pairer.exportPiece());
   */
  exportPiece(): PairingPiece {
    const pc = this.#piece;
    if (pc === null) throw new Error('exportPiece() needs startPiece() first');
    const siteIdx = new Map<Agg, number>();
    const stackIdx = new Map<Agg, number>();
    const taskIdx = new Map<TaskAgg, number>();
    const aggState = (key: string, a: Agg): PieceAgg => ({
      key, site: a.site, comm: a.comm, pid: a.pid, event: a.event, cacheName: a.cacheName, stackId: a.stackId,
      allocs: a.allocs, frees: a.frees, inferredFrees: a.inferredFrees, outstandingCount: a.outstandingCount, outstandingBytes: a.outstandingBytes,
      lifeN: a.lifeN, lifeParts: [...a.lifeParts], lifeMin: a.lifeMin, lifeMax: a.lifeMax, hist: a.hist ? Array.from(a.hist) : null,
      firstLine: a.firstLine, lastLine: a.lastLine,
    });
    const sites: PieceAgg[] = [];
    for (const [k, a] of this.#bySite) {
      siteIdx.set(a, sites.length);
      sites.push(aggState(k, a));
    }
    const stackAggs: PieceAgg[] = [];
    for (const [k, a] of this.#byStack) {
      stackIdx.set(a, stackAggs.length);
      stackAggs.push(aggState(k, a));
    }
    const tasks: PieceTaskAgg[] = [];
    for (const [k, t] of this.#byTask) {
      taskIdx.set(t, tasks.length);
      tasks.push({ key: k, comm: t.comm, pid: t.pid, context: t.context, allocs: t.allocs, frees: t.frees, inferredFrees: t.inferredFrees, outstandingCount: t.outstandingCount, outstandingBytes: t.outstandingBytes });
    }
    const live: PieceLive[] = [];
    const addLive = (page: boolean, m: LiveMap<Live>): void => {
      for (const [key, l] of m) {
        live.push({
          page, key, ts: l.ts, bytes: l.bytes, req: l.req, line: l.line,
          site: l.site ? siteIdx.get(l.site)! : -1, stack: l.stack ? stackIdx.get(l.stack)! : -1, task: l.task ? taskIdx.get(l.task)! : -1,
        });
      }
    };
    addLive(false, this.#slab);
    addLive(true, this.#pages);
    return {
      eventCounts: { ...this.#eventCounts },
      start: this.#start,
      end: this.#end,
      ignored: this.#ignored,
      allocs: this.#allocs,
      frees: this.#frees,
      byEvent: Object.fromEntries(Object.entries(this.#byEvent).map(([k, v]) => [k, { ...v }])),
      inferredSlab: this.#inferredSlab,
      inferredPage: this.#inferredPage,
      unmatchedSlab: this.#unmatchedSlab,
      unmatchedPage: this.#unmatchedPage,
      candidates: pc.candidates,
      samples: pc.samples,
      allocatedSlab: pc.allocatedSlab.export(),
      allocatedPages: pc.allocatedPages.export(),
      stacks: [...this.#stacks.values()],
      sites,
      stackAggs,
      tasks,
      live,
    };
  }

  /**
   * Merges the next piece (in file order) into this pairer, which holds the pieces before it:
   * the piece's first allocations over pointers still live here are inferred frees of the
   * earlier objects, its first frees of such pointers are their frees (lifetimes and all), the
   * rest stays unmatched; aggregates are summed, stacks renumbered, lines shifted by
   * `lineOffset`, and the piece's live set appended in its order. The merged finish() equals
   * the serial one.
   * @example
   * const merged = new AllocationPairer(opts);
   * for (const [i, piece] of pieces.entries()) merged.mergePiece(piece, lineOffsets[i]);
   * merged.finish();
   */
  mergePiece(p: PairingPiece, lineOffset: number): void {
    const shift = (line: number): number => (line > 0 ? line + lineOffset : line);
    // stacks: global ids in order of first appearance, as the serial parser numbers them
    const localStack: number[] = [];
    for (const st of p.stacks) {
      const k = `${st.kind}\n${st.frames.join('\n')}`;
      let id = this.#mergeStackIds.get(k);
      if (id === undefined) {
        id = this.#mergeStackIds.size;
        this.#mergeStackIds.set(k, id);
        this.#stacks.set(id, { ...st, id, line: shift(st.line) });
      }
      localStack[st.id] = id;
    }
    for (const [k, v] of Object.entries(p.eventCounts)) this.#eventCounts[k] = (this.#eventCounts[k] ?? 0) + v;
    if (this.#start === null) this.#start = p.start;
    if (p.end !== null && (this.#end === null || p.end > this.#end)) this.#end = p.end;
    this.#ignored += p.ignored;
    this.#allocs += p.allocs;
    this.#frees += p.frees;
    for (const [k, v] of Object.entries(p.byEvent)) {
      const b = (this.#byEvent[k] ??= { allocs: 0, frees: 0 });
      b.allocs += v.allocs;
      b.frees += v.frees;
    }
    this.#inferredSlab += p.inferredSlab;
    this.#inferredPage += p.inferredPage;
    this.#unmatchedSlab += p.unmatchedSlab;
    this.#unmatchedPage += p.unmatchedPage;
    // aggregates (inserted in the piece's order: the serial first-appearance order)
    const mergeAgg = (m: Map<string, Agg>, st: PieceAgg, key: string, stackId: number | null): Agg => {
      let a = m.get(key);
      if (a === undefined) {
        a = new Agg(st.site, st.comm, st.pid, st.event, st.cacheName, stackId);
        a.firstLine = shift(st.firstLine);
        m.set(key, a);
      }
      a.allocs += st.allocs;
      a.frees += st.frees;
      a.inferredFrees += st.inferredFrees;
      a.outstandingCount += st.outstandingCount;
      a.outstandingBytes += st.outstandingBytes;
      a.lifeN += st.lifeN;
      for (const x of st.lifeParts) addExact(a.lifeParts, x);
      if (st.lifeMin < a.lifeMin) a.lifeMin = st.lifeMin;
      if (st.lifeMax > a.lifeMax) a.lifeMax = st.lifeMax;
      if (st.hist) {
        const h = (a.hist ??= new Uint32Array(HIST_BUCKETS));
        for (let b = 0; b < HIST_BUCKETS; b++) h[b] += st.hist[b];
      }
      if (st.lastLine > 0) a.lastLine = shift(st.lastLine);
      return a;
    };
    const sites = p.sites.map((st) => {
      // grouped by stack: the key leads with the piece's stack id, renumbered like the stacks'
      if (st.stackId === null) return mergeAgg(this.#bySite, st, st.key, null);
      const gid = localStack[st.stackId] ?? st.stackId;
      return mergeAgg(this.#bySite, st, `${gid}${st.key.slice(st.key.indexOf('\u0000'))}`, gid);
    });
    const stackAggs = p.stackAggs.map((st) => {
      const gid = st.stackId === null ? null : (localStack[st.stackId] ?? st.stackId);
      const sep = st.key.indexOf('\u0000');
      const key = `${gid ?? -1}${st.key.slice(sep)}`;
      return mergeAgg(this.#byStack, st, key, gid);
    });
    const tasks = p.tasks.map((st) => {
      let t = this.#byTask.get(st.key);
      if (t === undefined) {
        t = new TaskAgg(st.comm, st.pid, st.context);
        this.#byTask.set(st.key, t);
      }
      t.allocs += st.allocs;
      t.frees += st.frees;
      t.inferredFrees += st.inferredFrees;
      t.outstandingCount += st.outstandingCount;
      t.outstandingBytes += st.outstandingBytes;
      return t;
    });
    // the piece's first events on pointers live before it: allocations (frees come below)
    this.#inferOverAll(this.#slab, PointerSet.from(p.allocatedSlab), p.candidates, false);
    this.#inferOverAll(this.#pages, PointerSet.from(p.allocatedPages), p.candidates, true);
    const unmatched: PieceUnmatched[] = [];
    for (const c of p.candidates) {
      const map = c.page ? this.#pages : this.#slab;
      const l = map.get(c.key);
      if (l === undefined) {
        if (c.page) this.#unmatchedPage++;
        else this.#unmatchedSlab++;
        unmatched.push(c);
        continue;
      }
      map.delete(c.key);
      if (l.site) {
        this.#frees++;
        (this.#byEvent[l.site.event] ??= { allocs: 0, frees: 0 }).frees++;
        const life = Math.max(0, c.ts - l.ts);
        l.site.lifetime(life);
        l.stack?.lifetime(life);
      }
      this.#release(l, false);
    }
    // samples: the first unmatched frees in file order
    const max = this.#o.maxSamples ?? 20;
    if (this.#unmatchedSamples.length < max) {
      const all = [...unmatched, ...p.samples].sort((x, y) => x.line - y.line);
      for (const u of all) {
        if (this.#unmatchedSamples.length >= max) break;
        this.#unmatchedSamples.push({ line: shift(u.line), ts: u.ts, event: u.event, comm: u.comm, pid: u.pid, callSite: u.callSite, key: u.key });
      }
    }
    // the piece's live set, after what stays live from before it
    for (const l of p.live) {
      const map = l.page ? this.#pages : this.#slab;
      map.set(l.key, new Live(l.ts, l.bytes, l.req, l.site >= 0 ? sites[l.site] : null, l.stack >= 0 ? stackAggs[l.stack] : null, l.task >= 0 ? tasks[l.task] : null, shift(l.line)));
    }
  }

  /**
   * The pointers live here that the next piece allocated before any free of them: each such
   * object was freed untraced. Walks the smaller of the live set and the piece's set (the
   * outcome does not depend on the order: counters only).
   */
  #inferOverAll(map: LiveMap<Live>, allocated: PointerSet, candidates: readonly PieceUnmatched[], page: boolean): void {
    if (map.size === 0 || allocated.size === 0) return;
    const freedFirst = new Set<string>();
    for (const c of candidates) if (c.page === page) freedFirst.add(c.key);
    const hits: string[] = [];
    if (map.size <= allocated.size) {
      for (const key of map.keys()) if (allocated.has(key) && !freedFirst.has(key)) hits.push(key);
    } else {
      for (const key of allocated.keys()) if (map.has(key) && !freedFirst.has(key)) hits.push(key);
    }
    for (const key of hits) this.#inferOver(map, key, page);
  }

  /** An allocation over a pointer live from an earlier piece: that object was freed untraced. */
  #inferOver(map: LiveMap<Live>, key: string, page: boolean): void {
    const old = map.get(key);
    if (old === undefined) return;
    if (page) this.#inferredPage++;
    else this.#inferredSlab++;
    this.#release(old, true);
    map.delete(key);
  }

  /** Number of live (unfreed) allocations tracked right now: the pairer's memory. */
  get liveCount(): number {
    return this.#slab.size + this.#pages.size;
  }

  /** Ranks the outstanding allocations and builds the findings. The pairer can keep receiving events after. */
  finish(): PairingResult {
    const o = this.#o;
    const young = o.youngAgeSeconds ?? 1;
    const end = this.#end ?? 0;
    const start = this.#start ?? 0;
    const span = Math.max(end - start, 1e-9);
    interface Surv {
      ts: number[];
      bytes: number[];
      req: number;
      youngCount: number;
      youngBytes: number;
      stacks: Map<number, number>;
      /** Mature outstanding objects by task: count and bytes. */
      tasks: Map<TaskAgg, number[]>;
      interrupt: number;
      /** The one task the young objects came from (null: several). */
      youngTask: TaskAgg | null | undefined;
    }
    const surv = new Map<Agg, Surv>();
    const stackSurv = new Map<Agg, Surv>();
    const get = (m: Map<Agg, Surv>, a: Agg): Surv => {
      let s = m.get(a);
      if (!s) {
        s = { ts: [], bytes: [], req: 0, youngCount: 0, youngBytes: 0, stacks: new Map(), tasks: new Map(), interrupt: 0, youngTask: undefined };
        m.set(a, s);
      }
      return s;
    };
    const collect = (l: Live): void => {
      if (!l.site) return;
      const isYoung = end - l.ts < young;
      for (const [m, a] of [
        [surv, l.site],
        [stackSurv, l.stack],
      ] as const) {
        if (!a) continue;
        const s = get(m, a);
        if (isYoung) {
          s.youngCount++;
          s.youngBytes += l.bytes;
          if (m === surv) s.youngTask = s.youngTask === undefined || s.youngTask === l.task ? l.task : null;
        } else {
          s.ts.push(l.ts);
          s.bytes.push(l.bytes);
          s.req += l.req;
          const sid = l.stack?.stackId ?? -1;
          s.stacks.set(sid, (s.stacks.get(sid) ?? 0) + 1);
          if (m === surv && l.task) {
            const tc = s.tasks.get(l.task);
            if (tc) {
              tc[0]++;
              tc[1] += l.bytes;
            } else s.tasks.set(l.task, [1, l.bytes]);
            if (l.task.context !== 'task') s.interrupt++;
          }
        }
      }
    };
    // Map iteration order is insertion order, which is allocation order for a time-ordered trace.
    for (const l of this.#slab.values()) collect(l);
    for (const l of this.#pages.values()) collect(l);

    const framesOf = (sid: number | null): string[] => (sid === null || sid < 0 ? [] : (this.#stacks.get(sid)?.frames ?? []));
    const minLeak = o.minLeakCount ?? 5;
    const minShare = o.minLeakShare ?? 0.02;
    const strongCount = o.minLeakStrongCount ?? 50;
    // the culprit size is relative to the trace's whole mature outstanding growth
    let matureBytes = 0;
    for (const sv of surv.values()) for (const b of sv.bytes) matureBytes += b;
    const sites: PairedSite[] = [];
    let youngCount = 0;
    let youngBytes = 0;
    let outCount = 0;
    let outBytes = 0;
    const youngList: PairingResult['youngAllocations'] = [];
    for (const a of this.#bySite.values()) {
      const s = surv.get(a);
      const n = s ? s.ts.length : 0;
      if (s && s.youngCount > 0) {
        youngCount += s.youngCount;
        youngBytes += s.youngBytes;
        const yt = a.comm === null ? s.youngTask : null;
        youngList.push({ site: a.site, comm: yt ? yt.comm : a.comm, pid: yt ? yt.pid : a.pid, count: s.youngCount, bytes: s.youngBytes });
      }
      if (n === 0) continue;
      const sv = s!;
      let bytes = 0;
      for (const b of sv.bytes) bytes += b;
      outCount += n;
      outBytes += bytes;
      // sort only if needed (reused pointers move to the end of the map, time order stays)
      let sorted = true;
      for (let i = 1; i < n; i++) if (sv.ts[i] < sv.ts[i - 1]) sorted = false;
      if (!sorted) {
        const idx = sv.ts.map((_, i) => i).sort((x, y) => sv.ts[x] - sv.ts[y]);
        sv.ts = idx.map((i) => sv.ts[i]);
        sv.bytes = idx.map((i) => sv.bytes[i]);
      }
      const fit = cumulativeFit(sv.ts, sv.bytes);
      const first = sv.ts[0];
      const last = sv.ts[n - 1];
      const coverage = Math.min(1, (last - first) / span);
      let topStack = -1;
      let topCount = -1;
      for (const [sid, c] of sv.stacks) if (c > topCount) [topStack, topCount] = [sid, c];
      const totalFrees = a.frees + a.inferredFrees;
      // The site's objects die through a path the trace does not see: its survivors are not evidence.
      const untraced = a.inferredFrees > 0 && a.inferredFrees >= a.frees && a.inferredFrees >= 0.05 * n;
      const r2 = fit.r2 ?? 0;
      // Survivors bunched in a short burst (exec, start-up) are a step, not a growth rate.
      const growth = coverage >= 0.05 ? fit.slope : null;
      const internal = this.#slabInternal(topStack, a.site);
      const steadiness = r2 * coverage;
      const freeFactor = a.allocs > 0 ? 0.5 + 0.5 * (1 - a.frees / a.allocs) : 1;
      let score = Math.log2(1 + n) * Math.log2(2 + bytes / n) * (0.1 + steadiness) * freeFactor;
      if (untraced) score *= 0.05;
      if (internal) score *= 0.2;
      const share = matureBytes > 0 ? bytes / matureBytes : 0;
      const large = n >= minLeak && (share >= minShare || n >= strongCount);
      const leak = !untraced && !internal && large && r2 >= 0.9 && coverage >= 0.3 && growth !== null && growth > 0;
      if (leak) score *= 4;
      const byTask = [...sv.tasks].sort((x, y) => y[1][0] - x[1][0] || y[1][1] - x[1][1]);
      sites.push({
        site: a.site,
        comm: a.comm,
        pid: a.pid,
        taskCount: sv.tasks.size,
        topTasks: byTask.slice(0, 5).map(([t, [c, b]]) => ({ comm: t.comm, pid: t.pid, context: t.context, outstandingCount: c, outstandingBytes: b })),
        topComms: topComms(byTask),
        interruptCount: sv.interrupt,
        shareOfOutstanding: Math.min(1, Math.round(share * 1e6) / 1e6),
        event: a.event,
        cacheName: a.cacheName,
        stack: framesOf(topStack),
        outstandingCount: n,
        outstandingBytes: bytes,
        bytesRequested: sv.req,
        bytesAllocated: bytes,
        allocs: a.allocs,
        frees: a.frees,
        inferredFrees: a.inferredFrees,
        freeRatio: a.allocs > 0 ? totalFrees / a.allocs : null,
        growthBytesPerSecond: growth,
        growthR2: fit.r2,
        points: survivorCurve(sv.ts, sv.bytes),
        coverage,
        firstOutstandingTs: first,
        lastOutstandingTs: last,
        oldestAgeSeconds: end - first,
        medianAgeSeconds: end - sv.ts[Math.floor((n - 1) / 2)],
        young: { count: sv.youngCount, bytes: sv.youngBytes },
        lifetime: lifetimeStats(a),
        untracedFreeExplained: untraced,
        allocatorInternal: internal,
        leak,
        score: Math.round(score * 1000) / 1000,
        firstLine: a.firstLine,
        lastLine: a.lastLine,
        tool: 'trace-cmd',
        source: this.#source,
      });
    }
    sites.sort((x, y) => y.score - x.score || y.outstandingBytes - x.outstandingBytes || (x.site < y.site ? -1 : x.site > y.site ? 1 : 0));
    youngList.sort((x, y) => y.bytes - x.bytes);

    const stacks: PairedStack[] = [];
    for (const a of this.#byStack.values()) {
      const s = stackSurv.get(a);
      if (!s || s.ts.length === 0) continue;
      let bytes = 0;
      for (const b of s.bytes) bytes += b;
      const fit = cumulativeFit(s.ts, s.bytes);
      stacks.push({
        stack: framesOf(a.stackId),
        site: a.site,
        comm: a.comm,
        pid: a.pid,
        event: a.event,
        cacheName: a.cacheName,
        outstandingCount: s.ts.length,
        outstandingBytes: bytes,
        allocs: a.allocs,
        frees: a.frees,
        inferredFrees: a.inferredFrees,
        growthBytesPerSecond: fit.slope,
        source: this.#source,
      });
    }
    stacks.sort((x, y) => y.outstandingCount - x.outstandingCount || y.outstandingBytes - x.outstandingBytes);
    const tasks: PairedTask[] = [...this.#byTask.values()]
      .filter((t) => t.outstandingCount > 0)
      .map((t) => ({ comm: t.comm, pid: t.pid, context: t.context, outstandingCount: t.outstandingCount, outstandingBytes: t.outstandingBytes, allocs: t.allocs, frees: t.frees, inferredFrees: t.inferredFrees }))
      .sort((x, y) => y.outstandingCount - x.outstandingCount || y.outstandingBytes - x.outstandingBytes);

    const findings = buildFindings(sites, this.#source, this.#group);
    return {
      source: this.#source,
      traceStart: this.#start,
      traceEnd: this.#end,
      eventCounts: { ...this.#eventCounts },
      unmatchedFrees: { slab: this.#unmatchedSlab, page: this.#unmatchedPage, samples: [...this.#unmatchedSamples] },
      inferredFrees: { slab: this.#inferredSlab, page: this.#inferredPage },
      ignoredNullEvents: this.#ignored,
      totals: {
        allocs: this.#allocs,
        frees: this.#frees,
        outstandingCount: outCount,
        outstandingBytes: outBytes,
        youngCount,
        youngBytes,
        byEvent: Object.fromEntries(Object.entries(this.#byEvent).map(([k, v]) => [k, { ...v }])),
      },
      liveAtEnd: this.liveCount,
      allocationSites: sites.slice(0, o.maxSites ?? 50),
      stacks: stacks.slice(0, o.maxStacks ?? 30),
      tasks: tasks.slice(0, o.maxTasks ?? 30),
      youngAllocations: youngList.slice(0, o.maxSites ?? 50),
      findings,
      options: { youngAgeSeconds: young, excludedComms: [...this.#excluded], groupBy: this.#group, minLeakCount: minLeak, minLeakShare: minShare, minLeakStrongCount: strongCount },
    };
  }
}

/** A site's holders by comm over all their pids (short-lived pids of one program add up), top 5. */
function topComms(byTask: readonly (readonly [TaskAgg, number[]])[]): PairedSite['topComms'] {
  const m = new Map<string, { comm: string; context: AllocationContext; pids: Set<number>; outstandingCount: number; outstandingBytes: number }>();
  for (const [t, [c, b]] of byTask) {
    const k = `${t.context}\u0000${t.comm}`;
    let e = m.get(k);
    if (!e) m.set(k, (e = { comm: t.comm, context: t.context, pids: new Set(), outstandingCount: 0, outstandingBytes: 0 }));
    if (t.pid !== null) e.pids.add(t.pid);
    e.outstandingCount += c;
    e.outstandingBytes += b;
  }
  return [...m.values()]
    .sort((x, y) => y.outstandingCount - x.outstandingCount || y.outstandingBytes - x.outstandingBytes)
    .slice(0, 5)
    .map((e) => ({ comm: e.comm, context: e.context, pids: e.pids.size, outstandingCount: e.outstandingCount, outstandingBytes: e.outstandingBytes }));
}

/**
 * Who made a site's outstanding objects, in words with the preposition: `by kobjleak (pid 2117)`,
 * `by 150 tasks: schedstat-keep ×150 (150 pids)`, `in softirq context`.
 */
export function holdersPhrase(s: Pick<PairedSite, 'comm' | 'pid' | 'taskCount' | 'topTasks' | 'topComms'>): string {
  if (s.comm !== null && s.pid !== null) return `by ${s.comm} (pid ${s.pid})`;
  if (s.taskCount === 1 && s.topTasks.length === 1) {
    const t = s.topTasks[0];
    return t.context !== 'task' ? `in ${t.comm} context` : t.pid !== null ? `by ${t.comm} (pid ${t.pid})` : `by ${t.comm}`;
  }
  if (s.topComms.length === 1 && s.topComms[0].pids <= 1) return `by ${s.topComms[0].comm}`;
  const parts = s.topComms.slice(0, 3).map((c) => `${c.comm} ×${c.outstandingCount}${c.pids > 1 ? ` (${c.pids} pids)` : ''}`);
  return `by ${s.taskCount} tasks: ${parts.join(', ')}${s.topComms.length > 3 ? ', …' : ''}`;
}

function buildFindings(sites: readonly PairedSite[], source: string, group: PairingGroup): Finding[] {
  const out: Finding[] = [];
  for (const s of sites) {
    if (!s.leak) continue;
    const what = s.cacheName ? `${s.cacheName} objects` : s.event === 'mm_page_alloc' ? 'pages' : `${s.event} objects`;
    // The same numbers as the allocation-sites table prints (core/format): `13.8 KiB, +1.25 KiB/s`.
    const who = s.taskCount > 0 ? ` ${holdersPhrase(s)}` : '';
    const inIrq = s.interruptCount > 0 && s.interruptCount < s.outstandingCount ? ` (${s.interruptCount} in interrupt context)` : '';
    const rate = s.growthBytesPerSecond !== null ? `, +${formatBytes(s.growthBytesPerSecond)}/s` : '';
    out.push({
      kind: 'allocation-site-leak',
      severity: s.outstandingCount >= 100 && (s.growthR2 ?? 0) >= 0.95 ? 'critical' : 'warning',
      title: `${s.site}: ${s.outstandingCount} ${what} allocated${who}${inIrq} never freed (${formatBytes(s.outstandingBytes)}${rate})`,
      evidence: [
        {
          source,
          lines: [s.firstLine, s.lastLine],
          detail:
            `${s.allocs} allocations from ${s.site}, ${s.frees} traced frees, ${s.inferredFrees} inferred frees; ` +
            `${s.outstandingCount} still allocated at the end of the trace, allocated steadily from ts ${s.firstOutstandingTs} to ${s.lastOutstandingTs} ` +
            `(R² ${(s.growthR2 ?? 0).toFixed(3)}, ${(s.coverage * 100).toFixed(0)}% of the trace), oldest ${s.oldestAgeSeconds?.toFixed(2)} s old; ` +
            `${(s.shareOfOutstanding * 100).toFixed(1)}% of the trace's outstanding bytes, allocated ${holdersPhrase(s)} (sites grouped by ${group}).`,
          values: {
            outstandingCount: s.outstandingCount,
            outstandingBytes: s.outstandingBytes,
            bytesRequested: s.bytesRequested,
            allocs: s.allocs,
            frees: s.frees,
            inferredFrees: s.inferredFrees,
            growthBytesPerSecond: s.growthBytesPerSecond,
            growthR2: s.growthR2,
            firstOutstandingTs: s.firstOutstandingTs,
            lastOutstandingTs: s.lastOutstandingTs,
            stack: s.stack.slice(0, 8).join(' <- '),
            taskCount: s.taskCount,
            interruptCount: s.interruptCount,
            shareOfOutstanding: s.shareOfOutstanding,
            groupBy: group,
          },
        },
      ],
      source,
      score: s.score,
      space: 'kernel',
      culprit: s.site,
    });
  }
  return out;
}

/**
 * Pairs a whole array of parser records (events and stack definitions, in trace order).
 * @example
 * const r = pairAllocations(parseTraceCmd(text).records, { comms: ['kobjleak'] });
 * r.allocationSites.filter((s) => s.leak).map((s) => s.site); // ['__d_alloc', 'alloc_empty_file', ...]
 */
export function pairAllocations(records: Iterable<TraceRecord>, options: PairingOptions = {}): PairingResult {
  const p = new AllocationPairer(options);
  for (const r of records) p.add(r);
  return p.finish();
}
