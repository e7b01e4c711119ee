/**
 * The campaign loop: variants interleaved round-robin, one child at a time — or, in a duet plan, both
 * variants of a round at once, each pinned to CPUs of its own (duet.ts) — N epochs per variant (`run`) or
 * forever (`daemon`), optionally only at cron ticks (see cron-ticks.ts). A campaign left `running` by a
 * killed daemon is taken up again with its next slot.
 */
import type { EventEmitter } from 'node:events';
import type { CampaignStatus } from '../domain/types.js';
import { allowedCpus, type LibraryHasher } from '../host/index.js';
import type { Logger } from '../log/index.js';
import { variantThreads, type ResolvedPlan } from '../plan/index.js';
import type { Store } from '../storage/index.js';
import { CronTicks, type StartTicks } from './cron-ticks.js';
import { duetPlacement } from './duet.js';
import { ReceiptClock, recordDuetIntervals } from './duet-intervals.js';
import { runEpochStep, type EpochStepContext, type EpochStepVariant, type LiveEpoch } from './epoch-step.js';
import type { CampaignEvents, EpochFinishedEvent } from './events.js';
import { slotAt, totalSlots } from './round-robin.js';

export interface CampaignRequest {
  /** A plan after allocator resolution (data's resolvePlan): the variants that will actually run. */
  resolved: ResolvedPlan;
  /** Plan file path, or "api". */
  source: string;
  /** Epochs per variant; null = continuous (the daemon). */
  epochsPerVariant: number | null;
  /** Take up the newest `running` campaign of the same plan and epoch count (default true). */
  resume?: boolean;
}

export interface CampaignDeps {
  store: Store;
  launcher: string;
  log: Logger;
  hasher: LibraryHasher;
  emitter: EventEmitter<CampaignEvents>;
  /** SIGTERM → SIGKILL grace for the workload group (default 2 s). */
  killGraceMs?: number;
  /** Count memory syscalls (default true). */
  countSyscalls?: boolean;
  /** What fires a schedule's ticks (default: node-cron on the wall clock). */
  startTicks?: StartTicks;
}

export type FinalCampaignStatus = Exclude<CampaignStatus, 'running'>;

export interface CampaignProgress {
  campaign_id: number;
  name: string;
  source: string;
  variants: string[];
  epochs_per_variant: number | null;
  /** Epochs started so far in this campaign, the running one included (all outcomes; also those before a restart). */
  epochs_started: number;
  epochs_total: number | null;
  /** running: an epoch is in progress; waiting: a scheduled campaign between rounds; stopping: stop() called. */
  state: 'running' | 'waiting' | 'stopping' | 'finished';
  /** The first of `current_epochs` (the one epoch of a sequential campaign), null when none runs. */
  current_epoch: (LiveEpoch & { elapsed_ms: number }) | null;
  /** Every epoch in progress: one, or both arms of a duet round (in plan order). */
  current_epochs: Array<LiveEpoch & { elapsed_ms: number }>;
  /** Scheduled campaigns: when the next round starts (ISO), null otherwise. */
  next_round_at: string | null;
  resumed: boolean;
}

export class Campaign {
  private readonly abort = new AbortController();
  private nextIndex: number;
  /** The epochs in progress: one, or both arms of a duet round (by arm). */
  private readonly liveSlots: Array<LiveEpoch | null> = [];
  private ticks: CronTicks | null = null;
  private state: CampaignProgress['state'] = 'running';
  private loop: Promise<FinalCampaignStatus> | null = null;

  private constructor(
    private readonly deps: CampaignDeps,
    private readonly request: CampaignRequest,
    readonly id: number,
    readonly resumed: boolean,
    private readonly variants: EpochStepVariant[],
    startIndex: number,
  ) {
    this.nextIndex = startIndex;
  }

  /** Create the campaign in the store (or take up a matching running one) and its variants. */
  static open(deps: CampaignDeps, request: CampaignRequest): Campaign {
    const { store } = deps;
    const { plan } = request.resolved;
    if (request.resolved.variants.length === 0) throw new Error('the plan has no runnable variant');
    if (plan.mode === 'duet' && request.resolved.variants.length !== 2) {
      throw new Error(`a duet runs two variants at once; ${request.resolved.variants.length} of this plan can run here`);
    }
    if (request.epochsPerVariant !== null && !(Number.isInteger(request.epochsPerVariant) && request.epochsPerVariant > 0)) {
      throw new RangeError(`epochs per variant must be a positive integer, got ${request.epochsPerVariant}`);
    }
    const existing = request.resume === false ? undefined : store.campaigns.findResumable(plan, request.epochsPerVariant);
    let id: number;
    let startIndex = 0;
    if (existing !== undefined) {
      id = existing.id;
      startIndex = store.epochs.countsForCampaign(id).reduce((n, c) => n + c.count, 0);
    } else {
      id = store.campaigns.create({ source: request.source, plan, epochs_per_variant: request.epochsPerVariant });
    }
    // Only one campaign runs at a time: any other left `running` was cut by a dead daemon.
    store.campaigns.interruptOthers(id);
    const variants = request.resolved.variants.map((variant) => ({
      variant,
      variantId: store.variants.upsert(id, variant, variant.library),
    }));
    return new Campaign(deps, request, id, existing !== undefined, variants, startIndex);
  }

  get total(): number | null {
    return totalSlots(this.request.epochsPerVariant, this.variants.length);
  }

  /** Run to the end (finite), or until stop(). Resolves with the campaign's final status. */
  run(): Promise<FinalCampaignStatus> {
    this.loop ??= this.runLoop();
    return this.loop;
  }

