/**
 * The campaign loop: variants interleaved round-robin, one child at a time — or, in a duet plan, both
 * variants of a round at once, each pinned to CPUs of its own (duet.ts) — N epochs per variant (`run`) or
 * forever (`daemon`), optionally only at cron ticks (see cron-ticks.ts). A campaign left `running` by a
 * killed daemon is taken up again with its next slot.
 */
import type { EventEmitter } from 'node:events';
import { isAdaptive, type CampaignStatus, type ComparisonStanding } from '../domain/types.js';
import { allowedCpus, BuildIdentifier, buildLabelFromEnv, type LibraryHasher } from '../host/index.js';
import type { Logger } from '../log/index.js';
import { variantThreads, type ResolvedPlan } from '../plan/index.js';
import { StorageFaultError, type Store } from '../storage/index.js';
import { CronTicks, type StartTicks } from './cron-ticks.js';
import { duetPlacement } from './duet.js';
import { ReceiptClock, recordDuetIntervals } from './duet-intervals.js';
import { runEpochStep, type EpochStepContext, type EpochStepVariant, type LiveEpoch } from './epoch-step.js';
import type { CampaignEvents, EpochFinishedEvent } from './events.js';
import { openComparison, openVariants, rotatingComparison, standingLine, type ComparisonArms } from './round-choice.js';
import { slotAt, totalSlots, type Slot } from './round-robin.js';
import type { StorageHealth } from './storage-health.js';

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
  /**
   * Where the plan's comparisons stand (the verdicts over the store): read after each round for the log,
   * and before each round by the adaptive schedule. Without it an adaptive plan runs as a fixed rotation.
   */
  standings?: (campaignId: number) => ComparisonStanding[] | Promise<ComparisonStanding[]>;
  /** Disk full and I/O errors: what the loop waits on before the next epoch (storage-health.ts). */
  storage: StorageHealth;
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
  /** Every epoch in progress: one, or both arms of a duet round (baseline first). */
  current_epochs: Array<LiveEpoch & { elapsed_ms: number }>;
  /** Scheduled campaigns: when the next round starts (ISO), null otherwise. */
  next_round_at: string | null;
  resumed: boolean;
}

