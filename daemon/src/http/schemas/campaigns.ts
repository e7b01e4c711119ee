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

export const DuetIntervalsQuery = Type.Object(
  { round: Type.Optional(Type.Integer({ minimum: 1, description: 'only this round' })) },
  { additionalProperties: false },
);
export type DuetIntervalsQuery = Static<typeof DuetIntervalsQuery>;

const DuetArm = Type.Object({ epoch_id: Type.Integer(), variant: Type.String() });

export const DuetIntervalsResponse = Type.Object({
  campaign_id: Type.Integer(),
  rounds: Type.Array(
    Type.Object({
      round: Type.Integer(),
      baseline: DuetArm,
      candidate: DuetArm,
      basis: Type.Union([Type.Literal('cpu'), Type.Literal('wall')], {
        description: 'cpu: ops per CPU-second of each arm over the interval; wall: ops per wall-clock second',
      }),
      clock_offset_ms: Type.Number({
        description:
          "the candidate's clock origin minus the baseline's, as the daemon received their samples: how the arms were put on one clock",
      }),
      median_ratio: Type.Number({ description: "median of the round's interval ratios" }),
      intervals: Type.Array(
        Type.Object({
          t_ms: Type.Number({ description: "end of the interval on the baseline's clock (ms since its start)" }),
          ratio: Type.Number({ description: 'candidate throughput / baseline throughput over the interval' }),
        }),
      ),
    }),
    {
      description:
        'per duet round, the paired ratios of each sampling interval after warm-up that both arms covered; for looking at only: verdicts use one ratio per round',
    },
  ),
});
export type DuetIntervalsResponse = Static<typeof DuetIntervalsResponse>;

const SeriesEpochRef = Type.Object({
  epoch_id: Type.Integer(),
  campaign_id: Type.Integer(),
  series_sha256: Type.String(),
  allocator_sha256: NullableString,
});

export const CampaignSeriesResponse = Type.Object({
  campaign_id: Type.Integer(),
  variants: Type.Array(
    Type.Object({
      variant: Type.String(),
      series_sha256: Type.Union([Type.String(), Type.Null()], {
        description: 'the series the variant ran last in this campaign; null without epochs (or epochs from before schema v6)',
      }),
      first: Type.Union([SeriesEpochRef, Type.Null()], {
        description: 'the first epoch of that series, in this campaign or an earlier one: verdicts count its epochs from there',
      }),
      epochs: Type.Integer({ description: 'epochs of that series up to this campaign (any outcome)' }),
      last_change: Type.Union(
        [
          Type.Object({
            from: SeriesEpochRef,
            to: SeriesEpochRef,
            changed: Type.Array(
              Type.Union([
                Type.Literal('allocator library'),
                Type.Literal('allocator'),
                Type.Literal('env'),
                Type.Literal('arguments'),
                Type.Literal('command'),
                Type.Literal('workload program'),
              ]),
              {
                description:
                  "what differs between the two epochs: the library's sha256, the plan's allocator, env, arguments, command; else the workload program (the part of the series no column records)",
              },
            ),
          }),
          Type.Null(),
        ],
        {
          description:
            "the last change of the variant's series up to this campaign: the last epoch before it and the first after; null: never changed",
        },
      ),
    }),
  ),
});
export type CampaignSeriesResponse = Static<typeof CampaignSeriesResponse>;
