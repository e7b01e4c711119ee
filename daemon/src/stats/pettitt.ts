/**
 * Pettitt's change-point test (1979): a rank-based test for a single shift in the level of a series,
 * at an unknown point. Distribution-free; robust to outliers; finds slow step changes that a trend test
 * on the whole series dilutes.
 */

import { median } from './descriptive.js';
import { createRng, type Rng } from './bootstrap.js';

export interface ChangePoint {
  /** Number of values before the change (the change happens between index k−1 and k); 0 when n < 2. */
  index: number;
  /** K = max |U_t|. */
  statistic: number;
  /** Two-sided p-value (approximation or permutation, see `method`). */
  p: number;
  method: 'approximate' | 'permutation';
  /** Median after the change minus median before (positive: the level went up). */
  shift: number;
  before: number;
  after: number;
  n: number;
}

/** Index of the first element of `s` (ascending) that is ≥ v (`strict`: > v). */
function bound(s: Float64Array, v: number, strict: boolean): number {
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const m = s[mid] as number;
    if (strict ? m <= v : m < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Returns K and its argmax: U_t = Σ_{i≤t} Σ_{j>t} sgn(x_j − x_i), t = 1..n−1.
 * U_{t+1} = U_t + Σ_j sgn(x_j − x_t) over all j (pairs with j ≤ t change side; the formula telescopes), and
 * Σ_j sgn(x_j − x_t) = #{x_j > x_t} − #{x_j < x_t}, read from a sorted copy: O(n log n), the same integers.
 */
function pettittStatistic(xs: readonly number[]): { k: number; index: number } {
  if (!xs.every(Number.isFinite)) return pettittStatisticPairs(xs);
  const n = xs.length;
  const s = Float64Array.from(xs).sort();
  let u = 0;
  let best = -1;
  let index = 0;
  for (let t = 0; t < n - 1; t++) {
    const xt = xs[t] as number;
    u += n - bound(s, xt, true) - bound(s, xt, false);
    if (Math.abs(u) > best) {
      best = Math.abs(u);
      index = t + 1;
    }
  }
  return { k: Math.max(0, best), index };
}

/** The same statistic pair by pair, O(n²): for series with a non-finite value (sgn of NaN is 0 here). */
function pettittStatisticPairs(xs: readonly number[]): { k: number; index: number } {
  const n = xs.length;
  let u = 0;
  let best = -1;
  let index = 0;
  for (let t = 0; t < n - 1; t++) {
    const xt = xs[t] as number;
    for (let j = 0; j < n; j++) {
      const d = (xs[j] as number) - xt;
      u += d > 0 ? 1 : d < 0 ? -1 : 0;
    }
    if (Math.abs(u) > best) {
      best = Math.abs(u);
      index = t + 1;
    }
  }
  return { k: Math.max(0, best), index };
}

export interface PettittOptions {
  /** Number of random permutations for a permutation p-value; 0 (default) uses the approximation. */
  permutations?: number;
  seed?: number;
}

export function pettitt(xs: readonly number[], opts: PettittOptions = {}): ChangePoint {
  const n = xs.length;
  if (n < 2) return { index: 0, statistic: 0, p: 1, method: 'approximate', shift: 0, before: Number.NaN, after: Number.NaN, n };
  const { k, index } = pettittStatistic(xs);
  const before = median(xs.slice(0, index));
  const after = median(xs.slice(index));
  const shift = after - before;
  const permutations = opts.permutations ?? 0;
  if (permutations > 0) {
    const rng: Rng = createRng(opts.seed ?? 1);
    const copy = [...xs];
    let atLeast = 0;
    for (let r = 0; r < permutations; r++) {
      for (let i = copy.length - 1; i > 0; i--) {
        const j = Math.floor(rng() * (i + 1));
        const tmp = copy[i] as number;
        copy[i] = copy[j] as number;
        copy[j] = tmp;
      }
      if (pettittStatistic(copy).k >= k) atLeast++;
    }
    return { index, statistic: k, p: (atLeast + 1) / (permutations + 1), method: 'permutation', shift, before, after, n };
  }
  const p = Math.min(1, 2 * Math.exp((-6 * k * k) / (n * n * n + n * n)));
  return { index, statistic: k, p, method: 'approximate', shift, before, after, n };
}
