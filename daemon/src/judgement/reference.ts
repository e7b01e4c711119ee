/**
 * Ratio to a reference variant ("49.13 % of mimalloc"): every variant's throughput and peak RSS divided
 * by the reference's, from completed epochs, paired with interleaved neighbours when they exist, with
 * Hodges–Lehmann intervals.
 */

import { median } from '../stats/descriptive.js';
import { chooseBasis, throughputOn, type ThroughputBasis } from './basis.js';
import { pairEpochs, peakRss, splitArm, type JudgedEpoch } from './epochs.js';
import { estimateRatio, type RatioEstimate } from './ratio.js';

export interface ReferenceRatio {
  variant: string;
  reference: string;
  completed_epochs: number;
  /** What throughput means here (CPU basis when every epoch of the variant and the reference reports it). */
  throughput_basis: ThroughputBasis;
  throughput_mean: number | null;
  rss_peak_bytes: number | null;
  /** variant / reference; null when one side has no value. For the reference itself: 1 with no interval. */
  throughput: RatioEstimate | null;
  rss_peak: RatioEstimate | null;
}

export function referenceRatios(
  epochs: readonly JudgedEpoch[],
  variants: readonly string[],
  reference: string,
  confidence = 0.95,
  perCpuSecond = true,
): ReferenceRatio[] {
  const ref = splitArm(reference, epochs).completed;
  return variants.map((variant) => {
    const mine = splitArm(variant, epochs).completed;
    const basis = chooseBasis([ref, mine], perCpuSecond);
    const pick = throughputOn(basis);
    const tputs = mine.map(pick).filter((v): v is number => typeof v === 'number');
    const peaks = mine.map(peakRss).filter((v): v is number => typeof v === 'number');
    const base = {
      variant,
      reference,
      completed_epochs: mine.length,
      throughput_basis: basis,
      throughput_mean: tputs.length ? median(tputs) : null,
      rss_peak_bytes: peaks.length ? median(peaks) : null,
    };
    if (variant === reference) {
      const one = (n: number): RatioEstimate => ({
        ratio: 1,
        low: 1,
        high: 1,
        confidence: 1,
        p_value: 1,
        analysis: 'paired',
        test: 'wilcoxon-signed-rank',
        n_baseline: n,
        n_candidate: n,
        n_pairs: n,
        se_log: 0,
        baseline_median: Number.NaN,
        candidate_median: Number.NaN,
      });
      return {
        ...base,
        throughput: mine.length
          ? { ...one(tputs.length), baseline_median: base.throughput_mean ?? 0, candidate_median: base.throughput_mean ?? 0 }
          : null,
        rss_peak: mine.length
          ? { ...one(peaks.length), baseline_median: base.rss_peak_bytes ?? 0, candidate_median: base.rss_peak_bytes ?? 0 }
          : null,
      };
    }
    const pairs = pairEpochs(ref, mine);
    return {
      ...base,
      throughput: estimateRatio(ref, mine, pairs, pick, { confidence }),
      rss_peak: estimateRatio(ref, mine, pairs, peakRss, { confidence }),
    };
  });
}
