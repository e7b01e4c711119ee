import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../app.js';
import { VariantListResponse } from '../schemas/variants.js';

const variantRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (fastify, { store, controller }) => {
  fastify.get(
    '/variants',
    {
      schema: {
        tags: ['variants'],
        summary: 'Every variant ever planned, with its allocator and epoch counts',
        response: { 200: VariantListResponse },
      },
    },
    async () => {
      const running = new Set(controller.status().campaign?.variants ?? []);
      return { variants: store.variants.summaries().map((v) => ({ ...v, in_running_campaign: running.has(v.name) })) };
    },
  );
};

export default variantRoutes;
