/**
 * The judgement over a store: what REST (/compare, /drift), the CLI (compare, drift), the verdict gauge
 * and the report all call, so that they agree by construction.
 *
 * - compare: the epochs of both variants in one campaign (the given one, else the most recent campaign
 *   in which both ran), with the goal and criteria of the plan's matching comparison unless given.
 * - drift: every epoch of one variant (optionally since a time), across campaigns: a leak that grows
 *   night after night shows only across them.
 * - judgePlanComparisons: every comparison of a campaign's plan, each judged as compare judges it.
 * Everything is computed from the epoch rows (the analysis stored each epoch's Theil–Sen RSS slope and its
 * interval); the judgement itself (daemon/src/judgement) never reads the store.
 */

import { isAdaptive, type ComparisonStanding } from '../domain/types.js';
import { median } from '../stats/descriptive.js';
import { InputError, parseSince, requireKnownCampaign, requireKnownVariant } from '../domain/parameters.js';
import {
  criteriaProblems,
  GOALS,
  judgeAtLooks,
  judgeComparison,
  judgeDrift,
  JUDGED_COLUMNS,
  sharedRounds,
  stepsToSettle,
  resolveCriteria,
  type ComparisonInput,
  type LookedVerdict,
  type Criteria,
  type Goal,
  type JudgedEpoch,
  type VariantDrift,
} from '../judgement/index.js';
import type { CampaignRecord, Store } from '../storage/index.js';

export interface CompareRequest {
  baseline: string;
  candidate: string;
  /** Campaign id; default the most recent campaign in which both variants have epochs. */
  campaign?: number;
  /** Default: the goal of the plan's comparison of these two variants, else speed. */
  goal?: Goal;
  /** Overrides on top of the plan comparison's criteria. */
  criteria?: Readonly<Record<string, unknown>>;
}

/** How many epochs of each arm a verdict took from one campaign. */
export interface CampaignShare {
  campaign: number;
  baseline: number;
  candidate: number;
}

export interface CompareResult extends LookedVerdict {
  /** The campaign judged: its epochs, and those of earlier campaigns in the same series (null when neither variant has epochs). */
  campaign: number | null;
  /** The campaigns whose epochs the verdict used, oldest first: each arm's series accumulates across them. */
  campaigns: CampaignShare[];
  /** Where the goal and criteria came from. */
  criteria_source: 'plan' | 'default' | 'request';
  /**
   * About how long the epochs it still needs take under the campaign's plan (seconds; null when settled or
   * unknown): a duet round gives both arms an epoch in one epoch length, a sequential round takes an
   * epoch of every variant of the plan.
   */
  settle_seconds: number | null;
  /** When it likely settles (ISO), while its campaign runs; null otherwise. */
  settle_at: string | null;
}

export interface DriftRequest {
  variant: string;
  /** ISO time: only epochs started at or after it. */
  since?: string;
  campaign?: number;
  criteria?: Readonly<Record<string, unknown>>;
}

export type DriftResult = VariantDrift & { since: string | null };

/** Refuses criteria the goal does not accept (undefined: any goal's), naming the first bad key. */
function requireValidCriteria(goal: Goal | undefined, criteria: Record<string, unknown> | undefined): void {
  const p = criteriaProblems(goal, criteria)[0];
  if (p !== undefined)
    throw new InputError('criteria', `${p.key === null ? '' : `${p.key}: `}expected ${p.expected}, got ${JSON.stringify(p.got)}`);
}

