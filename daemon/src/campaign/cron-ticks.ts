/**
 * Schedule windows for a campaign with a `schedule` (node-cron expression, 5 fields, or 6 with
 * seconds). Semantics: each cron tick starts one round — one epoch of every variant, continuing the
 * rotation. A tick that comes while a round is still running is dropped (not queued), so a
 * schedule can never pile up rounds behind a slow one.
 */
import cron, { type ScheduledTask } from 'node-cron';

export class CronTicks {
  private readonly task: ScheduledTask;
  private waiter: (() => void) | null = null;

  constructor(readonly expression: string) {
    if (!cron.validate(expression)) throw new Error(`schedule: not a valid cron expression: ${JSON.stringify(expression)}`);
    this.task = cron.schedule(expression, () => this.tick(), { name: `allocsoak ${expression}` });
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
    return this.task.getNextRun();
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
    await this.task.destroy();
  }
}
