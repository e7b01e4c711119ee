/**
 * A real SQLite file opened and migrated by the data layer (openStore), and epochs written through its own
 * write path (campaigns.create, variants.upsert, epochs.start/finish), for the exporter tests.
 */
import { parsePlanText, type Plan } from '../../src/plan/index.js';
import { openStore, type Store } from '../../src/storage/index.js';
import type { CampaignStatus, Outcome } from '../../src/domain/types.js';
import type { EpochAnalysis } from '../../src/domain/epoch-fields.js';

export function openTestStore(file: string): Store {
  return openStore(file);
}

/** A validated plan with these variants (glibc, so nothing needs resolving). */
export function testPlan(variants: readonly string[], lengths = { epoch: '3s', warmup: '1s' }): Plan {
  const yaml = [
    `epoch: ${lengths.epoch}`,
    `warmup: ${lengths.warmup}`,
    'interval: 500ms',
    'variants:',
    ...variants.map((v) => `  - { name: ${v}, allocator: glibc }`),
  ].join('\n');
  return parsePlanText(yaml, 'test plan');
}

export type EpochFields = Partial<
  Pick<
    EpochAnalysis,
    | 'throughput_mean'
    | 'throughput_cv'
    | 'rss_drift_pct'
    | 'rss_held_drift_pct'
    | 'rss_peak_bytes'
    | 'rss_hwm_bytes'
    | 'syscalls_per_op'
    | 'lean_decommit'
    | 'lean_retire'
  >
> & {
  /** ISO end time; default now. */
  ended_at?: string;
};

/** One campaign of `plan` (left running unless told), then epochs of it. */
export class EpochWriter {
  readonly campaignId: number;
  private readonly variantIds = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly plan: Plan,
    status: CampaignStatus = 'running',
  ) {
    this.campaignId = store.campaigns.create({ source: 'test', plan });
    for (const v of plan.variants) this.variantIds.set(v.name, store.variants.upsert(this.campaignId, v, null));
    if (status !== 'running') store.campaigns.finish(this.campaignId, status);
  }

  /** Starts an epoch and, unless `outcome` is running, finishes it with these fields. */
  epoch(variant: string, outcome: Outcome, f: EpochFields = {}): number {
    const variantId = this.variantIds.get(variant);
    if (variantId === undefined) throw new Error(`variant ${variant} is not in the plan`);
    const id = this.store.epochs.start({
      campaign_id: this.campaignId,
      variant_id: variantId,
      variant,
      round: this.store.epochs.nextRound(this.campaignId, variant),
      planned_ms: this.plan.epoch_ms,
      warmup_ms: this.plan.warmup_ms,
      interval_ms: this.plan.interval_ms,
    });
    if (outcome !== 'running') this.store.epochs.finish(id, { ...f, outcome });
    return id;
  }
}
