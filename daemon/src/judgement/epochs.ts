/**
 * The per-epoch rows the judgement reads, and how they are split and paired. Verdicts use per-epoch
 * values only (samples inside one epoch are correlated; testing them would inflate false alarms).
 */

import { EPOCH_SUMMARY_COLUMNS } from '../domain/epoch-fields.js';
import { WORKLOAD_FAILURES, type EpochSummary, type Outcome } from '../domain/types.js';

/**
 * An epoch row as stored (EpochSummary, plus columns the judgement uses when present; those added by later
 * schema versions are optional, so rows built by hand need not name them).
 */
export interface JudgedEpoch extends Omit<EpochSummary, 'throughput_cpu' | 'rss_held_drift_pct' | 'round' | 'series_sha256'> {
  /** Held-memory drift (schema v8); the judged drift, domain/measures.ts. */
  rss_held_drift_pct?: number | null;
  round?: number | null;
  /** The series (schema v6): what ran, as one hash; verdicts pick the rows, the rules do not read it. */
  series_sha256?: string | null;
  outcome_reason?: string | null;
  signal?: string | null;
  exit_code?: number | null;
  rss_slope_low?: number | null;
  rss_slope_high?: number | null;
  rss_slope_late_bytes_per_hour?: number | null;
  elapsed_ms?: number | null;
  rss_held_bytes?: number | null;
  warmup_ms?: number | null;
  /** Ops per CPU-second and its within-epoch CV (schema v3; null when the workload does not report cpu_ms). */
  throughput_cpu?: number | null;
  throughput_cpu_cv?: number | null;
}

/**
 * The columns a JudgedEpoch has: what verdicts select from the store instead of every column (the large
 * text ones, counters and knobs, are never judged). daemon/test/judgement/judged-columns.test.ts fails to
 * compile unless this list and the type name the same fields.
 */
export const JUDGED_COLUMNS = [
  ...EPOCH_SUMMARY_COLUMNS,
  'outcome_reason',
  'signal',
  'exit_code',
  'rss_slope_low',
  'rss_slope_high',
  'rss_slope_late_bytes_per_hour',
  'elapsed_ms',
  'rss_held_bytes',
  'warmup_ms',
  'throughput_cpu_cv',
] as const;

/** The peak RSS memory verdicts judge, and the drift the drift judgement reads: domain/measures.ts. */
export { judgedDrift, peakRss } from '../domain/measures.js';

export interface Arm {
  variant: string;
  /** Completed epochs, oldest first: the only ones measured. */
  completed: JudgedEpoch[];
  /** Epochs the workload ended badly (crashed, timeout, oom, failed). */
  failed: JudgedEpoch[];
  /** Epochs that say nothing about the workload (running, interrupted, aborted). */
  ignored: JudgedEpoch[];
}

function byStart(a: JudgedEpoch, b: JudgedEpoch): number {
  return a.started_at < b.started_at ? -1 : a.started_at > b.started_at ? 1 : a.id - b.id;
}

export function splitArm(variant: string, epochs: readonly JudgedEpoch[]): Arm {
  const mine = epochs.filter((e) => e.variant === variant).sort(byStart);
  const isFailure = (o: Outcome): boolean => WORKLOAD_FAILURES.includes(o);
  return {
    variant,
    completed: mine.filter((e) => e.outcome === 'completed'),
    failed: mine.filter((e) => isFailure(e.outcome)),
    ignored: mine.filter((e) => e.outcome !== 'completed' && !isFailure(e.outcome)),
  };
}

export interface EpochPair {
  baseline: JudgedEpoch;
  candidate: JudgedEpoch;
}

/**
 * Neighbours of interleaved campaigns: the i-th epoch of each variant within one campaign (by `round`
 * when both have it, else by order). Round-robin scheduling runs them back to back, so a slow drift of
 * the machine hits both members of a pair alike and the pair's ratio cancels it.
 */
export function pairEpochs(baseline: readonly JudgedEpoch[], candidate: readonly JudgedEpoch[]): EpochPair[] {
  const pairs: EpochPair[] = [];
  const campaigns = new Set(baseline.map((e) => e.campaign_id));
  for (const campaign of campaigns) {
    const a = baseline.filter((e) => e.campaign_id === campaign).sort(byStart);
    const b = candidate.filter((e) => e.campaign_id === campaign).sort(byStart);
    const haveRounds = [...a, ...b].every((e) => typeof e.round === 'number');
    if (haveRounds) {
      const byRound = new Map(b.map((e) => [e.round as number, e]));
      for (const e of a) {
        const partner = byRound.get(e.round as number);
        if (partner) pairs.push({ baseline: e, candidate: partner });
      }
    } else {
      for (let i = 0; i < Math.min(a.length, b.length); i++) pairs.push({ baseline: a[i] as JudgedEpoch, candidate: b[i] as JudgedEpoch });
    }
  }
  return pairs;
}

/** Positive finite values of one field, in epoch order. */
export function positiveValues(epochs: readonly JudgedEpoch[], pick: (e: JudgedEpoch) => number | null | undefined): number[] {
  const out: number[] = [];
  for (const e of epochs) {
    const v = pick(e);
    if (typeof v === 'number' && Number.isFinite(v) && v > 0) out.push(v);
  }
  return out;
}

/** Finite values of one field (zero and negatives kept), in epoch order. */
export function finiteValues(epochs: readonly JudgedEpoch[], pick: (e: JudgedEpoch) => number | null | undefined): number[] {
  const out: number[] = [];
  for (const e of epochs) {
    const v = pick(e);
    if (typeof v === 'number' && Number.isFinite(v)) out.push(v);
  }
  return out;
}
