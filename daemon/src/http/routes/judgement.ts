/** GET /compare and GET /drift: the judgement's verdicts over the stored epochs (see docs/judgement.md). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import type { VerdictRouteDeps } from '../app.js';
import { encodedOnce } from '../plugins/encoded-once.js';
import { badRequest } from '../plugins/errors.js';
import { ErrorResponse } from '../schemas/common.js';
import { CompareQuery, CompareResponse, DriftQuery, DriftResponse } from '../schemas/judgement.js';

const judgementRoutes: FastifyPluginAsyncTypebox<VerdictRouteDeps> = async (fastify, { verdicts: reader }) => {
  // Judged off the event loop and kept; once an answer exists, served at once, marked `judged.fresh: false`
  // while an epoch's start or end is judged again (verdicts/reader.ts).
  // The answer's JSON as the reader made it: serialized once per judgement on its worker, `judged` put in
  // front; encoded once per answer too (a drift over a year of epochs lists every epoch: half a megabyte).
  const send = (reply: FastifyReply, answer: { json: string }): FastifyReply =>
    reply.type('application/json; charset=utf-8').send(encodedOnce(answer));
  fastify.get(
    '/compare',
    {
      schema: {
        summary: 'Verdict of a comparison (GO / NEUTRAL / NO-GO / INSUFFICIENT) with its reasons',
        querystring: CompareQuery,
        response: { 200: CompareResponse, 400: ErrorResponse },
      },
    },
    async (request, reply) => {
      const { baseline, candidate, campaign, goal } = request.query;
      if (baseline === undefined) throw badRequest('querystring/baseline is required: the name of the baseline variant');
      if (candidate === undefined) throw badRequest('querystring/candidate is required: the name of the candidate variant');
      const answer = await reader.compare({
        baseline,
        candidate,
        ...(campaign !== undefined ? { campaign } : {}),
        ...(goal !== undefined ? { goal } : {}),
      });
      return send(reply, answer);
    },
  );
  fastify.get(
    '/drift',
    {
      schema: {
        summary: "A variant's RSS drift and leak judgement, per epoch and across epochs",
        querystring: DriftQuery,
        response: { 200: DriftResponse, 400: ErrorResponse },
      },
    },
    async (request, reply) => {
      const { variant, since, campaign } = request.query;
      if (variant === undefined) throw badRequest('querystring/variant is required: the name of a variant');
      const answer = await reader.drift({
        variant,
        ...(since !== undefined ? { since } : {}),
        ...(campaign !== undefined ? { campaign } : {}),
      });
      return send(reply, answer);
    },
  );
};

export default judgementRoutes;
