/**
 * Order statistics of pairwise values (Walsh averages, pairwise differences, pairwise slopes) without
 * building and sorting the n² values: Hodges–Lehmann and Theil–Sen over a year of epochs (thousands of
 * points, millions of pairs) would otherwise cost seconds per verdict.
 *
 * Every function returns exactly the value that sorting all pairwise values (each computed with the same
 * floating-point expression) and indexing would give:
 * - Walsh averages (d_i + d_j)/2 and differences y_j − x_i of sorted inputs form sorted matrices (the
 *   rounded sum or difference is monotone in each index), so "how many values ≤ t" is one O(n) two-pointer
 *   walk; bisection on t brackets the rank until few values remain between the bounds, which are listed
 *   and sorted.
 * - Pairwise slopes are not a sorted matrix: a seeded sample of pairs brackets each rank, then one exact
 *   pass over the pairs (no allocation beyond the bracket's values) counts what lies below the bracket and
 *   collects what lies in it; if the rank fell outside, the caller's full sort decides.
 */
import { createRng } from './bootstrap.js';

/** Ascending copy as a Float64Array (numeric order, unlike Array#sort's default). */
export function sortedFloat64(xs: readonly number[] | Float64Array): Float64Array {
  return Float64Array.from(xs).sort();
}

function allFinite(xs: ArrayLike<number>): boolean {
  for (let i = 0; i < xs.length; i++) if (!Number.isFinite(xs[i])) return false;
  return true;
}

/** A set of pairwise values given by how many are ≤ t and by listing those in (lo, hi]. */
interface SortedMatrix {
  size: number;
  min: number;
  max: number;
  countLe(t: number): number;
  listBetween(lo: number, hi: number, out: number[]): void;
}

/** The k-th smallest (1-based) value of the matrix. */
function selectInMatrix(m: SortedMatrix, k: number, listLimit: number): number {
  let lo = m.min;
  let cLo = m.countLe(lo);
  if (cLo >= k) return lo;
  let hi = m.max;
  let cHi = m.size;
  while (cHi - cLo > listLimit) {
    const mid = lo + (hi - lo) / 2;
    if (!(mid > lo && mid < hi)) break; // adjacent doubles: every value in (lo, hi] equals hi
    const c = m.countLe(mid);
    if (c >= k) {
      hi = mid;
      cHi = c;
    } else {
      lo = mid;
      cLo = c;
    }
  }
  if (cHi - cLo > listLimit) return hi;
  const between: number[] = [];
  m.listBetween(lo, hi, between);
  const s = Float64Array.from(between).sort();
  return s[k - cLo - 1] as number;
}

function walshMatrix(d: Float64Array): SortedMatrix {
  const n = d.length;
  const w = (i: number, j: number): number => ((d[i] as number) + (d[j] as number)) / 2;
  // For i ≤ j: the number of j ≥ i with w(i, j) ≤ t, walking i up and the bound down.
  const countLe = (t: number): number => {
    let count = 0;
    let p = n - 1;
    for (let i = 0; i < n; i++) {
      while (p >= i && w(i, p) > t) p--;
      if (p < i) break;
      count += p - i + 1;
    }
    return count;
  };
  return {
    size: (n * (n + 1)) / 2,
    min: w(0, 0),
    max: w(n - 1, n - 1),
    countLe,
    listBetween(lo, hi, out) {
      let pLo = n - 1;
      let pHi = n - 1;
      for (let i = 0; i < n; i++) {
        while (pHi >= i && w(i, pHi) > hi) pHi--;
        if (pHi < i) break;
        while (pLo >= i && w(i, pLo) > lo) pLo--;
        for (let j = Math.max(pLo + 1, i); j <= pHi; j++) out.push(w(i, j));
      }
    },
  };
}

function differenceMatrix(x: Float64Array, y: Float64Array): SortedMatrix {
  const m = x.length;
  const n = y.length;
  // y_j − x_i grows with j and shrinks with i: the j with a value ≤ t form a prefix that grows with i.
  const countLe = (t: number): number => {
    let count = 0;
    let p = 0;
    for (let i = 0; i < m; i++) {
      const xi = x[i] as number;
      while (p < n && (y[p] as number) - xi <= t) p++;
      count += p;
    }
    return count;
  };
  return {
    size: m * n,
    min: (y[0] as number) - (x[m - 1] as number),
    max: (y[n - 1] as number) - (x[0] as number),
    countLe,
    listBetween(lo, hi, out) {
      let pLo = 0;
      let pHi = 0;
      for (let i = 0; i < m; i++) {
        const xi = x[i] as number;
        while (pLo < n && (y[pLo] as number) - xi <= lo) pLo++;
        while (pHi < n && (y[pHi] as number) - xi <= hi) pHi++;
        for (let j = pLo; j < pHi; j++) out.push((y[j] as number) - xi);
      }
    },
  };
}

/**
 * The values of the given 1-based ranks among the Walsh averages (d_i + d_j)/2, i ≤ j, of `d` (any order);
 * null when `d` has a non-finite value (the caller sorts everything instead).
 */
