/**
 * Generates a large, realistic `trace-cmd report` text (the D1 layout: kmem events with the
 * leading `(sym+off)`, `kernel_stack` blocks after each event, two CPUs, several comms) with one
 * known leak and one kfree_rcu-style trap, for the parse + pairing benchmark.
 *
 *   npx tsx bench/tracecmd/generate.ts OUT_PATH SIZE_MB [SEED]
 *
 * Ground truth printed on stderr as JSON: the leak site, its outstanding count and bytes.
 * Deterministic for a seed. Memory: the live noise objects only.
 */
import { openSync, writeSync, closeSync } from 'node:fs';
import { xorshift } from '../xorshift.js';

const [, , outPath = '/tmp/tracecmd-bench.txt', sizeArg = '100', seedArg = '1'] = process.argv;
const targetBytes = Number(sizeArg) * 1024 * 1024;
const rand = xorshift(Number(seedArg));
const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)];

interface Site {
  event: 'kmalloc' | 'kmem_cache_alloc';
  fn: string;
  off: string;
  cache: string | null;
  req: number;
  alloc: number;
  gfp: string;
  stack: string[];
  free: { event: 'kfree' | 'kmem_cache_free'; fn: string; off: string; stack: string[] };
  /** Mean lifetime in events. */
  life: number;
}

const SYSCALL = ['do_syscall_64', 'entry_SYSCALL_64_after_hwframe'];
const addr = (i: number): string => `ffffffff81${(0x100000 + i * 0x1a3).toString(16).padStart(6, '0')}`;
const NOISE_SITES: Site[] = [
  {
    event: 'kmem_cache_alloc', fn: 'getname_flags.part.0', off: '0x24', cache: 'names_cache', req: 4096, alloc: 4096, gfp: 'GFP_KERNEL',
    stack: ['kmem_cache_alloc_noprof', 'getname_flags.part.0', 'do_sys_openat2', '__x64_sys_openat', ...SYSCALL],
    free: { event: 'kmem_cache_free', fn: 'do_sys_openat2', off: '0x88', stack: ['kmem_cache_free', 'do_sys_openat2', '__x64_sys_openat', ...SYSCALL] },
    life: 3,
  },
  {
    event: 'kmem_cache_alloc', fn: 'alloc_empty_file', off: '0x3c', cache: 'filp', req: 184, alloc: 192, gfp: 'GFP_KERNEL',
    stack: ['kmem_cache_alloc_noprof', 'alloc_empty_file', 'path_openat', 'do_filp_open', 'do_sys_openat2', '__x64_sys_openat', ...SYSCALL],
    free: { event: 'kmem_cache_free', fn: 'rcu_do_batch', off: '0x1b7', stack: ['kmem_cache_free', 'rcu_do_batch', 'rcu_core', 'handle_softirqs', '__irq_exit_rcu'] },
    life: 40,
  },
  {
    event: 'kmalloc', fn: 'seq_buf_alloc', off: '0x1f', cache: null, req: 4096, alloc: 4096, gfp: 'GFP_KERNEL_ACCOUNT',
    stack: ['__kvmalloc_node_noprof', 'seq_read_iter', 'vfs_read', 'ksys_read', ...SYSCALL],
    free: { event: 'kfree', fn: 'seq_release', off: '0x1d', stack: ['kfree', 'seq_release', '__fput', 'task_work_run', 'syscall_exit_to_user_mode', ...SYSCALL] },
    life: 8,
  },
  {
    event: 'kmem_cache_alloc', fn: '__d_alloc', off: '0x2d', cache: 'dentry', req: 192, alloc: 192, gfp: 'GFP_KERNEL',
    stack: ['kmem_cache_alloc_lru_noprof', '__d_alloc', 'd_alloc_parallel', 'path_openat', 'do_filp_open', 'do_sys_openat2', '__x64_sys_openat', ...SYSCALL],
    free: { event: 'kmem_cache_free', fn: 'rcu_do_batch', off: '0x1b7', stack: ['kmem_cache_free', 'rcu_do_batch', 'rcu_core', 'handle_softirqs'] },
    life: 200,
  },
  {
    event: 'kmalloc', fn: 'damon_new_region', off: '0x1e', cache: null, req: 56, alloc: 64, gfp: 'GFP_KERNEL',
    stack: ['__kmalloc_cache_noprof', 'damon_new_region', 'damon_split_region_at', 'kdamond_fn', 'kthread', 'ret_from_fork', 'ret_from_fork_asm'],
    free: { event: 'kfree', fn: 'damon_destroy_region', off: '0x2a', stack: ['kfree', 'damon_destroy_region', 'kdamond_merge_regions', 'kdamond_fn', 'kthread'] },
    life: 500,
  },
];
const LEAK: Site = {
  event: 'kmalloc', fn: 'leaky_ioctl', off: '0x6c', cache: null, req: 200, alloc: 256, gfp: 'GFP_KERNEL',
  stack: ['__kmalloc_cache_noprof', 'leaky_ioctl', 'do_vfs_ioctl', '__x64_sys_ioctl', ...SYSCALL],
  free: { event: 'kfree', fn: 'leaky_release', off: '0x10', stack: ['kfree', 'leaky_release', '__fput'] },
  life: 0,
};
/** Freed through kfree_rcu batches: no free event, its pointers come back (the trap). */
const RCU_TRAP: Site = {
  event: 'kmalloc', fn: '__do_sys_timerfd_create', off: '0x5a', cache: null, req: 216, alloc: 256, gfp: 'GFP_KERNEL',
  stack: ['__kmalloc_cache_noprof', '__do_sys_timerfd_create', ...SYSCALL],
  free: { event: 'kfree', fn: 'kvfree_rcu_bulk', off: '0x1', stack: [] },
  life: 30,
};

