/** Descriptive statistics on plain number arrays. Inputs are never mutated. */

export function sum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  return sum(xs) / xs.length;
}

/** Sample variance (n - 1 denominator). */
export function variance(xs: readonly number[]): number {
  if (xs.length < 2) return Number.NaN;
  const m = mean(xs);
  let ss = 0;
  for (const x of xs) ss += (x - m) * (x - m);
  return ss / (xs.length - 1);
}

export function stddev(xs: readonly number[]): number {
  return Math.sqrt(variance(xs));
}

/** Coefficient of variation as a ratio (0.02 = 2 %). */
export function cv(xs: readonly number[]): number {
  const m = mean(xs);
  if (!(m !== 0)) return Number.NaN;
  return stddev(xs) / Math.abs(m);
}

/**
 * Ascending copy. Numeric typed-array sort (several times faster than a comparator on a plain array, which
 * the bootstrap's thousands of medians feel); with a NaN the comparator's order is kept as it always was.
 */
export function sorted(xs: readonly number[]): number[] {
  for (const x of xs) if (Number.isNaN(x)) return [...xs].sort((a, b) => a - b);
  return Array.from(Float64Array.from(xs).sort());
}

/** Quantile with linear interpolation between order statistics (type 7, as R and numpy default). */
export function quantileSorted(s: readonly number[], q: number): number {
  if (s.length === 0) return Number.NaN;
  const pos = (s.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return interpolate(s[lo] as number, s[hi] as number, pos - lo);
}

/** The value a fraction `frac` of the way from a to b, as quantileSorted computes it (so that other paths agree bit for bit). */
export function interpolate(a: number, b: number, frac: number): number {
  return a + (b - a) * frac;
}

export function quantile(xs: readonly number[], q: number): number {
  return quantileSorted(sorted(xs), q);
}

export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}
