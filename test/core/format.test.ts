import { describe, expect, it } from 'vitest';
import { bytesPerUnit, formatBytes, formatDuration, formatMeasured, formatNumber, formatPercent, formatQuantity, formatRate, formatTime } from '../../src/core/format.js';

describe('formatDuration', () => {
  it('prints minutes, hours and days as the report and the headline read them', () => {
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(200)).toBe('3 min 20 s');
    expect(formatDuration(720)).toBe('12 min');
    expect(formatDuration(12000)).toBe('3 h 20 min');
    expect(formatDuration(57900)).toBe('16 h 5 min');
    expect(formatDuration(86400 * 2 + 4 * 3600)).toBe('2 d 4 h');
    expect(formatDuration(-90)).toBe('-1 min 30 s');
  });

  it('never prints "0 s" for a positive duration: below a second in ms, µs, ns', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(0.04)).toBe('40 ms');
    expect(formatDuration(0.0125)).toBe('12.5 ms');
    expect(formatDuration(0.00099)).toBe('990 µs');
    expect(formatDuration(2.5e-8)).toBe('25 ns');
    expect(formatDuration(1e-12)).toBe('0.001 ns');
    for (let e = -12; e < 6; e += 0.25) expect(formatDuration(10 ** e)).not.toMatch(/^0 /);
  });

  it('rounds at unit boundaries into the larger unit', () => {
    expect(formatDuration(0.9996)).toBe('1 s');
    expect(formatDuration(0.0009996)).toBe('1 ms');
    expect(formatDuration(9.96)).toBe('10 s');
    expect(formatDuration(59.6)).toBe('1 min');
    expect(formatDuration(3599.7)).toBe('1 h');
  });

  it('marks what has no duration', () => {
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('unbounded');
    expect(formatDuration(null)).toBe('–');
    expect(formatDuration(Number.NaN)).toBe('–');
  });
});

describe('byte and quantity formatters', () => {
  it('print binary sizes with 3 significant digits', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(15.5 * 1024 ** 2)).toBe('15.5 MiB');
    expect(formatBytes(150 * 1024 ** 3)).toBe('150 GiB');
    expect(formatBytes(-2048)).toBe('-2.00 KiB');
    expect(formatBytes(undefined)).toBe('–');
  });

  it('scale series units to bytes and sign rates', () => {
    expect(bytesPerUnit('kB')).toBe(1024);
    expect(bytesPerUnit('pages')).toBe(4096);
    expect(bytesPerUnit('objects')).toBeNull();
    expect(formatQuantity(2048, 'kB')).toBe('2.00 MiB');
    expect(formatQuantity(12, 'objects')).toBe('12 objects');
    expect(formatRate(2048, 'kB')).toBe('+2.00 MiB/h');
    expect(formatMeasured(40960, 'kB/h')).toBe('+40.0 MiB/h');
    expect(formatMeasured(1280, 'bytes/s')).toBe('1.25 KiB/s');
  });

  it('print numbers, percentages and times locale-independently', () => {
    expect(formatNumber(57600)).toBe('57,600');
    expect(formatNumber(1.234)).toBe('1.23');
    expect(formatPercent(0.87)).toBe('87 %');
    expect(formatTime(1700000000)).toBe('2023-11-14 22:13:20Z');
    expect(formatTime(4800)).toBe('+1 h 20 min');
  });
});
