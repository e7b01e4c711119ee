/** Schemas of the epoch routes. Epoch fields come from domain/epoch-fields.ts. */
import Type, { type Static } from 'typebox';
import { EPOCH_COLUMNS, EPOCH_SUMMARY_COLUMNS, type EpochField } from '../../domain/epoch-fields.js';
import { OUTCOMES } from '../../domain/types.js';
import { Outcome, Sample } from './common.js';
import { epochFieldProperties, epochFieldsObject } from './epoch-fields.js';

export { Outcome } from './common.js';

export const EPOCH_LIST_MAX = 10_000;
export const EPOCH_LIST_DEFAULT = 100;
export const SAMPLES_MAX_POINTS_DEFAULT = 1000;
export const SAMPLES_MAX_POINTS_LIMIT = 10_000;

/** One row of `GET /api/v1/epochs`: the epoch fields marked `summary` in domain/epoch-fields.ts. */
export const EpochSummary = epochFieldsObject(EPOCH_SUMMARY_COLUMNS);
export type EpochSummary = Static<typeof EpochSummary>;

export const EpochListQuery = Type.Object(
  {
    variant: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'only epochs of this variant (must be a known variant)' }),
    ),
    campaign: Type.Optional(Type.Integer({ minimum: 1, description: 'only epochs of this campaign (must exist)' })),
    outcome: Type.Optional(Type.Enum([...OUTCOMES], { description: 'only epochs with this outcome' })),
    since: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 40,
        description: 'only epochs started at or after this ISO-8601 time (e.g. 2026-11-23 or 2026-11-23T22:00:00Z; no zone = UTC)',
      }),
    ),
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: EPOCH_LIST_MAX, default: EPOCH_LIST_DEFAULT, description: 'at most this many, newest first' }),
    ),
  },
  { additionalProperties: false },
);
export type EpochListQuery = Static<typeof EpochListQuery>;

export const EpochListResponse = Type.Object({ epochs: Type.Array(EpochSummary) });
export type EpochListResponse = Static<typeof EpochListResponse>;

export const Host = Type.Object({
  id: Type.Integer(),
  hostname: Type.String(),
  kernel: Type.String(),
  cpu_model: Type.String(),
  cores: Type.Integer(),
  thp: Type.String({ description: 'transparent_hugepage setting, e.g. "madvise"' }),
});

/** `GET /api/v1/epochs/:id`: every column of the epoch (but counters_json, parsed into `counters`), its host. */
export const EpochDetail = Type.Object({
  ...epochFieldProperties(EPOCH_COLUMNS.filter((c): c is Exclude<EpochField, 'counters_json'> => c !== 'counters_json')),
  host: Type.Union([Host, Type.Null()]),
  counters: Type.Union(
    [
      Type.Object({
        delta: Type.Record(Type.String(), Type.Number(), { description: 'counter deltas over the measured part of the epoch' }),
        per_op: Type.Record(Type.String(), Type.Union([Type.Number(), Type.Null()]), { description: 'delta / ops' }),
      }),
      Type.Null(),
    ],
    { description: 'allocator counters; null when the workload reported none' },
  ),
});
export type EpochDetail = Static<typeof EpochDetail>;

export const SamplesQuery = Type.Object(
  {
    step: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 1_000_000,
        default: 1,
        description: 'keep every step-th stored sample (1 = all); the last sample is always kept',
      }),
    ),
    max_points: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: SAMPLES_MAX_POINTS_LIMIT,
        default: SAMPLES_MAX_POINTS_DEFAULT,
        description:
          'upper bound on the samples returned: after `step`, the series is thinned evenly to at most this many points (first and last kept)',
      }),
    ),
    after_t_ms: Type.Optional(Type.Number({ minimum: 0, description: 'only samples with t_ms greater than this (for live refresh)' })),
  },
  { additionalProperties: false },
);
export type SamplesQuery = Static<typeof SamplesQuery>;

export const SamplesResponse = Type.Object({
  epoch_id: Type.Integer(),
  variant: Type.String(),
  outcome: Outcome,
  interval_ms: Type.Integer(),
  warmup_ms: Type.Integer(),
  total_samples: Type.Integer({ description: 'stored samples matching after_t_ms, before step and max_points' }),
  step: Type.Integer(),
  max_points: Type.Integer(),
  samples: Type.Array(Sample, { description: 'in time order; real measurements (decimated, never averaged)' }),
});
export type SamplesResponse = Static<typeof SamplesResponse>;
