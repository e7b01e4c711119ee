import { median, quantileSorted, sorted } from './descriptive.js';
import { slopeRanks } from './pairwise-select.js';

/** Above this many pairs the slope and its interval are selected by rank (stats/pairwise-select.ts). */
export const THEIL_SEN_SELECT_ABOVE_PAIRS = 20_000;

export interface SlopeEstimate {
  /** Median of pairwise slopes, in y units per x unit. */
  slope: number;
  intercept: number;
  /** Distribution-free confidence interval of the slope (Sen 1968), NaN when n is too small. */
  low: number;
  high: number;
  n: number;
}

/** Inverse of the standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return Number.POSITIVE_INFINITY;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155211155];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  const poly = (k: number[], x: number): number => k.reduce((acc, v) => acc * x + v, 0);
  if (p < pl) {
    const q = Math.sqrt(-2 * Math.log(p));
    return poly(c, q) / (poly(d, q) * q + 1);
  }
  if (p > 1 - pl) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -poly(c, q) / (poly(d, q) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return (poly(a, r) * q) / (poly(b, r) * r + 1);
}

/**
 * Theil–Sen robust slope of y on x with a (1 - alpha) confidence interval.
 * O(n²) pairs: for long series pass a thinned series (every k-th point), which keeps the estimator unbiased.
 */
export function theilSen(x: readonly number[], y: readonly number[], alpha = 0.05): SlopeEstimate {
  const n = Math.min(x.length, y.length);
  if ((n * (n - 1)) / 2 > THEIL_SEN_SELECT_ABOVE_PAIRS) {
    const selected = selectedTheilSen(x, y, n, alpha);
    if (selected !== null) return selected;
  }
  const slopes: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = (x[j] as number) - (x[i] as number);
      if (dx !== 0) slopes.push(((y[j] as number) - (y[i] as number)) / dx);
    }
  }
  if (slopes.length === 0) return { slope: Number.NaN, intercept: Number.NaN, low: Number.NaN, high: Number.NaN, n };
  const s = sorted(slopes);
  const slope = quantileSorted(s, 0.5);
  const { m1, m2 } = senRanks(n, s.length, alpha);
  const low = m1 >= 0 && m1 < s.length ? (s[m1] as number) : Number.NaN;
  const high = m2 >= 0 && m2 < s.length ? (s[m2] as number) : Number.NaN;
  return { slope, intercept: interceptOf(x, y, n, slope), low, high, n };
}

function interceptOf(x: readonly number[], y: readonly number[], n: number, slope: number): number {
  const residuals: number[] = [];
  for (let i = 0; i < n; i++) residuals.push((y[i] as number) - slope * (x[i] as number));
  return median(residuals);
}

/** Sen's interval: 0-based indexes into the sorted slopes, from the normal approximation to Kendall's S (no tie correction). */
function senRanks(n: number, count: number, alpha: number): { m1: number; m2: number } {
  const z = normalQuantile(1 - alpha / 2);
  const varS = (n * (n - 1) * (2 * n + 5)) / 18;
  const cAlpha = z * Math.sqrt(varS);
  return { m1: Math.floor((count - cAlpha) / 2), m2: Math.ceil((count + cAlpha) / 2) };
}

/** theilSen's answer from the slopes of the needed ranks only (null: let the full sort decide). */
function selectedTheilSen(x: readonly number[], y: readonly number[], n: number, alpha: number): SlopeEstimate | null {
  let equal = 0;
  const byX = new Map<number, number>();
  for (let i = 0; i < n; i++) byX.set(x[i] as number, (byX.get(x[i] as number) ?? 0) + 1);
  for (const c of byX.values()) equal += (c * (c - 1)) / 2;
  const count = (n * (n - 1)) / 2 - equal;
  if (count === 0) return null;
  // The median as quantileSorted(…, 0.5) reads it: positions floor and ceil of (count − 1)/2 (0-based).
  const pos = (count - 1) / 2;
  const { m1, m2 } = senRanks(n, count, alpha);
  const ranks = [Math.floor(pos) + 1, Math.ceil(pos) + 1];
  const inRange = (m: number): boolean => m >= 0 && m < count;
  if (inRange(m1)) ranks.push(m1 + 1);
  if (inRange(m2)) ranks.push(m2 + 1);
  const v = slopeRanks(x, y, ranks);
  if (v === null) return null;
  const a = v[0] as number;
  const b = v[1] as number;
  const slope = a + (b - a) * (pos - Math.floor(pos));
  const low = inRange(m1) ? (v[2] as number) : Number.NaN;
  const high = inRange(m2) ? (v[inRange(m1) ? 3 : 2] as number) : Number.NaN;
  return { slope, intercept: interceptOf(x, y, n, slope), low, high, n };
}
