import type { StackFrame } from '../core/models.js';

/**
 * The allocator's own frames, shared by every analysis that names a culprit as "the first frame
 * outside the allocator" (kmemleak clustering, bcc memleak / bpftrace stack growth, trace pairing,
 * LSan, valgrind). Kernel and user-space allocators, sanitizer interceptors and the kmemleak /
 * alloc-tagging wrappers are all listed here, once.
 */

/** Exact symbol names (after normalisation, see normalizeSymbol) that belong to an allocator. */
export const ALLOCATOR_SYMBOLS: ReadonlySet<string> = new Set([
  // kernel: slab / page allocator entry points and hooks
  'kmalloc', 'kzalloc', 'kcalloc', 'krealloc', 'kvmalloc', 'kvzalloc', 'kvcalloc', 'kvrealloc', 'kmemdup',
  'kstrdup', 'kstrndup', 'kstrdup_const', 'kmemdup_nul', 'kasprintf', 'kvasprintf', 'devm_kmalloc', 'devm_kzalloc',
  'create_object', '__create_object', 'slab_post_alloc_hook', 'slab_alloc', 'slab_alloc_node', '__slab_alloc',
  '___slab_alloc', '__slab_alloc_node', 'alloc_hooks', 'kmemleak_alloc', 'kmemleak_alloc_recursive',
  'kmemleak_alloc_percpu', 'kmemleak_vmalloc', 'kmemleak_alloc_phys', '__do_kmalloc_node', 'do_kmalloc',
  'vmalloc', 'vzalloc', '__vmalloc', '__vmalloc_node', '__vmalloc_node_range', 'vmalloc_node', 'kvmalloc_node',
  '__get_free_pages', 'get_zeroed_page', 'alloc_pages', '__alloc_pages', 'alloc_pages_current', 'folio_alloc',
  '__alloc_pages_nodemask', 'alloc_pages_vma', 'pcpu_alloc', '__alloc_percpu', '__alloc_percpu_gfp',
  'mempool_alloc', 'mempool_alloc_slab', 'kmem_alloc', 'kmem_zalloc',
  // user space: libc, C++, glib, common wrappers
  'malloc', 'calloc', 'realloc', 'reallocarray', 'free', 'memalign', 'posix_memalign', 'aligned_alloc', 'valloc',
  'pvalloc', '__libc_malloc', '__libc_calloc', '__libc_realloc', '__libc_memalign', '__malloc', '__calloc',
  '__realloc', '_int_malloc', '_int_realloc', '_int_memalign', 'sysmalloc', 'sysmalloc_mmap', 'tcache_init',
  'malloc_hook_ini', 'strdup', 'strndup', '__strdup', '__strndup', 'asprintf', 'vasprintf', '__vasprintf_internal',
  'operator new', 'operator new[]', '_Znwm', '_Znam', '_Znwj', '_Znaj', '_ZnwmRKSt9nothrow_t', '_ZnamRKSt9nothrow_t',
  'g_malloc', 'g_malloc0', 'g_realloc', 'g_try_malloc', 'g_try_malloc0', 'g_malloc_n', 'g_malloc0_n', 'g_strdup',
  'g_slice_alloc', 'g_slice_alloc0', 'xmalloc', 'xcalloc', 'xrealloc', 'xstrdup', 'xzalloc', 'zmalloc', 'zcalloc',
  'zrealloc', 'ztrymalloc_usable', 'je_malloc', 'je_calloc', 'tc_malloc', 'tc_calloc', 'mi_malloc',
  'palloc', 'palloc0', 'MemoryContextAlloc', 'MemoryContextAllocZero',
]);

/** Name prefixes that mark an allocator frame (sanitizer interceptors, kmalloc families). */
export const ALLOCATOR_PREFIXES: readonly string[] = [
  '__kmalloc', 'kmalloc_', 'kmem_cache_alloc', '__kmem_cache_alloc', 'kmem_cache_zalloc', '__kvmalloc',
  'kvmalloc_', 'krealloc_', 'kvrealloc_', 'kmemleak_alloc', '__alloc_pages', 'alloc_pages_', '__vmalloc_',
  '__interceptor_', '___interceptor_', '__asan_', '__lsan_', '__sanitizer_', '__msan_', 'operator new',
  'vg_replace_malloc', '__builtin_new', '__builtin_vec_new',
];

/**
 * Strips what compilers and tools add around a symbol: `.isra.0` / `.constprop.0` / `.part.0` /
 * `.cold` clones, `@GLIBC_2.17` versions, glibc's `__GI_` alias prefix, and the `_noprof`
 * suffix of alloc-tagged kernel allocators (>= 6.10), so `krealloc_noprof` is `krealloc`.
 * @example normalizeSymbol('__libc_start_main@GLIBC_2.17') // '__libc_start_main'
 */
export function normalizeSymbol(symbol: string): string {
  let s = symbol.trim();
  const at = s.indexOf('@');
  if (at > 0) s = s.slice(0, at);
  const dot = s.indexOf('.');
  if (dot > 0) s = s.slice(0, dot);
  if (s.startsWith('__GI_')) s = s.slice(5);
  if (s.endsWith('_noprof')) s = s.slice(0, -7);
  return s;
}

