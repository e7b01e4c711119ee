/** Start-up of the HTTP side: build the app, listen (loopback by default), report the URL. */
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../log/index.js';
import { buildApp, type AppDeps } from './app.js';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 9477;

export interface ServerOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  logger?: Logger;
}

export interface RunningServer {
  app: FastifyInstance;
  /** e.g. "http://127.0.0.1:9477" */
  url: string;
  close(): Promise<void>;
}

export async function startServer(deps: AppDeps, opts: ServerOptions = {}): Promise<RunningServer> {
  const app = await buildApp(deps, { logger: opts.logger });
  const host = opts.host ?? DEFAULT_HOST;
  await app.listen({ host, port: opts.port ?? DEFAULT_PORT });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (opts.port ?? DEFAULT_PORT);
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return { app, url: `http://${shownHost}:${port}`, close: () => app.close() };
}
