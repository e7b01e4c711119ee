/**
 * The allocsoak HTTP API as a fastify plugin (fastify/demo style): everything it needs is injected
 * (store, campaign controller, options), so tests run it with `app.inject` against a real SQLite
 * file and server.ts only does the listening. Routes are grouped by resource under routes/, their
 * TypeBox schemas live in schemas/.
 */
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { CampaignController } from '../campaign/index.js';
import type { Logger } from '../log/index.js';
import type { AllocsoakMetrics } from '../metrics/index.js';
import type { Store } from '../storage/index.js';
import { registerOpenApi } from './plugins/openapi.js';
import { installErrorHandling } from './plugins/errors.js';
import bisectRoutes from './routes/bisects.js';
import campaignRoutes from './routes/campaigns.js';
import epochRoutes from './routes/epochs.js';
import healthRoutes from './routes/health.js';
import historyRoutes from './routes/history.js';
import judgementRoutes from './routes/judgement.js';
import metricsRoutes from './routes/metrics.js';
import pageSchemaRoutes from './routes/page-schemas.js';
import statusRoutes from './routes/status.js';
import variantRoutes from './routes/variants.js';
import { webPage } from '../web/index.js';

export interface AppOptions {
  /** Reported by /health and the OpenAPI document. */
  version: string;
  /** Bearer token for mutating routes (null or empty: mutating routes disabled, 403). Never logged. */
  token: string | null;
  /** Plans over HTTP may run custom commands / libraries (`--allow-commands`). */
  allowCommands: boolean;
  /** Serve a database only (`allocsoak serve`): every mutating route is refused, whatever the token. */
  readOnly?: boolean;
}

export interface AppDeps {
  store: Store;
  controller: CampaignController;
  options: AppOptions;
  /** The Prometheus exporter served at GET /metrics (the daemon always passes it). */
  metrics?: AllocsoakMetrics;
}

export const API_PREFIX = '/api/v1';

/**
 * The application plugin: error handling, the OpenAPI document and UI (/docs), and every route group.
 * Route groups register in this one place, one line each.
 */
export const allocsoakApp: FastifyPluginAsyncTypebox<AppDeps> = async (fastify, deps) => {
  // The casts only drop the TypeBox type provider, which these two helpers do not use.
  const plain = fastify as unknown as FastifyInstance;
  installErrorHandling(plain);
  // Before the routes: @fastify/swagger collects routes as they are added.
  await registerOpenApi(plain, deps.options.version);

  // REST API under /api/v1
  await fastify.register(healthRoutes, { prefix: API_PREFIX, ...deps });
  await fastify.register(statusRoutes, { prefix: API_PREFIX, ...deps });
  await fastify.register(variantRoutes, { prefix: API_PREFIX, ...deps });
  await fastify.register(campaignRoutes, { prefix: API_PREFIX, ...deps });
  await fastify.register(epochRoutes, { prefix: API_PREFIX, ...deps });
  // GET /api/v1/compare and /api/v1/drift: the judgement's verdicts (routes/judgement.ts).
  await fastify.register(judgementRoutes, { prefix: API_PREFIX, ...deps });
  // GET /api/v1/history: a variant's builds and their change points (routes/history.ts).
  await fastify.register(historyRoutes, { prefix: API_PREFIX, ...deps });
  // GET /api/v1/bisects and /bisects/:id: `allocsoak bisect` runs and their steps (routes/bisects.ts).
  await fastify.register(bisectRoutes, { prefix: API_PREFIX, ...deps });

  // Outside /api/v1
  await fastify.register(metricsRoutes, deps);
  await fastify.register(webPage); // GET / and /assets/: the daemon's own page (daemon/src/web)
  await fastify.register(pageSchemaRoutes); // the response schemas the page checks every answer against
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
