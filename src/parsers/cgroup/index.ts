import { z } from 'zod';
import { frontEnds, type Emit, type ParserCore, type ParserDefinition } from '../../core/parser.js';
import { parsePsiLine, PsiPressureSchema } from '../psi/index.js';
import { SeriesClock, SeriesTimeOptionsSchema, handleFramingLine } from '../series-time.js';

/**
 * cgroup memory controller files, v2 (Documentation/admin-guide/cgroup-v2.rst) and v1
 * (Documentation/admin-guide/cgroup-v1/memory.rst), one dump or a series, in the shapes people
 * capture them:
 *
 * - `grep -H . /sys/fs/cgroup/A/memory.*` (one `path:line` per line: every line names its cgroup
 *   and its file, so several cgroups can share one capture);
 * - `head memory.*` / `tail -n +1 memory.*` (`==> memory.stat <==` headers before each file);
 * - a bare memory.stat, memory.events or memory.oom_control (the file is told by its keys).
 *
 * Snapshots are separated by epoch/date/=== lines; without them, a file seen again for the same
 * cgroup starts the next snapshot. One record per cgroup per snapshot.
 */

/** v1 prints "no limit" as PAGE_COUNTER_MAX pages in bytes (9223372036854771712 on 4 KiB pages). */
const V1_UNLIMITED_BYTES = 2 ** 62;

export const CgroupMemorySnapshotSchema = z.object({
  index: z.number().int().nonnegative(),
  time: z.number().nullable(),
  timeAssumed: z.boolean(),
  /** 1-based line of the snapshot's first line for this cgroup. */
  line: z.number().int().positive(),
  /** The snapshot holds fewer of this cgroup's files than the ones before it (capture cut short). */
  partial: z.boolean(),
  /**
   * The cgroup's path as the kernel names it in OOM reports (`/mf-leak`, `/kubepods/pod1/c2`):
   * the file's directory without /sys/fs/cgroup (and without v1's `memory/` controller folder).
   * Null when the files were captured without their path.
   */
  cgroup: z.string().nullable(),
  /** v1 or v2, told by the file names (memory.usage_in_bytes is v1, memory.current is v2) or stat keys. */
  version: z.enum(['v1', 'v2']).nullable(),
  /** memory.current (v2) / memory.usage_in_bytes (v1). */
  usageBytes: z.number().nullable(),
  /** memory.max (v2) / memory.limit_in_bytes (v1; else hierarchical_memory_limit of memory.stat); null when unlimited or not captured. */
  limitBytes: z.number().nullable(),
  /** True when the limit file said `max` (v2) or v1's no-limit value. */
  unlimited: z.boolean(),
  /** memory.high (v2): the throttling limit. */
  highBytes: z.number().nullable(),
  /** memory.peak (v2, 5.19+) / memory.max_usage_in_bytes (v1). */
  peakBytes: z.number().nullable(),
  /** memory.failcnt (v1): times usage hit the limit. */
  failcnt: z.number().nullable(),
  /** memory.swap.current (v2) / memory.memsw.usage_in_bytes (v1: memory + swap). */
  swapBytes: z.number().nullable(),
  /** memory.stat as printed (v2 and v1 both in bytes, except the event counters: pgfault, ...). */
  stat: z.record(z.string(), z.number()),
  /** memory.events (low, high, max, oom, oom_kill, oom_group_kill) and v1 memory.oom_control (oom_kill_disable, under_oom, oom_kill). */
  events: z.record(z.string(), z.number()),
  /** memory.pressure (v2 PSI of this cgroup). */
  pressure: PsiPressureSchema.nullable(),
});
export type CgroupMemorySnapshot = z.infer<typeof CgroupMemorySnapshotSchema>;

export const CgroupMemoryOptionsSchema = SeriesTimeOptionsSchema;
export type CgroupMemoryOptions = z.infer<typeof CgroupMemoryOptionsSchema>;

type FileKind = 'usage' | 'limit' | 'high' | 'peak' | 'failcnt' | 'swap' | 'stat' | 'events' | 'oom-control' | 'pressure' | 'unused';

