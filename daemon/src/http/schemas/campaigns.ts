/** Schemas of the campaign routes. Field names are the `campaigns` columns (migrations/001). */
import Type, { type Static } from 'typebox';
import { CAMPAIGN_STATUSES, PLAN_MODES } from '../../domain/types.js';
import { CampaignStatus, NullableNumber, NullableString, Outcome } from './common.js';

export const CAMPAIGN_LIST_MAX = 1000;
export const CAMPAIGN_LIST_DEFAULT = 100;

/** A normalised plan as stored (daemon/src/plan/types.ts): durations in ms, sizes in bytes. */
export const StoredPlan = Type.Object({
  name: Type.String(),
  mode: Type.Optional(
    Type.Enum(PLAN_MODES, { description: 'sequential, or duet: both variants at once; absent in plans stored before duets: sequential' }),
  ),
  epoch_ms: Type.Number(),
  warmup_ms: Type.Number(),
  interval_ms: Type.Number(),
  schedule: NullableString,
  rss_limit_bytes: NullableNumber,
  variants: Type.Array(
    Type.Object({
      name: Type.String(),
      allocator: NullableString,
      env: Type.Record(Type.String(), Type.String()),
      args: Type.Array(Type.String()),
      command: Type.Union([Type.Array(Type.String()), Type.Null()]),
      optional: Type.Boolean(),
      build: Type.Optional(
        Type.String({ description: "the build's label (stored with each epoch as build_label); absent when not given" }),
      ),
    }),
  ),
  comparisons: Type.Array(
    Type.Object({
      baseline: Type.String(),
      candidate: Type.String(),
      goal: Type.String(),
      criteria: Type.Record(Type.String(), Type.Number()),
    }),
  ),
  reference: NullableString,
});

export const CampaignSummary = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  source: Type.String({ description: 'plan file path, or "api"' }),
  status: CampaignStatus,
  epochs_per_variant: Type.Union([Type.Integer(), Type.Null()], { description: 'null: continuous' }),
  started_at: Type.String(),
  ended_at: NullableString,
  variants: Type.Array(Type.String(), { description: 'variant names in plan order' }),
  epochs: Type.Integer({ description: 'epochs started so far (any outcome)' }),
  running: Type.Boolean({ description: 'this is the campaign the daemon is running now' }),
});
export type CampaignSummary = Static<typeof CampaignSummary>;

export const CampaignListQuery = Type.Object(
  {
    status: Type.Optional(Type.Enum([...CAMPAIGN_STATUSES], { description: 'only campaigns with this status' })),
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: CAMPAIGN_LIST_MAX,
        default: CAMPAIGN_LIST_DEFAULT,
        description: 'at most this many, newest first',
      }),
    ),
  },
  { additionalProperties: false },
);
export type CampaignListQuery = Static<typeof CampaignListQuery>;

export const CampaignListResponse = Type.Object({ campaigns: Type.Array(CampaignSummary) });

export const CampaignDetail = Type.Object({
  ...CampaignSummary.properties,
  plan: StoredPlan,
  variant_configs: Type.Array(
    Type.Object({
      name: Type.String(),
      allocator: NullableString,
      allocator_library: NullableString,
      env: Type.Record(Type.String(), Type.String()),
      args: Type.Array(Type.String()),
      command: Type.Union([Type.Array(Type.String()), Type.Null()]),
    }),
  ),
  epoch_counts: Type.Array(Type.Object({ variant: Type.String(), outcome: Outcome, count: Type.Integer() }), {
    description: 'epochs of this campaign by variant and outcome',
  }),
});
export type CampaignDetail = Static<typeof CampaignDetail>;

export const StartCampaignBody = Type.Object(
  {
    plan: Type.Object(
      {},
      {
        additionalProperties: true,
        description:
          'a plan exactly as in a plan file (docs/plan.md), as JSON: e.g. {"epoch": "60m", "variants": [{"name": "speed", "allocator": "leanmalloc", "env": {"LEANMALLOC_PROFILE": "speed"}}]}',
      },
    ),
    // Not a union with null: Ajv's type coercion would turn 0 into null and accept it.
    epochs_per_variant: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'epochs per variant; absent: continuous (runs until stopped)' }),
    ),
  },
  { additionalProperties: false },
);
export type StartCampaignBody = Static<typeof StartCampaignBody>;

export const StartCampaignResponse = Type.Object({
  campaign: CampaignSummary,
  warnings: Type.Array(Type.String(), { description: 'e.g. an optional variant skipped because its library is missing' }),
  skipped: Type.Array(Type.String(), { description: 'names of skipped optional variants' }),
});

export const StopCampaignResponse = Type.Object({ campaign: CampaignSummary });
