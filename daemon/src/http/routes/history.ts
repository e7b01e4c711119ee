/** GET /history: a variant's builds in order, each judged against the previous one (docs/judgement.md, "History across builds"). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import type { VerdictRouteDeps } from '../app.js';
import { encodedOnce } from '../plugins/encoded-once.js';
import { badRequest } from '../plugins/errors.js';
import { ErrorResponse } from '../schemas/common.js';
import { HistoryQuery, HistoryResponse } from '../schemas/history.js';

const historyRoutes: FastifyPluginAsyncTypebox<VerdictRouteDeps> = async (fastify, { verdicts: reader }) => {
  // Judged off the event loop and kept; once an answer exists, served at once, marked `judged.fresh: false`
  // while an epoch's or a campaign's start or end is judged again (verdicts/reader.ts).
  fastify.get(
    '/history',
    {
      schema: {
        summary: "A variant's builds in order with per-build measures and the change points between consecutive builds",
        querystring: HistoryQuery,
        response: { 200: HistoryResponse, 400: ErrorResponse },
      },
    },
    async (request, reply) => {
      const { variant } = request.query;
      if (variant === undefined) throw badRequest('querystring/variant is required: the name of a variant');
      // The answer's JSON as the reader made it (serialized on its worker, `judged` put in front), encoded once.
      const answer = await reader.history({ variant });
      return (reply as FastifyReply).type('application/json; charset=utf-8').send(encodedOnce(answer));
    },
  );
};

export default historyRoutes;
