/**
 * The median of a sample with its distribution-free confidence interval from order statistics: the k-th
 * smallest and the k-th largest value, with k the largest index whose binomial(n, ½) tail keeps the
 * coverage at least the requested confidence (the sign-test interval; no symmetry or shape assumed).
 * With too few values for the confidence (fewer than 6 at 95 %) the interval is absent (null).
 */
import { sorted } from './descriptive.js';
import { lnGamma } from './special.js';

export interface MedianInterval {
  median: number;
  low: number | null;
  high: number | null;
  /** Coverage the discrete interval achieves (≥ the requested confidence); null without an interval. */
  confidence: number | null;
  n: number;
}

/** P(B ≤ j) for B ~ binomial(n, ½). */
function binomialHalfCdf(n: number, j: number): number {
  let p = 0;
  for (let i = 0; i <= j; i++) p += Math.exp(lnGamma(n + 1) - lnGamma(i + 1) - lnGamma(n - i + 1) - n * Math.LN2);
  return Math.min(1, p);
}

/** The median and its order-statistic interval; null for an empty sample. */
export function medianInterval(xs: readonly number[], confidence = 0.95): MedianInterval | null {
  const s = sorted(xs.filter((x) => Number.isFinite(x)));
  const n = s.length;
  if (n === 0) return null;
  const mid = Math.floor(n / 2);
  const median = n % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
  const alpha = 1 - confidence;
  // Largest k with P(B ≤ k − 1) ≤ α/2: [x(k), x(n−k+1)] then covers the median with 1 − 2·P(B ≤ k − 1).
  let k = 0;
  let tail = 0;
  for (let cand = 1; cand <= mid; cand++) {
    const t = binomialHalfCdf(n, cand - 1);
    if (t > alpha / 2 + 1e-12) break;
    k = cand;
    tail = t;
  }
  if (k === 0) return { median, low: null, high: null, confidence: null, n };
  return { median, low: s[k - 1] as number, high: s[n - k] as number, confidence: 1 - 2 * tail, n };
}
