/** Schemas of the judgement routes: GET /compare and GET /drift (shapes of daemon/src/verdicts/service.ts). */
import Type, { type Static } from 'typebox';
import { VERDICTS } from '../../judgement/index.js';
import { Judged, NullableNumber, NullableString } from './common.js';

const VariantName = Type.String({ minLength: 1, maxLength: 200 });

/** From the judgement's own list (VERDICTS). */
export const Verdict = Type.Enum(VERDICTS);
export const DriftVerdict = Type.Union([Type.Literal('LEAK'), Type.Literal('DRIFT'), Type.Literal('CLEAN'), Type.Literal('UNDECIDED')]);

export const Reason = Type.Object({
  criterion: Type.String({ description: 'criterion key (docs/judgement.md) or guardrail (guard.crash, guard.leak, guard.drift)' }),
  status: Type.Union([Type.Literal('pass'), Type.Literal('fail'), Type.Literal('undecided'), Type.Literal('info')]),
  decisive: Type.Boolean({ description: 'this reason decided the verdict' }),
  message: Type.String(),
  value: Type.Optional(NullableNumber),
  low: Type.Optional(NullableNumber),
  high: Type.Optional(NullableNumber),
  threshold: Type.Optional(NullableNumber),
  p_value: Type.Optional(NullableNumber),
});

export const RatioEstimate = Type.Object({
  ratio: Type.Number({ description: 'candidate / baseline (Hodges–Lehmann on logs)' }),
  low: NullableNumber,
  high: NullableNumber,
  confidence: NullableNumber,
  p_value: Type.Number(),
  analysis: Type.Union([Type.Literal('paired'), Type.Literal('unpaired')]),
  test: Type.Union([Type.Literal('wilcoxon-signed-rank'), Type.Literal('mann-whitney')]),
  n_baseline: Type.Integer(),
  n_candidate: Type.Integer(),
  n_pairs: Type.Integer(),
  se_log: NullableNumber,
  baseline_median: Type.Number(),
  candidate_median: Type.Number(),
});

const ArmCounts = Type.Object({ completed: Type.Integer(), failed: Type.Integer(), ignored: Type.Integer() });

const DriftCore = {
  variant: Type.String(),
  slope_bytes_per_hour: NullableNumber,
  slope_low: NullableNumber,
  slope_high: NullableNumber,
  leak: Type.Boolean(),
  drift: Type.Boolean(),
  verdict: DriftVerdict,
  flagged_epochs: Type.Integer(),
  flagged_p_value: NullableNumber,
  drift_pct: Type.Union([
    Type.Object({
      median: Type.Number(),
      low: NullableNumber,
      high: NullableNumber,
      basis: Type.Union([Type.Literal('held'), Type.Literal('endpoint')], {
        description:
          'which drift is judged: held memory (RSS − LazyFree) along its robust line, or the endpoints for epochs before schema v8',
      }),
    }),
    Type.Null(),
  ]),
  series: Type.Object({
    trend: Type.Union([
      Type.Object({ slope_per_epoch: Type.Number(), low: NullableNumber, high: NullableNumber, flagged: Type.Boolean() }),
      Type.Null(),
    ]),
    change_point: Type.Union([
      Type.Object({
        after_epoch_id: Type.Integer(),
        index: Type.Integer(),
        p_value: Type.Number(),
        shift: Type.Number(),
        before: Type.Number(),
        after: Type.Number(),
        flagged: Type.Boolean(),
      }),
      Type.Null(),
    ]),
  }),
};

export const CompareQuery = Type.Object(
  {
    baseline: Type.Optional(VariantName),
    candidate: Type.Optional(VariantName),
    campaign: Type.Optional(Type.Integer({ minimum: 1, description: 'default: the most recent campaign in which both ran' })),
    goal: Type.Optional(
      Type.Union([Type.Literal('speed'), Type.Literal('memory')], { description: "default: the plan comparison's goal, else speed" }),
    ),
  },
  { additionalProperties: false },
);
export type CompareQuery = Static<typeof CompareQuery>;

