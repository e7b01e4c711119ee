/**
 * The daemon's logger: pino JSON lines (one object per line, for machines and `jq`), human-readable
 * through pino-pretty when stdout is a terminal. Secrets never reach a log line: authorization headers
 * and every `token` field (at any of the first three levels) are redacted — the REST API relies on it.
 */
import { destination, pino, stdTimeFunctions, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

export const REDACTED = '[redacted]';

/** pino redact paths: authorization headers wherever a request is logged, and any `token` field. */
export const REDACT_PATHS: readonly string[] = [
  'token',
  '*.token',
  '*.*.token',
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'request.headers.authorization',
  'res.headers.authorization',
  '*.headers.authorization',
  'headers.cookie',
  'req.headers.cookie',
];

export interface LoggerOptions {
  level?: string;
  /** Human-readable output; default: when stdout is a TTY. */
  pretty?: boolean;
  /** Where lines go (default stdout); tests pass a stream to read them back. */
  destination?: DestinationStream;
  name?: string;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.ALLOCSOAK_LOG_LEVEL ?? 'info';
  const base = {
    level,
    name: options.name ?? 'allocsoak',
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    timestamp: stdTimeFunctions.isoTime,
  };
  const wantPretty = options.pretty ?? (options.destination === undefined && process.stdout.isTTY === true);
  if (wantPretty) {
    // Synchronous in-process pretty printing: no worker thread, nothing lost at exit.
    const stream = pretty({
      sync: true,
      colorize: true,
      singleLine: true,
      translateTime: 'SYS:HH:MM:ss',
      ignore: 'pid,hostname,name',
      destination: options.destination ?? 1,
    });
    return pino(base, stream);
  }
  return pino(base, options.destination ?? destination({ dest: 1, sync: true }));
}
