/** GET /history: a variant's builds in order, each judged against the previous one (docs/judgement.md, "History across builds"). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { VerdictReader } from '../../verdicts/index.js';
import type { AppDeps } from '../app.js';
import { badRequest } from '../plugins/errors.js';
import { ErrorResponse } from '../schemas/common.js';
import { HistoryQuery, HistoryResponse } from '../schemas/history.js';

const historyRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (fastify, { store }) => {
  // Judged off the event loop and kept until an epoch or a campaign starts or ends (verdicts/reader.ts); its
  // worker starts at the first request.
  const reader = new VerdictReader(store);
  fastify.addHook('onClose', async () => reader.close());
  fastify.get(
    '/history',
    {
      schema: {
        summary: "A variant's builds in order with per-build measures and the change points between consecutive builds",
        querystring: HistoryQuery,
        response: { 200: HistoryResponse, 400: ErrorResponse },
      },
    },
    async (request) => {
      const { variant } = request.query;
      if (variant === undefined) throw badRequest('querystring/variant is required: the name of a variant');
      return reader.history({ variant });
    },
  );
};

export default historyRoutes;
