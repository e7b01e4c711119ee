/** Schemas of the epoch routes. Field names are the `epochs` columns (migrations/001, 002). */
import Type, { type Static } from 'typebox';
import { OUTCOMES } from '../../domain/types.js';
import { NullableInteger, NullableNumber, NullableString, Outcome, Sample } from './common.js';

export { Outcome } from './common.js';

export const EPOCH_LIST_MAX = 10_000;
export const EPOCH_LIST_DEFAULT = 100;
export const SAMPLES_MAX_POINTS_DEFAULT = 1000;
export const SAMPLES_MAX_POINTS_LIMIT = 10_000;

/** One row of `GET /api/v1/epochs` (domain EpochSummary). */
export const EpochSummary = Type.Object({
  id: Type.Integer(),
  campaign_id: Type.Integer(),
  variant: Type.String(),
  outcome: Outcome,
  started_at: Type.String({ description: 'ISO-8601 UTC' }),
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

/** `GET /api/v1/epochs/:id`: every column of the epoch, its host and its counters. */
export const EpochDetail = Type.Object({
  id: Type.Integer(),
  campaign_id: Type.Integer(),
  variant_id: Type.Integer(),
  variant: Type.String(),
  round: Type.Integer({ description: "1-based index of this variant's epoch in the campaign" }),
  outcome: Outcome,
  outcome_reason: Type.Union([Type.String(), Type.Null()], { description: 'why, for every outcome other than completed' }),
  exit_code: NullableInteger,
  signal: Type.Union([Type.String(), Type.Null()], { description: 'e.g. "SIGSEGV" when crashed' }),
  stderr_tail: Type.Union([Type.String(), Type.Null()], { description: 'last 4 KiB of stderr of a non-completed epoch' }),
  started_at: Type.String(),
  ended_at: NullableString,
  planned_ms: Type.Integer(),
  warmup_ms: Type.Integer(),
  interval_ms: Type.Integer(),
  pid: NullableInteger,
  host_id: NullableInteger,
  load_avg_1m: NullableNumber,
  load_avg_5m: NullableNumber,
  load_avg_15m: NullableNumber,
  allocator_sha256: NullableString,
  ops: NullableNumber,
  elapsed_ms: NullableNumber,
  throughput_mean: NullableNumber,
  throughput_median: NullableNumber,
  throughput_cv: NullableNumber,
  throughput_p1: NullableNumber,
  throughput_p5: NullableNumber,
  throughput_p50: NullableNumber,
  throughput_p95: NullableNumber,
  throughput_p99: NullableNumber,
  cpu_ms: NullableNumber,
  throughput_cpu: NullableNumber,
  throughput_cpu_cv: NullableNumber,
  rss_initial_bytes: NullableNumber,
  rss_final_bytes: NullableNumber,
  rss_peak_bytes: NullableNumber,
  hwm_bytes: NullableNumber,
  rss_drift_pct: NullableNumber,
  rss_slope_bytes_per_hour: NullableNumber,
  rss_slope_low: NullableNumber,
  rss_slope_high: NullableNumber,
  rss_slope_late_bytes_per_hour: NullableNumber,
  adj_rss_initial_bytes: NullableNumber,
  adj_rss_final_bytes: NullableNumber,
  adj_rss_peak_bytes: NullableNumber,
  adj_rss_drift_pct: NullableNumber,
  rss_held_bytes: NullableNumber,
  syscalls_mmap: NullableNumber,
  syscalls_munmap: NullableNumber,
  syscalls_madvise: NullableNumber,
  syscalls_mremap: NullableNumber,
  syscalls_brk: NullableNumber,
  syscalls_total: NullableNumber,
  syscalls_per_op: NullableNumber,
  lean_decommit: NullableNumber,
  lean_retire: NullableNumber,
  analysis_note: NullableString,
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
