/** GET /metrics: the Prometheus exposition of daemon/src/metrics (outside /api/v1, where scrapers look). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { AppDeps } from '../app.js';

const metricsRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (fastify, { metrics }) => {
  // Only the daemon exports metrics; an app built without them (tests of other routes) has no /metrics.
  if (metrics === undefined) return;
  fastify.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics (text exposition format 0.0.4)',
        response: { 200: Type.String({ description: 'see docs/observability.md for every metric' }) },
      },
    },
    async (_request, reply) => {
      const text = await metrics.metrics();
      return reply.type(metrics.contentType).send(text);
    },
  );
};

export default metricsRoutes;
