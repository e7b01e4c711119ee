/**
 * GET /assets/api-schemas.json: the response schemas of the routes the web page reads (schemas/page.ts), as
 * JSON, which the page checks every answer against. Not part of the API's document: it describes the API.
 */
import type { FastifyPluginAsync } from 'fastify';
import { PAGE_RESPONSE_SCHEMAS, PAGE_SCHEMAS_URL } from '../schemas/page.js';

const pageSchemaRoutes: FastifyPluginAsync = async (fastify) => {
  // The routes' own schema objects, as the JSON Schema TypeBox writes; fixed for the process's lifetime.
  const body = JSON.stringify(PAGE_RESPONSE_SCHEMAS);
  fastify.get(PAGE_SCHEMAS_URL, { schema: { hide: true } }, async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    // Changes with the daemon's version, like the page itself.
    reply.header('cache-control', 'no-cache');
    return reply.type('application/json; charset=utf-8').send(body);
  });
};

export default pageSchemaRoutes;
