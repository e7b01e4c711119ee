/**
 * Has the candidate become less steady? Two views, both on per-epoch values:
 * - between epochs: Brown–Forsythe on log throughput (epoch means scatter more);
 * - within epochs: Mann–Whitney on the epochs' throughput CVs (each epoch wobbles more), with a seeded
 *   bootstrap interval of the ratio of median CVs.
 * A spread increase beyond `spread_increase_max` that is significant at `spread_alpha` withholds GO.
 */

import { median } from '../stats/descriptive.js';
import { bootstrapMedians, seedFromText } from '../stats/bootstrap.js';
import { mannWhitney } from '../stats/mann-whitney.js';
import { brownForsythe } from '../stats/spread.js';
import { cvOn, throughputOn, type ThroughputBasis } from './basis.js';
import type { Criteria } from './criteria.js';
import { finiteValues, positiveValues, type JudgedEpoch } from './epochs.js';
import { fmt, jsonNumber, type Reason } from './types.js';

export interface SpreadCheck {
  between: { ratio: number | null; p_value: number | null; increased: boolean };
  within: {
    baseline_cv_pct: number | null;
    candidate_cv_pct: number | null;
    ratio: number | null;
    low: number | null;
    high: number | null;
    p_value: number | null;
    increased: boolean;
  };
  increased: boolean;
  reasons: Reason[];
}

export function checkSpread(
  baseline: readonly JudgedEpoch[],
  candidate: readonly JudgedEpoch[],
  c: Pick<Criteria, 'spread_alpha' | 'spread_increase_max' | 'confidence'>,
  seedText: string,
  basis: ThroughputBasis = 'wall',
): SpreadCheck {
  const reasons: Reason[] = [];
  const a = positiveValues(baseline, throughputOn(basis)).map(Math.log);
  const b = positiveValues(candidate, throughputOn(basis)).map(Math.log);
  let between: SpreadCheck['between'] = { ratio: null, p_value: null, increased: false };
  if (a.length >= 2 && b.length >= 2) {
    const bf = brownForsythe([a, b]);
    const sa = bf.spreads[0] as number;
    const sb = bf.spreads[1] as number;
    const ratio = sa > 0 ? sb / sa : sb > 0 ? Number.POSITIVE_INFINITY : 1;
    const increased = Number.isFinite(bf.p) && bf.p < c.spread_alpha && ratio > c.spread_increase_max;
    between = { ratio: jsonNumber(ratio), p_value: jsonNumber(bf.p), increased };
    reasons.push({
      criterion: 'spread_increase_max',
      status: increased ? 'fail' : 'pass',
      decisive: false,
      message: `between-epoch spread of throughput: candidate/baseline ${fmt(ratio)}× (Brown–Forsythe p = ${fmt(bf.p)}; GO withheld above ${c.spread_increase_max}× at p < ${c.spread_alpha})`,
      value: jsonNumber(ratio),
      threshold: c.spread_increase_max,
      p_value: jsonNumber(bf.p),
    });
  }
  const cvA = finiteValues(baseline, cvOn(basis)).filter((v) => v >= 0);
  const cvB = finiteValues(candidate, cvOn(basis)).filter((v) => v >= 0);
  let within: SpreadCheck['within'] = {
    baseline_cv_pct: cvA.length ? median(cvA) * 100 : null,
    candidate_cv_pct: cvB.length ? median(cvB) * 100 : null,
    ratio: null,
    low: null,
    high: null,
    p_value: null,
    increased: false,
  };
  if (cvA.length >= 2 && cvB.length >= 2) {
    // The ratio of the arms' median CVs (a statistic of medians only: bootstrapMedians, no sort per replicate).
    const ratioOf = ([ma, mb]: readonly number[]): number => ((ma as number) > 0 ? (mb as number) / (ma as number) : Number.NaN);
    const boot = bootstrapMedians([cvA, cvB], ratioOf, {
      confidence: c.confidence,
      seed: seedFromText(`cv:${seedText}`),
      replicates: 2000,
    });
    const mw = mannWhitney(cvA, cvB);
    const ratio = boot.estimate;
    const increased = Number.isFinite(mw.p) && mw.p < c.spread_alpha && ratio > c.spread_increase_max;
    within = {
      ...within,
      ratio: jsonNumber(ratio),
      low: jsonNumber(boot.low),
      high: jsonNumber(boot.high),
      p_value: jsonNumber(mw.p),
      increased,
    };
    reasons.push({
      criterion: 'spread_increase_max',
      status: increased ? 'fail' : 'pass',
      decisive: false,
      message: `within-epoch CV: candidate ${fmt(within.candidate_cv_pct)} % vs baseline ${fmt(within.baseline_cv_pct)} %, ratio ${fmt(ratio)}× [${fmt(boot.low)}, ${fmt(boot.high)}] (seeded bootstrap; Mann–Whitney p = ${fmt(mw.p)}; GO withheld above ${c.spread_increase_max}× at p < ${c.spread_alpha})`,
      value: jsonNumber(ratio),
      low: jsonNumber(boot.low),
      high: jsonNumber(boot.high),
      threshold: c.spread_increase_max,
      p_value: jsonNumber(mw.p),
    });
  }
  return { between, within, increased: between.increased || within.increased, reasons };
}
