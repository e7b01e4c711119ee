/**
 * Wilcoxon signed-rank test of paired differences against 0, two-sided.
 * Zero differences are dropped (Wilcoxon's convention); tied |d| get midranks. Exact conditional
 * distribution for small n, else the normal approximation with tie and continuity corrections.
 */

import { normalTwoSidedP } from './normal.js';
import { rank, signedSumDistribution, tieTerm, twoSidedFromDistribution } from './ranks.js';

export interface SignedRankResult {
  /** Sum of the ranks of the positive differences. */
  wPlus: number;
  /** Number of non-zero differences used. */
  n: number;
  zeros: number;
  p: number;
  method: 'exact' | 'normal';
  z: number;
}

export function signedRank(differences: readonly number[], opts: { exactMaxN?: number } = {}): SignedRankResult {
  const nonZero = differences.filter((d) => d !== 0 && !Number.isNaN(d));
  const zeros = differences.length - nonZero.length;
  const n = nonZero.length;
  if (n === 0) return { wPlus: 0, n, zeros, p: 1, method: 'exact', z: 0 };
  const { ranks, tieGroups } = rank(nonZero.map(Math.abs));
  let wPlus = 0;
  for (let i = 0; i < n; i++) if ((nonZero[i] as number) > 0) wPlus += ranks[i] as number;
  if (n <= (opts.exactMaxN ?? 60)) {
    const dist = signedSumDistribution(ranks);
    return { wPlus, n, zeros, p: twoSidedFromDistribution(dist, Math.round(wPlus * 2)), method: 'exact', z: Number.NaN };
  }
  const mu = (n * (n + 1)) / 4;
  const variance = (n * (n + 1) * (2 * n + 1)) / 24 - tieTerm(tieGroups) / 48;
  if (variance <= 0) return { wPlus, n, zeros, p: 1, method: 'normal', z: 0 };
  const z = Math.max(0, Math.abs(wPlus - mu) - 0.5) / Math.sqrt(variance);
  return { wPlus, n, zeros, p: normalTwoSidedP(z), method: 'normal', z: Math.sign(wPlus - mu) * z };
}
