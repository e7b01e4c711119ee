/**
 * The verdict gauge allocsoak_verdict{baseline,candidate}: 1 GO, 0 NEUTRAL or INSUFFICIENT, −1 NO-GO, one
 * series per comparison of the most recent campaign's plan, computed at scrape time from SQLite (so it is
 * right again at once after a restart). Verdicts change only when an epoch ends, so they are cached on
 * the newest epoch's id and end time: a scrape every 15 s costs one small query while the workload runs.
 */
import { Gauge, type Registry } from 'prom-client';
import type { Store } from '../storage/store.js';
import { compare } from './service.js';
import type { VerdictValue } from './types.js';

export const VERDICT_METRIC = 'allocsoak_verdict';
export const VERDICT_HELP = 'Verdict of each plan comparison (latest campaign): 1 GO, 0 NEUTRAL or INSUFFICIENT, -1 NO-GO.';

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
    const newest = this.store.epochs.list({ limit: 1 })[0];
    const campaign = this.store.campaigns.list({ limit: 1 })[0];
    const key = `${campaign?.id ?? 0}:${newest?.id ?? 0}:${newest?.outcome ?? ''}:${newest?.ended_at ?? ''}`;
    if (key !== this.key) {
      const series: VerdictSeries[] = [];
      const known = new Set(this.store.variants.names());
      for (const c of campaign?.plan.comparisons ?? []) {
        if (!known.has(c.baseline) || !known.has(c.candidate)) continue;
        try {
          const r = compare(this.store, { baseline: c.baseline, candidate: c.candidate, campaign: (campaign as { id: number }).id });
          series.push({ baseline: r.baseline, candidate: r.candidate, verdict: r.verdict, value: verdictValue(r.verdict) });
        } catch {
          // A comparison that cannot be judged (e.g. criteria stored by an older version) has no series;
          // a scrape must never fail because of one.
        }
      }
      this.series = series;
      this.key = key;
    }
    return this.series;
  }
}

/** Registers allocsoak_verdict on a registry (the exporter's own, never the global one). */
export function registerVerdictGauge(registry: Registry, store: Store): Gauge<'baseline' | 'candidate'> {
  const cache = new VerdictCache(store);
  return new Gauge({
    name: VERDICT_METRIC,
    help: VERDICT_HELP,
    labelNames: ['baseline', 'candidate'] as const,
    registers: [registry],
    collect(this: Gauge<'baseline' | 'candidate'>) {
      this.reset();
      for (const s of cache.current()) this.set({ baseline: s.baseline, candidate: s.candidate }, s.value);
    },
  });
}
