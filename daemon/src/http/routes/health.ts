import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../app.js';
import { HealthResponse } from '../schemas/health.js';

const startedAt = Date.now();

const healthRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (fastify, { controller, options }) => {
  fastify.get(
    '/health',
    { schema: { tags: ['daemon'], summary: 'Liveness and what the daemon is doing', response: { 200: HealthResponse } } },
    async () => {
      const status = controller.status();
      return {
        status: 'ok' as const,
        version: options.version,
        uptime_seconds: (Date.now() - startedAt) / 1000,
        state: status.state,
        campaign_id: status.campaign?.campaign_id ?? null,
        current_variant: status.campaign?.current_epoch?.variant ?? null,
      };
    },
  );
};

export default healthRoutes;
