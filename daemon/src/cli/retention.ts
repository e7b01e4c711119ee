/**
 * The daemon's sample retention (`--keep-samples-days`, `--thin-samples-to`): the options, and the timer that
 * thins old epochs' samples one bounded step at a time (storage/retention.ts), so the epoch loop is never
 * held for more than one small transaction.
 */
import type { Logger } from '../log/index.js';
import { formatDuration, parseDuration } from '../plan/index.js';
import { newThinCursor, RETENTION_DEFAULTS, type RetentionPolicy, type Store } from '../storage/index.js';
import { UsageError, type OptionSpecs } from './args.js';

export const RETENTION_OPTIONS = {
  'keep-samples-days': {
    type: 'string',
    value: 'DAYS',
    description:
      'keep every sample of an epoch this many days after it ended, then thin them to --thin-samples-to (epoch summaries and verdicts are kept forever)',
    default: String(RETENTION_DEFAULTS.keepSamplesDays),
  },
  'thin-samples-to': {
    type: 'string',
    value: 'DURATION',
    description: 'what older epochs keep: at most one sample per this much time (e.g. 60s, 5m)',
    default: formatDuration(RETENTION_DEFAULTS.resolutionMs),
  },
} satisfies OptionSpecs;

/** The retention the options ask for; a UsageError naming the option for anything else. */
export function retentionPolicy(command: string, opts: { 'keep-samples-days': string; 'thin-samples-to': string }): RetentionPolicy {
  const days = opts['keep-samples-days'];
  if (!/^\d+(\.\d+)?$/.test(days) || !(Number(days) > 0) || Number(days) > 36_500) {
    throw new UsageError(`${command}: option --keep-samples-days expects a number of days in (0, 36500], got ${JSON.stringify(days)}`);
  }
  const res = parseDuration(opts['thin-samples-to']);
  if (res === null || res < 1000 || res > 86_400_000) {
    throw new UsageError(
      `${command}: option --thin-samples-to expects a duration from 1s to 24h (e.g. 60s, 5m), got ${JSON.stringify(opts['thin-samples-to'])}`,
    );
  }
  return { keepSamplesDays: Number(days), resolutionMs: res };
}

export interface RetentionTimerOptions {
  /** Pause between steps while there is work (ms). */
  busyPauseMs?: number;
  /** Pause after a pass found nothing to thin (ms). */
  idlePauseMs?: number;
  batchRows?: number;
}

export interface RetentionTimer {
  stop(): void;
}

/**
 * Runs thinning steps on a timer: one bounded step, then a pause (short while there is work, long once a pass
 * finds none). A failing step is logged and retried after the long pause: retention is never worth the daemon.
 */
export function startRetention(store: Store, policy: RetentionPolicy, log: Logger, o: RetentionTimerOptions = {}): RetentionTimer {
  const busy = o.busyPauseMs ?? 50;
  const idle = o.idlePauseMs ?? 10 * 60_000;
  let cursor = newThinCursor();
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  let epochs = 0;
  let deleted = 0;
  const tick = (): void => {
    timer = null;
    if (stopped || !store.db.open) return;
    let pause = busy;
    try {
      const r = store.retention.step(cursor, policy, o.batchRows);
      deleted += r.deleted;
      if (r.epochDone) epochs++;
      if (r.epochId === null) {
        if (epochs > 0)
          log.info(
            { epochs, deleted, keep_samples_days: policy.keepSamplesDays, resolution: formatDuration(policy.resolutionMs) },
            'retention: thinned the samples of old epochs',
          );
        epochs = 0;
        deleted = 0;
        cursor = newThinCursor();
        pause = idle;
      }
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'retention: thinning step failed; retrying later');
      cursor = newThinCursor();
      pause = idle;
    }
    timer = setTimeout(tick, pause);
    timer.unref();
  };
  timer = setTimeout(tick, busy);
  timer.unref();
  return {
    stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
    },
  };
}
