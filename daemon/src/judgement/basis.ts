/**
 * Which throughput a comparison judges: the one definition is domain/measures.ts (the page, the report and
 * the CLI lead with the same basis). It misses time spent blocked (a futex wait is not CPU time), so a plan
 * whose workloads block in the allocator judges on wall-clock time with `throughput_per_cpu_second: 0`.
 */
import type { ThroughputBasis } from '../domain/measures.js';
import type { JudgedEpoch } from './epochs.js';

export { BASIS_LABEL, chooseBasis, throughputOn, type ThroughputBasis } from '../domain/measures.js';

/** The per-epoch within-epoch CV on a basis. */
export function cvOn(basis: ThroughputBasis): (e: JudgedEpoch) => number | null | undefined {
  return basis === 'cpu' ? (e) => e.throughput_cpu_cv : (e) => e.throughput_cv;
}

export function describeBasis(basis: ThroughputBasis): string {
  return basis === 'cpu' ? 'ops per CPU-second of the workload' : 'ops per wall-clock second';
}
