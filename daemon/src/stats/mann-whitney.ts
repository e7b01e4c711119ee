/**
 * Mann–Whitney U (Wilcoxon rank-sum) test, two-sided.
 * Exact permutation distribution of the rank sum (conditional on ties, using midranks) for small samples;
 * otherwise the normal approximation with tie correction and continuity correction.
 */

import { normalTwoSidedP } from './normal.js';
import { rank, subsetSumDistribution, tieTerm, twoSidedFromDistribution } from './ranks.js';

export interface MannWhitneyResult {
  /** U of the first sample: #(x > y) + ½·#(x = y) over all pairs. */
  u: number;
  /** U of the second sample; u + uY = n1·n2. */
  uY: number;
  n1: number;
  n2: number;
  /** Two-sided p-value; NaN when a sample is empty. */
  p: number;
  method: 'exact' | 'normal';
  /** Standardised statistic (normal method only, else NaN). */
  z: number;
  /** P(Y > X) + ½·P(Y = X), the common-language effect size (0.5 = no shift). */
  probabilityYGreater: number;
}

export interface MannWhitneyOptions {
  /** Largest n1 + n2 for which the exact distribution is used (default 60). */
  exactMaxTotal?: number;
}

export function mannWhitney(x: readonly number[], y: readonly number[], opts: MannWhitneyOptions = {}): MannWhitneyResult {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) {
    return { u: Number.NaN, uY: Number.NaN, n1, n2, p: Number.NaN, method: 'exact', z: Number.NaN, probabilityYGreater: Number.NaN };
  }
  const { ranks, tieGroups } = rank([...x, ...y]);
  let r1 = 0;
  for (let i = 0; i < n1; i++) r1 += ranks[i] as number;
  const u = r1 - (n1 * (n1 + 1)) / 2;
  const uY = n1 * n2 - u;
  const N = n1 + n2;
  const exactMaxTotal = opts.exactMaxTotal ?? 60;
  const probabilityYGreater = uY / (n1 * n2);
  if (N <= exactMaxTotal) {
    const dist = subsetSumDistribution(ranks, n1);
    const p = twoSidedFromDistribution(dist, Math.round(r1 * 2));
    return { u, uY, n1, n2, p, method: 'exact', z: Number.NaN, probabilityYGreater };
  }
  const mu = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (N + 1 - tieTerm(tieGroups) / (N * (N - 1)));
  if (variance <= 0) return { u, uY, n1, n2, p: 1, method: 'normal', z: 0, probabilityYGreater };
  const dev = Math.abs(u - mu);
  const z = Math.max(0, dev - 0.5) / Math.sqrt(variance);
  return { u, uY, n1, n2, p: normalTwoSidedP(z), method: 'normal', z: Math.sign(u - mu) * z, probabilityYGreater };
}
