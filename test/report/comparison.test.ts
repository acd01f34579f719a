import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzePaths } from '../../src/node/analyzePaths.js';
import { compareRuns } from '../../src/pipeline/compareRuns.js';
import { renderHtml } from '../../src/report/html.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { ReportSchema, type Report } from '../../src/report/schema.js';
import { SAMPLES } from '../helpers/samples.js';

/**
 * The `--baseline` comparison on the real captures D4: a process that leaks anonymous memory at
 * about 3 GiB/h (D4_leak) and the same workload fixed (D4_control). Rendered as a user reads it:
 * the fix verdict, then one row per leaking item with its value before and after.
 */
/** The Markdown comparison section: from its heading to the next one. */
function section(md: string): string {
  const start = md.indexOf('## Comparison with the baseline');
  expect(start).toBeGreaterThan(0);
  const end = md.indexOf('\n## ', start + 1);
  return md.slice(start, end < 0 ? undefined : end);
}
const htmlSection = (html: string) => html.slice(html.indexOf('<section id="comparison">'), html.indexOf('</section>', html.indexOf('<section id="comparison">')));

describe('the before/after comparison of D4 (leak, then fixed)', () => {
  let leak: Report;
  let control: Report;
  beforeAll(async () => {
    leak = await analyzePaths([path.join(SAMPLES, 'captures/D4_leak')]);
    control = await analyzePaths([path.join(SAMPLES, 'captures/D4_control')]);
  });

  it('the fix holds: the three leaking usage trends are gone (Markdown)', () => {
    const report = { ...control, comparison: compareRuns(leak, control) };
    expect(ReportSchema.parse(report)).toEqual(report);
    const md = section(renderMarkdown(report));
    expect(md).toContain('Verdict before → after: **leak** → **no-leak**; **the fix holds**. 3 gone, 0 remain, 0 new.');
    expect(md).toContain('The fix holds: all 3 leaking items of the baseline are gone and nothing new leaks (verdict leak -> no-leak).');
    // rss and AnonPages grew 2.89 GiB/h (3,032,423 and 3,033,641 kB/h) and are flat after the fix.
    const rows = md.split('\n').filter((l) => l.startsWith('| gone'));
    expect(rows).toEqual([
      '| gone | usage trend | `AnonPages` | +2.89 GiB/h | 0 B/h | slope per hour |',
      '| gone | usage trend | `Used` | +2.49 GiB/h | -421 MiB/h | slope per hour |',
      '| gone | usage trend | `rss` | +2.89 GiB/h | 0 B/h | slope per hour |',
    ]);
    expect(md).toContain('| Status | What | Item | Before | After | Measure |');
  });

  it('the fix holds (HTML): verdict facts and the before/after table, coloured by status', () => {
    const html = htmlSection(renderHtml({ ...control, comparison: compareRuns(leak, control) }));
    expect(html).toContain('<h3><span class="badge v-no-leak">the fix holds</span>The fix holds: all 3 leaking items of the baseline are gone and nothing new leaks (verdict leak -&gt; no-leak).</h3>');
    expect(html).toContain('<div><dt>Verdict before</dt><dd>leak</dd></div><div><dt>Verdict after</dt><dd>no-leak</dd></div>');
    expect(html).toContain('<tr><td><span class="badge v-no-leak">gone</span></td><td>usage trend</td><td class="wrap"><code>rss</code></td><td class="num">+2.89 GiB/h</td><td class="num">0 B/h</td><td>slope per hour</td></tr>');
    expect(html.match(/<tr><td>/g)).toHaveLength(3);
  });

  it('a regression: the leak is new after a clean baseline', () => {
    const report = { ...leak, comparison: compareRuns(control, leak) };
    const md = section(renderMarkdown(report));
    expect(md).toContain('Verdict before → after: **no-leak** → **leak**; nothing leaked in the baseline. 0 gone, 0 remain, 3 new.');
    expect(md).toContain('| new | usage trend | `rss` | – | +2.89 GiB/h | slope per hour |');
    const html = htmlSection(renderHtml(report));
    expect(html).toContain('<tr><td><span class="badge v-leak">new</span></td><td>usage trend</td><td class="wrap"><code>rss</code></td><td class="num">–</td><td class="num">+2.89 GiB/h</td>');
  });

  it('a fix that changed nothing: every leaking trend remains, and the fix does not hold', () => {
    const report = { ...leak, comparison: compareRuns(leak, leak) };
    const md = section(renderMarkdown(report));
    expect(md).toContain('Verdict before → after: **leak** → **leak**; **the fix does not hold**. 0 gone, 3 remain, 0 new.');
    expect(md).toContain('| remains | usage trend | `AnonPages` | +2.89 GiB/h | +2.89 GiB/h | slope per hour |');
    expect(htmlSection(renderHtml(report))).toContain('<span class="badge v-leak">the fix does not hold</span>');
  });

  it('comes right after the verdict, before the findings, in both renderers', () => {
    const report = { ...control, comparison: compareRuns(leak, control) };
    const md = renderMarkdown(report);
    // D4_control has no findings: its first section after the verdict is the trends table.
    expect(md.indexOf('## Comparison with the baseline')).toBeGreaterThan(0);
    expect(md.indexOf('## Comparison with the baseline')).toBeLessThan(md.indexOf('## Trends'));
    const html = renderHtml(report);
    expect(html.indexOf('id="verdict"')).toBeLessThan(html.indexOf('id="comparison"'));
    expect(html.indexOf('id="comparison"')).toBeLessThan(html.indexOf('id="findings"'));
    expect(html).toContain('<a href="#verdict">Verdict</a><a href="#comparison">Comparison</a><a href="#findings">Findings</a>');
  });

  it('no comparison without --baseline', () => {
    expect(renderMarkdown(control)).not.toContain('## Comparison');
    expect(renderHtml(control)).not.toContain('id="comparison"');
  });
});
