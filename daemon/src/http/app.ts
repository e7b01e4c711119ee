/**
 * The allocsoak HTTP API as a fastify plugin (fastify/demo style): everything it needs is injected
 * (store, campaign controller, options), so tests run it with `app.inject` against a real SQLite
 * file and server.ts only does the listening. Routes are grouped by resource under routes/, their
 * TypeBox schemas live in schemas/.
 */
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { CampaignController } from '../campaign/controller.js';
import type { Logger } from '../log/index.js';
import type { Store } from '../storage/index.js';
import epochRoutes from './routes/epochs.js';
import healthRoutes from './routes/health.js';
import judgementRoutes from './routes/judgement.js';

export interface AppOptions {
  /** Reported by /health. */
  version: string;
  /** Bearer token for mutating routes (null: mutating routes disabled). Never logged. */
  token: string | null;
  /** Plans over HTTP may run custom commands / libraries (`--allow-commands`). */
  allowCommands: boolean;
}

export interface AppDeps {
  store: Store;
  controller: CampaignController;
  options: AppOptions;
}

export const API_PREFIX = '/api/v1';

/** The application plugin: error handling and every route group under /api/v1. */
export const allocsoakApp: FastifyPluginAsyncTypebox<AppDeps> = async (fastify, deps) => {
  fastify.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation) {
      // Ajv's message names the field, e.g. "querystring/limit must be <= 10000".
      return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: error.message });
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    return reply.code(status).send({ statusCode: status, error: status >= 500 ? 'Internal Server Error' : (error.name ?? 'Error'), message: error.message });
  });
  fastify.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no route ${request.method} ${request.url}` }),
  );
  await fastify.register(healthRoutes, { prefix: API_PREFIX, ...deps });
  await fastify.register(epochRoutes, { prefix: API_PREFIX, ...deps });
  await fastify.register(judgementRoutes, { prefix: API_PREFIX, ...deps });
};

export interface BuildAppOptions {
  /** Request/error logging goes here (default: no logging). */
  logger?: Logger;
}

/**
 * Requests are logged at debug, not info: a Prometheus scrape every 15 s would otherwise fill the
 * daemon's log overnight. Errors keep fastify's default levels.
 */
class QuietRequestLog extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request');
  }
  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) super.requestCompleted(error, request, reply);
    else reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

/** A ready-to-use fastify instance with the app registered (not listening). */
export async function buildApp(deps: AppDeps, opts: BuildAppOptions = {}): Promise<FastifyInstance> {
  const fastify = Fastify({
    ...(opts.logger ? { loggerInstance: opts.logger } : { logger: false }),
    logController: new QuietRequestLog(),
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false, useDefaults: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  await fastify.register(allocsoakApp, deps);
  await fastify.ready();
  return fastify as unknown as FastifyInstance;
}
