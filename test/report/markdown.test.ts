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
  it('leak: verdict, findings and top tables with the report values', () => {
    const md = renderMarkdown(leakReport());
    expect(md.startsWith('# memforensics: LEAK (critical)\n')).toBe(true);
    expect(md).toContain('time to limit: **5 d 18 h**');
    expect(md).toContain('1. **[CRITICAL]** used grows steadily at 40.0 MiB/h');
    expect(md).toContain('| `do_eventfd` | `kobjleak` | 6,720 | 420 KiB | 9 B/s | `do_eventfd` ← `__x64_sys_eventfd2` ← `do_syscall_64` ← … (4 frames) |');
    expect(md).toContain('| `used` | leak | +40.0 MiB/h | +38.4 MiB/h … +41.6 MiB/h | 1.0e-13 | 2025-10-09 10:53:20Z | 5 d 18 h |');
    expect(md).toContain('| `kmalloc-64` | leak | 977 KiB | 4.80 MiB | 4.80 MiB | 63,000 |');
    expect(md).toContain('Unaccounted (MemTotal minus every counter): 391 MiB → 977 MiB, +39.1 MiB/h (leak).');
    expect(md).toContain('1 info, 2 warning (`trace-lost-events`×2 `trace-cpu-buffer-started`×1)');
    expect(expectTablesWellFormed(md)).toBe(8);
  });

  it('topN limits the tables and says how many are left', () => {
    const md = renderMarkdown(leakReport(), { topN: 2 });
    expect(md).toContain('## Allocation sites (5)');
    expect(md).toContain('_3 more in the JSON report._');
    expect(md).not.toContain('`security_file_alloc` |');
  });

  it('an empty report renders the verdict and nothing else breaks', () => {
    const md = renderMarkdown(emptyReport());
    expect(md).toContain('**Nothing analysed.**');
    expect(md).not.toContain('## Findings');
  });

  it('hostile strings cannot add table cells, HTML or Markdown structure', () => {
    const md = renderMarkdown(hostileReport());
    expect(expectTablesWellFormed(md)).toBeGreaterThanOrEqual(8);
    const prose = outsideCode(md);
    expect(prose).not.toMatch(/<[a-zA-Z/!]/);
    expect(prose).not.toMatch(/(?<!\\)\]\(/);
    expect(md).not.toMatch(/[\u2028\u2029\u202e\u0000\u001b]/);
    // Every line starts as the renderer meant it (no heading, list or quote injected by data).
    for (const line of md.split('\n')) expect(line).toMatch(/^(|# |## |\*\*|Severity|- |\d+\. |   |\| |_|No |Unaccounted)/);
  });

  it('golden: fragmentation and hostile reports', async () => {
    await expect(renderMarkdown(fragmentationReport())).toMatchFileSnapshot('../golden/report-fragmentation.md');
    await expect(renderMarkdown(hostileReport())).toMatchFileSnapshot('../golden/report-hostile.md');
  });
});