/** The files read, with what they are and which version has them (null: both). */
const FILES: Record<string, { kind: FileKind; version: 'v1' | 'v2' | null }> = {
  'memory.current': { kind: 'usage', version: 'v2' },
  'memory.usage_in_bytes': { kind: 'usage', version: 'v1' },
  'memory.max': { kind: 'limit', version: 'v2' },
  'memory.limit_in_bytes': { kind: 'limit', version: 'v1' },
  'memory.high': { kind: 'high', version: 'v2' },
  'memory.peak': { kind: 'peak', version: 'v2' },
  'memory.max_usage_in_bytes': { kind: 'peak', version: 'v1' },
  'memory.failcnt': { kind: 'failcnt', version: 'v1' },
  'memory.swap.current': { kind: 'swap', version: 'v2' },
  'memory.memsw.usage_in_bytes': { kind: 'swap', version: 'v1' },
  'memory.stat': { kind: 'stat', version: null },
  'memory.events': { kind: 'events', version: 'v2' },
  'memory.oom_control': { kind: 'oom-control', version: 'v1' },
  'memory.pressure': { kind: 'pressure', version: 'v2' },
};

const EVENTS_KEYS = new Set(['low', 'high', 'max', 'oom', 'oom_kill', 'oom_group_kill']);
const OOM_CONTROL_KEYS = new Set(['oom_kill_disable', 'under_oom', 'oom_kill']);
const V2_STAT_KEYS = new Set(['anon', 'file', 'kernel', 'kernel_stack', 'pagetables', 'sock', 'file_mapped', 'file_dirty', 'slab_unreclaimable', 'slab_reclaimable']);
const V1_STAT_KEYS = new Set(['cache', 'rss', 'rss_huge', 'mapped_file', 'hierarchical_memory_limit', 'total_rss', 'total_cache']);

function fileOf(path: string): { kind: FileKind; version: 'v1' | 'v2' | null; dir: string | null } | null {
  const slash = path.lastIndexOf('/');
  const base = path.slice(slash + 1);
  if (!base.startsWith('memory.')) return null;
  const f = FILES[base];
  return { kind: f?.kind ?? 'unused', version: f?.version ?? null, dir: slash < 0 ? null : path.slice(0, slash) };
}

/** The cgroup path the kernel prints for a directory under the cgroup mount. */
export function cgroupPathOf(dir: string, version: 'v1' | 'v2' | null): string {
  let p = dir;
  const mount = p.indexOf('/sys/fs/cgroup');
  if (mount >= 0) {
    p = p.slice(mount + '/sys/fs/cgroup'.length);
    // v1 mounts each controller in its own folder; hybrid systems mount v2 at unified/.
    for (const controller of ['/memory', '/unified']) {
      if ((controller === '/memory' ? version !== 'v2' : true) && (p === controller || p.startsWith(controller + '/'))) {
        p = p.slice(controller.length);
        break;
      }
    }
  }
  return p.length === 0 ? '/' : p;
}

/** A non-negative integer of up to 20 digits (v1 prints 19-digit "unlimited" values). */
function parseCount(s: string): number | null {
  if (s.length === 0 || s.length > 20) return null;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  return Number(s);
}

/** `key N` (memory.stat, memory.events, memory.oom_control). */
function parseKeyValue(s: string): { key: string; value: number } | null {
  const sp = s.indexOf(' ');
  if (sp <= 0 || sp > 64) return null;
  const value = parseCount(s.slice(sp + 1).trim());
  if (value === null) return null;
  const key = s.slice(0, sp);
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95)) return null;
  }
  return { key, value };
}

/** The command of a shell prompt line (`sh-4.2$ cat memory.stat`, `root@h:/x# pwd`), else null. */
function promptCommand(s: string): string | null {
  for (const mark of ['$ ', '# ']) {
    const i = s.indexOf(mark);
    if (i <= 0 || i > 120) continue;
    const prefix = s.slice(0, i);
    if (prefix.includes(' ')) continue;
    const cmd = s.slice(i + 2).trim();
    if (cmd === 'pwd' || cmd.startsWith('cat ')) return cmd;
  }
  return null;
}

interface Building {
  snap: CgroupMemorySnapshot;
  dir: string | null;
  files: Set<string>;
}

