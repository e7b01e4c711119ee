/**
 * Campaigns: list, inspect, start from a posted plan, stop. One campaign runs at a time (one child at
 * a time keeps measurements honest): a POST while one runs is a 409 naming it; stop it first.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CampaignBusyError, type StartedCampaign } from '../../campaign/index.js';
import { checkPlan, formatProblem, PlanError, resolvePlan, type ResolvedPlan } from '../../plan/index.js';
import type { CampaignRecord, Store } from '../../storage/index.js';
import type { AppDeps } from '../app.js';
import { ALLOWED_ENV_DESCRIPTION, refusedOverHttp } from '../plan-policy.js';
import { BEARER_SCHEME, refuseReadOnly, requireBearerToken } from '../plugins/auth.js';
import { HttpError, notFound } from '../plugins/errors.js';
import {
  CAMPAIGN_LIST_DEFAULT,
  CampaignDetail,
  CampaignListQuery,
  CampaignListResponse,
  CampaignSeriesResponse,
  DuetIntervalsQuery,
  DuetIntervalsResponse,
  StartCampaignBody,
  StartCampaignResponse,
  StopCampaignResponse,
  type CampaignSummary,
} from '../schemas/campaigns.js';
import { median } from '../../stats/descriptive.js';
import { errorResponses, IdParams } from '../schemas/common.js';

export const API_PLAN_SOURCE = 'api';

function summarize(store: Store, c: CampaignRecord, runningId: number | null): CampaignSummary {
  return {
    id: c.id,
    name: c.name,
    source: c.source,
    status: c.status,
    epochs_per_variant: c.epochs_per_variant,
    started_at: c.started_at,
    ended_at: c.ended_at,
    variants: c.plan.variants.map((v) => v.name),
    epochs: store.epochs.countsForCampaign(c.id).reduce((n, r) => n + r.count, 0),
    running: c.id === runningId,
  };
}

/** The problems of a refused plan, each once: `message` for people, `problems` for programs. */
function planProblems(err: PlanError): { message: string; problems: Array<Record<string, string>> } {
  const seen = new Set<string>();
  const problems: Array<Record<string, string>> = [];
  const lines: string[] = [];
  for (const p of err.problems) {
    const line = formatProblem(p);
    if (seen.has(line)) continue;
    seen.add(line);
    lines.push(line);
    const { source, path, expected, got, hint } = p;
    problems.push({ source, path, expected, got, ...(hint === undefined ? {} : { hint }) });
  }
  return { message: `malformed plan: ${lines.join('; ')}`, problems };
}

const campaignRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (fastify, { store, controller, options }) => {
  const guard = options.readOnly === true ? refuseReadOnly() : requireBearerToken(options.token);
  const runningId = (): number | null => controller.status().campaign?.campaign_id ?? null;
  const security = [{ [BEARER_SCHEME]: [] }];

  fastify.get(
    '/campaigns',
    {
      schema: {
        tags: ['campaigns'],
        summary: 'Campaigns, newest first',
        querystring: CampaignListQuery,
        response: { 200: CampaignListResponse, ...errorResponses(400) },
      },
    },
    async (request) => {
      const running = runningId();
      const list = store.campaigns.list({ status: request.query.status, limit: request.query.limit ?? CAMPAIGN_LIST_DEFAULT });
      return { campaigns: list.map((c) => summarize(store, c, running)) };
    },
  );

  fastify.get(
    '/campaigns/:id',
    {
      schema: {
        tags: ['campaigns'],
        summary: 'One campaign: its plan, variants and epoch counts by outcome',
        params: IdParams,
        response: { 200: CampaignDetail, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const c = store.campaigns.get(request.params.id);
      if (c === undefined) throw notFound(`no campaign ${request.params.id}`);
      return {
        ...summarize(store, c, runningId()),
        plan: c.plan,
        variant_configs: store.variants.listForCampaign(c.id).map((v) => ({
          name: v.name,
          allocator: v.allocator,
          allocator_library: v.allocator_library,
          env: v.config.env,
          args: v.config.args,
          command: v.config.command,
        })),
        epoch_counts: store.epochs.countsForCampaign(c.id),
      };
    },
  );

  fastify.get(
    '/campaigns/:id/duet-intervals',
    {
      schema: {
        tags: ['campaigns'],
        summary: "A duet campaign's per-interval paired ratios, per round (for looking at; verdicts use one ratio per round)",
        params: IdParams,
        querystring: DuetIntervalsQuery,
        response: { 200: DuetIntervalsResponse, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      if (store.campaigns.get(id) === undefined) throw notFound(`no campaign ${id}`);
      const variantOf = (epochId: number): string => store.epochs.getRow(epochId)?.variant ?? '';
      return {
        campaign_id: id,
        rounds: store.duetIntervals.list(id, request.query.round).map((r) => ({
          round: r.round,
          baseline: { epoch_id: r.baseline_epoch_id, variant: variantOf(r.baseline_epoch_id) },
          candidate: { epoch_id: r.candidate_epoch_id, variant: variantOf(r.candidate_epoch_id) },
          basis: r.basis,
          clock_offset_ms: r.clock_offset_ms,
          median_ratio: median(r.intervals.map((i) => i.ratio)),
          intervals: r.intervals,
        })),
      };
    },
  );

  fastify.get(
    '/campaigns/:id/series',
    {
      schema: {
        tags: ['campaigns'],
        summary: "Each variant's series as of this campaign: since which epoch it runs, and its last change (what changed)",
        params: IdParams,
        response: { 200: CampaignSeriesResponse, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const c = store.campaigns.get(request.params.id);
      if (c === undefined) throw notFound(`no campaign ${request.params.id}`);
      const names = c.plan.variants.map((v) => v.name);
      for (const v of store.variants.listForCampaign(c.id)) if (!names.includes(v.name)) names.push(v.name);
      return { campaign_id: c.id, variants: names.map((n) => store.series.ofVariant(n, c.id)) };
    },
  );

  fastify.post(
    '/campaigns',
    {
      onRequest: guard,
      schema: {
        tags: ['campaigns'],
        summary: 'Start a campaign from a plan (validated exactly like a plan file); 409 while another runs',
        security,
        body: StartCampaignBody,
        response: { 201: StartCampaignResponse, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      // Validation first: a malformed plan is a 400 naming every problem, whatever it asks for. Files it
      // names (commands, library paths) are looked at only when it may use them at all.
      let resolved: ResolvedPlan;
      try {
        const plan = await checkPlan(request.body.plan, API_PLAN_SOURCE, { checkFiles: options.allowCommands });
        const refused = options.allowCommands ? [] : refusedOverHttp(plan);
        if (refused.length > 0) {
          throw new HttpError(
            403,
            `plan refused: ${refused.join(', ')} would run another program or load another library; over HTTP a plan may only use ` +
              `named allocators, random_mixed arguments and allocator knobs (${ALLOWED_ENV_DESCRIPTION}) unless the daemon was started with --allow-commands`,
            { features: refused },
          );
        }
        resolved = resolvePlan(plan, API_PLAN_SOURCE);
      } catch (err) {
        if (err instanceof PlanError) {
          const { message, problems } = planProblems(err);
          throw new HttpError(400, message, { problems });
        }
        throw err;
      }
      if (resolved.variants.length === 0) {
        throw new HttpError(400, `body/plan: no variant can run (every one was skipped): ${resolved.warnings.join('; ')}`);
      }
      let started: StartedCampaign;
      try {
        started = controller.start({
          resolved,
          source: API_PLAN_SOURCE,
          epochsPerVariant: request.body.epochs_per_variant ?? null,
          resume: false,
        });
      } catch (err) {
        if (err instanceof CampaignBusyError) {
          const name = controller.status().campaign?.name;
          throw new HttpError(
            409,
            `campaign ${err.runningId}${name === undefined ? '' : ` (${JSON.stringify(name)})`} is running; one campaign runs at a time: ` +
              `stop it first with POST /api/v1/campaigns/${err.runningId}/stop`,
            { running_campaign_id: err.runningId },
          );
        }
        throw err;
      }
      // The controller logs a failed loop; nothing waits on this promise here.
      started.done.catch(() => undefined);
      for (const w of resolved.warnings) request.log.warn({ campaign: started.id }, w);
      request.log.info(
        {
          campaign: started.id,
          variants: resolved.variants.map((v) => v.name),
          epochs_per_variant: request.body.epochs_per_variant ?? null,
        },
        'campaign started over HTTP',
      );
      const record = store.campaigns.get(started.id);
      if (record === undefined) throw new Error(`campaign ${started.id} vanished right after it was created`);
      reply.code(201).header('location', `/api/v1/campaigns/${started.id}`);
      return { campaign: summarize(store, record, started.id), warnings: resolved.warnings, skipped: resolved.skipped };
    },
  );

  fastify.post(
    '/campaigns/:id/stop',
    {
      onRequest: guard,
      schema: {
        tags: ['campaigns'],
        summary: 'Stop the running campaign: its workload is killed, the epoch stored as aborted, the campaign as stopped',
        security,
        params: IdParams,
        response: { 200: StopCampaignResponse, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const c = store.campaigns.get(id);
      if (c === undefined) throw notFound(`no campaign ${id}`);
      const stopped = await controller.stop(id);
      if (!stopped) {
        const running = runningId();
        throw new HttpError(
          409,
          `campaign ${id} is not running (status ${c.status})${running === null ? '' : `; campaign ${running} is`}`,
          running === null ? {} : { running_campaign_id: running },
        );
      }
      request.log.info({ campaign: id }, 'campaign stopped over HTTP');
      const after = store.campaigns.get(id) ?? c;
      return { campaign: summarize(store, after, runningId()) };
    },
  );
};

export default campaignRoutes;