const COMMS: [string, number][] = [['bash', 2101], ['sshd', 811], ['kworker/1:0', 45], ['kdamond.0', 77], ['trace-cmd', 2114], ['systemd-journal', 312]];
const LEAKER: [string, number] = ['leakd', 4242];

const fd = openSync(outPath, 'w');
let buf = '';
let written = 0;
const flush = (): void => {
  writeSync(fd, buf);
  written += Buffer.byteLength(buf);
  buf = '';
};
const stackBlock = (frames: string[], cpu: number, comm: string, pid: number, ts: number, kind: string): void => {
  buf += `${(comm + '-' + pid).padStart(16)}  [${String(cpu).padStart(3, '0')}]  ${(ts + 0.000004).toFixed(6)}: kernel_stack:         <stack trace >\n`;
  buf += `=> trace_event_raw_event_${kind} (ffffffff815c6e9d)\n`;
  for (let i = 0; i < frames.length; i++) buf += `=> ${frames[i]} (${addr(i + frames[i].length)})\n`;
};

// per size class free pointer pools, so pointers get reused like a slab allocator does
const pools = new Map<number, string[]>();
let nextPtr = 0x888100000000;
const takePtr = (size: number): string => {
  const pool = pools.get(size);
  if (pool && pool.length > 0 && rand() < 0.9) return pool.pop()!;
  nextPtr += size;
  return nextPtr.toString(16);
};
const givePtr = (size: number, p: string): void => {
  let pool = pools.get(size);
  if (!pool) pools.set(size, (pool = []));
  if (pool.length < 4096) pool.push(p);
};

interface LiveObj {
  site: Site;
  ptr: string;
  dueEvent: number;
  comm: string;
  pid: number;
}
const live: LiveObj[] = [];
let ts = 3487.543122;
let n = 0;
let leaks = 0;
const emitAlloc = (site: Site, comm: string, pid: number, cpu: number): string => {
  const ptr = takePtr(site.alloc);
  const name = site.cache ? ` name=${site.cache}` : '';
  buf +=
    `${(comm + '-' + pid).padStart(16)}  [${String(cpu).padStart(3, '0')}]  ${ts.toFixed(6)}: ${site.event}:${' '.repeat(Math.max(1, 22 - site.event.length - 1))}` +
    `(${site.fn}+${site.off}) call_site=${site.fn}+${site.off} ptr=0xffff${ptr}${name} bytes_req=${site.req} bytes_alloc=${site.alloc} gfp_flags=${site.gfp} node=-1 accounted=false\n`;
  stackBlock(site.stack, cpu, comm, pid, ts, site.event);
  return ptr;
};
const emitFree = (o: LiveObj, cpu: number): void => {
  const f = o.site.free;
  const name = o.site.cache ? ` name=${o.site.cache}` : '';
  buf +=
    `${(o.comm + '-' + o.pid).padStart(16)}  [${String(cpu).padStart(3, '0')}]  ${ts.toFixed(6)}: ${f.event}:${' '.repeat(Math.max(1, 22 - f.event.length - 1))}` +
    `(${f.fn}+${f.off}) call_site=${f.fn}+${f.off} ptr=0xffff${o.ptr}${name}\n`;
  stackBlock(f.stack, cpu, o.comm, o.pid, ts, f.event);
};

buf += 'cpus=2\n';
while (written + buf.length < targetBytes) {
  n++;
  ts += 0.000005 + rand() * 0.00002;
  const cpu = rand() < 0.5 ? 0 : 1;
  // free what is due
  if (live.length > 0 && live[0].dueEvent <= n) {
    const k = Math.floor(rand() * Math.min(live.length, 8));
    const o = live[k];
    if (o.dueEvent <= n + 50) {
      live.splice(k, 1);
      if (o.site !== RCU_TRAP) emitFree(o, cpu);
      givePtr(o.site.alloc, o.ptr);
      if (buf.length > 1 << 20) flush();
      continue;
    }
  }
  if (n % 400 === 0) {
    emitAlloc(LEAK, LEAKER[0], LEAKER[1], cpu);
    leaks++;
  } else if (n % 97 === 0) {
    const ptr = emitAlloc(RCU_TRAP, LEAKER[0], LEAKER[1], cpu);
    live.push({ site: RCU_TRAP, ptr, dueEvent: n + RCU_TRAP.life, comm: LEAKER[0], pid: LEAKER[1] });
  } else {
    const site = pick(NOISE_SITES);
    const [comm, pid] = site.fn === 'damon_new_region' ? (['kdamond.0', 77] as [string, number]) : pick(COMMS);
    const ptr = emitAlloc(site, comm, pid, cpu);
    const due = n + Math.max(1, Math.round(site.life * (0.5 + rand())));
    // keep `live` roughly sorted by due time
    let at = live.length;
    while (at > 0 && live[at - 1].dueEvent > due) at--;
    live.splice(at, 0, { site, ptr, dueEvent: due, comm, pid });
  }
  if (buf.length > 1 << 20) flush();
}
flush();
closeSync(fd);
process.stderr.write(
  JSON.stringify({ path: outPath, bytes: written, events: n, leak: { site: LEAK.fn, comm: LEAKER[0], pid: LEAKER[1], count: leaks, bytes: leaks * LEAK.alloc }, liveNoiseAtEnd: live.length }) + '\n',
);
