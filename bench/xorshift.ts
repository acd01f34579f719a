/**
 * The seeded generator the benchmark data generators share (xorshift32): the same seed gives the
 * same file on every machine, so a benchmark's ground truth is reproducible.
 * @example const rand = xorshift(1); rand(); // a number in [0, 1)
 */
export function xorshift(seedValue: number): () => number {
  let seed = seedValue >>> 0 || 1;
  return (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4294967296;
  };
}
