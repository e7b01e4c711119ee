/** Campaigns of synthetic epochs in a real SQLite store, for the verdict service's tests. */
import type { JudgedEpoch } from '../../src/judgement/epochs.js';
import type { EpochStart, Store } from '../../src/storage/index.js';
import { planFrom } from '../helpers/env.js';
import { synthesize, type SyntheticCampaign, type SyntheticVariant } from '../judgement/synthetic.js';

export interface SeedOptions {
  /** Noise, machine factor, first id… of the synthetic campaign. */
  synth?: Partial<Omit<SyntheticCampaign, 'variants' | 'rounds' | 'seed'>>;
  /** Further start fields of each epoch (a build's identity, say). */
  start?: (e: JudgedEpoch) => Partial<EpochStart>;
}

/**
 * Creates a campaign of `plan` and stores synthetic epochs for its variants (same rounds, interleaved). A
 * plan variant without synthetic epochs is not recorded either, as an optional variant that was skipped.
 */
export function seedCampaign(
  store: Store,
  plan: Record<string, unknown>,
  variants: SyntheticVariant[],
  rounds: number,
  seed: number,
  /** The series of each variant's epochs (default none, as epochs before schema v6). */
  series: Readonly<Record<string, string>> = {},
  opts: SeedOptions = {},
): number {
  const resolved = planFrom(plan);
  const campaign = store.campaigns.create({ source: 'test', plan: resolved.plan, epochs_per_variant: rounds });
  const ran = resolved.plan.variants.filter((v) => variants.some((s) => s.name === v.name));
  const ids = new Map(ran.map((v) => [v.name, store.variants.upsert(campaign, v, null)]));
  for (const e of synthesize({ ...opts.synth, seed, rounds, variants })) {
    const id = store.epochs.start({
      campaign_id: campaign,
      variant_id: ids.get(e.variant) as number,
      variant: e.variant,
      round: e.round as number,
      planned_ms: 60_000,
      warmup_ms: 1000,
      interval_ms: 1000,
      started_at: e.started_at,
      series_sha256: series[e.variant] ?? null,
      ...opts.start?.(e),
    });
    store.epochs.finish(id, {
      outcome: e.outcome as 'completed',
      ...(e.signal ? { signal: e.signal } : {}),
      ops: e.ops,
      throughput_mean: e.throughput_mean,
      throughput_cv: e.throughput_cv,
      rss_initial_bytes: e.rss_initial_bytes,
      rss_final_bytes: e.rss_final_bytes,
      rss_peak_bytes: e.rss_peak_bytes,
      rss_held_bytes: e.rss_held_bytes ?? null,
      rss_drift_pct: e.rss_drift_pct,
      rss_held_drift_pct: e.rss_held_drift_pct ?? null,
      rss_slope_bytes_per_hour: e.rss_slope_bytes_per_hour,
      rss_slope_low: e.rss_slope_low ?? null,
      rss_slope_high: e.rss_slope_high ?? null,
      syscalls_per_op: e.syscalls_per_op,
    });
  }
  return campaign;
}