  /** Kill the child group, store the epoch as aborted and the campaign as stopped. */
  async stop(): Promise<FinalCampaignStatus> {
    if (this.state !== 'finished') this.state = 'stopping';
    this.abort.abort();
    return this.run();
  }

  progress(): CampaignProgress {
    const { plan } = this.request.resolved;
    const now = Date.now();
    const running = this.liveSlots
      .filter((l): l is LiveEpoch => l !== null && l !== undefined)
      .map((l) => ({ ...l, elapsed_ms: now - Date.parse(l.started_at) }));
    return {
      campaign_id: this.id,
      name: plan.name,
      source: this.request.source,
      variants: this.variants.map((v) => v.variant.name),
      epochs_per_variant: this.request.epochsPerVariant,
      epochs_started: this.nextIndex,
      epochs_total: this.total,
      state: this.state,
      current_epoch: running[0] ?? null,
      current_epochs: running,
      next_round_at: this.state === 'waiting' ? (this.ticks?.nextRun()?.toISOString() ?? null) : null,
      resumed: this.resumed,
    };
  }

  /**
   * Both arms of the next round at once, each on CPUs of its own (swapped every round, and the arm started
   * first alternates). The page follows both arms live; the round's per-interval ratios are stored at its end.
   */
  private async runDuetRound(ctx: EpochStepContext, signal: AbortSignal): Promise<void> {
    const arms = this.variants as [EpochStepVariant, EpochStepVariant];
    const slots = [slotAt(this.nextIndex, 2), slotAt(this.nextIndex + 1, 2)] as const;
    this.nextIndex += 2;
    const threads = arms.map((a) => variantThreads(a.variant.command === null ? a.variant.args : null)) as [number, number];
    const placement = duetPlacement(slots[0].round, threads, allowedCpus());
    const clock = new ReceiptClock(this.deps.emitter, this.id);
    try {
      const finished: Array<EpochFinishedEvent | undefined> = [undefined, undefined];
      await Promise.all(
        placement.startOrder.map(async (arm) => {
          finished[arm] = await runEpochStep(ctx, arms[arm], slots[arm], signal, (live) => this.setLive(arm, live), {
            cpus: placement.cpus[arm],
          });
        }),
      );
      const [a0, a1] = finished;
      if (a0 !== undefined && a1 !== undefined) {
        const { store, log } = this.deps;
        const { plan } = this.request.resolved;
        recordDuetIntervals({ store, log, plan, campaignId: this.id, round: slots[0].round, arms: [a0, a1], clock });
      }
    } finally {
      clock.close();
    }
  }

  /** The epoch in progress on `slot` (0, or the arm of a duet); null when it ended. */
  private setLive(slot: number, live: LiveEpoch | null): void {
    this.liveSlots[slot] = live;
  }

  private async runLoop(): Promise<FinalCampaignStatus> {
    const { store, log, emitter } = this.deps;
    const { plan } = this.request.resolved;
    const signal = this.abort.signal;
    const total = this.total;
    const ctx: EpochStepContext = {
      store,
      emitter,
      log,
      hasher: this.deps.hasher,
      launcher: this.deps.launcher,
      plan,
      campaignId: this.id,
      total,
      killGraceMs: this.deps.killGraceMs,
      ...(this.deps.countSyscalls === false ? { countSyscalls: false } : {}),
    };
    log.info(
      {
        campaign: this.id,
        plan: plan.name,
        source: this.request.source,
        resumed: this.resumed,
        next_slot: this.nextIndex + 1,
        total,
        schedule: plan.schedule,
      },
      this.resumed ? 'campaign resumed' : 'campaign started',
    );
    emitter.emit('campaign-started', {
      campaign_id: this.id,
      name: plan.name,
      source: this.request.source,
      variants: this.variants.map((v) => v.variant.name),
      epochs_per_variant: this.request.epochsPerVariant,
      resumed: this.resumed,
    });

    if (plan.schedule !== null) this.ticks = new CronTicks(plan.schedule, this.deps.startTicks);
    const duet = plan.mode === 'duet';
    // A duet runs a whole round per step; sequential runs one variant's epoch per step.
    const stepsPerRound = duet ? 1 : this.variants.length;
    // A daemon killed between the two starts of a duet round left half a round: the next round starts afresh.
    if (duet && this.nextIndex % 2 === 1) this.nextIndex++;
    try {
      let roundLeft = this.ticks === null ? Infinity : 0;
      while (!signal.aborted && (total === null || this.nextIndex < total)) {
        if (roundLeft === 0 && this.ticks !== null) {
          this.state = 'waiting';
          log.info({ campaign: this.id, next_round_at: this.ticks.nextRun()?.toISOString() }, 'waiting for the next scheduled round');
          if (!(await this.ticks.next(signal))) break;
          this.state = 'running';
          roundLeft = stepsPerRound;
        }
        roundLeft--;
        if (duet) await this.runDuetRound(ctx, signal);
        else {
          const slot = slotAt(this.nextIndex, this.variants.length);
          const variant = this.variants[slot.variantIndex] as EpochStepVariant;
          this.nextIndex++;
          await runEpochStep(ctx, variant, slot, signal, (live) => this.setLive(0, live));
        }
      }
    } finally {
      await this.ticks?.close();
      this.ticks = null;
    }
    const status: FinalCampaignStatus = signal.aborted ? 'stopped' : 'completed';
    store.campaigns.finish(this.id, status);
    this.state = 'finished';
    log.info({ campaign: this.id, status, epochs: this.nextIndex }, 'campaign finished');
    emitter.emit('campaign-finished', { campaign_id: this.id, status });
    return status;
  }
}
