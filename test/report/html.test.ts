import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildCharts } from '../../src/report/charts.js';
import { escapeHtml } from '../../src/report/escape.js';
import { REPORT_CSP, renderHtml } from '../../src/report/html.js';
import { REPORT_SCRIPT, REPORT_STYLE } from '../../src/report/html/assets.generated.js';
import { emptyReport } from '../fixtures/reports/common.js';
import { fragmentationReport } from '../fixtures/reports/fragmentation.js';
import { hostileReport, PAYLOADS } from '../fixtures/reports/hostile.js';
import { leakReport } from '../fixtures/reports/leak.js';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('base64');

/** The page without the contents of its script and style elements. */
function markupOnly(html: string): string {
  return html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/g, '<script></script>').replace(/<style>[\s\S]*?<\/style>/g, '<style></style>');
}

const ALLOWED_TAGS = new Set(
  'html head meta title style body header h1 h2 h3 nav a main section p dl div dt dd ul li article span figure figcaption noscript table thead tbody tr th td code details summary ol pre b br footer script'.split(' '),
);

/** Every tag in the markup: name and attribute names. */
function tags(markup: string): { name: string; attrs: string[]; raw: string }[] {
  const out: { name: string; attrs: string[]; raw: string }[] = [];
  for (const m of markup.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9]*)([^>]*)>/g)) {
    const attrs = [...m[2].matchAll(/([^\s"'=\/]+)(?:="[^"]*")?/g)].map((a) => a[1].toLowerCase());
    out.push({ name: m[1].toLowerCase(), attrs, raw: m[0] });
  }
  return out;
}

describe('renderHtml', () => {
  const leak = leakReport();
  const html = renderHtml(leak);

  it('is deterministic and self-contained (no external resource, no network)', () => {
    expect(renderHtml(leak)).toBe(html);
    const markup = markupOnly(html);
    expect(markup).not.toMatch(/\b(src|href)="(?!#)/);
    expect(markup).not.toMatch(/https?:\/\//);
    expect(html.length).toBeLessThan(1_500_000);
  });

  it('CSP allows exactly the inline script and style it carries, by hash', () => {
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
    expect(scripts).toEqual([REPORT_SCRIPT]);
    const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]);
    expect(styles).toEqual([REPORT_STYLE]);
    expect(REPORT_CSP).toContain(`script-src 'sha256-${sha256(scripts[0])}'`);
    expect(REPORT_CSP).toContain(`style-src 'sha256-${sha256(styles[0])}'`);
    expect(REPORT_CSP).toMatch(/^default-src 'none'; /);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${escapeHtml(REPORT_CSP)}">`);
  });

  it('carries the chart model as JSON, with fixed-step time axes packed', () => {
    const m = /<script type="application\/json" id="mf-data">([\s\S]*?)<\/script>/.exec(html)!;
    const data = JSON.parse(m[1]);
    const charts = buildCharts(leak);
    expect(data.charts).toHaveLength(charts.length);
    const used = data.charts[0];
    expect(used.title).toBe('used_kb');
    expect(used.layers[0].tr).toEqual([leak.series[0].t[0], 1, 57_600]);
    expect(used.layers[0].v).toEqual(leak.series[0].v);
    expect(used.layers[1].t).toEqual(charts[0].layers[1].t);
  });

  it('puts the verdict first, then findings, charts and tables with the report values', () => {
    const order = ['id="verdict"', 'id="findings"', 'id="charts-usage"', 'id="charts-sites"', 'id="charts-slab"', 'id="charts-oom"', 'id="trends"', 'id="allocation-sites"', 'id="slab-growth"', 'id="meminfo-0"', 'id="kmemleak"', 'id="stack-growth"', 'id="leak-sites"', 'id="oom-events"', 'id="fragmentation"', 'id="artefacts"'].map((s) => html.indexOf(s));
    for (const i of order) expect(i).toBeGreaterThan(0);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(html).toContain('<p class="kind">leak</p>');
    expect(html).toContain(escapeHtml(leak.verdict.summary));
    expect(html).toContain('<dt>Time to limit</dt><dd>5 d 18 h</dd>');
    expect(html).toContain('<p class="meta">allocation-site-leak · confirmed by kmemleak-cluster · kernel · culprit do_eventfd · score ');
    // The trace site row: 220 outstanding, 13.8 KiB, 240 allocations and no frees, 1.25 KiB/s.
    expect(html).toContain('<tr><td class="wrap"><code>do_eventfd</code></td><td><code>kobjleak</code></td><td class="num">220</td><td class="num">13.8 KiB</td><td class="num">240 / 0</td><td class="num">1.25 KiB/s</td><td class="wrap"><details><summary>5 frames: <code>__kmalloc_cache_noprof</code></summary>');
    expect(html).toContain('<td class="wrap"><code>dentry</code> <span class="muted">reclaimable</span></td><td><span class="badge v-leak">leak</span></td>');
    expect(html).toContain('<pre class="preview">................................</pre>');
    expect(html).toContain('<td class="num">3 h 44 min after boot</td><td><code>stress</code> <span class="muted">pid 14728</span></td>');
    expect(html).toContain('<td><code>unaccounted (MemTotal minus every counter)</code></td>');
    expect(html).toContain('<td class="num">+40.0 MiB/h</td>');
    expect(html).toContain('<p class="meta">What to capture next</p>');
  });

  it('fragmentation report: heatmap figure with its legend, zones and kernel index checks in the fragmentation section', () => {
    const frag = renderHtml(fragmentationReport());
    expect(frag).toContain('Free blocks per order: Node 0, zone Normal');
    expect(frag).toContain('class="heat-legend"');
    expect(frag).toContain('<section id="fragmentation"><h2>Leak or fragmentation</h2>');
    expect(frag).toContain('<tr><td><code>Node 0, Normal</code></td><td>yes</td><td>yes</td><td class="num">0.038 → 0.251 → 0.074</td><td class="num">8,164 → 827,603 → 148,302</td>');
    expect(frag).toContain('<li>extfrag_index <span class="src">captures/D5_fragmentation/extfrag_index.txt</span>: 2,343 values in 71 snapshots compared with the ones computed from buddyinfo, 0 differ.</li>');
    expect(frag).toContain('<li><code>echo 1 &gt; /proc/sys/vm/compact_memory, then one more snapshot of /proc/buddyinfo and /proc/pagetypeinfo:');
    expect(frag).toContain('pagetypeinfo-capped-count × 1');
  });
});

describe('renderHtml on an empty report', () => {
  it('renders the verdict, no charts, no tables', () => {
    const html = renderHtml(emptyReport());
    expect(html).toContain('<p class="summary">Nothing analysed.</p>');
    expect(html).not.toContain('<figure');
    expect(html).not.toContain('<table');
    expect(html).toContain('<p class="muted">No findings.</p>');
  });
});

describe('renderHtml on hostile capture strings', () => {
  const html = renderHtml(hostileReport());
  const markup = markupOnly(html);

  it('only known tags, no event-handler attributes, no javascript: URLs, exactly two script elements', () => {
    const all = tags(markup);
    const unknown = all.filter((t) => !ALLOWED_TAGS.has(t.name));
    expect(unknown.map((t) => t.raw)).toEqual([]);
    const handlers = all.filter((t) => t.attrs.some((a) => a.startsWith('on')));
    expect(handlers.map((t) => t.raw)).toEqual([]);
    const links = all.filter((t) => t.name === 'a' && !t.raw.startsWith('</'));
    expect(links.length).toBeGreaterThan(5);
    expect(links.filter((t) => !/^<a href="#[a-z0-9-]+">$/.test(t.raw)).map((t) => t.raw)).toEqual([]);
    expect(html.match(/<script\b/g)).toHaveLength(2);
    expect(html.match(/<\/script>/g)).toHaveLength(2);
  });

  it('every payload is shown as text', () => {
    for (const p of PAYLOADS) {
      const shown = escapeHtml(p);
      expect(markup.includes(shown), p).toBe(true);
    }
  });

  it('the JSON block cannot be closed by data', () => {
    const m = /<script type="application\/json" id="mf-data">([\s\S]*?)<\/script>/.exec(html)!;
    expect(m[1]).not.toMatch(/[<>\u2028\u2029]/);
    const data = JSON.parse(m[1]);
    expect(JSON.stringify(data)).toContain('window.__pwned = 4');
  });
});