function createCore(options: Partial<CgroupMemoryOptions>): ParserCore<CgroupMemorySnapshot> {
  const clock = new SeriesClock(options);
  /** The snapshot being assembled, one entry per cgroup directory (null: no path). */
  let building = new Map<string | null, Building>();
  let index = 0;
  /** Files per cgroup in the fullest snapshot so far, to mark a cut last snapshot. */
  const filesSeen = new Map<string | null, number>();
  /** The file a `==> path <==` header named, for the lines under it. */
  let headerFile: { path: string; kind: FileKind; version: 'v1' | 'v2' | null; dir: string | null } | null = null;

  const flush = (emit: Emit<CgroupMemorySnapshot>, atEnd: boolean): void => {
    if (building.size === 0) return;
    const { time, assumed } = clock.timeFor(index, emit);
    for (const [dir, b] of building) {
      const most = filesSeen.get(dir) ?? 0;
      if (atEnd && b.files.size < most) {
        b.snap.partial = true;
        emit.diagnostic('snapshot-partial', `last snapshot of ${b.snap.cgroup ?? 'the cgroup'} has ${b.files.size} of its ${most} files (capture cut short)`, { line: b.snap.line });
      }
      filesSeen.set(dir, Math.max(most, b.files.size));
      const s = b.snap;
      s.time = time;
      s.timeAssumed = assumed;
      if (s.version === null) s.version = V1_STAT_KEYS.has(Object.keys(s.stat).find((k) => V1_STAT_KEYS.has(k)) ?? '') ? 'v1' : Object.keys(s.stat).some((k) => V2_STAT_KEYS.has(k)) ? 'v2' : null;
      s.cgroup = dir === null ? null : cgroupPathOf(dir, s.version);
      // v1 without memory.limit_in_bytes: memory.stat still tells the limit in force.
      const hierarchical = s.stat.hierarchical_memory_limit;
      if (s.limitBytes === null && !s.unlimited && hierarchical !== undefined) {
        if (hierarchical >= V1_UNLIMITED_BYTES) s.unlimited = true;
        else s.limitBytes = hierarchical;
      }
      emit.record(s);
    }
    emit.count('snapshots');
    index++;
    building = new Map();
  };

  const entry = (dir: string | null, lineNo: number): Building => {
    let b = building.get(dir);
    if (!b) {
      b = {
        dir,
        files: new Set(),
        snap: {
          index, time: null, timeAssumed: false, line: lineNo, partial: false, cgroup: null, version: null, usageBytes: null, limitBytes: null,
          unlimited: false, highBytes: null, peakBytes: null, failcnt: null, swapBytes: null, stat: {}, events: {}, pressure: null,
        },
      };
      building.set(dir, b);
    }
    return b;
  };

  /** One line of content of a known file; false when it does not have that file's shape. */
  const content = (
    file: { kind: FileKind; version: 'v1' | 'v2' | null; dir: string | null },
    name: string,
    value: string,
    lineNo: number,
    emit: Emit<CgroupMemorySnapshot>,
  ): boolean => {
    if (file.kind === 'unused') {
      emit.skip('unused-file');
      emit.count('unusedFileLines');
      return true;
    }
    const v = value.trim();
    const single = file.kind !== 'stat' && file.kind !== 'events' && file.kind !== 'oom-control' && file.kind !== 'pressure';
    // A file already read for this cgroup in this snapshot (or a key read twice) is the next snapshot.
    let b = entry(file.dir, lineNo);
    const kv = single || file.kind === 'pressure' ? null : parseKeyValue(v);
    const psi = file.kind === 'pressure' ? parsePsiLine(v) : null;
    const repeated =
      (single && b.files.has(name)) ||
      (kv !== null && (file.kind === 'stat' ? kv.key in b.snap.stat : kv.key in b.snap.events)) ||
      (psi !== null && b.snap.pressure !== null && b.snap.pressure[psi.kind] !== null);
    if (repeated) {
      flush(emit, false);
      b = entry(file.dir, lineNo);
    }
    const s = b.snap;
    if (file.version) s.version = file.version;
    if (single) {
      const n = v === 'max' ? null : parseCount(v);
      if (n === null && v !== 'max') return false;
      b.files.add(name);
      const unlimitedValue = v === 'max' || (n !== null && n >= V1_UNLIMITED_BYTES);
      if (file.kind === 'limit') {
        s.unlimited = unlimitedValue;
        s.limitBytes = unlimitedValue ? null : n;
      } else if (file.kind === 'high') s.highBytes = unlimitedValue ? null : n;
      else if (n === null) return false;
      else if (file.kind === 'usage') s.usageBytes = n;
      else if (file.kind === 'peak') s.peakBytes = n;
      else if (file.kind === 'failcnt') s.failcnt = n;
      else if (file.kind === 'swap') s.swapBytes = n;
      return true;
    }
    if (psi) {
      b.files.add(name);
      s.pressure ??= { some: null, full: null };
      s.pressure[psi.kind] = psi.value;
      return true;
    }
    if (!kv) return false;
    b.files.add(name);
    if (file.kind === 'stat') s.stat[kv.key] = kv.value;
    else s.events[kv.key] = kv.value;
    return true;
  };

  /** The directory a shell session's `pwd` printed, for the relative `cat memory.x` after it. */
  let cwd: string | null = null;
  let expectPwd = false;

  return {
    line(text, lineNo, emit) {
      const trimmed = text.trim();
      // A pasted shell session: `sh-4.2$ pwd`, its directory, then `sh-4.2$ cat memory.usage_in_bytes`.
      if (expectPwd) {
        expectPwd = false;
        if (trimmed.startsWith('/')) {
          cwd = trimmed;
          emit.skip('preamble');
          return;
        }
      }
      const command = promptCommand(trimmed);
      if (command !== null) {
        if (command === 'pwd') {
          expectPwd = true;
          emit.skip('foreign');
          return;
        }
        if (command.startsWith('cat ')) {
          const arg = command.slice(4).trim();
          const f = arg.includes(' ') ? null : fileOf(arg);
          if (f) {
            const path = arg.startsWith('/') || cwd === null ? arg : `${cwd}/${arg}`;
            headerFile = { path, ...f, dir: f.dir ?? (arg.startsWith('/') ? null : cwd) };
            emit.skip('header');
            return;
          }
        }
      }
      // `head` / `tail` headers: `==> /sys/fs/cgroup/a/memory.stat <==`.
      if (trimmed.startsWith('==> ') && trimmed.endsWith(' <==')) {
        const path = trimmed.slice(4, -4).trim();
        const f = fileOf(path);
        headerFile = f ? { path, ...f } : { path, kind: 'unused', version: null, dir: null };
        emit.skip('header');
        return;
      }
      // `grep -H .`: `/sys/fs/cgroup/a/memory.current:12345`.
      const colon = text.indexOf(':');
      if (colon > 0 && !text.startsWith('some ') && !text.startsWith('full ')) {
        const path = text.slice(0, colon);
        const f = path.includes(' ') ? null : fileOf(path);
        if (f) {
          headerFile = null;
          const name = path.slice(path.lastIndexOf('/') + 1);
          if (!content(f, name, text.slice(colon + 1), lineNo, emit)) emit.diagnostic('unrecognized-line', `not a value of ${name}`, { excerpt: text });
          return;
        }
      }
      // Under a header, a single-value file's number comes before framing: 268435456 is not an epoch here.
      if (headerFile && trimmed.length > 0 && headerFile.kind !== 'stat' && headerFile.kind !== 'events' && headerFile.kind !== 'oom-control' && headerFile.kind !== 'pressure') {
        const name = headerFile.path.slice(headerFile.path.lastIndexOf('/') + 1);
        if (content(headerFile, name, trimmed, lineNo, emit)) return;
      }
      if (handleFramingLine(text, emit, clock, index, () => flush(emit, false))) return;
      if (headerFile) {
        const name = headerFile.path.slice(headerFile.path.lastIndexOf('/') + 1);
        if (content(headerFile, name, trimmed, lineNo, emit)) return;
        emit.diagnostic('unrecognized-line', `not a value of ${name}`, { excerpt: text });
        return;
      }
      // A bare file: memory.events and memory.oom_control are told by their keys, the rest is memory.stat.
      const kv = parseKeyValue(trimmed);
      if (kv) {
        // oom_kill is in both v2 memory.events and v1 memory.oom_control: it names no version.
        const v1Only = OOM_CONTROL_KEYS.has(kv.key) && kv.key !== 'oom_kill';
        const file = v1Only
          ? ({ name: 'memory.oom_control', kind: 'oom-control', version: 'v1' } as const)
          : EVENTS_KEYS.has(kv.key)
            ? ({ name: 'memory.events', kind: 'events', version: kv.key === 'oom_kill' ? null : 'v2' } as const)
            : ({ name: 'memory.stat', kind: 'stat', version: null } as const);
        content({ kind: file.kind, version: file.version, dir: null }, file.name, trimmed, lineNo, emit);
        return;
      }
      if (parsePsiLine(trimmed)) {
        content({ kind: 'pressure', version: 'v2', dir: null }, 'memory.pressure', trimmed, lineNo, emit);
        return;
      }
      if (parseCount(trimmed) !== null || trimmed === 'max') {
        emit.diagnostic('cgroup-value-without-file', 'a bare value with no file named (capture with `grep -H .` or `head`, so that each value says which file it is)', { excerpt: text });
        return;
      }
      emit.diagnostic('unrecognized-line', 'not a cgroup memory file line, header, separator or timestamp', { excerpt: text });
    },
    end(emit) {
      flush(emit, true);
    },
  };
}

