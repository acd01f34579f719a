import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../src/report/markdown.js';
import { emptyReport } from '../fixtures/reports/common.js';
import { fragmentationReport } from '../fixtures/reports/fragmentation.js';
import { hostileReport } from '../fixtures/reports/hostile.js';
import { leakReport } from '../fixtures/reports/leak.js';

/** GFM cells of a table row: split at pipes not escaped by a backslash. */
function gfmCells(row: string): string[] {
  const cells: string[] = [];
  let cur = '';
  for (let i = 0; i < row.length; i++) {
    if (row[i] === '\\' && i + 1 < row.length) {
      cur += row[i] + row[i + 1];
      i++;
    } else if (row[i] === '|') {
      cells.push(cur);
      cur = '';
    } else cur += row[i];
  }
  cells.push(cur);
  return cells.slice(1, -1);
}

/** Every table: each row has as many cells as its header. */
function expectTablesWellFormed(text: string): number {
  let tables = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith('| ') || !lines[i + 1]?.startsWith('| ---')) continue;
    tables++;
    const width = gfmCells(lines[i]).length;
    for (let j = i + 1; j < lines.length && lines[j].startsWith('|'); j++) expect(gfmCells(lines[j]), lines[j]).toHaveLength(width);
  }
  return tables;
}

/** The text outside code spans (CommonMark: a backtick run closed by a run of the same length). */
function outsideCode(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (text[i] === '`') {
      let n = 0;
      while (text[i + n] === '`') n++;
      const fence = '`'.repeat(n);
      let j = text.indexOf(fence, i + n);
      while (j >= 0 && text[j + n] === '`') j = text.indexOf(fence, j + n + 1);
      if (j >= 0) {
        i = j + n;
        continue;
      }
      out += fence;
      i += n;
    } else out += text[i++];
  }
  return out;
}

describe('renderMarkdown', () => {
  it('leak: verdict, findings and top tables with the values the analyses computed', () => {
    const report = leakReport();
    const md = renderMarkdown(report);
    expect(md.startsWith('# memforensics: LEAK (warning)\n')).toBe(true);
    // (8 GiB - the upper envelope at the end) / 40 MiB/h: 138.1 h.
    expect(md).toContain('time to limit: **5 d 18 h**');
    expect(md).toContain('· where: **both** · 13 findings from 8 artefacts');
    // The trace site kmemleak confirms: one finding, both sources.
    expect(md).toContain('allocation-site-leak · confirmed by kmemleak-cluster · kernel · culprit `do_eventfd` · `captures/node7/trace.report.txt, captures/node7/kmemleak.txt`');
    expect(md).toContain('| `used_kb` | leak | +40.0 MiB/h | +40.0 MiB/h … +40.1 MiB/h | 2.2e-37 | 2025-10-09 10:53:20Z | 5 d 18 h | `captures/node7/used.csv` |');
    // 220 of the 240 do_eventfd objects are old enough to count (the rest are "young"), 64 B each, one per 50 ms.
    expect(md).toContain('| `do_eventfd` | `kobjleak` | 220 | 13.8 KiB | 1.25 KiB/s | `__kmalloc_cache_noprof` ← `do_eventfd` ← `__x64_sys_eventfd2` ← … (5 frames) | `captures/node7/trace.report.txt` |');
    // kmalloc-64: 4,800 objects per 10-minute snapshot after the first 12, x 64 B.
    expect(md).toContain('| `kmalloc-64` | leak | 212 KiB | 24.8 MiB | 24.8 MiB | 403,200 | +1.76 MiB/h | `captures/node7/slabinfo.log` |');
    expect(md).toContain('| `dentry` (reclaimable) | leak |');
    expect(md).toContain('| `do_eventfd` | 40 | 2.50 KiB | `kobjleak` | `................................` |');
    expect(md).toContain('| `parse_config_entry` (/opt/memlab/src/cfgleak.c:53) | definite | 16.0 KiB | 4 |');
    expect(md).toContain('| 3 h 44 min after boot | `stress` (pid 14728) | 23.5 MiB | CONSTRAINT\\_MEMCG | 0 | `captures/node7/dmesg.txt` |');
    expect(md).toContain('| `SUnreclaim` | leak | 28.2 MiB | 28.6 MiB | 25.7 MiB | +14.4 MiB/h |');
    expect(md).toContain('**leak (confidence 90 %):** Leak: used\\_kb, Slab, SUnreclaim rise steadily; no buddy data. (`captures/node7`)');
    expect(md).toContain('| `captures/node7/used.csv` | csv | 57,601 | none |');
    expect(expectTablesWellFormed(md)).toBe(9);
  });

  it('topN limits the tables and says how many are left', () => {
    const md = renderMarkdown(leakReport(), { topN: 2 });
    expect(md).toContain('## Allocation sites (9)');
    expect(md).toContain('_7 more in the JSON report._');
    expect(md).not.toContain('| `security_file_alloc` |');
  });

  it('fragmentation: the D5 zones baseline → worst → end and the kernel index checks', () => {
    const md = renderMarkdown(fragmentationReport());
    expect(md.startsWith('# memforensics: FRAGMENTATION (warning)\n')).toBe(true);
    expect(md).toContain('| `Node 0, Normal` | yes | yes | 0.038 → 0.251 → 0.074 | 8,164 → 827,603 → 148,302 |');
    expect(md).toContain('- `extfrag_index` of `captures/D5_fragmentation/extfrag_index.txt`: 2,343 values compared with the ones computed from buddyinfo, 0 differ.');
    expect(md).toContain('| `captures/D5_fragmentation/pagetypeinfo.txt` | pagetypeinfo | 71 | 1 info (`pagetypeinfo-capped-count`×1) |');
  });

  it('an empty report renders the verdict and nothing else breaks', () => {
    const md = renderMarkdown(emptyReport());
    expect(md).toContain('**Nothing analysed.**');
    expect(md).not.toContain('## Findings');
  });

  it('hostile strings cannot add table cells, HTML or Markdown structure', () => {
    const md = renderMarkdown(hostileReport());
    expect(expectTablesWellFormed(md)).toBeGreaterThanOrEqual(11);
    const prose = outsideCode(md);
    expect(prose).not.toMatch(/<[a-zA-Z/!]/);
    expect(prose).not.toMatch(/(?<!\\)\]\(/);
    expect(md).not.toMatch(/[\u2028\u2029\u202e\u0000\u001b]/);
    // Every line starts as the renderer meant it (no heading, list or quote injected by data).
    for (const line of md.split('\n')) expect(line).toMatch(/^(|# |## |\*\*|Severity|- |\d+\. |   |\| |_|No |What to capture next:|Evidence (for|against):|Would settle it:|Zones in |Verdict before)/);
  });

  it('golden: fragmentation and hostile reports', async () => {
    await expect(renderMarkdown(fragmentationReport())).toMatchFileSnapshot('../golden/report-fragmentation.md');
    await expect(renderMarkdown(hostileReport())).toMatchFileSnapshot('../golden/report-hostile.md');
  });
});
