/** Schemas of GET /history: a variant's builds in order with their change points (shapes of daemon/src/verdicts/history.ts). */
import Type, { type Static } from 'typebox';
import { Judged, NullableNumber, NullableString } from './common.js';
import { RatioEstimate, Reason, Verdict } from './judgement.js';

export const HistoryQuery = Type.Object(
  {
    variant: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'the variant whose builds to list' })),
  },
  { additionalProperties: false },
);
export type HistoryQuery = Static<typeof HistoryQuery>;

const BuildMeasure = Type.Object({
  median: Type.Union([Type.Number(), Type.Null()], { description: "median over the build's completed epochs" }),
  low: Type.Union([Type.Number(), Type.Null()], {
    description: "the median's distribution-free interval (order statistics); null with too few epochs",
  }),
  high: NullableNumber,
  n: Type.Integer({ description: 'completed epochs with a value' }),
});

const ChangeKind = Type.Union([
  Type.Literal('slower'),
  Type.Literal('faster'),
  Type.Literal('guardrail'),
  Type.Literal('more_memory'),
  Type.Literal('less_memory'),
]);

const BuildChange = Type.Object({
  against: Type.Integer({ description: 'the index of the build this one is judged against (the previous one)' }),
  marked: Type.Boolean({ description: 'a change point: speed GO or NO-GO, or memory surely outside the equivalence band' }),
  kinds: Type.Array(ChangeKind),
  speed: Type.Object({
    verdict: Verdict,
    decided_by: Type.String(),
    epochs_needed_per_arm: Type.Union([Type.Integer(), Type.Null()]),
    throughput_basis: Type.Union([Type.Literal('cpu'), Type.Literal('wall')]),
    throughput: Type.Union([RatioEstimate, Type.Null()], { description: 'this build / the previous one, unpaired' }),
    reasons: Type.Array(Reason),
  }),
  memory: Type.Object({
    basis: Type.Union([Type.Literal('held'), Type.Literal('peak')], {
      description: 'held memory when both builds have it, else the true peak',
    }),
    ratio: Type.Union([RatioEstimate, Type.Null()]),
    equivalence_pct: Type.Number({ description: "the memory goal's rss_equivalence_pct: within ± this, no memory effect" }),
    change: Type.Union([Type.Literal('more'), Type.Literal('less'), Type.Literal('none'), Type.Literal('undecided')]),
  }),
  summary: Type.String(),
});

export const HistoryBuild = Type.Object({
  index: Type.Integer({ description: '1-based, in order of the first epoch of each build' }),
  name: Type.String({ description: 'the build label, else the short commit ("+dirty"), else "lib" and the first digits of its sha256' }),
  library_sha256: NullableString,
  label: NullableString,
  commit: NullableString,
  dirty: Type.Union([Type.Boolean(), Type.Null()]),
  first_started_at: Type.String(),
  last_started_at: Type.String(),
  campaigns: Type.Array(Type.Integer()),
  epochs: Type.Object({ completed: Type.Integer(), failed: Type.Integer(), ignored: Type.Integer() }),
  throughput: BuildMeasure,
  rss_held_bytes: BuildMeasure,
  rss_peak_bytes: BuildMeasure,
  drift_pct: BuildMeasure,
  syscalls_per_op: BuildMeasure,
  change: Type.Union([BuildChange, Type.Null()], { description: 'judged against the previous build; null for the first' }),
});

export const HistoryResponse = Type.Object({
  variant: Type.String(),
  throughput_basis: Type.Union([Type.Literal('cpu'), Type.Literal('wall')], {
    description: "the basis of every build's throughput: per CPU-second when every completed epoch has it",
  }),
  confidence: Type.Number(),
  analysis: Type.Literal('unpaired', { description: 'builds never run together: every comparison is unpaired' }),
  builds: Type.Array(HistoryBuild),
  change_points: Type.Array(Type.Integer(), { description: 'indices of the builds at which a change is marked' }),
  judged: Judged,
});
export type HistoryResponse = Static<typeof HistoryResponse>;
