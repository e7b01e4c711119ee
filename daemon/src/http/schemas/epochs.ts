/** Schemas of the epoch routes. Field names are the `epochs` columns (migrations/001). */
import Type, { type Static } from 'typebox';
import { NullableNumber, NullableString } from './common.js';

export const EPOCH_LIST_MAX = 10_000;
export const EPOCH_LIST_DEFAULT = 100;

/** Same values as domain OUTCOMES (spelled out: TypeBox infers a union only from a tuple). */
export const Outcome = Type.Union([
  Type.Literal('running'),
  Type.Literal('completed'),
  Type.Literal('crashed'),
  Type.Literal('timeout'),
  Type.Literal('oom'),
  Type.Literal('failed'),
  Type.Literal('interrupted'),
  Type.Literal('aborted'),
]);

/** One row of `GET /api/v1/epochs` (domain EpochSummary). */
export const EpochSummary = Type.Object({
  id: Type.Integer(),
  campaign_id: Type.Integer(),
  variant: Type.String(),
  outcome: Outcome,
  started_at: Type.String(),
  ended_at: NullableString,
  ops: NullableNumber,
  throughput_mean: NullableNumber,
  throughput_cv: NullableNumber,
  throughput_p1: NullableNumber,
  throughput_p50: NullableNumber,
  rss_initial_bytes: NullableNumber,
  rss_final_bytes: NullableNumber,
  rss_peak_bytes: NullableNumber,
  rss_drift_pct: NullableNumber,
  rss_slope_bytes_per_hour: NullableNumber,
  syscalls_per_op: NullableNumber,
  lean_decommit: NullableNumber,
  lean_retire: NullableNumber,
});

export const EpochListQuery = Type.Object(
  {
    variant: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'only epochs of this variant' })),
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: EPOCH_LIST_MAX, default: EPOCH_LIST_DEFAULT, description: 'at most this many, newest first' }),
    ),
  },
  { additionalProperties: false },
);
export type EpochListQuery = Static<typeof EpochListQuery>;

export const EpochListResponse = Type.Object({ epochs: Type.Array(EpochSummary) });
export type EpochListResponse = Static<typeof EpochListResponse>;
