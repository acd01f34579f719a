import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/report/html.js';
import { leakReport } from '../fixtures/reports/leak.js';
import { hostileReport } from '../fixtures/reports/hostile.js';
import { ROOT } from '../helpers/samples.js';

/**
 * The HTML report in Firefox (Debian's firefox-esr, headless `--screenshot`; Playwright cannot
 * drive a stock Firefox). A screenshot of the report is compared with one of the same page with
 * its scripts removed: the charts' pixels must appear only when the report's script ran.
 * Skipped, with a message, when no firefox is installed (.ci/run installs firefox-esr).
 */
const FIREFOX = ['/usr/bin/firefox-esr', '/usr/bin/firefox'].find((f) => existsSync(f));
if (!FIREFOX) console.warn('[firefox.test] SKIPPED: no firefox-esr (apt-get install -y firefox-esr)');

/** Decodes an 8-bit RGB/RGBA PNG (what Firefox writes) into RGBA pixels. */
function decodePng(buf: Buffer): { width: number; height: number; rgba: Uint8Array } {
  let pos = 8;
  let width = 0;
  let height = 0;
  let channels = 4;
  const idat: Buffer[] = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8) throw new Error('only 8-bit PNGs');
      channels = data[9] === 6 ? 4 : data[9] === 2 ? 3 : 0;
      if (!channels) throw new Error(`colour type ${data[9]}`);
    } else if (type === 'IDAT') idat.push(data);
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x];
      const a = x >= channels ? out[y * stride + x - channels] : 0;
      const b = y > 0 ? out[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? out[(y - 1) * stride + x - channels] : 0;
      const p = a + b - c;
      const pa = Math.abs(p - a);
      const pb = Math.abs(p - b);
      const pc = Math.abs(p - c);
      const pred = filter === 0 ? 0 : filter === 1 ? a : filter === 2 ? b : filter === 3 ? (a + b) >> 1 : pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      out[y * stride + x] = (v + pred) & 0xff;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0, j = 0; i < out.length; i += channels, j += 4) {
    rgba[j] = out[i];
    rgba[j + 1] = out[i + 1];
    rgba[j + 2] = out[i + 2];
    rgba[j + 3] = channels === 4 ? out[i + 3] : 255;
  }
  return { width, height, rgba };
}

/** Pixels that are saturated colour (chart lines, bands, markers), not the page's greys. */
function colourfulPixels(png: { rgba: Uint8Array }): number {
  let n = 0;
  for (let i = 0; i < png.rgba.length; i += 4) {
    const r = png.rgba[i];
    const g = png.rgba[i + 1];
    const b = png.rgba[i + 2];
    if (Math.max(r, g, b) - Math.min(r, g, b) > 60) n++;
  }
  return n;
}

function screenshot(html: string, name: string): { width: number; height: number; rgba: Uint8Array } {
  const dir = mkdtempSync(path.join(tmpdir(), 'mf-ff-'));
  try {
    const page = path.join(dir, `${name}.html`);
    const png = path.join(dir, `${name}.png`);
    writeFileSync(page, html);
    mkdirSync(path.join(dir, 'profile'));
    execFileSync(FIREFOX!, ['--headless', '--no-remote', '--profile', path.join(dir, 'profile'), '--window-size=1280,1600', '--screenshot', png, `file://${page}`], {
      stdio: 'ignore',
      timeout: 120_000,
      env: { ...process.env, MOZ_DISABLE_CONTENT_SANDBOX: '1' },
    });
    const artefacts = path.join(ROOT, 'test/artifacts');
    mkdirSync(artefacts, { recursive: true });
    writeFileSync(path.join(artefacts, `firefox-${name}.png`), readFileSync(png));
    return decodePng(readFileSync(png));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const withoutScripts = (html: string) => html.replace(/<script(?![^>]*application\/json)[\s\S]*?<\/script>/g, '');

describe.skipIf(!FIREFOX)('HTML report in headless Firefox', () => {
  it('draws the charts (57,600-point series) only when its script runs', () => {
    // Firefox screenshots the window only: fewer findings above bring the usage charts into it.
    const report = leakReport();
    report.findings = report.findings.slice(0, 1);
    report.verdict.evidence = report.verdict.evidence?.slice(0, 1);
    const html = renderHtml(report);
    const drawn = colourfulPixels(screenshot(html, 'leak'));
    const bare = colourfulPixels(screenshot(withoutScripts(html), 'leak-noscript'));
    expect(drawn - bare).toBeGreaterThan(5000);
  });

  it('runs none of a hostile capture\'s payloads: had one run, the page would be painted red', () => {
    const paint = 'document.body.style.background=String.fromCharCode(114,101,100)';
    const report = JSON.parse(JSON.stringify(hostileReport()).replace(/window\.__pwned ?= ?\d/g, paint));
    const shot = screenshot(renderHtml(report), 'hostile');
    let red = 0;
    for (let i = 0; i < shot.rgba.length; i += 4) if (shot.rgba[i] > 230 && shot.rgba[i + 1] < 30 && shot.rgba[i + 2] < 30) red++;
    expect(red / (shot.width * shot.height)).toBeLessThan(0.01);
  });
});
