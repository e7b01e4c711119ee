/**
 * The judgement over a store: what REST (/compare, /drift), the CLI (compare, drift), the verdict gauge
 * and the report all call, so that they agree by construction.
 *
 * - compare: the epochs of both variants in one campaign (the given one, else the most recent campaign
 *   in which both ran), with the goal and criteria of the plan's matching comparison unless given.
 * - drift: every epoch of one variant (optionally since a time), across campaigns: a leak that grows
 *   night after night shows only across them.
 * Everything is computed from the epoch rows (the analysis stored each epoch's Theil–Sen RSS slope and its
 * interval), so the report, which reads the same rows, agrees with REST and the CLI.
 */

import type { Store } from '../storage/store.js';
import { criteriaProblems, GOALS, resolveCriteria, type Criteria, type Goal } from './criteria.js';
import type { JudgedEpoch } from './epochs.js';
import { judgeDrift, type VariantDrift } from './leak.js';
import { judgeComparison, type ComparisonVerdict } from './verdict.js';

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

function latestCampaignWithBoth(store: Store, a: string, b: string): number | null {
  const rowsA = store.epochs.listRows({ variant: a });
  const campaignsB = new Set(store.epochs.listRows({ variant: b }).map((e) => e.campaign_id));
  let best: number | null = null;
  for (const e of rowsA) if (campaignsB.has(e.campaign_id) && (best === null || e.campaign_id > best)) best = e.campaign_id;
  return best;
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
  } else campaign = latestCampaignWithBoth(store, req.baseline, req.candidate);

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
  const rows: JudgedEpoch[] =
    campaign === null
      ? []
      : [...store.epochs.listRows({ variant: req.baseline, campaign }), ...store.epochs.listRows({ variant: req.candidate, campaign })];
  const verdict = judgeComparison(rows, { baseline: req.baseline, candidate: req.candidate, goal, criteria });
  return { ...verdict, campaign, criteria_source: source };
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

/** Every comparison of the most recent campaign's plan, judged (what the gauge and the report show). */
export function planComparisons(store: Store, campaignId?: number): CompareResult[] {
  const campaign = campaignId !== undefined ? store.campaigns.get(campaignId) : store.campaigns.list({ limit: 1 })[0];
  if (campaign === undefined) return [];
  const known = knownVariants(store);
  return campaign.plan.comparisons
    .filter((c) => known.has(c.baseline) && known.has(c.candidate))
    .map((c) => compare(store, { baseline: c.baseline, candidate: c.candidate, campaign: campaign.id }));
}
