/**
 * How many more observations per arm would likely settle an interval that still straddles a threshold.
 * The standard error is read off the current interval (its half-width on the side facing the threshold
 * divided by the normal quantile) and shrunk with 1/√n; the answer is the size at which an interval of
 * the requested confidence would, with the requested power, end on one side of the threshold if the
 * true value were the current estimate.
 */

import { normalQuantile } from './normal.js';

export interface SettleInput {
  /** Current observations per arm (pairs, for a paired analysis). */
  n: number;
  estimate: number;
  /** Bound of the current interval on the threshold's side. */
  bound: number;
  threshold: number;
  /** Two-sided confidence of the interval (e.g. 0.95). */
  confidence: number;
  /** Probability that the larger sample settles it (default 0.8). */
  power?: number;
  /** Largest answer (default 10 000): beyond it the question is practically unanswerable. */
  cap?: number;
}

export interface SettleEstimate {
  /** Further observations per arm (≥ 1). */
  further: number;
  /** Total per arm. */
  total: number;
  /** True when the estimate sits (almost) on the threshold and the answer was capped. */
  capped: boolean;
}

export function observationsToSettle(input: SettleInput): SettleEstimate {
  const cap = input.cap ?? 10_000;
  const zAlpha = normalQuantile(1 - (1 - input.confidence) / 2);
  const zBeta = normalQuantile(input.power ?? 0.8);
  const halfWidth = Math.abs(input.bound - input.estimate);
  const distance = Math.abs(input.estimate - input.threshold);
  const n = Math.max(1, input.n);
  if (!Number.isFinite(halfWidth) || !(distance > 0)) {
    return { further: Math.max(1, cap - n), total: Math.max(cap, n + 1), capped: true };
  }
  const se = halfWidth / zAlpha;
  const total = Math.ceil(n * (((zAlpha + zBeta) * se) / distance) ** 2);
  if (total > cap) return { further: Math.max(1, cap - n), total: Math.max(cap, n + 1), capped: true };
  const further = Math.max(1, total - n);
  return { further, total: n + further, capped: false };
}
