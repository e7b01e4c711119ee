/**
 * One epoch, from the database's point of view: record it `running` (with host metadata, load and
 * the library's hash), run it, store each sample durably as it arrives, analyse, store the outcome.
 * A kill -9 anywhere in here leaves a `running` row and every sample so far; the next start-up turns
 * that row into `interrupted`.
 */
import type { EventEmitter } from 'node:events';
import { analyzeEpoch } from '../analysis/index.js';
import type { EpochAnalysis } from '../domain/epoch-fields.js';
import type { Sample } from '../domain/types.js';
import type { Logger } from '../log/index.js';
import { readHostInfo, readLoadAverage, type BuildIdentifier, type GitBuild, type LibraryHasher } from '../host/index.js';
import type { Plan, ResolvedVariant } from '../plan/index.js';
import { nowIso, type EpochFinish, type Store } from '../storage/index.js';
import { runEpoch, type EpochResult, type EpochWorkload } from '../supervisor/index.js';
import type { CampaignEvents, EpochFinishedEvent, EpochSlotFields } from './events.js';
import type { Slot } from './round-robin.js';
import { seriesOf } from './series-identity.js';

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

/** Runs the child; each sample is stored durably as it arrives and shown live. */
async function runSupervised(
  ctx: EpochStepContext,
  variant: ResolvedVariant,
  liveEpoch: LiveEpoch,
  signal: AbortSignal,
  placement: EpochPlacement,
): Promise<EpochResult> {
  const { store, emitter, plan } = ctx;
  const epochId = liveEpoch.epoch_id;
  return runEpoch(
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
      signal,
      killGraceMs: ctx.killGraceMs,
      ...(ctx.countSyscalls === false ? { countSyscalls: false } : {}),
      ...(placement.cpus !== undefined ? { cpus: placement.cpus } : {}),
    },
    {
      onLaunched: ({ workloadPid }) => {
        store.epochs.setPid(epochId, workloadPid);
        liveEpoch.workload_pid = workloadPid;
        emitter.emit('epoch-launched', {
          epoch_id: epochId,
          campaign_id: ctx.campaignId,
          variant: variant.name,
          workload_pid: workloadPid,
        });
      },
      onSample: (sample) => {
        store.samples.add(epochId, sample);
        liveEpoch.last_sample = sample;
        emitter.emit('sample', { epoch_id: epochId, campaign_id: ctx.campaignId, variant: variant.name, sample });
      },
    },
  );
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
  ctx.store.epochs.finish(slotFields.epoch_id, {
    ...(analysis ?? {}),
    outcome: result.outcome,
    outcome_reason: result.reason,
    exit_code: result.exitCode,
    signal: result.signal,
    stderr_tail: result.stderrTail,
    stderr_lines: result.stderrLines,
    ...allocatorFields(result),
    ended_at: endedAt,
  });
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
  const { epochId, startedAt } = await recordStart(ctx, step, slot, placement);
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