export function compare(store: Store, req: CompareRequest): CompareResult {
  const variants = store.variants.names();
  requireKnownVariant(variants, req.baseline, 'baseline');
  requireKnownVariant(variants, req.candidate, 'candidate');
  if (req.baseline === req.candidate)
    throw new InputError('candidate', `expected a variant other than the baseline ${JSON.stringify(req.baseline)}`);
  if (req.goal !== undefined && !(GOALS as readonly string[]).includes(req.goal)) {
    throw new InputError('goal', `expected ${GOALS.join(' or ')}, got ${JSON.stringify(req.goal)}`);
  }
  let campaign: number | null;
  if (req.campaign !== undefined) {
    requireKnownCampaign(store.campaigns.get(req.campaign) !== undefined, req.campaign);
    campaign = req.campaign;
  } else campaign = store.epochs.latestCampaignWithBoth(req.baseline, req.candidate);

  const planned =
    campaign === null
      ? undefined
      : store.campaigns.get(campaign)?.plan.comparisons.find((c) => c.baseline === req.baseline && c.candidate === req.candidate);
  const goal: Goal = req.goal ?? planned?.goal ?? 'speed';
  const criteria: Record<string, unknown> = { ...(planned && planned.goal === goal ? planned.criteria : {}), ...(req.criteria ?? {}) };
  requireValidCriteria(goal, criteria);
  const source: CompareResult['criteria_source'] =
    req.goal !== undefined || req.criteria !== undefined ? 'request' : planned ? 'plan' : 'default';
  // The plan's own comparison is judged with the plan's others, which share its rounds.
  if (source === 'plan' && campaign !== null) {
    const judged = judgePlanComparisons(store, campaign).find((r) => r.baseline === req.baseline && r.candidate === req.candidate);
    if (judged !== undefined) return judged;
  }
  const result = judgeInCampaign(store, campaign, { baseline: req.baseline, candidate: req.candidate, goal, criteria }, source);
  return withSettleTimes(store, campaign === null ? undefined : store.campaigns.get(campaign), [result])[0] as CompareResult;
}

/** Epochs per campaign of each arm, oldest campaign first. */
function campaignShares(baseline: readonly JudgedEpoch[], candidate: readonly JudgedEpoch[]): CampaignShare[] {
  const shares = new Map<number, CampaignShare>();
  const count = (rows: readonly JudgedEpoch[], arm: 'baseline' | 'candidate'): void => {
    for (const e of rows) {
      const share = shares.get(e.campaign_id) ?? { campaign: e.campaign_id, baseline: 0, candidate: 0 };
      share[arm]++;
      shares.set(e.campaign_id, share);
    }
  };
  count(baseline, 'baseline');
  count(candidate, 'candidate');
  return [...shares.values()].sort((a, b) => a.campaign - b.campaign);
}

/**
 * One comparison judged as of a campaign: each arm's epochs of the series it ran last in that campaign,
 * from that campaign and earlier ones, so that verdicts accumulate across campaigns and daemon restarts
 * while a rebuilt library or changed arguments start over (none without a campaign). The judgement
 * pairs epochs only within a campaign; a duet plan's comparison reads only the rounds its two arms ran
 * together, and an adaptive plan's is judged at its planned looks (judgement/adaptive.ts). Its time to
 * settle is filled in by `withSettleTimes`, which knows the plan's other comparisons.
 */
function judgeInCampaign(
  store: Store,
  campaign: number | null,
  input: ComparisonInput,
  source: CompareResult['criteria_source'],
): CompareResult {
  let baseline: JudgedEpoch[] = campaign === null ? [] : store.epochs.seriesRows(input.baseline, campaign, JUDGED_COLUMNS);
  let candidate: JudgedEpoch[] = campaign === null ? [] : store.epochs.seriesRows(input.candidate, campaign, JUDGED_COLUMNS);
  const plan = campaign === null ? undefined : store.campaigns.get(campaign)?.plan;
  const duet = plan?.mode === 'duet';
  if (duet) [baseline, candidate] = sharedRounds(baseline, candidate);
  const verdict: LookedVerdict =
    plan !== undefined && isAdaptive(plan)
      ? judgeAtLooks(baseline, candidate, input, duet)
      : { ...judgeComparison([...baseline, ...candidate], input), look: null };
  return {
    ...verdict,
    campaign,
    campaigns: campaignShares(baseline, candidate),
    criteria_source: source,
    settle_seconds: null,
    settle_at: null,
  };
}

/**
 * Each verdict's time to settle under its campaign's plan: the steps until it settles (judgement/settle.ts,
 * given what every comparison judged here still needs) times the median length of the campaign's completed epochs so far
 * (the plan's before any epoch ended); `settle_at` only while the campaign runs.
 */
function withSettleTimes(store: Store, campaign: CampaignRecord | undefined, results: CompareResult[]): CompareResult[] {
  if (campaign === undefined || results.length === 0) return results;
  const { plan } = campaign;
  const standings = results.map((r) => ({
    baseline: r.baseline,
    candidate: r.candidate,
    more: r.verdict === 'INSUFFICIENT' ? r.epochs_needed_per_arm : null,
  }));
  const shape = {
    duet: plan.mode === 'duet',
    adaptive: isAdaptive(plan),
    variants: campaignVariants(store, campaign.id).size,
  };
  const stepMs = medianEpochMs(store, campaign.id, plan.epoch_ms) ?? plan.epoch_ms;
  const now = Date.now();
  return results.map((r, i) => {
    const steps = stepsToSettle(standings, i, shape);
    const seconds = steps === null ? null : (steps * stepMs) / 1000;
    return {
      ...r,
      settle_seconds: seconds,
      settle_at: seconds !== null && campaign.status === 'running' ? new Date(now + seconds * 1000).toISOString() : null,
    };
  });
}

