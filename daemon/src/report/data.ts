/** The report's data model, built from the store: what every format (md, json, csv) renders. */
import { OUTCOMES, type Outcome } from '../domain/types.js';
import { cv, mean, median } from '../stats/descriptive.js';
import type { Plan, PlanVariant } from '../plan/index.js';
import type { CampaignRecord, EpochRow, HostRow, Store } from '../storage/index.js';

export interface VariantReport {
  name: string;
  allocator: string | null;
  allocator_library: string | null;
  config: PlanVariant | null;
  epochs_total: number;
  epochs_completed: number;
  /** Every outcome with its count (zeros included, so the shape is fixed). */
  outcomes: Record<Outcome, number>;
  /** Mean of the completed epochs' mean throughput (ops/s). */
  throughput_mean: number | null;
  /** Median of the completed epochs' within-epoch CV. */
  throughput_cv: number | null;
  /** CV of the completed epochs' mean throughputs (epoch-to-epoch noise). */
  throughput_cv_between_epochs: number | null;
  /** Highest RSS after warm-up over the completed epochs. */
  rss_peak_bytes: number | null;
  /** Median of the completed epochs' RSS drift, and the worst (highest) one. */
  rss_drift_pct: number | null;
  rss_drift_pct_max: number | null;
  /** Median of the completed epochs' Theil–Sen RSS slopes. */
  rss_slope_bytes_per_hour: number | null;
  adj_rss_drift_pct: number | null;
  /** Median of the completed epochs' syscalls per op. */
  syscalls_per_op: number | null;
  /** Sums over the completed epochs. */
  lean_decommit: number | null;
  lean_retire: number | null;
  /** Values contributed by report extensions' variant columns, by key. */
  extra: Record<string, string | number | null>;
}

export interface ReportData {
  generated_at: string;
  campaign: Omit<CampaignRecord, 'plan'> | null;
  plan: Plan | null;
  hosts: HostRow[];
  variants: VariantReport[];
  /** Every epoch of the campaign, oldest first. */
  epochs: EpochRow[];
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

function present(xs: readonly (number | null)[]): number[] {
  return xs.filter((x): x is number => x !== null && Number.isFinite(x));
}

function medianOf(xs: readonly (number | null)[]): number | null {
  const v = present(xs);
  return v.length === 0 ? null : finiteOrNull(median(v));
}

function sumOf(xs: readonly (number | null)[]): number | null {
  const v = present(xs);
  return v.length === 0 ? null : v.reduce((a, b) => a + b, 0);
}

function maxOf(xs: readonly (number | null)[]): number | null {
  const v = present(xs);
  return v.length === 0 ? null : Math.max(...v);
}

function summarizeVariant(
  name: string,
  epochs: readonly EpochRow[],
  planned: { allocator: string | null; library: string | null; config: PlanVariant | null },
): VariantReport {
  const outcomes = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  for (const e of epochs) outcomes[e.outcome] += 1;
  const done = epochs.filter((e) => e.outcome === 'completed');
  const means = present(done.map((e) => e.throughput_mean));
  return {
    name,
    allocator: planned.allocator,
    allocator_library: planned.library,
    config: planned.config,
    epochs_total: epochs.length,
    epochs_completed: done.length,
    outcomes,
    throughput_mean: means.length === 0 ? null : finiteOrNull(mean(means)),
    throughput_cv: medianOf(done.map((e) => e.throughput_cv)),
    throughput_cv_between_epochs: means.length < 2 ? null : finiteOrNull(cv(means)),
    rss_peak_bytes: maxOf(done.map((e) => e.rss_peak_bytes)),
    rss_drift_pct: medianOf(done.map((e) => e.rss_drift_pct)),
    rss_drift_pct_max: maxOf(done.map((e) => e.rss_drift_pct)),
    rss_slope_bytes_per_hour: medianOf(done.map((e) => e.rss_slope_bytes_per_hour)),
    adj_rss_drift_pct: medianOf(done.map((e) => e.adj_rss_drift_pct)),
    syscalls_per_op: medianOf(done.map((e) => e.syscalls_per_op)),
    lean_decommit: sumOf(done.map((e) => e.lean_decommit)),
    lean_retire: sumOf(done.map((e) => e.lean_retire)),
    extra: {},
  };
}

/**
 * Gathers a campaign's report data: `campaign` id, or the most recent campaign when omitted.
 * Throws when the given campaign does not exist.
 */
export function buildReportData(store: Store, opts: { campaign?: number; now?: Date } = {}): ReportData {
  const generated_at = (opts.now ?? new Date()).toISOString();
  const campaign = opts.campaign !== undefined ? store.campaigns.get(opts.campaign) : store.campaigns.list({ limit: 1 })[0];
  if (campaign === undefined) {
    if (opts.campaign !== undefined) throw new Error(`campaign ${opts.campaign} does not exist`);
    return { generated_at, campaign: null, plan: null, hosts: [], variants: [], epochs: [] };
  }
  const { plan, ...campaignInfo } = campaign;
  const epochs = store.epochs.listRows({ campaign: campaign.id }).reverse();
  const recorded = store.variants.listForCampaign(campaign.id);
  // Plan order first, then any variant that only appears in epochs or the variants table.
  const names = [...plan.variants.map((v) => v.name)];
  for (const n of [...recorded.map((v) => v.name), ...epochs.map((e) => e.variant)]) if (!names.includes(n)) names.push(n);
  const variants = names
    .map((name) => {
      const row = recorded.find((v) => v.name === name);
      const planned = plan.variants.find((v) => v.name === name) ?? row?.config ?? null;
      return summarizeVariant(
        name,
        epochs.filter((e) => e.variant === name),
        { allocator: row?.allocator ?? planned?.allocator ?? null, library: row?.allocator_library ?? null, config: planned },
      );
    })
    // Optional variants that were skipped (never recorded, never run) are left out.
    .filter((v) => v.epochs_total > 0 || recorded.some((r) => r.name === v.name));
  const hostIds = [...new Set(epochs.map((e) => e.host_id).filter((id): id is number => id !== null))];
  const hosts = hostIds.map((id) => store.hosts.get(id)).filter((h): h is HostRow => h !== undefined);
  return { generated_at, campaign: campaignInfo, plan, hosts, variants, epochs };
}
