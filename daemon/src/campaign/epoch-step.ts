/**
 * One epoch, from the database's point of view: record it `running` (with host metadata, load and
 * the library's hash), run it, store each sample durably as it arrives, analyse, store the outcome.
 * A kill -9 anywhere in here leaves a `running` row and every sample so far; the next start-up turns
 * that row into `interrupted`. A write the database refuses (disk full, I/O error) stops the epoch, which
 * ends `failed` with the reason; its end is kept in memory when it cannot be stored (storage-health.ts).
 */
import type { EventEmitter } from 'node:events';
import { analyzeEpoch } from '../analysis/index.js';
import type { EpochAnalysis } from '../domain/epoch-fields.js';
import type { Sample } from '../domain/types.js';
import type { Logger } from '../log/index.js';
import { readHostInfo, readLoadAverage, type BuildIdentifier, type GitBuild, type LibraryHasher } from '../host/index.js';
import type { Plan, ResolvedVariant } from '../plan/index.js';
import { nowIso, StorageFaultError, type EpochFinish, type StorageFault, type Store } from '../storage/index.js';
import { runEpoch, type EpochResult, type EpochWorkload } from '../supervisor/index.js';
import type { CampaignEvents, EpochFinishedEvent, EpochSlotFields } from './events.js';
import type { Slot } from './round-robin.js';
import { seriesOf } from './series-identity.js';
import type { StorageHealth } from './storage-health.js';

export interface EpochStepContext {
  store: Store;
  emitter: EventEmitter<CampaignEvents>;
  log: Logger;
  hasher: LibraryHasher;
  /** The git commit and dirty flag of each library build, looked up once per campaign (host/build-identity.ts). */
  builds: BuildIdentifier;
  /** ALLOCSOAK_BUILD of the daemon's environment: the build label of variants whose plan entry gives none. */
  buildLabel: string | null;
  launcher: string;
  plan: Plan;
  campaignId: number;
  total: number | null;
  killGraceMs?: number;
  countSyscalls?: boolean;
  storage: StorageHealth;
}

export interface EpochStepVariant {
  variant: ResolvedVariant;
  variantId: number;
}

/** What the live view needs about the epoch in progress. */
export interface LiveEpoch {
  epoch_id: number;
  variant: string;
  round: number;
  index: number;
  started_at: string;
  planned_ms: number;
  workload_pid: number | null;
  last_sample: Sample | null;
}

export function workloadOf(v: ResolvedVariant): EpochWorkload {
  if (v.command !== null) return { kind: 'command', argv: v.command };
  const program = v.argv[0];
  if (program === undefined) throw new Error(`variant ${v.name}: no workload program`);
  return { kind: 'random_mixed', program, args: v.args };
}

/** The allocator library's SHA-256 (null without a library, or when it cannot be read: logged, not fatal). */
async function libraryHash(ctx: EpochStepContext, variant: ResolvedVariant): Promise<string | null> {
  if (variant.library === null) return null;
  try {
    return await ctx.hasher.sha256(variant.library);
  } catch (err) {
    ctx.log.warn({ library: variant.library, err: (err as Error).message }, 'could not hash the allocator library');
    return null;
  }
}

/** The git build of the variant's library (null without a library, or outside a git work tree). */
async function gitBuild(ctx: EpochStepContext, variant: ResolvedVariant, sha256: string | null): Promise<GitBuild | null> {
  if (variant.library === null) return null;
  return ctx.builds.gitBuild(variant.library, sha256);
}

/**
 * Stores the epoch as `running`, with its host, the load, the library's hash, the build's label, commit and
 * dirty flag, and the series it belongs to.
 */
async function recordStart(
  ctx: EpochStepContext,
  { variant, variantId }: EpochStepVariant,
  slot: Slot,
  placement: EpochPlacement,
): Promise<{ epochId: number; startedAt: string }> {
  const { store, plan } = ctx;
  const hostId = store.hosts.upsert(readHostInfo());
  const load = readLoadAverage();
  const sha256 = await libraryHash(ctx, variant);
  const series = await seriesOf(ctx.hasher, variant, sha256);
  const git = await gitBuild(ctx, variant, sha256);
  const startedAt = nowIso();
  const epochId = store.epochs.start({
    campaign_id: ctx.campaignId,
    variant_id: variantId,
    variant: variant.name,
    round: slot.round,
    planned_ms: plan.epoch_ms,
    warmup_ms: plan.warmup_ms,
    interval_ms: plan.interval_ms,
    started_at: startedAt,
    host_id: hostId,
    ...load,
    allocator_sha256: sha256,
    series_sha256: series,
    build_label: variant.build ?? ctx.buildLabel,
    build_commit: git?.commit ?? null,
    build_dirty: git === null ? null : git.dirty ? 1 : 0,
    cpus: placement.cpus === undefined ? null : placement.cpus.join(','),
  });
  return { epochId, startedAt };
}

