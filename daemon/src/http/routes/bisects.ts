/**
 * `allocsoak bisect` runs as stored (storage/bisects.ts): the list, and one run with its range and steps.
 * Read-only, like every GET: the runs are written by the bisect command, never over HTTP.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { BisectCommit, BisectRunRecord, BisectStepRecord } from '../../storage/index.js';
import type { AppDeps } from '../app.js';
import { notFound } from '../plugins/errors.js';
import {
  BISECT_LIST_DEFAULT,
  BisectDetail,
  BisectListQuery,
  BisectListResponse,
  type BisectCommitState,
  type BisectSummary,
} from '../schemas/bisects.js';
import { errorResponses, IdParams } from '../schemas/common.js';

function summarize(run: BisectRunRecord, stepCount: number): BisectSummary {
  const commits = run.commits;
  const at = run.culprit === null ? -1 : commits.findIndex((c) => c.commit === run.culprit);
  return {
    id: run.id,
    repo: run.repo,
    good: run.good,
    bad: run.bad,
    good_commit: commits[0] ?? null,
    bad_commit: commits[commits.length - 1] ?? null,
    goal: run.goal,
    status: run.status,
    culprit:
      run.culprit === null
        ? null
        : { commit: run.culprit, subject: commits[at]?.subject ?? null, parent: at > 0 ? (commits[at - 1] ?? null) : null },
    message: run.message,
    started_at: run.started_at,
    ended_at: run.ended_at,
    commit_count: commits.length,
    step_count: stepCount,
  };
}

/** Each commit of the range with what its steps say of it: the last one's outcome (a confirm step re-tests a commit). */
function knownCommits(commits: readonly BisectCommit[], steps: readonly BisectStepRecord[]): BisectDetail['commits'] {
  return commits.map((c) => {
    const own = steps.filter((s) => s.commit_sha === c.commit);
    const state: BisectCommitState = own[own.length - 1]?.outcome ?? 'untested';
    return { commit: c.commit, subject: c.subject, state, step_ids: own.map((s) => s.id) };
  });
}

const bisectRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (fastify, { store }) => {
  fastify.get(
    '/bisects',
    {
      schema: {
        tags: ['bisects'],
        summary: '`allocsoak bisect` runs, newest first: the range, the goal, the status and the culprit',
        querystring: BisectListQuery,
        response: { 200: BisectListResponse, ...errorResponses(400) },
      },
    },
    async (request) => {
      const runs = store.bisects.list(request.query.limit ?? BISECT_LIST_DEFAULT);
      return { bisects: runs.map((r) => summarize(r, store.bisects.steps(r.id).length)) };
    },
  );

  fastify.get(
    '/bisects/:id',
    {
      schema: {
        tags: ['bisects'],
        summary: "One bisect run: its range oldest first with what is known of each commit, and every step's build and verdict",
        params: IdParams,
        response: { 200: BisectDetail, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const run = store.bisects.get(request.params.id);
      if (run === undefined) throw notFound(`no bisect run ${request.params.id}`);
      const steps = store.bisects.steps(run.id);
      const subjects = new Map(run.commits.map((c) => [c.commit, c.subject]));
      return {
        ...summarize(run, steps.length),
        build_command: run.build_command,
        library: run.library,
        commits: knownCommits(run.commits, steps),
        // run_id is the run itself; each step gains its commit's subject.
        steps: steps.map(({ run_id: _run, ...s }) => ({ ...s, subject: subjects.get(s.commit_sha) ?? null })),
      };
    },
  );
};

export default bisectRoutes;
