/**
 * --host and --port checked before anything is created: the address is resolved and a socket is bound
 * and closed again, so that an unresolvable host or a port in use is a UsageError (exit 2) and not a
 * database left behind by a daemon that could not listen.
 */
import { lookup } from 'node:dns/promises';
import { createServer } from 'node:net';
import { DEFAULT_HOST, DEFAULT_PORT, startServer, type AppDeps, type RunningServer } from '../http/index.js';
import type { Logger } from '../log/index.js';
import { UsageError, type OptionSpecs } from './args.js';

/** The options of the commands that serve the HTTP API (`daemon`, `serve`). */
export const LISTEN_OPTIONS = {
  host: { type: 'string', value: 'ADDRESS', description: 'address to listen on', default: DEFAULT_HOST },
  port: { type: 'string', value: 'PORT', description: 'HTTP port (0: any free port)', default: String(DEFAULT_PORT) },
} satisfies OptionSpecs;

/** The UsageError for a failure to listen on host:port, or null when it is not about the address. */
export function listenError(command: string, host: string, port: number, err: unknown): UsageError | null {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NONAME':
      return new UsageError(
        `${command}: option --host expects an address of this machine (an IP address or a name that resolves), got ${JSON.stringify(host)} (${code}: cannot be resolved)`,
      );
    case 'EADDRNOTAVAIL':
      return new UsageError(
        `${command}: option --host expects an address of this machine, got ${JSON.stringify(host)} (no interface has this address)`,
      );
    case 'EADDRINUSE':
      return new UsageError(
        `${command}: option --port expects a free port (0 picks any), got ${port} (${host}:${port} is in use by another process)`,
      );
    case 'EACCES':
    case 'EPERM':
      return new UsageError(
        `${command}: option --port expects a port this user may listen on (below 1024 needs privileges), got ${port} (${code} on ${host})`,
      );
    default:
      return null;
  }
}

/** Resolves `host` and binds host:port once; throws the UsageError of listenError. */
export async function checkListen(command: string, host: string, port: number): Promise<void> {
  try {
    await lookup(host);
  } catch (err) {
    throw listenError(command, host, port, err) ?? err;
  }
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port, exclusive: true }, resolve);
    });
  } catch (err) {
    throw listenError(command, host, port, err) ?? err;
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/**
 * Serves the HTTP API on host:port, which checkListen found free before the command created anything. Taken
 * since (another process was quicker): `undo` removes what the command created, and the failure is still the
 * UsageError of listenError.
 */
export async function serveHttp(
  command: string,
  deps: AppDeps,
  at: { host: string; port: number; log: Logger },
  undo: () => void,
): Promise<RunningServer> {
  try {
    return await startServer(deps, { host: at.host, port: at.port, logger: at.log });
  } catch (err) {
    undo();
    throw listenError(command, at.host, at.port, err) ?? err;
  }
}