/** Logs and emits the start of the epoch. */
function announceStart(ctx: EpochStepContext, slotFields: EpochSlotFields, startedAt: string): void {
  const { plan } = ctx;
  ctx.log.info(
    { epoch: slotFields.epoch_id, variant: slotFields.variant, round: slotFields.round, slot: slotFields.index + 1, of: ctx.total },
    'epoch started',
  );
  ctx.emitter.emit('epoch-started', {
    ...slotFields,
    started_at: startedAt,
    planned_ms: plan.epoch_ms,
    warmup_ms: plan.warmup_ms,
    interval_ms: plan.interval_ms,
  });
}

/**
 * Runs the child; each sample is stored durably as it arrives and shown live. A write the database refuses
 * stops the child: the epoch then ends `failed`, its reason saying which write failed and why.
 */
async function runSupervised(
  ctx: EpochStepContext,
  variant: ResolvedVariant,
  liveEpoch: LiveEpoch,
  signal: AbortSignal,
  placement: EpochPlacement,
): Promise<EpochResult> {
  const { store, emitter, plan } = ctx;
  const epochId = liveEpoch.epoch_id;
  // Stopped by the campaign (stop()) or by a refused write. Linked by hand and unlinked after the epoch:
  // the campaign's signal lives as long as the campaign, and must not collect a listener per epoch.
  const stopOnFault = new AbortController();
  const follow = (): void => stopOnFault.abort();
  if (signal.aborted) stopOnFault.abort();
  else signal.addEventListener('abort', follow, { once: true });
  let fault: { fault: StorageFault; what: string } | null = null;
  let stored = 0;
  /** Runs a write of this epoch; a storage fault stops the epoch (anything else is thrown, as before). */
  const write = (what: string, fn: () => void): boolean => {
    if (fault !== null) return false;
    try {
      fn();
      return true;
    } catch (err) {
      const f = ctx.storage.record(err, what, { epoch: epochId, variant: variant.name });
      if (f === null) throw err;
      fault = { fault: f, what };
      stopOnFault.abort();
      return false;
    }
  };
  const running = runEpoch(
    {
      launcher: ctx.launcher,
      workload: workloadOf(variant),
      preload: variant.library,
      allocator: variant.allocator,
      env: variant.env,
      epochMs: plan.epoch_ms,
      intervalMs: plan.interval_ms,
      warmupMs: plan.warmup_ms,
      rssLimitBytes: plan.rss_limit_bytes,
      signal: stopOnFault.signal,
      killGraceMs: ctx.killGraceMs,
      ...(ctx.countSyscalls === false ? { countSyscalls: false } : {}),
      ...(placement.cpus !== undefined ? { cpus: placement.cpus } : {}),
    },
    {
      onLaunched: ({ workloadPid }) => {
        write('storing the workload pid', () => store.epochs.setPid(epochId, workloadPid));
        liveEpoch.workload_pid = workloadPid;
        emitter.emit('epoch-launched', {
          epoch_id: epochId,
          campaign_id: ctx.campaignId,
          variant: variant.name,
          workload_pid: workloadPid,
        });
      },
      onSample: (sample) => {
        if (!write(`storing the sample at t=${sample.t_ms} ms`, () => store.samples.add(epochId, sample))) return;
        stored++;
        liveEpoch.last_sample = sample;
        emitter.emit('sample', { epoch_id: epochId, campaign_id: ctx.campaignId, variant: variant.name, sample });
      },
    },
  );
  let result: EpochResult;
  try {
    result = await running;
  } finally {
    signal.removeEventListener('abort', follow);
  }
  const failed = fault as { fault: StorageFault; what: string } | null;
  if (failed === null) return result;
  return {
    ...result,
    outcome: 'failed',
    reason:
      `the daemon could not write to its database ${failed.what}: ${failed.fault.message}; ` +
      `the workload was stopped, the ${stored} sample(s) stored before are kept`,
  };
}

/** The analysis of the stored samples; null (and logged) when it fails, so that the outcome is stored anyway. */
function analyzeStored(ctx: EpochStepContext, epochId: number, result: EpochResult): EpochAnalysis | null {
  try {
    return analyze(ctx.store.samples.list(epochId), ctx.plan, result);
  } catch (err) {
    ctx.log.error({ epoch: epochId, err: (err as Error).message }, 'epoch analysis failed; storing the outcome without it');
    return null;
  }
}

