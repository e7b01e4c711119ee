/**
 * The values of allocsoak_verdict{baseline,candidate}: 1 GO, 0 NEUTRAL or INSUFFICIENT, −1 NO-GO, one
 * series per comparison of the most recent campaign's plan, computed at scrape time from SQLite (so it is
 * right again at once after a restart). They are asked of a VerdictReader (verdicts/reader.ts): the daemon's
 * judges on its worker thread, so a scrape never holds the event loop, keeps the verdicts until an epoch or a
 * campaign starts or ends, and after that answers at once with the last verdicts while it judges again (the
 * gauge lags by at most one judgement). Without one, a reader of this store's own judges in the calling thread.
 */
import type { VerdictValue } from '../judgement/index.js';
import type { Store } from '../storage/index.js';
import { VerdictReader, type CompareResult } from '../verdicts/index.js';

export function verdictValue(v: VerdictValue): number {
  return v === 'GO' ? 1 : v === 'NO-GO' ? -1 : 0;
}

export interface VerdictSeries {
  baseline: string;
  candidate: string;
  verdict: VerdictValue;
  value: number;
}

/** The plan comparisons' verdicts of the most recent campaign, through a reader. */
export class VerdictCache {
  private readonly reader: VerdictReader;
  constructor(
    private readonly store: Store,
    reader?: VerdictReader,
  ) {
    this.reader = reader ?? new VerdictReader(store, { inThread: true });
  }

  /** A scrape must never fail because of the verdicts: if judging fails, the gauge has no series. */
  async current(): Promise<VerdictSeries[]> {
    const campaign = this.store.campaigns.list({ limit: 1 })[0];
    if (campaign === undefined) return [];
    try {
      return seriesOf((await this.reader.planComparisons(campaign.id)).value().results);
    } catch {
      return [];
    }
  }
}

/**
 * One series per baseline/candidate pair: a plan that compares the same pair twice (once per goal) gets
 * the first comparison's verdict, the one GET /compare?baseline=&candidate= judges.
 */
function seriesOf(results: readonly CompareResult[]): VerdictSeries[] {
  const series = new Map<string, VerdictSeries>();
  for (const r of results) {
    const pair = JSON.stringify([r.baseline, r.candidate]);
    if (!series.has(pair))
      series.set(pair, { baseline: r.baseline, candidate: r.candidate, verdict: r.verdict, value: verdictValue(r.verdict) });
  }
  return [...series.values()];
}
