/**
 * Candidate/baseline ratio of a per-epoch metric with its confidence interval and a rank test, on
 * logarithms (a ratio is a shift of logs; throughput and RSS are positive and their noise is roughly
 * multiplicative). Paired when interleaved neighbours exist (Wilcoxon signed-rank + one-sample
 * Hodges–Lehmann on the log ratios of neighbours), else unpaired (Mann–Whitney + two-sample Hodges–Lehmann).
 */

import { median, stddev } from '../stats/descriptive.js';
import { hodgesLehmannCenter, hodgesLehmannShift, type ShiftEstimate } from '../stats/hodges-lehmann.js';
import { mannWhitney } from '../stats/mann-whitney.js';
import { normalQuantile } from '../stats/normal.js';
import { signedRank } from '../stats/signed-rank.js';
import type { EpochPair, JudgedEpoch } from './epochs.js';
import { positiveValues } from './epochs.js';

export interface RatioEstimate {
  /** exp(Hodges–Lehmann estimate of the log ratio): candidate / baseline. */
  ratio: number;
  /** Interval bounds of the ratio; null when there are too few epochs for the requested confidence. */
  low: number | null;
  high: number | null;
  /** Confidence the discrete interval actually achieves (≥ requested). */
  confidence: number | null;
  /** Two-sided p-value of the rank test of "no difference". */
  p_value: number;
  analysis: 'paired' | 'unpaired';
  test: 'wilcoxon-signed-rank' | 'mann-whitney';
  n_baseline: number;
  n_candidate: number;
  n_pairs: number;
  /**
   * Standard error of the log ratio as it stands, from the interval (or, when the interval is not
   * available yet, from the spread of the logs): what sample-size estimates scale.
   */
  se_log: number | null;
  /** Median of each arm's values (for messages). */
  baseline_median: number;
  candidate_median: number;
}

export interface RatioOptions {
  confidence: number;
  /** Use pairs when at least this fraction of the smaller arm is paired (default 0.75). */
  minPairedFraction?: number;
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

function seFromInterval(est: ShiftEstimate, z: number): number | null {
  if (!Number.isFinite(est.low) || !Number.isFinite(est.high)) return null;
  return (est.high - est.low) / (2 * z);
}

/** Standard error of a difference of means of logs, from the arms' standard deviations (fallback). */
function seFromSpread(a: readonly number[], b: readonly number[]): number | null {
  if (a.length < 2 || b.length < 2) return null;
  const se = Math.sqrt(stddev(a) ** 2 / a.length + stddev(b) ** 2 / b.length);
  return Number.isFinite(se) ? se : null;
}

/** Two-sided normal quantile of a confidence level (1.96 for 0.95). */
export function zOf(confidence: number): number {
  return normalQuantile(1 - (1 - confidence) / 2);
}

/**
 * Ratio candidate/baseline of `pick` over completed epochs. Returns null when either arm has no positive value.
 */
export function estimateRatio(
  baseline: readonly JudgedEpoch[],
  candidate: readonly JudgedEpoch[],
  pairs: readonly EpochPair[],
  pick: (e: JudgedEpoch) => number | null | undefined,
  opts: RatioOptions,
): RatioEstimate | null {
  const a = positiveValues(baseline, pick).map(Math.log);
  const b = positiveValues(candidate, pick).map(Math.log);
  if (a.length === 0 || b.length === 0) return null;
  const z = zOf(opts.confidence);
  const logPairs: number[] = [];
  for (const p of pairs) {
    const x = pick(p.baseline);
    const y = pick(p.candidate);
    if (typeof x === 'number' && typeof y === 'number' && x > 0 && y > 0 && Number.isFinite(x) && Number.isFinite(y)) {
      logPairs.push(Math.log(y) - Math.log(x));
    }
  }
  const common = {
    n_baseline: a.length,
    n_candidate: b.length,
    baseline_median: Math.exp(median(a)),
    candidate_median: Math.exp(median(b)),
  };
  const minFraction = opts.minPairedFraction ?? 0.75;
  if (logPairs.length >= 2 && logPairs.length >= minFraction * Math.min(a.length, b.length)) {
    const hl = hodgesLehmannCenter(logPairs, { confidence: opts.confidence });
    if (Number.isFinite(hl.low) && Number.isFinite(hl.high)) {
      const test = signedRank(logPairs);
      return {
        ratio: Math.exp(hl.estimate),
        low: Math.exp(hl.low),
        high: Math.exp(hl.high),
        confidence: hl.confidence,
        p_value: test.p,
        analysis: 'paired',
        test: 'wilcoxon-signed-rank',
        n_pairs: logPairs.length,
        se_log: seFromInterval(hl, z),
        ...common,
      };
    }
  }
  const hl = hodgesLehmannShift(a, b, { confidence: opts.confidence });
  const test = mannWhitney(a, b);
  const finite = Number.isFinite(hl.low) && Number.isFinite(hl.high);
  return {
    ratio: Math.exp(hl.estimate),
    low: finite ? finiteOrNull(Math.exp(hl.low)) : null,
    high: finite ? finiteOrNull(Math.exp(hl.high)) : null,
    confidence: finite ? hl.confidence : null,
    p_value: test.p,
    analysis: 'unpaired',
    test: 'mann-whitney',
    n_pairs: logPairs.length,
    se_log: seFromInterval(hl, z) ?? seFromSpread(a, b),
    ...common,
  };
}
