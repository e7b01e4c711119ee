/**
 * The OpenAPI document (`GET /docs/json`, `/docs/yaml`) built from the routes' TypeBox schemas, and a
 * browsable Swagger UI under `/docs`. swagger-ui serves its own bundled assets (no CDN: these machines
 * have no internet). Registered before the routes so that it sees every one of them.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { BEARER_SCHEME, TOKEN_ENV } from './auth.js';

export const DOCS_PREFIX = '/docs';

export async function registerOpenApi(fastify: FastifyInstance, version: string): Promise<void> {
  await fastify.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'allocsoak',
        version,
        description:
          'Overnight soak tests of memory allocators: campaigns, epochs, samples, drift. ' +
          `Mutating routes need "Authorization: Bearer $${TOKEN_ENV}". See docs/api.md.`,
      },
      components: { securitySchemes: { [BEARER_SCHEME]: { type: 'http', scheme: 'bearer', description: `the daemon's ${TOKEN_ENV}` } } },
      tags: [
        { name: 'daemon', description: 'health and live status' },
        { name: 'campaigns', description: 'campaigns: list, inspect, start, stop' },
        { name: 'epochs', description: 'epochs and their samples' },
        { name: 'variants', description: 'variants seen in any campaign' },
        { name: 'bisects', description: "`allocsoak bisect` runs: the range, each step's build and verdict, the culprit" },
      ],
    },
  });
  await fastify.register(swaggerUi, { routePrefix: DOCS_PREFIX, uiConfig: { docExpansion: 'list', deepLinking: true } });
}
