import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { parseSince, requireKnownCampaign, requireKnownVariant } from '../../domain/parameters.js';
import { downsample, sampleFromRow } from '../../storage/index.js';
import type { AppDeps } from '../app.js';
import { notFound } from '../plugins/errors.js';
import { errorResponses, IdParams } from '../schemas/common.js';
import {
  EPOCH_LIST_DEFAULT,
  EpochDetail,
  EpochListQuery,
  EpochListResponse,
  SAMPLES_MAX_POINTS_DEFAULT,
  SamplesQuery,
  SamplesResponse,
} from '../schemas/epochs.js';

/**
 * Thinning of a sample series: every `step`-th sample (the last one always kept, so a live plot ends
 * at the newest point), then evenly decimated to at most `maxPoints` (first and last kept). Points are
 * real measurements, never averages.
 */
export function thinSamples<T>(items: readonly T[], step: number, maxPoints: number): T[] {
  let kept: T[] = [...items];
  if (step > 1 && items.length > 0) {
    kept = items.filter((_, i) => i % step === 0);
    if ((items.length - 1) % step !== 0) kept.push(items[items.length - 1] as T);
  }
  return downsample(kept, maxPoints);
}

const epochRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (fastify, { store }) => {
  fastify.get(
    '/epochs',
    {
      schema: {
        tags: ['epochs'],
        summary: 'Epoch summaries, newest first, filtered by variant, campaign, outcome and start time',
        querystring: EpochListQuery,
        response: { 200: EpochListResponse, ...errorResponses(400) },
      },
    },
    async (request) => {
      const { variant, campaign, outcome, since, limit } = request.query;
      if (variant !== undefined) requireKnownVariant(store.variants.names(), variant);
      if (campaign !== undefined) requireKnownCampaign(store.campaigns.get(campaign) !== undefined, campaign);
      const sinceIso = since === undefined ? undefined : parseSince(since);
      return { epochs: store.epochs.list({ variant, campaign, outcome, since: sinceIso, limit: limit ?? EPOCH_LIST_DEFAULT }) };
    },
  );

  fastify.get(
    '/epochs/:id',
    {
      schema: {
        tags: ['epochs'],
        summary: 'One epoch: every measured field, counters, host metadata, stderr tail',
        params: IdParams,
        response: { 200: EpochDetail, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const epoch = store.epochs.get(request.params.id);
      if (epoch === undefined) throw notFound(`no epoch ${request.params.id}`);
      return epoch;
    },
  );

  fastify.get(
    '/epochs/:id/samples',
    {
      schema: {
        tags: ['epochs'],
        summary: 'The samples of an epoch, thinned by `step` and bounded by `max_points`',
        params: IdParams,
        querystring: SamplesQuery,
        response: { 200: SamplesResponse, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const epoch = store.epochs.getRow(request.params.id);
      if (epoch === undefined) throw notFound(`no epoch ${request.params.id}`);
      const step = request.query.step ?? 1;
      const maxPoints = request.query.max_points ?? SAMPLES_MAX_POINTS_DEFAULT;
      const after = request.query.after_t_ms;
      // Thin the raw rows first: only the points returned get their counters parsed.
      const matching = store.samples.rowsAfter(epoch.id, after);
      return {
        epoch_id: epoch.id,
        variant: epoch.variant,
        outcome: epoch.outcome,
        interval_ms: epoch.interval_ms,
        warmup_ms: epoch.warmup_ms,
        total_samples: matching.length,
        step,
        max_points: maxPoints,
        samples: thinSamples(matching, step, maxPoints).map((row) => sampleFromRow(row)),
      };
    },
  );
};

export default epochRoutes;
