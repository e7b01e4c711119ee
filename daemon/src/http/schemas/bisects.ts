/**
 * Schemas of GET /bisects and /bisects/:id: `allocsoak bisect` runs as migrations/014 stores them
 * (storage/bisects.ts). Field names are the `bisect_runs` and `bisect_steps` columns; the status, role and
 * outcome unions are the domain's lists (domain/types.ts), the goal and verdict the judgement's.
 */
import Type, { type Static } from 'typebox';
import { BISECT_OUTCOMES, BISECT_ROLES, BISECT_STATUSES } from '../../domain/types.js';
import { GOALS } from '../../judgement/index.js';
import { NullableNumber, NullableString } from './common.js';
import { Verdict } from './judgement.js';

export const BISECT_LIST_MAX = 1000;
export const BISECT_LIST_DEFAULT = 50;

/** What a commit of the range is known to be: its last step's outcome, or `untested` when no step ran on it. */
export const BISECT_COMMIT_STATES = [...BISECT_OUTCOMES, 'untested'] as const;
export type BisectCommitState = (typeof BISECT_COMMIT_STATES)[number];

export const BisectListQuery = Type.Object(
  {
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: BISECT_LIST_MAX,
        default: BISECT_LIST_DEFAULT,
        description: 'at most this many runs, newest first',
      }),
    ),
  },
  { additionalProperties: false },
);
export type BisectListQuery = Static<typeof BisectListQuery>;

const BisectCommit = Type.Object({
  commit: Type.String({ description: '40 hex digits' }),
  subject: Type.String({ description: 'the first line of its message' }),
});

const Culprit = Type.Object({
  commit: Type.String({ description: 'the first bad commit, 40 hex digits' }),
  subject: Type.Union([Type.String(), Type.Null()], { description: 'its subject; null if the range does not list it' }),
  parent: Type.Union([BisectCommit, Type.Null()], {
    description: 'the commit before it in the range: the last one like the good build; null if the range does not list the culprit',
  }),
});

export const BisectSummary = Type.Object({
  id: Type.Integer(),
  repo: Type.String({ description: 'the git repository, absolute path' }),
  good: Type.String({ description: 'the known-good revision as given on the command line' }),
  bad: Type.String({ description: 'the known-bad revision as given on the command line' }),
  good_commit: Type.Union([BisectCommit, Type.Null()], {
    description: "the range's first commit (what `good` named); null for an empty range",
  }),
  bad_commit: Type.Union([BisectCommit, Type.Null()], {
    description: "the range's last commit (what `bad` named); null for an empty range",
  }),
  goal: Type.Enum(GOALS, { description: 'speed: the first commit that made it slower; memory: hungrier' }),
  status: Type.Enum(BISECT_STATUSES, {
    description: 'running, or how it ended: found (culprit), no_change, inconclusive, interrupted (bisect --resume takes it up), failed',
  }),
  culprit: Type.Union([Culprit, Type.Null()], { description: 'the first bad commit when status is found, else null' }),
  message: Type.Union([Type.String(), Type.Null()], {
    description: 'the outcome in words: the culprit and its evidence, or why there is none',
  }),
  started_at: Type.String(),
  ended_at: NullableString,
  commit_count: Type.Integer({ description: 'commits in the range, the good and the bad one included' }),
  step_count: Type.Integer({ description: 'steps done so far (builds tried, failed ones included)' }),
});
export type BisectSummary = Static<typeof BisectSummary>;

export const BisectListResponse = Type.Object({ bisects: Type.Array(BisectSummary) });
export type BisectListResponse = Static<typeof BisectListResponse>;

export const BisectStep = Type.Object({
  id: Type.Integer(),
  commit_sha: Type.String({ description: 'the commit built, 40 hex digits' }),
  subject: Type.Union([Type.String(), Type.Null()], { description: "the commit's subject; null if the range does not list it" }),
  role: Type.Enum(BISECT_ROLES, {
    description: "endpoint: an end of the range; probe: a commit inside it; confirm: the culprit's parent re-tested",
  }),
  build_ok: Type.Boolean({ description: 'false: the build failed and the commit is skipped, like `git bisect skip`' }),
  build_note: Type.Union([Type.String(), Type.Null()], { description: 'why the build failed: exit status and the tail of its output' }),
  library_sha256: NullableString,
  campaign_id: Type.Union([Type.Integer(), Type.Null()], {
    description: 'the duet campaign that judged this build against the good one (GET /campaigns/:id); null when the build failed',
  }),
  verdict: Type.Union([Verdict, Type.Null()], { description: "the step's verdict against the good build; null when the build failed" }),
  measure: Type.Union([Type.String(), Type.Null()], { description: "what `ratio` is of, e.g. 'throughput per CPU-second', 'held RSS'" }),
  ratio: Type.Union([Type.Number(), Type.Null()], { description: "the step's build over the good build" }),
  ratio_lo: Type.Union([Type.Number(), Type.Null()], { description: "the verdict's interval for ratio" }),
  ratio_hi: NullableNumber,
  pairs: Type.Union([Type.Integer(), Type.Null()], { description: 'duet rounds judged' }),
  outcome: Type.Enum(BISECT_OUTCOMES, {
    description: 'what the step says of its commit: good (like the good build), bad (changed), skip (build failed), unclear',
  }),
  started_at: Type.String(),
  ended_at: Type.String(),
});
export type BisectStep = Static<typeof BisectStep>;

export const BisectDetail = Type.Object({
  ...BisectSummary.properties,
  build_command: Type.String({ description: "run with `sh -c` in each commit's temporary worktree" }),
  library: Type.String({ description: 'the library the build produces, relative to the work tree' }),
  commits: Type.Array(
    Type.Object({
      ...BisectCommit.properties,
      state: Type.Enum(BISECT_COMMIT_STATES, {
        description: "what is known of it: its last step's outcome (a confirm step re-tests), or untested",
      }),
      step_ids: Type.Array(Type.Integer(), { description: 'the steps that built it, in order' }),
    }),
    { description: 'the commits of the range, oldest first: the good one first, the bad one last' },
  ),
  steps: Type.Array(BisectStep, { description: 'every step in the order it ran' }),
});
export type BisectDetail = Static<typeof BisectDetail>;
