export { allocsoakApp, buildApp, API_PREFIX } from './app.js';
export type { AppDeps, AppOptions, BuildAppOptions } from './app.js';
export { startServer, DEFAULT_HOST, DEFAULT_PORT } from './server.js';
export type { RunningServer, ServerOptions } from './server.js';
