/**
 * Schedule windows for a campaign with a `schedule` (node-cron expression, 5 fields, or 6 with
 * seconds). Semantics: each cron tick starts one round — one epoch of every variant, continuing the
 * rotation. A tick that comes while a round is still running is dropped (not queued), so a
 * schedule can never pile up rounds behind a slow one.
 */
import cron from 'node-cron';

/** What fires the ticks of an expression: node-cron's clock in the daemon; a test fires them itself. */
export interface TickSource {
  /** When the next tick is due (null if the expression never fires again). */
  nextRun(): Date | null;
  stop(): Promise<void>;
}

export type StartTicks = (expression: string, onTick: () => void) => TickSource;

/** Ticks at the times of the cron expression, on the wall clock. */
export const cronClock: StartTicks = (expression, onTick) => {
  const task = cron.schedule(expression, onTick, { name: `allocsoak ${expression}` });
  return {
    nextRun: () => task.getNextRun(),
    stop: async () => {
      await task.destroy();
    },
  };
};

export class CronTicks {
  private readonly source: TickSource;
  private waiter: (() => void) | null = null;

  constructor(
    readonly expression: string,
    start: StartTicks = cronClock,
  ) {
    if (!cron.validate(expression)) throw new Error(`schedule: not a valid cron expression: ${JSON.stringify(expression)}`);
    this.source = start(expression, () => this.tick());
  }

  private tick(): void {
    const w = this.waiter;
    // No one waiting: a round is still running, and this tick is dropped.
    if (w === null) return;
    this.waiter = null;
    w();
  }

  /** When the next tick is due (null if the expression never fires again). */
  nextRun(): Date | null {
    return this.source.nextRun();
  }

  /** Resolves true at the next tick, false if `signal` aborts first. */
  next(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = (): void => {
        this.waiter = null;
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiter = () => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      };
    });
  }

  async close(): Promise<void> {
    await this.source.stop();
  }
}