/**
 * True when the frame belongs to an allocator (kernel slab/page allocator, kmemleak hooks,
 * libc malloc family, C++ new, sanitizer interceptors).
 * @example isAllocatorFrame('__kmalloc_node_track_caller_noprof') // true
 * @example isAllocatorFrame('parse_config_entry') // false
 */
export function isAllocatorFrame(frame: string | Pick<StackFrame, 'symbol'>): boolean {
  const raw = typeof frame === 'string' ? frame : frame.symbol;
  // A frame text may still carry `+0x..`: look at the symbol only.
  const plus = raw.indexOf('+');
  const s = normalizeSymbol(plus > 0 ? raw.slice(0, plus) : raw);
  if (s.length === 0) return false;
  if (ALLOCATOR_SYMBOLS.has(s)) return true;
  if (raw.startsWith('operator new') || raw.startsWith('operator delete')) return true;
  // Every `*_noprof` symbol is an alloc-tagging allocator entry point.
  if (raw.includes('_noprof')) return true;
  for (const p of ALLOCATOR_PREFIXES) if (s.startsWith(p)) return true;
  return false;
}

/** Symbol offsets beyond this are a symbolisation miss (a BPF trampoline or JIT code resolved to the nearest symbol). */
export const IMPLAUSIBLE_OFFSET = 0x40000;

function offsetValue(offset: string | undefined): number | null {
  if (!offset) return null;
  let o = offset.startsWith('+') ? offset.slice(1) : offset;
  const slash = o.indexOf('/');
  if (slash >= 0) o = o.slice(0, slash);
  const v = o.startsWith('0x') ? Number.parseInt(o.slice(2), 16) : Number(o);
  return Number.isFinite(v) ? v : null;
}

/**
 * True for frames that carry no usable symbol: `[unknown]`, a bare address, a terminator, or a
 * symbol with an implausibly large offset (bpftrace prints kfunc trampolines as
 * `cleanup_module+328175`).
 * @example isUnknownFrame('[unknown]') // true
 * @example isUnknownFrame({ symbol: 'cleanup_module', offset: '+328175' }) // true
 */
export function isUnknownFrame(frame: string | Pick<StackFrame, 'symbol' | 'offset'>): boolean {
  const s = (typeof frame === 'string' ? frame : frame.symbol).trim();
  if (s.length === 0 || s === '[unknown]' || s === '??' || s === '<unknown>') return true;
  if (typeof frame !== 'string') {
    const off = offsetValue(frame.offset);
    if (off !== null && off > IMPLAUSIBLE_OFFSET) return true;
  }
  return s.startsWith('0x') || /^[0-9a-f]{6,}$/i.test(s);
}

/**
 * The culprit of a stack: the first frame (from the top) that is neither an allocator frame nor
 * unsymbolised; falls back to the first non-allocator frame, then to the top frame; null for an
 * empty stack. Returns the frame's symbol without offset.
 * @example
 * firstFrameOutsideAllocator([{ symbol: 'kmalloc_trace' }, { symbol: 'tracing_log_err' }]) // 'tracing_log_err'
 */
export function firstFrameOutsideAllocator(frames: readonly (string | Pick<StackFrame, 'symbol' | 'offset'>)[]): string | null {
  const sym = (f: string | Pick<StackFrame, 'symbol' | 'offset'>): string => {
    const raw = typeof f === 'string' ? f : f.symbol;
    const plus = raw.indexOf('+');
    return plus > 0 ? raw.slice(0, plus) : raw;
  };
  let fallback: string | null = null;
  for (const f of frames) {
    if (isAllocatorFrame(f)) continue;
    if (isUnknownFrame(f)) {
      fallback ??= sym(f);
      continue;
    }
    return sym(f);
  }
  if (fallback !== null) return fallback;
  return frames.length > 0 ? sym(frames[0]) : null;
}

/**
 * Index of the culprit frame (see firstFrameOutsideAllocator), -1 for an empty stack.
 * @example culpritIndex([{ symbol: 'kmemleak_alloc' }, { symbol: 'do_check_common' }]) // 1
 */
export function culpritIndex(frames: readonly (string | Pick<StackFrame, 'symbol' | 'offset'>)[]): number {
  let fallback = -1;
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i];
    if (isAllocatorFrame(f)) continue;
    if (isUnknownFrame(f)) {
      if (fallback < 0) fallback = i;
      continue;
    }
    return i;
  }
  if (fallback >= 0) return fallback;
  return frames.length > 0 ? 0 : -1;
}

/**
 * A frame as one human-readable string: `sym+off [module]`.
 * @example frameText({ symbol: 'main', offset: '+0xb9', module: 'cfgleak' }) // 'main+0xb9 [cfgleak]'
 */
export function frameText(f: StackFrame): string {
  return `${f.symbol}${f.offset ?? ''}${f.module ? ` [${f.module}]` : ''}`;
}