export const cgroupMemoryParser: ParserDefinition<CgroupMemorySnapshot, CgroupMemoryOptions> = {
  format: 'cgroup-memory',
  title: 'cgroup memory controller files, v2 and v1 (usage, limit, memory.stat, memory.events / oom_control, failcnt, memory.pressure), one dump or a series',
  producedBy: 'grep -H . /sys/fs/cgroup/CG/memory.* (v1: /sys/fs/cgroup/memory/CG/memory.*), or head memory.*, in a loop with epoch/=== lines',
  recordSchema: CgroupMemorySnapshotSchema,
  sniff(head) {
    let pathLines = 0;
    let headers = 0;
    let events = 0;
    let oomControl = 0;
    let v2Stat = 0;
    let v1Stat = 0;
    let lines = 0;
    for (const line of head.split('\n', 200)) {
      const s = line.trim();
      if (s.length === 0) continue;
      lines++;
      if (s.startsWith('==> ') && s.endsWith(' <==') && fileOf(s.slice(4, -4).trim())) headers++;
      const cmd = promptCommand(s);
      if (cmd?.startsWith('cat ') && fileOf(cmd.slice(4).trim())) headers++;
      const colon = s.indexOf(':');
      if (colon > 0) {
        const f = fileOf(s.slice(0, colon));
        if (f && f.kind !== 'unused') pathLines++;
      }
      const kv = parseKeyValue(s);
      if (kv) {
        if (EVENTS_KEYS.has(kv.key)) events++;
        if (OOM_CONTROL_KEYS.has(kv.key) && kv.key !== 'oom_kill') oomControl++;
        if (V2_STAT_KEYS.has(kv.key)) v2Stat++;
        if (V1_STAT_KEYS.has(kv.key)) v1Stat++;
      }
    }
    if (pathLines >= 2) return { score: 0.92, reason: `${pathLines} path:value lines of cgroup memory files` };
    if (headers >= 1) return { score: 0.9, reason: `${headers} ==> memory.* <== headers or shell "cat memory.*" commands` };
    if (v2Stat >= 4) return { score: 0.85, reason: `${v2Stat} cgroup v2 memory.stat keys (anon, file, kernel_stack, sock, ...)` };
    if (v1Stat >= 4) return { score: 0.85, reason: `${v1Stat} cgroup v1 memory.stat keys (cache, rss, mapped_file, hierarchical_memory_limit, ...)` };
    if (oomControl >= 2) return { score: 0.85, reason: 'cgroup v1 memory.oom_control keys (oom_kill_disable, under_oom)' };
    if (events >= 5 && events * 2 >= lines) return { score: 0.8, reason: `${events} memory.events keys (low, high, max, oom, oom_kill)` };
    return { score: 0, reason: 'no cgroup memory files' };
  },
  createCore,
};

export const { parse: parseCgroupMemory, parseAsync: parseCgroupMemoryAsync } = frontEnds(cgroupMemoryParser);