/**
 * Median wall-clock length of the campaign's last 20 completed epochs (start-up and the stop included);
 * lengths far beyond the plan's epoch (a daemon that was down, a clock step) are not a step of the rotation.
 * Null before any completed.
 */
function medianEpochMs(store: Store, campaignId: number, planMs: number): number | null {
  // Two columns, not whole rows (with their stderr tails and build identity): the plan's judgement runs at
  // every epoch's start and end, and what it decodes is garbage on the verdict worker's heap right after.
  const lengths = store.epochs
    .listColumns(['started_at', 'ended_at'], { campaign: campaignId, outcome: 'completed', limit: 20 })
    .map((e) => Date.parse(e.ended_at ?? '') - Date.parse(e.started_at))
    .filter((ms) => Number.isFinite(ms) && ms > 0 && ms <= 2 * planMs + 60_000);
  return lengths.length === 0 ? null : median(lengths);
}

export function drift(store: Store, req: DriftRequest): DriftResult {
  requireKnownVariant(store.variants.names(), req.variant);
  const since = req.since === undefined ? undefined : parseSince(req.since);
  requireValidCriteria(undefined, req.criteria);
  const criteria: Criteria = resolveCriteria('speed', req.criteria);
  const rows = store.epochs.listColumns(JUDGED_COLUMNS, {
    variant: req.variant,
    ...(since !== undefined ? { since } : {}),
    ...(req.campaign !== undefined ? { campaign: req.campaign } : {}),
  });
  return { ...judgeDrift(req.variant, rows, { criteria }), since: since ?? null };
}

/** The campaign of that id, or the most recent one. */
function campaignOrLatest(store: Store, campaignId?: number): CampaignRecord | undefined {
  return campaignId !== undefined ? store.campaigns.get(campaignId) : store.campaigns.list({ limit: 1 })[0];
}

/** The variants that took part in a campaign: recorded when it started, or with epochs in it. */
function campaignVariants(store: Store, campaignId: number): Set<string> {
  return new Set([
    ...store.variants.listForCampaign(campaignId).map((v) => v.name),
    ...store.epochs.countsForCampaign(campaignId).map((c) => c.variant),
  ]);
}

/**
 * Every comparison of a campaign's plan (default the most recent campaign), in plan order, each with its
 * own goal and criteria and judged as `compare` judges it. Comparisons of a variant that did not take
 * part (an optional allocator that is not installed) are left out, and so are comparisons whose stored
 * criteria this version rejects: neither can be judged from this campaign.
 */
export function judgePlanComparisons(store: Store, campaignId?: number): CompareResult[] {
  const campaign = campaignOrLatest(store, campaignId);
  if (campaign === undefined) return [];
  const ran = campaignVariants(store, campaign.id);
  const results = campaign.plan.comparisons
    .filter((c) => ran.has(c.baseline) && ran.has(c.candidate) && criteriaProblems(c.goal, c.criteria).length === 0)
    .map((c) =>
      judgeInCampaign(store, campaign.id, { baseline: c.baseline, candidate: c.candidate, goal: c.goal, criteria: c.criteria }, 'plan'),
    );
  return withSettleTimes(store, campaign, results);
}

/** Where each comparison of a campaign stands: what the adaptive schedule and the round's log line read. */
export function comparisonStandings(store: Store, campaignId: number): ComparisonStanding[] {
  return standingsOf(judgePlanComparisons(store, campaignId));
}

/** Where each judged comparison stands (judgePlanComparisons' results, however they were judged). */
export function standingsOf(results: readonly CompareResult[]): ComparisonStanding[] {
  return results.map((r) => ({
    baseline: r.baseline,
    candidate: r.candidate,
    verdict: r.verdict,
    settled: r.verdict !== 'INSUFFICIENT',
    pairs: r.look?.n ?? r.epochs.pairs,
    more_epochs: r.verdict === 'INSUFFICIENT' ? r.epochs_needed_per_arm : null,
    settle_at: r.settle_at,
  }));
}
