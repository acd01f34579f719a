import { describe, expect, it } from 'vitest';
import { culpritIndex, firstFrameOutsideAllocator, isAllocatorFrame, isUnknownFrame, normalizeSymbol } from '../../src/analysis/allocatorFrames.js';
import { parseKmemleak } from '../../src/parsers/kmemleak/index.js';
import { parseBccMemleak } from '../../src/parsers/bcc-memleak/index.js';
import { sample } from '../helpers/samples.js';

describe('allocator frames', () => {
  it.each([
    'kmalloc', 'kmalloc_trace', '__kmalloc', '__kmalloc_node_track_caller_noprof', 'krealloc_noprof', 'kvrealloc_noprof',
    'kmem_cache_alloc', 'kmem_cache_alloc_node', 'kmem_cache_alloc_lru_noprof', 'kmemleak_alloc', 'create_object',
    'slab_post_alloc_hook', '__kvmalloc_node_noprof', 'kzalloc', '__alloc_pages', 'malloc', 'calloc', 'realloc',
    '__libc_malloc', '__GI___libc_malloc', '_int_malloc', 'sysmalloc_mmap.isra.0', '__malloc', 'operator new(unsigned long)',
    '_Znwm', '__interceptor_malloc', '___interceptor_calloc', 'strdup', '__strdup', 'g_malloc0', 'palloc',
  ])('%s is an allocator frame', (s) => {
    expect(isAllocatorFrame(s)).toBe(true);
  });

  it.each(['parse_config_entry', 'do_check_common', 'tracing_log_err', 'idr_pre_get', 'main', 'seq_read_iter', '__alloc_skb', 'log_ring_push'])(
    '%s is not an allocator frame',
    (s) => {
      expect(isAllocatorFrame(s)).toBe(false);
    },
  );

  it('normalises compiler and linker decorations', () => {
    expect(normalizeSymbol('__libc_start_main@GLIBC_2.17')).toBe('__libc_start_main');
    expect(normalizeSymbol('sysmalloc_mmap.isra.0')).toBe('sysmalloc_mmap');
    expect(normalizeSymbol('krealloc_noprof')).toBe('krealloc');
    expect(isUnknownFrame('[unknown]')).toBe(true);
    expect(isUnknownFrame('0x8000807c')).toBe(true);
    expect(isUnknownFrame('main')).toBe(false);
    expect(isUnknownFrame({ symbol: 'cleanup_module', offset: '+328175' })).toBe(true);
    expect(isUnknownFrame({ symbol: 'do_check_common', offset: '+0x2668/0x2d50' })).toBe(false);
  });

  it('names the culprit of real stacks', () => {
    const k = (rel: string) => parseKmemleak(sample(rel)).records.map((o) => firstFrameOutsideAllocator(o.backtrace));
    expect(k('public/kmemleak/arm64-6.17-crc-nobracket-bpf.txt')).toEqual(['do_check_common', 'do_check_common', 'do_check_common', 'do_check_common']);
    expect(k('public/kmemleak/x86_64-6.3-hashed-age-tracing.txt')).toEqual(['tracing_log_err', 'tracing_log_err']);
    expect(k('public/kmemleak/x86_64-3.x-abrt-i915-raw-addrs.txt')).toEqual(['idr_pre_get']);
    const m = parseBccMemleak(sample('captures/D3_userspace/memleak.txt')).records[0];
    expect(m.stacks.map((s) => firstFrameOutsideAllocator(s.frames))).toEqual(['log_ring_push', 'parse_config_entry']);
    const pg = parseBccMemleak(sample('public/bcc-memleak/fedora39-aarch64-postgres-uprobes-frame.txt')).records[0].stacks[0].frames;
    // sysmalloc_mmap, sysmalloc, _int_malloc, __malloc, [unknown] [[uprobes]], palloc are skipped.
    expect(culpritIndex(pg)).toBe(6);
    const unknown = parseBccMemleak(sample('public/bcc-memleak/container-warning-unknown-frames.txt')).records[0].stacks[0].frames;
    expect(firstFrameOutsideAllocator(unknown)).toBe('start_thread');
    expect(firstFrameOutsideAllocator([{ symbol: '[unknown]' }])).toBe('[unknown]');
    expect(firstFrameOutsideAllocator([{ symbol: 'kmalloc' }])).toBe('kmalloc');
    expect(firstFrameOutsideAllocator([])).toBeNull();
  });
});
