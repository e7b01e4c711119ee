/**
 * The per-interval paired ratios of a duet round (analysis/duet-intervals.ts), stored when the round ends.
 * While the round runs, the time the daemon receives each arm's samples is noted on its monotonic clock:
 * that is the one clock both arms are seen on, and it gives the offset between the two workloads' own
 * clocks (each counts t_ms from its own start). For looking at only: verdicts never read them.
 */
import type { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { clockOrigin, duetIntervalRatios } from '../analysis/index.js';
import type { Logger } from '../log/index.js';
import type { Plan } from '../plan/index.js';
import type { Store } from '../storage/index.js';
import type { CampaignEvents, EpochFinishedEvent, SampleEvent } from './events.js';

/** When the daemon received each sample of the round's epochs (ms on its monotonic clock). */
export class ReceiptClock {
  private readonly received = new Map<number, Array<{ t_ms: number; received_ms: number }>>();
  private readonly listener = (e: SampleEvent): void => {
    if (e.campaign_id !== this.campaignId) return;
    let list = this.received.get(e.epoch_id);
    if (list === undefined) this.received.set(e.epoch_id, (list = []));
    list.push({ t_ms: e.sample.t_ms, received_ms: performance.now() });
  };

  constructor(
    private readonly emitter: EventEmitter<CampaignEvents>,
    private readonly campaignId: number,
  ) {
    emitter.on('sample', this.listener);
  }

  /** The epoch's clock origin on the daemon's clock (null: no sample received). */
  origin(epochId: number): number | null {
    return clockOrigin(this.received.get(epochId) ?? []);
  }

  close(): void {
    this.emitter.off('sample', this.listener);
  }
}

export interface DuetRoundEnd {
  store: Store;
  log: Logger;
  plan: Plan;
  campaignId: number;
  round: number;
  /** The finished epochs of the comparison's two arms. */
  baseline: EpochFinishedEvent;
  candidate: EpochFinishedEvent;
  clock: ReceiptClock;
}

/** Computes and stores the round's interval ratios; a failure is logged, never fatal to the campaign. */
export function recordDuetIntervals({ store, log, plan, campaignId, round, baseline: base, candidate: cand, clock }: DuetRoundEnd): number {
  try {
    const bo = clock.origin(base.epoch_id);
    const co = clock.origin(cand.epoch_id);
    const offsetMs = bo !== null && co !== null ? co - bo : 0;
    const r = duetIntervalRatios(store.samples.list(base.epoch_id), store.samples.list(cand.epoch_id), {
      warmupMs: plan.warmup_ms,
      intervalMs: plan.interval_ms,
      offsetMs,
    });
    if (r.intervals.length === 0) return 0;
    store.duetIntervals.add({
      campaign_id: campaignId,
      round,
      baseline_epoch_id: base.epoch_id,
      candidate_epoch_id: cand.epoch_id,
      basis: r.basis,
      clock_offset_ms: r.clock_offset_ms,
      intervals: r.intervals,
    });
    return r.intervals.length;
  } catch (err) {
    log.warn({ campaign: campaignId, round, err: (err as Error).message }, 'could not store the duet round’s interval ratios');
    return 0;
  }
}
