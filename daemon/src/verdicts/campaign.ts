/**
 * Everything the report says about one campaign, from the functions REST and the gauge use: the plan's
 * comparisons (judgePlanComparisons, as the gauge), each variant's leak and drift over the campaign's
 * epochs (drift, as GET /drift?campaign= answers it) and each variant's ratio to the plan's reference.
 */
import { referenceRatios, type ReferenceRatio } from '../judgement/index.js';
import type { Store } from '../storage/index.js';
import { drift, judgePlanComparisons, type CompareResult, type DriftResult } from './service.js';

export interface CampaignJudgement {
  comparisons: CompareResult[];
  /** Ratio of each variant to the plan's reference; empty when the plan has none or it did not take part. */
  reference: ReferenceRatio[];
  drift: DriftResult[];
}

/** `variants`: those that took part in the campaign, in the order their ratios and drift are listed. */
export function judgeCampaign(store: Store, campaignId: number, variants: readonly string[]): CampaignJudgement {
  const campaign = store.campaigns.get(campaignId);
  if (campaign === undefined) throw new Error(`campaign ${campaignId} does not exist`);
  const reference = campaign.plan.reference;
  return {
    comparisons: judgePlanComparisons(store, campaignId),
    reference:
      reference !== null && variants.includes(reference)
        ? referenceRatios(store.epochs.listRows({ campaign: campaignId }), variants, reference)
        : [],
    drift: variants.map((variant) => drift(store, { variant, campaign: campaignId })),
  };
}
