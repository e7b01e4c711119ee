/** Schema pieces shared by routes. */
import Type from 'typebox';
import { CAMPAIGN_STATUSES, OUTCOMES } from '../../domain/types.js';

/** A nullable number column. */
export const NullableNumber = Type.Union([Type.Number(), Type.Null()]);
export const NullableInteger = Type.Union([Type.Integer(), Type.Null()]);
export const NullableString = Type.Union([Type.String(), Type.Null()]);

/** What a verdict answer was judged on (verdicts/reader.ts `Judged`): compare, drift and history carry it as `judged`. */
export const Judged = Type.Object(
  {
    at: Type.String({ description: 'when the judgement read the database (ISO time)' }),
    stamp: Type.String({
      description:
        'the epochs and campaigns it read, as an opaque stamp (highest epoch id, epochs running, highest campaign id, campaigns running): equal stamps, the same inputs',
    }),
    fresh: Type.Boolean({
      description:
        'false: an epoch or a campaign has started or ended since; this is the previous answer, served at once while a newer judgement runs (ask again shortly)',
    }),
  },
  { title: 'Judged' },
);

/** One problem of a plan (see daemon/src/plan/errors.ts), as listed in a 400 for a malformed plan. */
export const PlanProblem = Type.Object({
  source: Type.String({ description: '"api" for a plan that arrived over HTTP' }),
  path: Type.String({ description: 'field path such as variants[1].allocator; empty for the plan itself' }),
  expected: Type.String(),
  got: Type.String(),
  hint: Type.Optional(Type.String()),
});

/** Every error answer: fastify's usual three fields, plus details some routes add. */
export const ErrorResponse = Type.Object(
  {
    statusCode: Type.Integer(),
    error: Type.String({ description: 'HTTP reason phrase, e.g. "Bad Request"' }),
    message: Type.String({ description: 'what was wrong, naming the field or parameter' }),
    problems: Type.Optional(Type.Array(PlanProblem, { description: 'malformed plan (400): every problem found' })),
    features: Type.Optional(
      Type.Array(Type.String(), { description: 'refused plan (403): the privileged fields, e.g. variants[0].command' }),
    ),
    running_campaign_id: Type.Optional(Type.Integer({ description: '409: the campaign that is running' })),
  },
  { title: 'Error' },
);

/** `{400: ErrorResponse, 404: ErrorResponse, ...}` for a route's response schema. */
export function errorResponses<const C extends readonly number[]>(...codes: C): { [K in C[number]]: typeof ErrorResponse } {
  const out: Record<number, typeof ErrorResponse> = {};
  for (const c of codes) out[c] = ErrorResponse;
  return out;
}

/** `:id` of a campaign or an epoch. */
export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, description: 'numeric id' }) });

/** One interval sample (domain Sample). */
export const Sample = Type.Object({
  t_ms: Type.Number({ description: 'ms since the workload started' }),
  ops: Type.Number({ description: 'cumulative operations' }),
  ops_per_sec: NullableNumber,
  rss_bytes: NullableNumber,
  hwm_bytes: NullableNumber,
  rss_anon_bytes: NullableNumber,
  pss_bytes: NullableNumber,
  lazyfree_bytes: NullableNumber,
  cpu_ms: NullableNumber,
  counters: Type.Record(Type.String(), Type.Number(), {
    description: 'cumulative allocator counters as reported (leanmalloc: lean_decommit, ...)',
  }),
});

/** The epoch outcomes and campaign statuses, as response types: from the domain's lists, never spelled again. */
export const Outcome = Type.Enum(OUTCOMES);
export const CampaignStatus = Type.Enum(CAMPAIGN_STATUSES);