export function walshRanks(d: readonly number[], ranks: readonly number[]): number[] | null {
  if (d.length === 0 || !allFinite(d)) return null;
  const s = sortedFloat64(d);
  const m = walshMatrix(s);
  return ranks.map((k) => selectInMatrix(m, k, 4 * s.length + 64));
}

/** The values of the given 1-based ranks among the differences y_j − x_i; null as `walshRanks`. */
export function differenceRanks(x: readonly number[], y: readonly number[], ranks: readonly number[]): number[] | null {
  if (x.length === 0 || y.length === 0 || !allFinite(x) || !allFinite(y)) return null;
  const m = differenceMatrix(sortedFloat64(x), sortedFloat64(y));
  return ranks.map((k) => selectInMatrix(m, k, 4 * (x.length + y.length) + 64));
}

/** Pairs drawn to place the brackets of slopeRanks. */
const SLOPE_SAMPLE = 20_000;

/**
 * The values of the given 1-based ranks among the pairwise slopes (y_j − y_i)/(x_j − x_i), i < j, x_j ≠ x_i,
 * computed as theilSen computes them. A seeded sample of pairs places a bracket around each rank (its
 * quantile ± 5 standard errors); one exact pass over every pair counts the slopes below the lowest bracket
 * and collects those from there to the highest. Returns null when the values are not all finite, there is no slope, or a rank fell
 * outside its bracket (about never; the caller then sorts every slope).
 */
export function slopeRanks(x: readonly number[], y: readonly number[], ranks: readonly number[]): number[] | null {
  const n = Math.min(x.length, y.length);
  if (n < 2 || !allFinite(x.slice(0, n)) || !allFinite(y.slice(0, n))) return null;
  const byX = new Map<number, number>();
  for (let i = 0; i < n; i++) byX.set(x[i] as number, (byX.get(x[i] as number) ?? 0) + 1);
  let equal = 0;
  for (const c of byX.values()) equal += (c * (c - 1)) / 2;
  const total = (n * (n - 1)) / 2 - equal;
  if (total === 0) return null;
  const rand = createRng(0x5e17 ^ n);
  const sample: number[] = [];
  for (let tries = 0; sample.length < SLOPE_SAMPLE && tries < 4 * SLOPE_SAMPLE; tries++) {
    let i = Math.floor(rand() * n);
    let j = Math.floor(rand() * n);
    if (i === j) continue;
    if (j < i) [i, j] = [j, i];
    const dx = (x[j] as number) - (x[i] as number);
    if (dx !== 0) sample.push(((y[j] as number) - (y[i] as number)) / dx);
  }
  const sm = Float64Array.from(sample).sort();
  const m = sm.length;
  // Each rank's bracket: its quantile among the sampled slopes ± 5 standard errors. The brackets are narrow
  // (a median and an interval's bounds), and most slopes lie below all of them or above all of them.
  let lowest = Number.POSITIVE_INFINITY;
  let highest = Number.NEGATIVE_INFINITY;
  for (const k of ranks) {
    const p = (k - 0.5) / total;
    const spread = 5 * Math.sqrt(m * p * (1 - p)) + 8;
    const a = Math.floor(p * m - spread);
    const b = Math.ceil(p * m + spread);
    lowest = Math.min(lowest, a < 0 || m === 0 ? Number.NEGATIVE_INFINITY : (sm[a] as number));
    highest = Math.max(highest, b >= m || m === 0 ? Number.POSITIVE_INFINITY : (sm[b] as number));
  }
  // The exact pass, the slopes as theilSen computes them: those below the brackets' span counted, those in it
  // kept and sorted once. The slope of rank k is then the (k − below)-th of them, when it lies in the span.
  const span: number[] = [];
  const below = slopesAround(Float64Array.from(x.slice(0, n)), Float64Array.from(y.slice(0, n)), lowest, highest, span);
  const sortedSpan = Float64Array.from(span).sort();
  const out: number[] = [];
  for (const k of ranks) {
    if (!(below < k && k <= below + sortedSpan.length)) return null;
    out.push(sortedSpan[k - below - 1] as number);
  }
  return out;
}

/**
 * One pass over every pair i < j with x_j ≠ x_i: the number of slopes (y_j − y_i)/(x_j − x_i) below `lowest`,
 * and those in [lowest, highest] appended to `span`. Typed arrays and no per-bracket work keep the loop
 * tight: a million pairs in milliseconds.
 */
function slopesAround(x: Float64Array, y: Float64Array, lowest: number, highest: number, span: number[]): number {
  const n = x.length;
  let below = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i] as number;
    const yi = y[i] as number;
    for (let j = i + 1; j < n; j++) {
      const dx = (x[j] as number) - xi;
      if (dx === 0) continue;
      const v = ((y[j] as number) - yi) / dx;
      if (v < lowest) below++;
      else if (v <= highest) span.push(v);
    }
  }
  return below;
}
