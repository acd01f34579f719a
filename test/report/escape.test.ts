import { describe, expect, it } from 'vitest';
import { escapeHtml, escapeMarkdown, jsonForScript, markdownCode, visibleText } from '../../src/report/escape.js';

describe('escapeHtml', () => {
  it.each([
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['<img src=x onerror=alert(1)>', '&lt;img src=x onerror=alert(1)&gt;'],
    [`"'><svg onload=x>`, '&quot;&#39;&gt;&lt;svg onload=x&gt;'],
    ['a & b `c`', 'a &amp; b &#96;c&#96;'],
    [']]>', ']]&gt;'],
  ])('%s', (input, expected) => {
    expect(escapeHtml(input)).toBe(expected);
  });
  it('shows invisible and control characters instead of passing them through', () => {
    expect(escapeHtml('evil\u202Egnp.exe')).toBe('evil&lt;U+202E&gt;gnp.exe');
    expect(visibleText('a\u0000b\u001bc\td\ne')).toBe('a<U+0000>b<U+001B>c\td\ne');
  });
  it('stringifies null, undefined and numbers', () => {
    expect(escapeHtml(null)).toBe('');
    expect(escapeHtml(undefined)).toBe('');
    expect(escapeHtml(42)).toBe('42');
  });
});

describe('jsonForScript', () => {
  it('cannot close the script block or open a comment, and round-trips', () => {
    const value = { a: '</script><script>alert(1)</script>', b: '<!-- x -->', c: 'u\u2028v\u2029w', d: ']]>', e: '&amp;' };
    const text = jsonForScript(value);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual(value);
  });
});

/** Splits a GFM table row into cells the way GitHub does: at pipes not escaped by a backslash. */
function gfmCells(row: string): string[] {
  const cells: string[] = [];
  let cur = '';
  for (let i = 0; i < row.length; i++) {
    const ch = row[i];
    if (ch === '\\' && i + 1 < row.length) {
      cur += ch + row[i + 1];
      i++;
    } else if (ch === '|') {
      cells.push(cur);
      cur = '';
    } else cur += ch;
  }
  cells.push(cur);
  return cells.slice(1, -1);
}

describe('Markdown escaping', () => {
  it('escapes inline Markdown and HTML, keeps symbols readable', () => {
    expect(escapeMarkdown('a|b <script>')).toBe('a\\|b &lt;script>');
    expect(escapeMarkdown('0.04 -> 0.25 & more &amp;')).toBe('0.04 -> 0.25 & more &amp;amp;');
    expect(escapeMarkdown('> quote')).toBe('\\> quote');
    expect(escapeMarkdown('__x64_sys_eventfd2 *p [x](y)')).toBe('\\_\\_x64\\_sys\\_eventfd2 \\*p \\[x\\](y)');
    expect(escapeMarkdown('do_eventfd+0x24/0x60')).toBe('do\\_eventfd+0x24/0x60');
    expect(escapeMarkdown('# heading')).toBe('\\# heading');
    expect(escapeMarkdown('1. item')).toBe('1\\. item');
    expect(escapeMarkdown('two\nlines')).toBe('two lines');
  });
  it('code spans use a longer fence for backticks', () => {
    expect(markdownCode('kmalloc-64')).toBe('`kmalloc-64`');
    expect(markdownCode('a`b')).toBe('``a`b``');
    expect(markdownCode('`x`')).toBe('`` `x` ``');
    expect(markdownCode('')).toBe('` `');
  });
  it('no capture text adds a table cell', () => {
    for (const s of ['a|b', 'a\\|b', 'a\\\\|b|c', '|', '\\', 'x\\']) {
      const row = `| ${markdownCode(s, true)} | ${escapeMarkdown(s)} |`;
      expect(gfmCells(row)).toHaveLength(2);
    }
  });
});
