import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzePaths } from '../../src/node/analyzePaths.js';
import { renderHtml } from '../../src/report/html.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import type { Report } from '../../src/report/schema.js';
import { SAMPLES } from '../helpers/samples.js';

/** The evidence lines under the verdict of a Markdown report: the `- ` items before the next heading. */
function verdictEvidence(md: string): string[] {
  const lines = md.split('\n');
  const start = lines.findIndex((l) => l.startsWith('Severity: '));
  const out: string[] = [];
  for (const l of lines.slice(start + 1)) {
    if (l.startsWith('What to capture next') || l.startsWith('## ')) break;
    if (l.startsWith('- ')) out.push(l);
  }
  return out;
}

/** What a person should never have to read in prose: JSON keys, raw epoch seconds, unformatted kB. */
const MACHINE_WORDS = /slopePerHour|ci95Low|ci95High|timeToLimitSeconds|pValue=|onset=|\b1[0-9]{9}(\.\d+)?\b|\d{5,} kB/;

describe('evidence lines written for people (real captures)', () => {
  const reports: Record<string, Report> = {};
  beforeAll(async () => {
    for (const name of ['D4_leak', 'D2_slab_meminfo', 'D3_userspace', 'D5_fragmentation', 'U1_user_series']) {
      reports[name] = await analyzePaths([path.join(SAMPLES, 'captures', name)]);
    }
  });

  it('D4_leak: the rss and AnonPages rates in GiB/h, the onset in ISO 8601 UTC, the series named', () => {
    const lines = verdictEvidence(renderMarkdown(reports.D4_leak));
    expect(lines).toHaveLength(2);
    // 3,032,423 kB/h and 3,033,641 kB/h before: both 2.89 GiB/h, as the headline says.
    expect(lines[0]).toMatch(/^- rss: lower envelope rises 2\.89 GiB\/h \(p=3\.8e-12\); 95 % interval 2\.86 GiB\/h to 2\.91 GiB\/h; reaches the limit in 7 h 5\d min\. Method: /);
    expect(lines[1]).toMatch(/^- AnonPages: 8\.19 MiB -> 32\.8 MiB \(peak 541 MiB\), 2\.89 GiB\/h, p=3\.5e-19: lower envelope rises 2\.89 GiB\/h \(p=3\.5e-19\) since 2026-11-22 07:36:04Z /);
  });

  it('D2: slab rates grouped (the axis borrowed from meminfo\'s epochs: 27,276/h against a true 28,800/h), the release time in ISO 8601 UTC', () => {
    const lines = verdictEvidence(renderMarkdown(reports.D2_slab_meminfo));
    expect(lines[0]).toContain('filp: active\\_objs 609 -> 1530 over 2 min 24 s, 27,276 objects/h (4.99 MiB/h), p=5.9e-8; released at 2026-11-22 07:31:31Z (back to 567)');
  });

  it('D3: the bpftrace stack growth in KiB', () => {
    const lines = verdictEvidence(renderMarkdown(reports.D3_userspace));
    expect(lines.find((l) => l.includes('bpftrace'))).toContain('holds 32.0 KiB → 64.0 KiB → 96.0 KiB → 128 KiB → 144 KiB over 4 snapshots');
  });

  it('no JSON keys, raw epochs or unformatted kB in any evidence line of the Markdown reports', () => {
    for (const [name, report] of Object.entries(reports)) {
      const md = renderMarkdown(report);
      const evidence = md.split('\n').filter((l) => /^\s*- /.test(l) && !l.includes('`capture') && !/^\s*- `/.test(l));
      expect(evidence.length, name).toBeGreaterThan(0);
      for (const l of evidence) expect(l, name).not.toMatch(MACHINE_WORDS);
    }
  });

  it('HTML: the sentence in prose, the numbers under their JSON keys folded away', () => {
    const html = renderHtml(reports.D4_leak);
    const li = html.match(/<li>rss: lower envelope rises 2\.89 GiB\/h[^]*?<\/li>/)?.[0] ?? '';
    expect(li).toContain('<details class="values"><summary>numbers (JSON keys)</summary><span>slopePerHour <b>3,027,744.1</b></span>');
    // Before the folded numbers, no key in the sentence.
    expect(li.slice(0, li.indexOf('<details'))).not.toMatch(MACHINE_WORDS);
  });
});