export class Campaign {
  private readonly abort = new AbortController();
  private nextIndex: number;
  /** The epochs in progress: one, or both arms of a duet round (0 the baseline, 1 the candidate). */
  private readonly liveSlots: Array<LiveEpoch | null> = [];
  private ticks: CronTicks | null = null;
  /** Duet: rounds each comparison has run in this campaign (its CPU placement alternates with them). */
  private readonly duetTurns = new Map<number, number>();
  /** The standings judged after the last round (null before the first). */
  private judged: ComparisonStanding[] | null = null;
  /** Settled verdicts already logged (each is logged once, and again only if it changes). */
  private readonly announced = new Set<string>();
  /** Adaptive sequential: rounds each variant has run in this campaign. */
  private readonly rounds = new Map<string, number>();
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
    if (plan.mode === 'duet' && runnableComparisons(request.resolved).length === 0) {
      throw new Error(
        `a duet runs the two arms of a comparison at once; no comparison of this plan has both arms here (variants that can run: ${request.resolved.variants.map((v) => v.name).join(', ')})`,
      );
    }
    if (request.epochsPerVariant !== null && !(Number.isInteger(request.epochsPerVariant) && request.epochsPerVariant > 0)) {
      throw new RangeError(`epochs per variant must be a positive integer, got ${request.epochsPerVariant}`);
    }
    const existing = request.resume === false ? undefined : store.campaigns.findResumable(plan, request.epochsPerVariant);
    let id: number;
    let startIndex = 0;
    if (existing !== undefined) {
      id = existing.id;
      startIndex = slotsStarted(store, id);
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

  /** Epoch slots of a finite campaign: N per variant, or, in a duet, N rounds (two slots each) per comparison. */
  get total(): number | null {
    const { plan } = this.request.resolved;
    if (plan.mode === 'duet') return totalSlots(this.request.epochsPerVariant, 2 * this.comparisons.length);
    return totalSlots(this.request.epochsPerVariant, this.variants.length);
  }

  /** The plan's comparisons whose two arms run here (an optional allocator may be missing). */
  private get comparisons(): ComparisonArms[] {
    return runnableComparisons(this.request.resolved);
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
   * Both arms of one comparison at once, each on CPUs of its own (swapped every round of that comparison,
   * and the arm started first alternates); the comparisons take turns, or, under the adaptive schedule,
   * the open one with the fewest pairs runs. False when the adaptive schedule has nothing left to run.
   * The page follows both arms live; the round's per-interval ratios are stored at its end.
   */
  private async runDuetRound(ctx: EpochStepContext, signal: AbortSignal): Promise<boolean> {
    const comparisons = this.comparisons;
    const round = slotAt(this.nextIndex, 2).round;
    const chosen = this.adaptive ? openComparison(comparisons, await this.standings()) : rotatingComparison(comparisons, round);
    if (chosen === null) return false;
    const cmp = comparisons[chosen] as ComparisonArms;
    const arms = [this.variantNamed(cmp.baseline), this.variantNamed(cmp.candidate)] as const;
    const slots = [slotAt(this.nextIndex, 2), slotAt(this.nextIndex + 1, 2)] as const;
    this.nextIndex += 2;
    const turn = this.duetTurns.get(chosen) ?? this.store.epochs.sharedRounds(this.id, cmp.baseline, cmp.candidate);
    this.duetTurns.set(chosen, turn + 1);
    const threads = arms.map((a) => variantThreads(a.variant.command === null ? a.variant.args : null)) as [number, number];
    const placement = duetPlacement(turn + 1, threads, allowedCpus());
    const clock = new ReceiptClock(this.deps.emitter, this.id);
    try {
      // Settled, not all: an arm that could not start must not let the loop go on while the other runs.
      const ends = await Promise.allSettled(
        placement.startOrder.map((arm) =>
          runEpochStep(ctx, arms[arm], slots[arm], signal, (live) => this.setLive(arm, live), {
            cpus: placement.cpus[arm],
          }),
        ),
      );
      for (const e of ends) if (e.status === 'rejected' && !(e.reason instanceof StorageFaultError)) throw e.reason;
      // Both arms ended and were stored: the round's interval ratios (ends are in start order).
      const finished: Array<EpochFinishedEvent | undefined> = [undefined, undefined];
      ends.forEach((e, i) => {
        if (e.status === 'fulfilled') finished[placement.startOrder[i] as 0 | 1] = e.value;
      });
      const [baseline, candidate] = finished;
      if (baseline !== undefined && candidate !== undefined) {
        const { plan } = this.request.resolved;
        recordDuetIntervals({ store: this.store, log: this.deps.log, plan, campaignId: this.id, round, baseline, candidate, clock });
      }
    } finally {
      clock.close();
    }
    await this.waitForStorage(signal);
    return true;
  }

  /** The epoch in progress on `slot` (0, or the arm of a duet: 0 the baseline, 1 the candidate); null when it ended. */
  private setLive(slot: number, live: LiveEpoch | null): void {
    this.liveSlots[slot] = live;
  }

  /**
   * One epoch of a sequential campaign; after a write the database refused (in it, or when it could not even
   * be recorded), waits until writes succeed. False when a stop came first.
   */
  private async runEpoch(ctx: EpochStepContext, variant: EpochStepVariant, slot: Slot, signal: AbortSignal): Promise<boolean> {
    try {
      await runEpochStep(ctx, variant, slot, signal, (live) => this.setLive(0, live));
    } catch (err) {
      // An epoch that could not even be recorded: its slot is taken up again once writes succeed.
      if (!(err instanceof StorageFaultError)) throw err;
    }
    return this.waitForStorage(signal);
  }

  /**
   * After a write the database refused: wait until it takes writes again (the end of the epoch kept in memory
   * stored first), then carry on at the next free slot, counted from the stored epochs as when a campaign is
   * taken up after a restart (and the rounds of each variant and comparison too). False when a stop came first.
   */
  private async waitForStorage(signal: AbortSignal): Promise<boolean> {
    const { storage, store } = this.deps;
    if (storage.ok) return true;
    if (!(await storage.waitUntilWritable(store, signal))) return false;
    this.nextIndex = slotsStarted(store, this.id);
    if (this.request.resolved.plan.mode === 'duet' && this.nextIndex % 2 === 1) this.nextIndex++;
    this.rounds.clear();
    this.duetTurns.clear();
    return true;
  }

  /**
   * The campaign's end, and any epoch end still kept in memory; when the database still refuses writes, what
   * could not be stored is logged: those epochs stay `running` and the campaign too, and the next start-up
   * marks them `interrupted` (their samples kept), as after a kill -9.
   */
  private storeFinalStatus(status: FinalCampaignStatus): void {
    const { store, storage, log } = this.deps;
    if (!storage.ok) storage.tryRecover(store);
    const pending = storage.pendingEpochs();
    if (pending.length > 0)
      log.error({ epochs: pending }, 'stopping with epoch ends the database refused: the next start-up marks them interrupted');
    try {
      store.campaigns.finish(this.id, status);
    } catch (err) {
      if (storage.record(err, `storing the end of campaign ${this.id}`, { campaign: this.id }) === null) throw err;
      log.error({ campaign: this.id, status }, 'the campaign stays running in the database: the next start-up marks it interrupted');
    }
  }

  /**
   * Adaptive sequential round: the variants of the open comparisons, each as its next round. False when
   * every comparison has settled.
   */
  private async runOpenRound(ctx: EpochStepContext, signal: AbortSignal): Promise<boolean> {
    const names = openVariants(
      this.variants.map((v) => v.variant.name),
      this.comparisons,
      await this.standings(),
    );
    if (names.length === 0) return false;
    for (const name of names) {
      if (signal.aborted) break;
      const variantIndex = this.variants.findIndex((v) => v.variant.name === name);
      const round = this.rounds.has(name) ? (this.rounds.get(name) as number) + 1 : this.store.epochs.nextRound(this.id, name);
      this.rounds.set(name, round);
      const slot: Slot = { index: this.nextIndex, variantIndex, round };
      this.nextIndex++;
      if (!(await this.runEpoch(ctx, this.variants[variantIndex] as EpochStepVariant, slot, signal))) break;
    }
    return true;
  }

  private variantNamed(name: string): EpochStepVariant {
    const v = this.variants.find((x) => x.variant.name === name);
    if (v === undefined) throw new Error(`variant ${name} is not part of campaign ${this.id}`);
    return v;
  }

  private get adaptive(): boolean {
    return isAdaptive(this.request.resolved.plan) && this.deps.standings !== undefined;
  }

  private get store(): Store {
    return this.deps.store;
  }

  /**
   * Where the comparisons stand: judged after each round for its log lines, and that same judgement chooses
   * the next round (no epoch ends in between), so each round is judged once.
   */
  private async standings(fresh = false): Promise<ComparisonStanding[]> {
    if (fresh || this.judged === null) this.judged = (await this.deps.standings?.(this.id)) ?? [];
    return this.judged;
  }

  /** After each round: where every open comparison stands, one log line each; a settled one once. */
  private async logStandings(): Promise<void> {
    if (this.deps.standings === undefined) return;
    const duet = this.request.resolved.plan.mode === 'duet';
    for (const s of await this.standings(true)) {
      const key = `${s.baseline}\u0000${s.candidate}\u0000${s.verdict}`;
      if (s.settled && this.announced.has(key)) continue;
      if (s.settled) this.announced.add(key);
      this.deps.log.info(
        {
          campaign: this.id,
          baseline: s.baseline,
          candidate: s.candidate,
          verdict: s.verdict,
          pairs: s.pairs,
          more_epochs: s.more_epochs,
          settle_at: s.settle_at,
        },
        standingLine(s, duet),
      );
    }
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
      builds: new BuildIdentifier(),
      buildLabel: buildLabelFromEnv(),
      launcher: this.deps.launcher,
      plan,
      campaignId: this.id,
      total,
      killGraceMs: this.deps.killGraceMs,
      storage: this.deps.storage,
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

    if (plan.schedule !== null && !isAdaptive(plan)) this.ticks = new CronTicks(plan.schedule, this.deps.startTicks);
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
        let ran = true;
        if (duet) ran = await this.runDuetRound(ctx, signal);
        else if (this.adaptive) ran = await this.runOpenRound(ctx, signal);
        else {
          const slot = slotAt(this.nextIndex, this.variants.length);
          const variant = this.variants[slot.variantIndex] as EpochStepVariant;
          this.nextIndex++;
          if (!(await this.runEpoch(ctx, variant, slot, signal))) break;
          ran = this.nextIndex % this.variants.length === 0;
          if (!ran) continue;
        }
        if (!ran) {
          log.info({ campaign: this.id }, 'every comparison has settled: the campaign ends');
          break;
        }
        if (!signal.aborted) await this.logStandings();
      }
    } finally {
      await this.ticks?.close();
      this.ticks = null;
    }
    const status: FinalCampaignStatus = signal.aborted ? 'stopped' : 'completed';
    this.storeFinalStatus(status);
    this.state = 'finished';
    log.info({ campaign: this.id, status, epochs: this.nextIndex }, 'campaign finished');
    emitter.emit('campaign-finished', { campaign_id: this.id, status });
    return status;
  }
}

/** The plan's comparisons whose two arms run here, in plan order. */
function runnableComparisons(resolved: ResolvedPlan): ComparisonArms[] {
  const here = new Set(resolved.variants.map((v) => v.name));
  return resolved.plan.comparisons.filter((c) => here.has(c.baseline) && here.has(c.candidate));
}

/** Slots a campaign has used: every epoch it stored, whatever its outcome (the rotation is never reshuffled). */
function slotsStarted(store: Store, campaignId: number): number {
  return store.epochs.countsForCampaign(campaignId).reduce((n, c) => n + c.count, 0);
}