/** What served malloc, as the epoch's columns hold it. */
function allocatorFields({
  allocator: id,
}: EpochResult): Pick<
  EpochFinish,
  'allocator_reported' | 'allocator_library_reported' | 'allocator_version' | 'allocator_profile' | 'allocator_knobs'
> {
  return {
    allocator_reported: id?.allocator ?? null,
    allocator_library_reported: id?.library ?? null,
    allocator_version: id?.version ?? null,
    allocator_profile: id?.profile ?? null,
    allocator_knobs: id?.knobs ? JSON.stringify(id.knobs) : null,
  };
}

/** Stores the outcome and analysis, logs and emits the end of the epoch. */
function recordFinish(
  ctx: EpochStepContext,
  slotFields: EpochSlotFields,
  result: EpochResult,
  analysis: EpochAnalysis | null,
): EpochFinishedEvent {
  const endedAt = nowIso();
  const finish: EpochFinish = {
    ...(analysis ?? {}),
    outcome: result.outcome,
    outcome_reason: result.reason,
    exit_code: result.exitCode,
    signal: result.signal,
    stderr_tail: result.stderrTail,
    stderr_lines: result.stderrLines,
    ...allocatorFields(result),
    ended_at: endedAt,
  };
  const store = (): void => ctx.store.epochs.finish(slotFields.epoch_id, finish);
  try {
    store();
  } catch (err) {
    if (ctx.storage.record(err, `storing the end of epoch ${slotFields.epoch_id}`, { epoch: slotFields.epoch_id }) === null) throw err;
    // Kept in memory: written as soon as the database takes writes again (before the next epoch starts).
    ctx.storage.defer(slotFields.epoch_id, store);
  }
  const level = result.outcome === 'completed' ? 'info' : 'warn';
  ctx.log[level](
    {
      epoch: slotFields.epoch_id,
      variant: slotFields.variant,
      outcome: result.outcome,
      reason: result.reason ?? undefined,
      throughput_mean: analysis?.throughput_mean ?? undefined,
      rss_drift_pct: analysis?.rss_drift_pct ?? undefined,
    },
    'epoch finished',
  );
  const finished: EpochFinishedEvent = {
    ...slotFields,
    outcome: result.outcome,
    reason: result.reason,
    ended_at: endedAt,
    analysis,
  };
  ctx.emitter.emit('epoch-finished', finished);
  return finished;
}

/** Where an epoch runs: anywhere (sequential), or pinned to CPUs (an arm of a duet). */
export interface EpochPlacement {
  cpus?: readonly number[];
}

export async function runEpochStep(
  ctx: EpochStepContext,
  step: EpochStepVariant,
  slot: Slot,
  signal: AbortSignal,
  live: (epoch: LiveEpoch | null) => void,
  placement: EpochPlacement = {},
): Promise<EpochFinishedEvent> {
  const { variant } = step;
  let started: { epochId: number; startedAt: string };
  try {
    started = await recordStart(ctx, step, slot, placement);
  } catch (err) {
    // No epoch row: the slot stays free, the campaign loop waits for writes and takes it up again.
    const fault = ctx.storage.record(err, 'starting an epoch', { variant: variant.name });
    if (fault === null) throw err;
    throw new StorageFaultError(fault, { cause: err });
  }
  const { epochId, startedAt } = started;
  const liveEpoch: LiveEpoch = {
    epoch_id: epochId,
    variant: variant.name,
    round: slot.round,
    index: slot.index,
    started_at: startedAt,
    planned_ms: ctx.plan.epoch_ms,
    workload_pid: null,
    last_sample: null,
  };
  live(liveEpoch);
  const slotFields: EpochSlotFields = {
    epoch_id: epochId,
    campaign_id: ctx.campaignId,
    variant: variant.name,
    round: slot.round,
    index: slot.index,
    total: ctx.total,
  };
  announceStart(ctx, slotFields, startedAt);
  let result: EpochResult;
  try {
    result = await runSupervised(ctx, variant, liveEpoch, signal, placement);
  } finally {
    live(null);
  }
  return recordFinish(ctx, slotFields, result, analyzeStored(ctx, epochId, result));
}

/** The one place where the supervisor's result meets the analysis module's inputs. */
function analyze(samples: readonly Sample[], plan: Plan, result: EpochResult): EpochAnalysis {
  const syscalls =
    result.syscallsFinal === null ? undefined : { at_warmup_end: result.syscallsAtWarmupEnd?.counts ?? null, at_end: result.syscallsFinal };
  const opts = { warmupMs: plan.warmup_ms, intervalMs: plan.interval_ms, peakReset: result.peakReset };
  return analyzeEpoch(samples, opts, syscalls, result.endLine ?? undefined);
}
