/**
 * Synthetic trend suite with known truth (deterministic: every series comes from a seeded PRNG).
 * Shared by bench/trend/run.ts (the full suite) and test/analysis/trend-suite.test.ts (a subset).
 * Units: kB (like /proc/meminfo and ps rss); times in seconds.
 */

export type Truth = 'leak' | 'no-leak' | 'plateau' | 'step';

export interface SuiteCase {
  id: string;
  truth: Truth;
  /** True leak rate, kB per hour (of the current regime), when truth is leak. */
  ratePerHour: number | null;
  /** When the leak starts (s), when truth is leak. */
  onset: number | null;
  /** Limit (kB) and the time the series first crosses it (s, full unobserved run). */
  limit: number | null;
  oomAt: number | null;
  t: number[];
  v: number[];
}

/** mulberry32 PRNG. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

function gauss(r: () => number): number {
  const u = Math.max(1e-12, r());
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

const MB = 1024;

interface OscSpec {
  /** Seconds per stress cycle (can be far below the sampling step: aliasing). */
  cycle: number;
  /** Working-set amplitude range, kB. */
  ampLo: number;
  ampHi: number;
  /** Fraction of the cycle during which the working set is resident. */
  duty: number;
}

/** Working-set value at time x for a cycle with random per-cycle amplitude (hash of the cycle index). */
function workingSet(x: number, o: OscSpec, seed: number): number {
  const k = Math.floor(x / o.cycle);
  const phase = x / o.cycle - k;
  if (phase >= o.duty) return 0;
  const amp = o.ampLo + (o.ampHi - o.ampLo) * rng((seed ^ Math.imul(k, 2654435761)) >>> 0)();
  // the working set is touched progressively, then held
  return amp * Math.min(1, phase / (0.5 * o.duty));
}

export interface OscLeakParams {
  id: string;
  seed: number;
  duration: number;
  step: number;
  base: number;
  osc: OscSpec;
  /** kB leaked per cycle (after onset). */
  leakPerCycle: number;
  onset?: number;
  /** Sampling jitter as a fraction of the step. */
  jitter?: number;
  noise?: number;
  limit?: number;
}

/** Oscillating load with a creep of `leakPerCycle` every cycle from `onset` on. */
export function oscillatingLeak(p: OscLeakParams): SuiteCase {
  const r = rng(p.seed);
  const t: number[] = [];
  const v: number[] = [];
  const onset = p.onset ?? 0;
  const rate = (p.leakPerCycle / p.osc.cycle) * 3600;
  const level = (x: number) => p.base + (x > onset ? (Math.floor((x - onset) / p.osc.cycle) * p.leakPerCycle) : 0);
  const sample = (x: number) => level(x) + workingSet(x, p.osc, p.seed) + (p.noise ?? 0) * gauss(r);
  for (let x = 0; x <= p.duration; x += p.step) {
    const tx = x + (p.jitter ?? 0) * p.step * (r() - 0.5);
    t.push(tx);
    v.push(sample(tx));
  }
  let oomAt: number | null = null;
  if (p.limit !== undefined && p.leakPerCycle > 0) {
    // First crossing of the limit by the full (continuous) process, scanned at a fine step.
    const fine = Math.min(p.step, p.osc.cycle / 4);
    for (let x = 0; x < 50 * p.duration && oomAt === null; x += fine) if (level(x) + workingSet(x, p.osc, p.seed) >= p.limit) oomAt = x;
  }
  return {
    id: p.id,
    truth: p.leakPerCycle > 0 ? 'leak' : 'no-leak',
    ratePerHour: p.leakPerCycle > 0 ? rate : null,
    onset: p.leakPerCycle > 0 ? onset : null,
    limit: p.limit ?? null,
    oomAt,
    t,
    v,
  };
}

/** Warm-up plateau: rises by `rise` kB over `warm` s (linear or saturating), then flat; oscillation on top. */
export function plateau(id: string, seed: number, duration: number, step: number, rise: number, warm: number, saturating: boolean): SuiteCase {
  const r = rng(seed);
  const osc: OscSpec = { cycle: 37, ampLo: 100 * MB, ampHi: 300 * MB, duty: 0.6 };
  const t: number[] = [];
  const v: number[] = [];
  for (let x = 0; x <= duration; x += step) {
    const w = saturating ? rise * (1 - Math.exp(-x / (warm / 4))) : rise * Math.min(1, x / warm);
    t.push(x);
    v.push(400 * MB + w + workingSet(x, osc, seed) + 2 * MB * gauss(r));
  }
  return { id, truth: 'plateau', ratePerHour: null, onset: null, limit: null, oomAt: null, t, v };
}

