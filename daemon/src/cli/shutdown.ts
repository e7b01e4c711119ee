/**
 * SIGTERM / SIGINT: stop gracefully (kill the child group, store the epoch as aborted, close the
 * database) and exit 0 — within 10 s. Should the graceful path hang, the process exits anyway after
 * `hardLimitMs`; the launcher dies with us (PDEATHSIG) and takes the workload with it, and the cut
 * epoch becomes `interrupted` at the next start.
 */
import type { Logger } from '../log/index.js';

export const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

export interface ShutdownOptions {
  log: Logger;
  /** Graceful work: stop the campaign, close the server and the database. */
  stop: (signal: NodeJS.Signals) => Promise<void>;
  hardLimitMs?: number;
  /** Called with the exit status once the graceful stop has finished (default: process.exit). */
  done?: (code: number) => void;
}

/** Installs the handlers; returns a function that removes them. */
export function handleShutdownSignals(opts: ShutdownOptions): () => void {
  const done = opts.done ?? ((code: number) => process.exit(code));
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) {
      opts.log.warn({ signal }, 'already stopping');
      return;
    }
    stopping = true;
    opts.log.info({ signal }, 'stopping');
    const hard = setTimeout(() => {
      opts.log.error({ signal, after_ms: opts.hardLimitMs ?? 9000 }, 'graceful stop took too long; exiting now');
      process.exit(1);
    }, opts.hardLimitMs ?? 9000);
    opts.stop(signal).then(
      () => {
        clearTimeout(hard);
        opts.log.info('stopped');
        done(0);
      },
      (err: unknown) => {
        clearTimeout(hard);
        opts.log.error({ err: (err as Error).message }, 'error while stopping');
        done(1);
      },
    );
  };
  for (const s of SHUTDOWN_SIGNALS) process.on(s, handler);
  return () => {
    for (const s of SHUTDOWN_SIGNALS) process.off(s, handler);
  };
}