export const CompareResponse = Type.Object({
  baseline: Type.String(),
  candidate: Type.String(),
  goal: Type.Union([Type.Literal('speed'), Type.Literal('memory')]),
  campaign: Type.Union([Type.Integer(), Type.Null()], {
    description: 'the campaign judged: its epochs and those of earlier campaigns in the same series',
  }),
  campaigns: Type.Array(Type.Object({ campaign: Type.Integer(), baseline: Type.Integer(), candidate: Type.Integer() }), {
    description: 'the campaigns whose epochs the verdict used (each arm counted), oldest first',
  }),
  criteria_source: Type.Union([Type.Literal('plan'), Type.Literal('default'), Type.Literal('request')]),
  verdict: Verdict,
  decided_by: Type.String(),
  epochs_needed_per_arm: Type.Union([Type.Integer(), Type.Null()]),
  settle_seconds: Type.Union([Type.Number(), Type.Null()], {
    description:
      "about how long until it settles under the campaign's plan and schedule (the other comparisons' rounds included), in seconds; null when settled",
  }),
  settle_at: Type.Union([Type.String(), Type.Null()], {
    description: 'when it likely settles (ISO time), while its campaign runs; null otherwise',
  }),
  look: Type.Union(
    [
      Type.Object({
        index: Type.Integer({ description: '0-based look' }),
        n: Type.Integer({ description: 'pairs (epochs per arm) judged at this look' }),
        confidence: Type.Number({ description: "this look's confidence (its share of the error spent)" }),
      }),
      Type.Null(),
    ],
    {
      description:
        'adaptive schedule: the planned look the verdict was judged at (null before the first, or without the adaptive schedule)',
    },
  ),
  reasons: Type.Array(Reason),
  criteria: Type.Record(Type.String(), Type.Number()),
  epochs: Type.Object({ baseline: ArmCounts, candidate: ArmCounts, pairs: Type.Integer() }),
  throughput_basis: Type.Union([Type.Literal('cpu'), Type.Literal('wall')], {
    description: 'cpu: ops per CPU-second of the workload; wall: ops per wall-clock second',
  }),
  throughput: Type.Union([RatioEstimate, Type.Null()]),
  throughput_wall: Type.Union([RatioEstimate, Type.Null()], { description: 'the wall-clock ratio when the verdict is on the CPU basis' }),
  rss_peak: Type.Union([RatioEstimate, Type.Null()]),
  rss_held: Type.Union([RatioEstimate, Type.Null()], {
    description: 'held memory (median RSS − LazyFree after warm-up) candidate/baseline',
  }),
  rss_basis: Type.Union([Type.Literal('peak'), Type.Literal('held')], {
    description: 'which RSS the memory criteria read (judge_held_rss)',
  }),
  spread: Type.Union([
    Type.Object({
      between: Type.Object({ ratio: NullableNumber, p_value: NullableNumber, increased: Type.Boolean() }),
      within: Type.Object({
        baseline_cv_pct: NullableNumber,
        candidate_cv_pct: NullableNumber,
        ratio: NullableNumber,
        low: NullableNumber,
        high: NullableNumber,
        p_value: NullableNumber,
        increased: Type.Boolean(),
      }),
      increased: Type.Boolean(),
    }),
    Type.Null(),
  ]),
  syscalls_per_op: Type.Object({ baseline: NullableNumber, candidate: NullableNumber }),
  drift: Type.Object({ baseline: Type.Object(DriftCore), candidate: Type.Object(DriftCore) }),
  judged: Judged,
});
export type CompareResponse = Static<typeof CompareResponse>;

export const DriftQuery = Type.Object(
  {
    variant: Type.Optional(VariantName),
    since: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'ISO-8601 time: only epochs started at or after it' })),
    campaign: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);
export type DriftQuery = Static<typeof DriftQuery>;

export const DriftEpoch = Type.Object({
  id: Type.Integer(),
  started_at: Type.String(),
  rss_initial_bytes: NullableNumber,
  rss_final_bytes: NullableNumber,
  rss_drift_pct: Type.Union([Type.Number(), Type.Null()], { description: 'endpoint drift (first and last samples); not judged' }),
  rss_held_drift_pct: Type.Union([Type.Number(), Type.Null()], {
    description: 'held-memory drift: the one judged (null before schema v8)',
  }),
  rss_slope_bytes_per_hour: NullableNumber,
  rss_slope_low: NullableNumber,
  rss_slope_high: NullableNumber,
  rss_slope_late_bytes_per_hour: NullableNumber,
  leak: Type.Boolean(),
  leak_check: Type.Union(
    [Type.Literal('leak'), Type.Literal('below_floor'), Type.Literal('stopped_growing'), Type.Literal('short_window')],
    {
      description:
        'why the epoch is or is not flagged: leak, below_floor (slope lower bound under the floor), stopped_growing (not in its later half), short_window (too little growth in a short window)',
    },
  ),
});

export const DriftResponse = Type.Object({
  ...DriftCore,
  since: NullableString,
  epochs: Type.Array(DriftEpoch),
  reasons: Type.Array(Reason),
  judged: Judged,
});
export type DriftResponse = Static<typeof DriftResponse>;