/** A single level jump at `at`. */
export function step(id: string, seed: number, duration: number, stepS: number, jump: number, at: number): SuiteCase {
  const r = rng(seed);
  const osc: OscSpec = { cycle: 53, ampLo: 100 * MB, ampHi: 300 * MB, duty: 0.5 };
  const t: number[] = [];
  const v: number[] = [];
  for (let x = 0; x <= duration; x += stepS) {
    t.push(x);
    v.push(600 * MB + (x >= at ? jump : 0) + workingSet(x, osc, seed) + 2 * MB * gauss(r));
  }
  return { id, truth: 'step', ratePerHour: null, onset: null, limit: null, oomAt: null, t, v };
}

/** The seed case: RSS 512 MB -> 834 MB at 15 min -> 1950 MB at 50 min, 2 GB limit, 10-s samples, +-8 MB noise. */
export function seedCase(seed = 7): SuiteCase {
  const r = rng(seed);
  const knots: [number, number][] = [
    [0, 512 * MB],
    [900, 834 * MB],
    [3000, 1950 * MB],
  ];
  const at = (x: number) => {
    if (x <= 900) return knots[0][1] + ((knots[1][1] - knots[0][1]) * x) / 900;
    return knots[1][1] + ((knots[2][1] - knots[1][1]) * (x - 900)) / 2100;
  };
  const t: number[] = [];
  const v: number[] = [];
  for (let x = 0; x <= 3000; x += 10) {
    t.push(x);
    v.push(at(x) + 8 * MB * gauss(r));
  }
  const rate = ((knots[2][1] - knots[1][1]) / 2100) * 3600;
  const limit = 2048 * MB;
  return { id: 'seed-512-834-1950', truth: 'leak', ratePerHour: rate, onset: 0, limit, oomAt: 3000 + (limit - knots[2][1]) / (rate / 3600), t, v };
}

/** Random no-leak shapes for the false-alarm rate. */
export function randomNoLeak(i: number): SuiteCase {
  const r = rng(1000003 * (i + 1));
  const shapes = ['sawtooth', 'sine', 'bursts', 'ou-walk', 'white', 'aliased-osc'] as const;
  const shape = shapes[i % shapes.length];
  const duration = 3600 * (1 + Math.floor(r() * 23));
  const stepS = [1, 5, 10, 30, 60][Math.floor(r() * 5)];
  const n = Math.min(20000, Math.floor(duration / stepS));
  const dt = duration / n;
  const level = (200 + r() * 2000) * MB;
  const amp = (20 + r() * 300) * MB;
  const noise = r() * 5 * MB;
  const period = duration / (4 + r() * 40);
  const t: number[] = [];
  const v: number[] = [];
  let ou = 0;
  const tau = duration * (0.005 + r() * 0.03);
  const burstP = 0.001 + r() * 0.02;
  let burst = 0;
  const osc: OscSpec = { cycle: 0.3 + r() * 20, ampLo: amp / 3, ampHi: amp, duty: 0.3 + r() * 0.6 };
  for (let k = 0; k <= n; k++) {
    const x = k * dt + (r() - 0.5) * 0.2 * dt;
    let y = level;
    switch (shape) {
      case 'sawtooth':
        y += amp * ((x / period) % 1);
        break;
      case 'sine':
        y += amp * Math.sin((2 * Math.PI * x) / period);
        break;
      case 'bursts':
        if (burst > 0) burst--;
        else if (r() < burstP) burst = 1 + Math.floor(r() * 30);
        y += burst > 0 ? amp : 0;
        break;
      case 'ou-walk':
        ou += (-ou * dt) / tau + amp * 0.3 * Math.sqrt((2 * dt) / tau) * gauss(r);
        y += ou;
        break;
      case 'white':
        y += amp * 0.1 * gauss(r);
        break;
      case 'aliased-osc':
        y += workingSet(x, osc, i);
        break;
    }
    t.push(x);
    v.push(y + noise * gauss(r));
  }
  return { id: `noleak-${i}-${shape}`, truth: 'no-leak', ratePerHour: null, onset: null, limit: null, oomAt: null, t, v };
}

/**
 * Random leaks: a random no-leak shape (as above) plus a linear leak from a random onset (half of
 * them at the start, the others within the first half) whose total growth is 0.3x to 3x the shape's
 * amplitude.
 */
