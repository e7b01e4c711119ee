import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../app.js';
import { EPOCH_LIST_DEFAULT, EpochListQuery, EpochListResponse } from '../schemas/epochs.js';

const epochRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (fastify, { store }) => {
  fastify.get(
    '/epochs',
    { schema: { summary: 'Epoch summaries, newest first', querystring: EpochListQuery, response: { 200: EpochListResponse } } },
    async (request) => {
      const { variant, limit } = request.query;
      return { epochs: store.epochs.list({ variant, limit: limit ?? EPOCH_LIST_DEFAULT }) };
    },
  );
};

export default epochRoutes;
