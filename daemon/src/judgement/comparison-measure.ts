/**
 * What a comparison measures before any criterion is applied: both arms, their pairs, the ratios with
 * their intervals (throughput on its basis, peak and held RSS), each arm's drift, syscalls and spread.
 */
import { median } from '../stats/descriptive.js';
import { chooseBasis, throughputOn, type ThroughputBasis } from './basis.js';
import type { Criteria, Goal } from './criteria.js';
import { finiteValues, pairEpochs, peakRss, splitArm, type Arm, type EpochPair, type JudgedEpoch } from './epochs.js';
import { judgeDrift, type VariantDrift } from './leak.js';
import { estimateRatio, type RatioEstimate } from './ratio.js';
import { checkSpread, type SpreadCheck } from './spread-check.js';

export interface ComparisonInput {
  baseline: string;
  candidate: string;
  goal: Goal;
  /** Overrides of the goal's default criteria (validated by `criteriaErrors`). */
  criteria?: Readonly<Record<string, unknown>> | Partial<Criteria>;
}

export type RssBasis = 'peak' | 'held';

/** What a comparison measured, before any criterion is applied to it. */
export interface Measured {
  baseline: string;
  candidate: string;
  goal: Goal;
  A: Arm;
  B: Arm;
  pairs: EpochPair[];
  basis: ThroughputBasis;
  throughput: RatioEstimate | null;
  throughputWall: RatioEstimate | null;
  rssPeak: RatioEstimate | null;
  rssHeld: RatioEstimate | null;
  rssBasis: RssBasis;
  /** The RSS ratio the memory goal judges (peak or held, per rssBasis). */
  rssJudged: RatioEstimate | null;
  rssOf: (e: JudgedEpoch) => number | null | undefined;
  rssLabel: string;
  driftA: VariantDrift;
  driftB: VariantDrift;
  sysMedA: number | null;
  sysMedB: number | null;
  spread: SpreadCheck | null;
}

export function measure(epochs: readonly JudgedEpoch[], input: ComparisonInput, c: Criteria): Measured {
  const { baseline, candidate, goal } = input;
  const A = splitArm(baseline, epochs);
  const B = splitArm(candidate, epochs);
  const pairs = pairEpochs(A.completed, B.completed);
  const ratioOpts = { confidence: c.confidence };
  const basis = chooseBasis([A.completed, B.completed], c.throughput_per_cpu_second === 1);
  const rssHeld = estimateRatio(A.completed, B.completed, pairs, (e) => e.rss_held_bytes, ratioOpts);
  const rssPeak = estimateRatio(A.completed, B.completed, pairs, peakRss, ratioOpts);
  // The RSS the memory goal judges: the peak, or held memory when asked for and measured.
  const rssBasis: RssBasis = c.judge_held_rss === 1 && rssHeld !== null ? 'held' : 'peak';
  const driftOpts = { criteria: c };
  const sysA = finiteValues(A.completed, (e) => e.syscalls_per_op);
  const sysB = finiteValues(B.completed, (e) => e.syscalls_per_op);
  return {
    baseline,
    candidate,
    goal,
    A,
    B,
    pairs,
    basis,
    throughput: estimateRatio(A.completed, B.completed, pairs, throughputOn(basis), ratioOpts),
    throughputWall: basis === 'cpu' ? estimateRatio(A.completed, B.completed, pairs, throughputOn('wall'), ratioOpts) : null,
    rssPeak,
    rssHeld,
    rssBasis,
    rssJudged: rssBasis === 'held' ? rssHeld : rssPeak,
    rssOf: (e) => (rssBasis === 'held' ? e.rss_held_bytes : peakRss(e)),
    rssLabel: rssBasis === 'held' ? 'held RSS' : 'peak RSS',
    driftA: judgeDrift(baseline, epochs, driftOpts),
    driftB: judgeDrift(candidate, epochs, driftOpts),
    sysMedA: sysA.length ? median(sysA) : null,
    sysMedB: sysB.length ? median(sysB) : null,
    spread:
      A.completed.length >= 2 && B.completed.length >= 2
        ? checkSpread(A.completed, B.completed, c, `${baseline}->${candidate}`, basis)
        : null,
  };
}
