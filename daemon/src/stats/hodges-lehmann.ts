/**
 * Hodges–Lehmann estimates with their distribution-free confidence intervals.
 * - Two-sample: shift of y relative to x = median of all differences y_j − x_i; interval from the
 *   Mann–Whitney null distribution (Moses / Bauer).
 * - One-sample (paired): centre of differences = median of Walsh averages (d_i + d_j)/2, i ≤ j; interval
 *   from the signed-rank null distribution (Tukey).
 * Apply them to logarithms to get a ratio and its interval: exp(estimate), exp(low), exp(high).
 */

import { sorted } from './descriptive.js';
import { normalQuantile } from './normal.js';
import { differenceRanks, walshRanks } from './pairwise-select.js';
import { signedSumDistribution, subsetSumDistribution } from './ranks.js';

export interface ShiftEstimate {
  estimate: number;
  /** Interval bounds; −Infinity/+Infinity when the samples are too small for the requested confidence. */
  low: number;
  high: number;
  /** Confidence actually achieved by the discrete interval (≥ the requested one when finite). */
  confidence: number;
  /** Number of differences (two-sample) or Walsh averages (one-sample) the interval was read from. */
  count: number;
  method: 'exact' | 'normal';
}

function medianOfSorted(s: readonly number[]): number {
  const n = s.length;
  if (n === 0) return Number.NaN;
  const mid = Math.floor(n / 2);
  return n % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * Largest k ≥ 0 with P(S ≤ k − 1) ≤ alpha/2 under an exact distribution of an integer statistic S
 * (given in half-units, offset by `offsetHalfUnits` so that S = index/2 − offset). Returns the k and the lower tail.
 */
function exactCriticalCount(dist: Float64Array, offsetHalfUnits: number, alpha: number): { k: number; tail: number } {
  let cumulative = 0;
  let k = 0;
  let tail = 0;
  // S takes integer values 0, 1, 2, ... (no ties assumed for the interval, as is standard).
  for (let s = 0; ; s++) {
    const idx = 2 * s + offsetHalfUnits;
    if (idx >= dist.length) break;
    const next = cumulative + (dist[idx] as number);
    // k = s + 1 is admissible when P(S ≤ s) ≤ alpha/2.
    if (next <= alpha / 2 + 1e-12) {
      cumulative = next;
      k = s + 1;
      tail = cumulative;
    } else break;
  }
  return { k, tail };
}

function interval(values: number[], k: number, estimate: number, confidence: number, method: 'exact' | 'normal'): ShiftEstimate {
  const s = sorted(values);
  const m = s.length;
  if (k < 1 || k > m - k + 1) {
    return { estimate, low: Number.NEGATIVE_INFINITY, high: Number.POSITIVE_INFINITY, confidence: 1, count: m, method };
  }
  return { estimate, low: s[k - 1] as number, high: s[m - k] as number, confidence, count: m, method };
}

/**
 * Above this many pairwise values the estimate and the interval's bounds are selected from the implicit
 * pairwise set (stats/pairwise-select.ts: the same values, without materialising and sorting them all).
 */
export const SELECT_ABOVE_PAIRS = 20_000;

/** The 1-based ranks a median and an interval read: [median ranks..., k, m − k + 1] (the last two when finite). */
function neededRanks(m: number, k: number): { median: number[]; bounds: [number, number] | null } {
  const mid = Math.floor(m / 2);
  return { median: m % 2 === 1 ? [mid + 1] : [mid, mid + 1], bounds: k < 1 || k > m - k + 1 ? null : [k, m - k + 1] };
}

/** The estimate and interval from values selected by rank (`select` returns null: fall back to sorting). */
function selectedEstimate(
  m: number,
  k: number,
  confidence: number,
  method: 'exact' | 'normal',
  select: (ranks: number[]) => number[] | null,
): ShiftEstimate | null {
  const r = neededRanks(m, k);
  const values = select([...r.median, ...(r.bounds ?? [])]);
  if (values === null) return null;
  const estimate = r.median.length === 1 ? (values[0] as number) : ((values[0] as number) + (values[1] as number)) / 2;
  if (r.bounds === null)
    return { estimate, low: Number.NEGATIVE_INFINITY, high: Number.POSITIVE_INFINITY, confidence: 1, count: m, method };
  const at = r.median.length;
  return { estimate, low: values[at] as number, high: values[at + 1] as number, confidence, count: m, method };
}

export interface HodgesLehmannOptions {
  /** Two-sided confidence level of the interval (default 0.95). */
  confidence?: number;
  /** Largest total size for which exact critical values are used (default 60). */
  exactMaxTotal?: number;
}

/** Two-sample Hodges–Lehmann shift of y relative to x (positive: y is larger). */
export function hodgesLehmannShift(x: readonly number[], y: readonly number[], opts: HodgesLehmannOptions = {}): ShiftEstimate {
  const confidence = opts.confidence ?? 0.95;
  const alpha = 1 - confidence;
  const m = x.length;
  const n = y.length;
  if (m === 0 || n === 0) {
    return { estimate: Number.NaN, low: Number.NaN, high: Number.NaN, confidence: Number.NaN, count: 0, method: 'exact' };
  }
  const N = m + n;
  if (m * n > SELECT_ABOVE_PAIRS && N > (opts.exactMaxTotal ?? 60)) {
    const z = normalQuantile(1 - alpha / 2);
    const k = Math.floor((m * n) / 2 - z * Math.sqrt((m * n * (N + 1)) / 12) + 0.5);
    const selected = selectedEstimate(m * n, k, confidence, 'normal', (ranks) => differenceRanks(x, y, ranks));
    if (selected !== null) return selected;
  }
  const diffs: number[] = [];
  for (const xi of x) for (const yj of y) diffs.push(yj - xi);
  const estimate = medianOfSorted(sorted(diffs));
  if (N <= (opts.exactMaxTotal ?? 60)) {
    // Rank sum W of the x-sample ranges over subsets of {1..N}; U = W − m(m+1)/2 counts pairs.
    const ranks = Array.from({ length: N }, (_, i) => i + 1);
    const dist = subsetSumDistribution(ranks, m);
    const { k, tail } = exactCriticalCount(dist, m * (m + 1), alpha);
    return interval(diffs, k, estimate, 1 - 2 * tail, 'exact');
  }
  const z = normalQuantile(1 - alpha / 2);
  const k = Math.floor((m * n) / 2 - z * Math.sqrt((m * n * (N + 1)) / 12) + 0.5);
  return interval(diffs, k, estimate, confidence, 'normal');
}

/** One-sample Hodges–Lehmann centre (use it on paired differences) with its interval. */
export function hodgesLehmannCenter(d: readonly number[], opts: HodgesLehmannOptions = {}): ShiftEstimate {
  const confidence = opts.confidence ?? 0.95;
  const alpha = 1 - confidence;
  const n = d.length;
  if (n === 0) return { estimate: Number.NaN, low: Number.NaN, high: Number.NaN, confidence: Number.NaN, count: 0, method: 'exact' };
  const pairs = (n * (n + 1)) / 2;
  if (pairs > SELECT_ABOVE_PAIRS && n > (opts.exactMaxTotal ?? 60)) {
    const z = normalQuantile(1 - alpha / 2);
    const k = Math.floor((n * (n + 1)) / 4 - z * Math.sqrt((n * (n + 1) * (2 * n + 1)) / 24) + 0.5);
    const selected = selectedEstimate(pairs, k, confidence, 'normal', (ranks) => walshRanks(d, ranks));
    if (selected !== null) return selected;
  }
  const walsh: number[] = [];
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) walsh.push(((d[i] as number) + (d[j] as number)) / 2);
  const estimate = medianOfSorted(sorted(walsh));
  if (n <= (opts.exactMaxTotal ?? 60)) {
    const dist = signedSumDistribution(Array.from({ length: n }, (_, i) => i + 1));
    const { k, tail } = exactCriticalCount(dist, 0, alpha);
    return interval(walsh, k, estimate, 1 - 2 * tail, 'exact');
  }
  const z = normalQuantile(1 - alpha / 2);
  const k = Math.floor((n * (n + 1)) / 4 - z * Math.sqrt((n * (n + 1) * (2 * n + 1)) / 24) + 0.5);
  return interval(walsh, k, estimate, confidence, 'normal');
}