export function randomLeak(i: number): SuiteCase {
  const base = randomNoLeak(i + 50000);
  const r = rng(7919 * (i + 1));
  const t0 = base.t[0];
  const duration = base.t[base.t.length - 1] - t0;
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of base.v) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  const onset = r() < 0.5 ? 0 : r() * 0.5 * duration;
  const growth = (0.3 + 2.7 * r()) * Math.max(hi - lo, 10 * MB);
  const perSecond = growth / (duration - onset);
  const v = base.v.map((x, k) => x + Math.max(0, base.t[k] - t0 - onset) * perSecond);
  return { id: `leak-${i}-${base.id.split('-').slice(2).join('-')}`, truth: 'leak', ratePerHour: perSecond * 3600, onset, limit: null, oomAt: null, t: base.t, v };
}

/** The named suite (leaks, controls, plateaus, steps, late onsets, the seed case). */
export function namedSuite(): SuiteCase[] {
  const osc200: OscSpec = { cycle: 0.06, ampLo: 100 * MB, ampHi: 300 * MB, duty: 0.7 };
  const oscSlow: OscSpec = { cycle: 7, ampLo: 100 * MB, ampHi: 300 * MB, duty: 0.6 };
  const cases: SuiteCase[] = [];
  // 24 h at 10 s: 2 KB per 60-ms cycle (= 120 MB/h) -> OOM near 16 h at a limit 2 GB above the base.
  const limit24 = 512 * MB + 16 * 120 * 1000 + 300 * MB;
  cases.push(oscillatingLeak({ id: 'creep-24h-10s-2KBcycle', seed: 1, duration: 86400, step: 10, base: 512 * MB, osc: osc200, leakPerCycle: 2, jitter: 0.1, noise: 256, limit: limit24 }));
  cases.push(oscillatingLeak({ id: 'control-24h-10s', seed: 2, duration: 86400, step: 10, base: 512 * MB, osc: osc200, leakPerCycle: 0, jitter: 0.1, noise: 256 }));
  // 16 h at 1 Hz.
  cases.push(oscillatingLeak({ id: 'creep-16h-1hz-2KBcycle', seed: 3, duration: 57600, step: 1, base: 300 * MB, osc: osc200, leakPerCycle: 2, jitter: 0.05, noise: 128, limit: 300 * MB + 57600 / 3600 * 120 * 1000 + 300 * MB }));
  cases.push(oscillatingLeak({ id: 'control-16h-1hz', seed: 4, duration: 57600, step: 1, base: 300 * MB, osc: osc200, leakPerCycle: 0, jitter: 0.05, noise: 128 }));
  cases.push(oscillatingLeak({ id: 'creep-16h-1hz-slowcycle-20KB', seed: 5, duration: 57600, step: 1, base: 300 * MB, osc: oscSlow, leakPerCycle: 20, jitter: 0.05, noise: 128, limit: 300 * MB + 16 * 10286 + 300 * MB + 50 * MB }));
  cases.push(oscillatingLeak({ id: 'control-16h-1hz-slowcycle', seed: 6, duration: 57600, step: 1, base: 300 * MB, osc: oscSlow, leakPerCycle: 0, jitter: 0.05, noise: 128 }));
  // late onset: flat for 60 %, then a leak.
  cases.push(oscillatingLeak({ id: 'late-onset-24h-10s', seed: 7, duration: 86400, step: 10, base: 512 * MB, osc: osc200, leakPerCycle: 2, onset: 0.6 * 86400, jitter: 0.1, noise: 256 }));
  cases.push(oscillatingLeak({ id: 'late-onset-16h-1hz-slow', seed: 8, duration: 57600, step: 1, base: 300 * MB, osc: oscSlow, leakPerCycle: 20, onset: 0.5 * 57600, jitter: 0.05, noise: 128 }));
  // plateaus and steps.
  cases.push(plateau('plateau-linear-warmup-24h', 9, 86400, 10, 400 * MB, 3 * 3600, false));
  cases.push(plateau('plateau-saturating-16h', 10, 57600, 5, 300 * MB, 2 * 3600, true));
  cases.push(step('step-24h-10s', 11, 86400, 10, 150 * MB, 30000));
  cases.push(step('step-16h-1hz-late', 12, 57600, 1, 80 * MB, 45000));
  cases.push(seedCase());
  return cases;
}

/** 16 h at 10 Hz (576,000 samples) for the speed benchmark. */
export function speedCase(): SuiteCase {
  return oscillatingLeak({ id: 'speed-16h-10hz', seed: 99, duration: 57600 - 0.1, step: 0.1, base: 300 * MB, osc: { cycle: 0.37, ampLo: 100 * MB, ampHi: 300 * MB, duty: 0.6 }, leakPerCycle: 2, noise: 64 });
}

/** The first `fraction` of a case, by time. */
export function prefix(c: SuiteCase, until: number): SuiteCase {
  let k = 0;
  while (k < c.t.length && c.t[k] <= until) k++;
  return { ...c, t: c.t.slice(0, k), v: c.v.slice(0, k) };
}
