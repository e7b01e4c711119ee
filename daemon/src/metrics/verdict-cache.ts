/**
 * The values of allocsoak_verdict{baseline,candidate}: 1 GO, 0 NEUTRAL or INSUFFICIENT, −1 NO-GO, one
 * series per comparison of the most recent campaign's plan, computed at scrape time from SQLite (so it is
 * right again at once after a restart). Verdicts change only when an epoch starts or ends, so they are cached
 * on the store's epoch stamp (and the newest campaign): a scrape every 15 s costs two index lookups while the
 * workload runs.
 */
import type { VerdictValue } from '../judgement/index.js';
import type { Store } from '../storage/index.js';
import { judgePlanComparisons } from '../verdicts/index.js';

export function verdictValue(v: VerdictValue): number {
  return v === 'GO' ? 1 : v === 'NO-GO' ? -1 : 0;
}

export interface VerdictSeries {
  baseline: string;
  candidate: string;
  verdict: VerdictValue;
  value: number;
}

/** Judges the plan comparisons, reusing the previous answer while no epoch has ended since. */
export class VerdictCache {
  private key = '';
  private series: VerdictSeries[] = [];
  constructor(private readonly store: Store) {}

  current(): VerdictSeries[] {
    const campaign = this.store.campaigns.list({ limit: 1 })[0];
    const key = `${campaign?.id ?? 0}:${this.store.epochs.stamp()}`;
    if (key !== this.key) {
      this.series = campaign === undefined ? [] : seriesOrNone(this.store, campaign.id);
      this.key = key;
    }
    return this.series;
  }
}

/** A scrape must never fail because of the verdicts: if judging fails, the gauge has no series. */
function seriesOrNone(store: Store, campaignId: number): VerdictSeries[] {
  try {
    return seriesOf(store, campaignId);
  } catch {
    return [];
  }
}

/**
 * One series per baseline/candidate pair: a plan that compares the same pair twice (once per goal) gets
 * the first comparison's verdict, the one GET /compare?baseline=&candidate= judges.
 */
function seriesOf(store: Store, campaignId: number): VerdictSeries[] {
  const series = new Map<string, VerdictSeries>();
  for (const r of judgePlanComparisons(store, campaignId)) {
    const pair = JSON.stringify([r.baseline, r.candidate]);
    if (!series.has(pair))
      series.set(pair, { baseline: r.baseline, candidate: r.candidate, verdict: r.verdict, value: verdictValue(r.verdict) });
  }
  return [...series.values()];
}
