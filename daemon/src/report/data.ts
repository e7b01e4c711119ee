/** The report's data model, built from the store: what every format (md, json, csv) renders. */
import { OUTCOMES, type Outcome } from '../domain/types.js';
import { aggregate, EPOCH_FIELDS, PER_VARIANT_COLUMNS, type PerVariantField } from '../domain/epoch-fields.js';
import { judgedDrift, summarizeThroughput, throughputOn, type ThroughputBasis } from '../domain/measures.js';
import { cv } from '../stats/descriptive.js';
import type { Plan, PlanVariant } from '../plan/index.js';
import type { CampaignRecord, EpochRow, HostRow, Store } from '../storage/index.js';

/** The epoch fields folded per variant (their `perVariant` aggregate over the completed epochs). */
export type VariantAggregates = { [K in PerVariantField]: number | null };

export interface VariantReport extends VariantAggregates {
  name: string;
  allocator: string | null;
  allocator_library: string | null;
  config: PlanVariant | null;
  epochs_total: number;
  epochs_completed: number;
  /** Every outcome with its count (zeros included, so the shape is fixed). */
  outcomes: Record<Outcome, number>;
  /** Throughput on the campaign's basis (ReportData.throughput_basis): the median of the completed epochs'. */
  throughput: number | null;
  /** Throughput on the other basis, shown labelled beside it. */
  throughput_other: number | null;
  /** CV of the completed epochs' throughputs on the campaign's basis (epoch-to-epoch noise). */
  throughput_cv_between_epochs: number | null;
  /** The worst (highest) judged drift of the completed epochs (held memory; the endpoints before schema v8). */
  drift_pct_max: number | null;
  /** What its epochs reported running ("glibc 2.36", "leanmalloc profile lean"), each once, oldest first. */
  allocators_reported: string[];
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
  /**
   * The throughput every variant leads with (domain/measures.ts `summarizeThroughput`): per CPU-second when
   * every completed epoch reports it, as the verdicts judge; the other basis is shown labelled.
   */
  throughput_basis: ThroughputBasis;
  /** The variants by that throughput, fastest first. */
  fastest_first: string[];
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** An epoch's allocator as it reported it: name, version and leanmalloc profile. */
function reportedAllocator(e: EpochRow): string | null {
  if (e.allocator_reported === null) return null;
  const profile = e.allocator_profile === null ? null : `profile ${e.allocator_profile}`;
  return [e.allocator_reported, e.allocator_version, profile].filter((x) => x !== null).join(' ');
}

function summarizeVariant(
  name: string,
  epochs: readonly EpochRow[],
  planned: { allocator: string | null; library: string | null; config: PlanVariant | null },
  basis: ThroughputBasis,
  throughput: { lead: number | null; other: number | null } | undefined,
): VariantReport {
  const outcomes = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  for (const e of epochs) outcomes[e.outcome] += 1;
  const done = epochs.filter((e) => e.outcome === 'completed');
  const onBasis = done.map((e) => throughputOn(basis)(e)).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  const folded = Object.fromEntries(
    PER_VARIANT_COLUMNS.map((f) => [
      f,
      aggregate(
        EPOCH_FIELDS[f].perVariant.aggregate,
        done.map((e) => e[f]),
      ),
    ]),
  ) as VariantAggregates;
  return {
    ...folded,
    name,
    allocator: planned.allocator,
    allocator_library: planned.library,
    config: planned.config,
    epochs_total: epochs.length,
    epochs_completed: done.length,
    outcomes,
    throughput: throughput?.lead ?? null,
    throughput_other: throughput?.other ?? null,
    throughput_cv_between_epochs: onBasis.length < 2 ? null : finiteOrNull(cv(onBasis)),
    drift_pct_max: aggregate(
      'max',
      done.map((e) => judgedDrift(e)?.pct ?? null),
    ),
    allocators_reported: [...new Set(epochs.map(reportedAllocator).filter((x) => x !== null))],
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
    return { generated_at, campaign: null, plan: null, hosts: [], variants: [], epochs: [], throughput_basis: 'wall', fastest_first: [] };
  }
  const { plan, ...campaignInfo } = campaign;
  const epochs = store.epochs.listRows({ campaign: campaign.id }).reverse();
  const recorded = store.variants.listForCampaign(campaign.id);
  // Plan order first, then any variant that only appears in epochs or the variants table.
  const names = [...plan.variants.map((v) => v.name)];
  for (const n of [...recorded.map((v) => v.name), ...epochs.map((e) => e.variant)]) if (!names.includes(n)) names.push(n);
  const completed = (name: string): EpochRow[] => epochs.filter((e) => e.variant === name && e.outcome === 'completed');
  const tput = summarizeThroughput(new Map(names.map((n) => [n, completed(n)] as const).filter(([, es]) => es.length > 0)));
  const variants = names
    .map((name) => {
      const row = recorded.find((v) => v.name === name);
      const planned = plan.variants.find((v) => v.name === name) ?? row?.config ?? null;
      return summarizeVariant(
        name,
        epochs.filter((e) => e.variant === name),
        { allocator: row?.allocator ?? planned?.allocator ?? null, library: row?.allocator_library ?? null, config: planned },
        tput.basis,
        tput.variants.get(name),
      );
    })
    // Optional variants that were skipped (never recorded, never run) are left out.
    .filter((v) => v.epochs_total > 0 || recorded.some((r) => r.name === v.name));
  const hostIds = [...new Set(epochs.map((e) => e.host_id).filter((id): id is number => id !== null))];
  const hosts = hostIds.map((id) => store.hosts.get(id)).filter((h): h is HostRow => h !== undefined);
  return {
    generated_at,
    campaign: campaignInfo,
    plan,
    hosts,
    variants,
    epochs,
    throughput_basis: tput.basis,
    fastest_first: tput.fastestFirst,
  };
}
