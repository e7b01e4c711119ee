/** GET /history: a variant's builds in order, each judged against the previous one (docs/judgement.md, "History across builds"). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { history } from '../../verdicts/index.js';
import type { AppDeps } from '../app.js';
import { badRequest } from '../plugins/errors.js';
import { ErrorResponse } from '../schemas/common.js';
import { HistoryQuery, HistoryResponse } from '../schemas/history.js';

const historyRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (fastify, { store }) => {
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
      return history(store, { variant });
    },
  );
};

export default historyRoutes;
