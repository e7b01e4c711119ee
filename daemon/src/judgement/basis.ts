/**
 * Which throughput a comparison judges. Ops per wall-clock second is what a user feels, but on a shared
 * host it moves with every job that takes the workload's core away (tens of percent between identical
 * epochs under load, docs/judgement.md). Ops per CPU-second of the workload does not: the allocator's own
 * cost per op is what it measures, syscalls and page faults included (they are CPU time of the workload).
 * It misses time spent blocked (a futex wait is not CPU time), so a plan whose workloads block in the
 * allocator judges on wall-clock time with `throughput_per_cpu_second: 0`.
 * The CPU basis is used only when every completed epoch of every arm reports it; one epoch without it
 * (a workload that does not send cpu_ms, a row from before schema v3) falls back to wall-clock for all.
 */

import type { JudgedEpoch } from './epochs.js';

export type ThroughputBasis = 'cpu' | 'wall';

export function chooseBasis(arms: readonly (readonly JudgedEpoch[])[], wantCpu: boolean): ThroughputBasis {
  if (!wantCpu) return 'wall';
  const all = arms.flat();
  const hasCpu = (e: JudgedEpoch): boolean =>
    typeof e.throughput_cpu === 'number' && Number.isFinite(e.throughput_cpu) && e.throughput_cpu > 0;
  return all.length > 0 && all.every(hasCpu) ? 'cpu' : 'wall';
}

/** The per-epoch throughput on a basis. */
export function throughputOn(basis: ThroughputBasis): (e: JudgedEpoch) => number | null | undefined {
  return basis === 'cpu' ? (e) => e.throughput_cpu : (e) => e.throughput_mean;
}

/** The per-epoch within-epoch CV on a basis. */
export function cvOn(basis: ThroughputBasis): (e: JudgedEpoch) => number | null | undefined {
  return basis === 'cpu' ? (e) => e.throughput_cpu_cv : (e) => e.throughput_cv;
}

export function describeBasis(basis: ThroughputBasis): string {
  return basis === 'cpu' ? 'ops per CPU-second of the workload' : 'ops per wall-clock second';
}
