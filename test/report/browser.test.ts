import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCharts } from '../../src/report/charts.js';
import { renderHtml } from '../../src/report/html.js';
import type { Report } from '../../src/report/schema.js';
import { fragmentationReport } from '../fixtures/reports/fragmentation.js';
import { hostileReport } from '../fixtures/reports/hostile.js';
import { leakReport } from '../fixtures/reports/leak.js';
import { ROOT } from '../helpers/samples.js';

/**
 * The HTML report in real headless Chromium (Debian's `chromium` package; CI must
 * `apt-get install -y chromium`). Never downloads a browser: skipped, with a message, only when
 * /usr/bin/chromium is absent.
 */
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`[browser.test] SKIPPED: ${CHROMIUM} not found (apt-get install -y chromium)`);

const ARTIFACTS = path.join(ROOT, 'test/artifacts');

interface Loaded {
  page: Page;
  problems: string[];
  dialogs: string[];
  requests: string[];
}

describe.skipIf(!hasChromium)('HTML report in headless Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  async function load(name: string, html: string): Promise<Loaded> {
    const file = path.join(ARTIFACTS, `report-${name}.html`);
    writeFileSync(file, html);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    const dialogs: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('request', (r) => {
      if (!r.url().startsWith('file://')) requests.push(r.url());
    });
    await page.goto(`file://${file}`, { waitUntil: 'load' });
    await page.waitForFunction(() => document.documentElement.hasAttribute('data-charts-drawn'), undefined, { timeout: 30_000 });
    return { page, problems, dialogs, requests };
  }

  /** Per figure: canvases drawn and how many of their pixels are neither transparent nor white. */
  async function inkPerFigure(page: Page): Promise<{ figures: number; drawn: number; ink: number[] }> {
    return page.evaluate(() => {
      const figs = [...document.querySelectorAll('figure[data-chart]')];
      const ink = figs.map((f) => {
        let n = 0;
        for (const c of f.querySelectorAll('canvas')) {
          const ctx = (c as HTMLCanvasElement).getContext('2d')!;
          const d = ctx.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height).data;
          for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && !(d[i] > 245 && d[i + 1] > 245 && d[i + 2] > 245)) n++;
        }
        return n;
      });
      return { figures: figs.length, drawn: Number(document.documentElement.getAttribute('data-charts-drawn')), ink };
    });
  }

  async function checkReport(name: string, report: Report | string, expectedCharts: number): Promise<Loaded> {
    const loaded = await load(name, typeof report === 'string' ? report : renderHtml(report));
    const { page, problems, requests } = loaded;
    const ink = await inkPerFigure(page);
    expect(ink.figures).toBe(expectedCharts);
    expect(ink.drawn).toBe(expectedCharts);
    for (const n of ink.ink) expect(n).toBeGreaterThan(2000);
    await page.screenshot({ path: path.join(ARTIFACTS, `report-${name}.png`), fullPage: true });
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
    return loaded;
  }

  it('leak report: 57,600-point series drawn with its overlays; hover reads values', async () => {
    // Usage (with projection views for the three leaking trends), trace sites, bpftrace stacks, slab, OOM.
    expect(buildCharts(leakReport())).toHaveLength(13);
    const { page } = await checkReport('leak', leakReport(), 13);
    // The chart of the 57,600-point series answers the cursor: the legend shows the value under it.
    const plot = page.locator('figure[data-chart="0"] .u-over');
    await plot.scrollIntoViewIfNeeded();
    const box = (await plot.boundingBox())!;
    await plot.hover({ position: { x: box.width * 0.5, y: box.height / 2 } });
    await plot.hover({ position: { x: box.width * 0.6, y: box.height / 2 } });
    await page.waitForFunction(() => !document.querySelector('figure[data-chart="0"] .u-legend .u-series:nth-child(2) .u-value')?.textContent?.includes('–'), undefined, { timeout: 10_000 });
    const legend = await page.locator('figure[data-chart="0"] .u-legend .u-series').nth(1).innerText();
    expect(legend).toMatch(/used_kb:?\s*\d[\d.]* (MiB|GiB)/);
    const firstValue = await page.locator('figure[data-chart="0"] .u-legend .u-series').first().innerText();
    expect(firstValue).toMatch(/2025-10-(09|10) \d\d:\d\d:\d\dZ/);
    await page.locator('#verdict').screenshot({ path: path.join(ARTIFACTS, 'report-leak-verdict.png') });
    await page.locator('figure[data-chart="0"]').screenshot({ path: path.join(ARTIFACTS, 'report-leak-usage.png') });
    await page.close();
  });

  it('fragmentation report: heatmap and unusable index drawn', async () => {
    // Five meminfo usage series, the Normal zone's heatmap and unusable index.
    const { page } = await checkReport('fragmentation', fragmentationReport(), 7);
    await page.locator('#charts-fragmentation').screenshot({ path: path.join(ARTIFACTS, 'report-fragmentation-charts.png') });
    await page.close();
  });

  for (const csp of [true, false]) {
    it(`hostile report ${csp ? 'with' : 'WITHOUT'} the CSP: no capture string runs, all render as text`, async () => {
      let html = renderHtml(hostileReport());
      if (!csp) {
        // Escaping alone must hold: drop the CSP so a missed escape would run.
        html = html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '');
        expect(html).not.toContain('Content-Security-Policy');
      }
      // Ten trace sites from ten sources: ten site charts, plus usage, stacks, slab, fragmentation and OOM.
      const loaded = await checkReport(csp ? 'hostile' : 'hostile-nocsp', html, buildCharts(hostileReport()).length);
      const state = await loaded.page.evaluate(() => ({
        pwned: (window as unknown as { __pwned?: unknown }).__pwned,
        scripts: document.scripts.length,
        imgs: document.images.length,
        svgs: document.querySelectorAll('svg').length,
        handlers: [...document.querySelectorAll('*')].filter((e) => [...e.attributes].some((a) => a.name.startsWith('on'))).length,
        jsLinks: [...document.querySelectorAll('a')].filter((a) => a.getAttribute('href')?.trim().toLowerCase().startsWith('javascript')).length,
        summary: document.querySelector('#verdict .summary')!.textContent,
      }));
      expect(state).toEqual({
        pwned: undefined,
        scripts: 2,
        imgs: 0,
        svgs: 0,
        handlers: 0,
        jsLinks: 0,
        summary: 'Process <script>window.__pwned = 1; alert(1)</script> leaks via <img src=x onerror="window.__pwned = 2; alert(1)">',
      });
      expect(loaded.dialogs).toEqual([]);
      await loaded.page.close();
    });
  }
});
