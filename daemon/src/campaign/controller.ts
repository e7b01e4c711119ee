/**
 * The daemon's one place to start, watch and stop campaigns: one campaign (so one child) at a time.
 * HTTP routes read `status()` and call `start()` / `stop()`; live metrics and the web page listen to
 * its events (CampaignEvents), which are forwarded from whichever campaign is running.
 */
import { EventEmitter } from 'node:events';
import { LibraryHasher } from '../host/index.js';
import type { Logger } from '../log/index.js';
import type { Store } from '../storage/index.js';
import { Campaign, type CampaignDeps, type CampaignProgress, type CampaignRequest, type FinalCampaignStatus } from './campaign.js';
import type { StartTicks } from './cron-ticks.js';
import type { CampaignEvents } from './events.js';
import { StorageHealth, type StorageStatus } from './storage-health.js';

export interface ControllerDeps {
  store: Store;
  /** Path of native/build/soak-launch. */
  launcher: string;
  log: Logger;
  hasher?: LibraryHasher;
  killGraceMs?: number;
  /** Count memory syscalls (default true; false where the launcher cannot trace: probeSyscallCounting). */
  countSyscalls?: boolean;
  /** What fires a schedule's ticks (default: node-cron on the wall clock). */
  startTicks?: StartTicks;
  /** After a disk-full or I/O error: how often to try writing again (default 10 s), and what a probe writes. */
  storageRetryMs?: number;
  storageProbeBytes?: number;
  /** Where a campaign's comparisons stand (the verdicts): its log after each round, and the adaptive schedule. */
  standings?: CampaignDeps['standings'];
}

/** Thrown by start() while another campaign runs (HTTP: 409). */
export class CampaignBusyError extends Error {
  constructor(readonly runningId: number) {
    super(`campaign ${runningId} is running; stop it first`);
    this.name = 'CampaignBusyError';
  }
}

export interface StartedCampaign {
  id: number;
  resumed: boolean;
  /** Settles when the campaign ends: its final status, or the error that broke the loop. */
  done: Promise<FinalCampaignStatus>;
}

export interface ControllerStatus {
  state: 'idle' | 'running' | 'waiting' | 'stopping';
  campaign: CampaignProgress | null;
  /** The last campaign that ended in this process (id and status), for a finished `run`. */
  last: { campaign_id: number; status: FinalCampaignStatus } | null;
  /** Whether the database takes writes (disk full, I/O errors), and what happened last. */
  storage: StorageStatus;
}

export class CampaignController extends EventEmitter<CampaignEvents> {
  private current: Campaign | null = null;
  private currentDone: Promise<FinalCampaignStatus> | null = null;
  private last: ControllerStatus['last'] = null;
  private readonly hasher: LibraryHasher;
  /** One for the daemon's life: a fault outlives the campaign it happened in. */
  readonly storage: StorageHealth;

  constructor(private readonly deps: ControllerDeps) {
    super();
    this.hasher = deps.hasher ?? new LibraryHasher();
    this.storage = new StorageHealth({
      log: deps.log,
      ...(deps.storageRetryMs !== undefined ? { retryMs: deps.storageRetryMs } : {}),
      ...(deps.storageProbeBytes !== undefined ? { probeBytes: deps.storageProbeBytes } : {}),
    });
  }

  /** Open (or resume) a campaign and start its loop. Throws CampaignBusyError if one is running. */
  start(request: CampaignRequest): StartedCampaign {
    if (this.current !== null) throw new CampaignBusyError(this.current.id);
    const campaign = Campaign.open(
      {
        store: this.deps.store,
        launcher: this.deps.launcher,
        log: this.deps.log,
        hasher: this.hasher,
        emitter: this,
        killGraceMs: this.deps.killGraceMs,
        countSyscalls: this.deps.countSyscalls,
        startTicks: this.deps.startTicks,
        storage: this.storage,
        standings: this.deps.standings,
      },
      request,
    );
    this.current = campaign;
    const done = campaign.run().then(
      (status) => {
        this.last = { campaign_id: campaign.id, status };
        return status;
      },
      (err: unknown) => {
        this.deps.log.error({ campaign: campaign.id, err: (err as Error).message }, 'campaign loop failed');
        throw err;
      },
    );
    const clear = (): void => {
      if (this.current === campaign) {
        this.current = null;
        this.currentDone = null;
      }
    };
    done.then(clear, clear);
    this.currentDone = done;
    return { id: campaign.id, resumed: campaign.resumed, done };
  }

  /**
   * Stop the running campaign (if `campaignId` is given, only when it is that one): the child group is
   * killed, its epoch stored as aborted, the campaign as stopped. Resolves false when nothing matched.
   */
  async stop(campaignId?: number): Promise<boolean> {
    const c = this.current;
    if (c === null || (campaignId !== undefined && c.id !== campaignId)) return false;
    await c.stop();
    return true;
  }

  status(): ControllerStatus {
    const progress = this.current?.progress() ?? null;
    const state = progress === null || progress.state === 'finished' ? 'idle' : progress.state;
    return { state, campaign: progress, last: this.last, storage: this.storage.status() };
  }

  /** Settles when no campaign runs (immediately if none does). */
  async whenIdle(): Promise<void> {
    const done = this.currentDone;
    if (done !== null) await done.catch(() => undefined);
  }
}
