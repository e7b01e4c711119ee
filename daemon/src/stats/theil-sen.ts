import { median, sorted } from './descriptive.js';

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
  const slopes: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = (x[j] as number) - (x[i] as number);
      if (dx !== 0) slopes.push(((y[j] as number) - (y[i] as number)) / dx);
    }
  }
  if (slopes.length === 0) return { slope: Number.NaN, intercept: Number.NaN, low: Number.NaN, high: Number.NaN, n };
  const s = sorted(slopes);
  const slope = median(s);
  const residuals: number[] = [];
  for (let i = 0; i < n; i++) residuals.push((y[i] as number) - slope * (x[i] as number));
  const intercept = median(residuals);
  // Sen's interval: ranks from the normal approximation to Kendall's S (no tie correction).
  const z = normalQuantile(1 - alpha / 2);
  const varS = (n * (n - 1) * (2 * n + 5)) / 18;
  const cAlpha = z * Math.sqrt(varS);
  const m1 = Math.floor((s.length - cAlpha) / 2);
  const m2 = Math.ceil((s.length + cAlpha) / 2);
  const low = m1 >= 0 && m1 < s.length ? (s[m1] as number) : Number.NaN;
  const high = m2 >= 0 && m2 < s.length ? (s[m2] as number) : Number.NaN;
  return { slope, intercept, low, high, n };
}
