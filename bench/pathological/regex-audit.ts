/**
 * The audit of every regular expression the parsers run (src/parsers/** and the src/core
 * helpers they call), issue 9: "no regular expression may backtrack catastrophically".
 *
 * Each entry names where the pattern is, how it is used, the input that maximises its
 * backtracking (a long run of what its repeated class accepts, then a failing suffix) and why it
 * is linear. bench/pathological/run.ts times each attack at 5 and 10 MB;
 * test/robustness/pathological.test.ts checks that every regex literal in those folders is listed
 * here, that none is built at run time (`new RegExp`), and that none nests quantifiers.
 */

export interface RegexAuditEntry {
  /** Repository-relative file. */
  file: string;
  /** The literal as written in the code (`/.../flags`). */
  literal: string;
  regex: RegExp;
  use: 'test' | 'replace' | 'split';
  /** Input of about n characters that maximises the work of this pattern. */
  attack: (n: number) => string;
  /** Why the pattern is linear (and how long its input can be). */
  why: string;
}

const run = (c: string, n: number): string => c.repeat(Math.max(0, Math.ceil(n / c.length))).slice(0, n);

export const REGEX_AUDIT: readonly RegexAuditEntry[] = [
  {
    file: 'src/parsers/oom/kernel.ts',
    literal: '/^[.:]\\s*/',
    regex: /^[.:]\s*/,
    use: 'replace',
    attack: (n) => `:${run(' ', n)}x`,
    why: 'anchored; one character, then one greedy class with nothing after it: the first attempt succeeds, no backtracking',
  },
  {
    file: 'src/parsers/oom/kernel.ts',
    literal: '/^\\d/',
    regex: /^\d/,
    use: 'test',
    attack: (n) => `x${run('1', n)}`,
    why: 'anchored, one character',
  },
  {
    file: 'src/parsers/oom/body.ts',
    literal: '/^r\\d{1,2}:[0-9a-f]+$/',
    regex: /^r\d{1,2}:[0-9a-f]+$/,
    use: 'test',
    attack: (n) => `r1:${run('a', n)}z`,
    why: 'anchored; a single unbounded quantifier over a class disjoint from what precedes it: a failing `$` gives back the run once, O(n)',
  },
  {
    file: 'src/parsers/csv/index.ts',
    literal: '/[,;\\t]/',
    regex: /[,;\t]/,
    use: 'test',
    attack: (n) => run('x', n),
    why: 'one character class, no quantifier: one scan',
  },
  {
    file: 'src/parsers/csv/index.ts',
    literal: '/\\.(csv|tsv)(\\.gz)?$/i',
    regex: /\.(csv|tsv)(\.gz)?$/i,
    use: 'test',
    attack: (n) => `${run('.csv.gz', n)}x`,
    why: 'bounded width (at most 7 characters per start position), so O(n) over the path; only file paths reach it',
  },
  {
    file: 'src/parsers/valgrind/index.ts',
    literal: '/:$/',
    regex: /:$/,
    use: 'replace',
    attack: (n) => `${run(':', n)}x`,
    why: 'fixed width 1 per start position: O(n)',
  },
  {
    file: 'src/parsers/bpftrace/index.ts',
    literal: '/^\\]/',
    regex: /^\]/,
    use: 'replace',
    attack: (n) => run(']', n),
    why: 'anchored, one character',
  },
  {
    file: 'src/parsers/smaps-rollup/index.ts',
    literal: '/^[0-9a-f]+$/',
    regex: /^[0-9a-f]+$/,
    use: 'test',
    attack: (n) => `${run('a', n)}g`,
    why: 'anchored, one quantifier: O(n); and the caller only passes tokens of at most 33 characters',
  },
  {
    file: 'src/core/framing.ts',
    literal: '/^\\s*[=:]?\\s*/',
    regex: /^\s*[=:]?\s*/,
    use: 'replace',
    attack: (n) => `${run(' ', n)}x`,
    why: 'anchored and every part optional, so the first greedy attempt matches and nothing can fail after it; its input is cut to 80 characters before',
  },
  {
    file: 'src/core/framing.ts',
    literal: '/\\s+/',
    regex: /\s+/,
    use: 'split',
    attack: (n) => `${run(' \t', n)}x`,
    why: 'one quantifier; split consumes each blank run once and fails in O(1) elsewhere',
  },
  {
    file: 'src/core/framing.ts',
    literal: '/,$/',
    regex: /,$/,
    use: 'replace',
    attack: (n) => `${run(',', n)}x`,
    why: 'fixed width 1 per start position: O(n)',
  },
  {
    file: 'src/core/framing.ts',
    literal: '/^\\d{4}$/',
    regex: /^\d{4}$/,
    use: 'test',
    attack: (n) => run('1', n),
    why: 'anchored, bounded width 4',
  },
  {
    file: 'src/core/framing.ts',
    literal: '/^\\d{1,2}$/',
    regex: /^\d{1,2}$/,
    use: 'test',
    attack: (n) => run('1', n),
    why: 'anchored, bounded width 2',
  },
  {
    file: 'src/core/framing.ts',
    literal: '/^[a-z]{3,5}$/',
    regex: /^[a-z]{3,5}$/,
    use: 'test',
    attack: (n) => run('a', n),
    why: 'anchored, bounded width 5',
  },
];

/** Runs an entry's pattern the way its code does. */
export function applyAudited(e: RegexAuditEntry, input: string): unknown {
  if (e.use === 'test') return e.regex.test(input);
  if (e.use === 'replace') return input.replace(e.regex, '').length;
  return input.split(e.regex).length;
}

/**
 * True when a pattern applies a quantifier to a group that itself contains a quantifier or an
 * alternation (`(a+)+`, `(a|ab)*`, `(\s*,)+`): the shapes that backtrack exponentially.
 * A linear scan over the source with a stack of open groups; escapes and classes are skipped.
 * @example hasNestedQuantifier('(a+)+$') // true
 */
export function hasNestedQuantifier(source: string): boolean {
  const stack: { risky: boolean }[] = [];
  let lastClosedRisky = false;
  let i = 0;
  const isQuant = (c: string | undefined): boolean => c === '*' || c === '+' || c === '?' || c === '{';
  while (i < source.length) {
    const c = source[i];
    if (c === '\\') {
      i += 2;
      lastClosedRisky = false;
      continue;
    }
    if (c === '[') {
      i++;
      while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
      i++;
      lastClosedRisky = false;
      continue;
    }
    if (c === '(') {
      stack.push({ risky: false });
      i++;
      if (source[i] === '?') i += source[i + 1] === '<' && source[i + 2] !== '=' && source[i + 2] !== '!' ? source.indexOf('>', i) - i + 1 : 2;
      lastClosedRisky = false;
      continue;
    }
    if (c === ')') {
      const g = stack.pop();
      i++;
      lastClosedRisky = g?.risky ?? false;
      if (isQuant(source[i]) && lastClosedRisky) return true;
      // A quantified group makes its enclosing group risky too.
      if (stack.length > 0 && (lastClosedRisky || isQuant(source[i]))) stack[stack.length - 1].risky = true;
      continue;
    }
    if (c === '|' || (isQuant(c) && !(c === '?' && isQuant(source[i - 1])))) {
      if (stack.length > 0) stack[stack.length - 1].risky = true;
    }
    lastClosedRisky = false;
    i++;
  }
  return false;
}
