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

import {
  criteriaProblems,
  GOALS,
  judgeComparison,
  judgeDrift,
  resolveCriteria,
  type ComparisonInput,
  type ComparisonVerdict,
  type Criteria,
  type Goal,
  type JudgedEpoch,
  type VariantDrift,
} from '../judgement/index.js';
import type { CampaignRecord, Store } from '../storage/index.js';

/** Bad input to the judgement (unknown variant, bad goal or criteria): a 400 over REST, exit 2 on the CLI. */
export class JudgementInputError extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
    this.name = 'JudgementInputError';
  }
}

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

export interface CompareResult extends ComparisonVerdict {
  /** The campaign whose epochs were judged (null when neither variant has epochs). */
  campaign: number | null;
  /** Where the goal and criteria came from. */
  criteria_source: 'plan' | 'default' | 'request';
}

export interface DriftRequest {
  variant: string;
  /** ISO time: only epochs started at or after it. */
  since?: string;
  campaign?: number;
  criteria?: Readonly<Record<string, unknown>>;
}

export type DriftResult = VariantDrift & { since: string | null };

/** Every variant name ever planned in this database. */
function knownVariants(store: Store): Set<string> {
  return new Set(store.variants.names());
}

function requireVariant(store: Store, parameter: string, name: string): void {
  const known = knownVariants(store);
  if (!known.has(name)) {
    const list = [...known].sort().join(', ') || 'none yet';
    throw new JudgementInputError(parameter, `${parameter}: unknown variant ${JSON.stringify(name)}; expected one of ${list}`);
  }
}

export function compare(store: Store, req: CompareRequest): CompareResult {
  requireVariant(store, 'baseline', req.baseline);
  requireVariant(store, 'candidate', req.candidate);
  if (req.baseline === req.candidate)
    throw new JudgementInputError('candidate', `candidate: expected a variant other than the baseline ${JSON.stringify(req.baseline)}`);
  if (req.goal !== undefined && !(GOALS as readonly string[]).includes(req.goal)) {
    throw new JudgementInputError('goal', `goal: expected ${GOALS.join(' or ')}, got ${JSON.stringify(req.goal)}`);
  }
  let campaign: number | null;
  if (req.campaign !== undefined) {
    if (store.campaigns.get(req.campaign) === undefined) throw new JudgementInputError('campaign', `campaign: no campaign ${req.campaign}`);
    campaign = req.campaign;
  } else campaign = store.epochs.latestCampaignWithBoth(req.baseline, req.candidate);

  const planned =
    campaign === null
      ? undefined
      : store.campaigns.get(campaign)?.plan.comparisons.find((c) => c.baseline === req.baseline && c.candidate === req.candidate);
  const goal: Goal = req.goal ?? planned?.goal ?? 'speed';
  const criteria: Record<string, unknown> = { ...(planned && planned.goal === goal ? planned.criteria : {}), ...(req.criteria ?? {}) };
  const problems = criteriaProblems(goal, criteria);
  if (problems.length > 0) {
    const p = problems[0] as (typeof problems)[number];
    throw new JudgementInputError(
      'criteria',
      `criteria${p.key === null ? '' : `.${p.key}`}: expected ${p.expected}, got ${JSON.stringify(p.got)}`,
    );
  }
  const source: CompareResult['criteria_source'] =
    req.goal !== undefined || req.criteria !== undefined ? 'request' : planned ? 'plan' : 'default';
  return judgeInCampaign(store, campaign, { baseline: req.baseline, candidate: req.candidate, goal, criteria }, source);
}

/** One comparison judged from the epochs both of its variants ran in one campaign (none without a campaign). */
function judgeInCampaign(
  store: Store,
  campaign: number | null,
  input: ComparisonInput,
  source: CompareResult['criteria_source'],
): CompareResult {
  const rows: JudgedEpoch[] =
    campaign === null
      ? []
      : [...store.epochs.listRows({ variant: input.baseline, campaign }), ...store.epochs.listRows({ variant: input.candidate, campaign })];
  return { ...judgeComparison(rows, input), campaign, criteria_source: source };
}

export function drift(store: Store, req: DriftRequest): DriftResult {
  requireVariant(store, 'variant', req.variant);
  if (req.since !== undefined && Number.isNaN(Date.parse(req.since))) {
    throw new JudgementInputError(
      'since',
      `since: expected an ISO-8601 time such as 2026-11-23T22:00:00Z, got ${JSON.stringify(req.since)}`,
    );
  }
  const problems = criteriaProblems(undefined, req.criteria);
  if (problems.length > 0) {
    const p = problems[0] as (typeof problems)[number];
    throw new JudgementInputError(
      'criteria',
      `criteria${p.key === null ? '' : `.${p.key}`}: expected ${p.expected}, got ${JSON.stringify(p.got)}`,
    );
  }
  const criteria: Criteria = resolveCriteria('speed', req.criteria);
  const since = req.since === undefined ? undefined : new Date(Date.parse(req.since)).toISOString();
  const rows = store.epochs.listRows({
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
  return campaign.plan.comparisons
    .filter((c) => ran.has(c.baseline) && ran.has(c.candidate) && criteriaProblems(c.goal, c.criteria).length === 0)
    .map((c) =>
      judgeInCampaign(store, campaign.id, { baseline: c.baseline, candidate: c.candidate, goal: c.goal, criteria: c.criteria }, 'plan'),
    );
}
