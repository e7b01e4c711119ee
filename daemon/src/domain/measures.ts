/**
 * What "the peak", "the drift" and "the throughput" of an epoch and of a variant are: one definition each,
 * read by the judgement (verdicts, ratios, drift), the report, the CLI and the page alike, so no surface can
 * show another figure than the one judged, nor another answer to "which is faster".
 *
 * Pure (no imports beyond domain/): the browser loads it too.
 */
import { aggregate } from './epoch-fields.js';
import { signedPercent } from './format.js';

/** The per-epoch values these definitions read (an epoch row, a summary, a judged epoch). */
export interface MeasuredEpoch {
  throughput_mean: number | null;
  throughput_cpu?: number | null;
  rss_peak_bytes: number | null;
  rss_hwm_bytes?: number | null;
  rss_drift_pct: number | null;
  rss_held_drift_pct?: number | null;
}

/**
 * The peak RSS of an epoch: the true peak after warm-up (VmHWM reset at the warm-up end) when the epoch has
 * it, else the largest sample (epochs stored before schema v5).
 */
export function peakRss(e: MeasuredEpoch): number | null {
  return e.rss_hwm_bytes ?? e.rss_peak_bytes;
}

/** Which drift figure an epoch has: held memory's robust line (schema v8 on), or the endpoints (before). */
export type DriftBasis = 'held' | 'endpoint';

export const DRIFT_LABEL: Record<DriftBasis, string> = {
  held: 'held-memory drift',
  endpoint: 'endpoint RSS drift',
};

/**
 * The drift of an epoch that the judgement reads and every surface shows: the growth of held memory (RSS −
 * LazyFree) along its robust line over the measured part (`rss_held_drift_pct`), which a burst live at the
 * first or last sample does not move. Epochs stored before schema v8 have only the endpoint drift
 * (last sample over the first, `rss_drift_pct`), which is used for them and labelled so.
 */
export function judgedDrift(e: MeasuredEpoch): { pct: number; basis: DriftBasis } | null {
  const held = e.rss_held_drift_pct;
  if (typeof held === 'number' && Number.isFinite(held)) return { pct: held, basis: 'held' };
  const end = e.rss_drift_pct;
  if (typeof end === 'number' && Number.isFinite(end)) return { pct: end, basis: 'endpoint' };
  return null;
}

/**
 * A variant's judged drift as every surface words it: "held-memory drift +1.2 % per epoch [−0.3 %, +2.5 %]",
 * or with "(too few epochs for an interval)"; `drift_pct` is the drift judgement's (GET /drift).
 */
export function driftFigure(p: { median: number; low: number | null; high: number | null; basis: DriftBasis } | null): string {
  if (p === null) return 'drift not measured';
  const interval =
    p.low === null || p.high === null ? ' (too few epochs for an interval)' : ` [${signedPercent(p.low, 2)}, ${signedPercent(p.high, 2)}]`;
  return `${DRIFT_LABEL[p.basis]} ${signedPercent(p.median, 2)} per epoch${interval}`;
}

/** The drift basis of a set of epochs: held when every epoch with a drift has it, else endpoint (some are older). */
export function driftBasisOf(epochs: readonly MeasuredEpoch[]): DriftBasis {
  return epochs.every((e) => judgedDrift(e)?.basis !== 'endpoint') ? 'held' : 'endpoint';
}

/**
 * Which throughput is compared. Ops per wall-clock second is what a user feels, but on a shared host it
 * moves with every job that takes the workload's core away; ops per CPU-second of the workload does not
 * (docs/judgement.md). The CPU basis is used only when every epoch compared reports it; one epoch without it
 * (a workload that does not send cpu_ms, a row from before schema v3) falls back to wall-clock for all.
 */
export type ThroughputBasis = 'cpu' | 'wall';

export const BASIS_LABEL: Record<ThroughputBasis, string> = { cpu: 'per CPU-second', wall: 'per wall-clock second' };

function hasCpu(e: MeasuredEpoch): boolean {
  return typeof e.throughput_cpu === 'number' && Number.isFinite(e.throughput_cpu) && e.throughput_cpu > 0;
}

export function chooseBasis(arms: readonly (readonly MeasuredEpoch[])[], wantCpu: boolean): ThroughputBasis {
  if (!wantCpu) return 'wall';
  const all = arms.flat();
  return all.length > 0 && all.every(hasCpu) ? 'cpu' : 'wall';
}

/** The per-epoch throughput on a basis. */
export function throughputOn(basis: ThroughputBasis): (e: MeasuredEpoch) => number | null | undefined {
  return basis === 'cpu' ? (e) => e.throughput_cpu : (e) => e.throughput_mean;
}

/** The median over epochs of a per-epoch value (finite values only; null when none). */
function medianOf(epochs: readonly MeasuredEpoch[], pick: (e: MeasuredEpoch) => number | null | undefined): number | null {
  return aggregate(
    'median',
    epochs.map((e) => pick(e) ?? null),
  );
}

/** A variant's throughput on each basis: the median of its completed epochs' values. */
export interface VariantThroughput {
  /** The basis every variant of the summary leads with (the one verdicts use when they all have it). */
  lead: number | null;
  /** The other basis, shown labelled (null when not measured). */
  other: number | null;
}

export interface ThroughputSummary {
  basis: ThroughputBasis;
  other: ThroughputBasis;
  variants: Map<string, VariantThroughput>;
  /** The variants in order of their lead throughput, fastest first (variants without one left out). */
  fastestFirst: string[];
}

/**
 * The per-variant throughput that page, report and CLI lead with, from each variant's completed epochs: one
 * basis for all (per CPU-second when every epoch reports it, as a comparison of any two of them judges),
 * each variant's median on it, and the other basis beside it. "Which is faster" is the order of `lead`.
 */
export function summarizeThroughput(completedByVariant: ReadonlyMap<string, readonly MeasuredEpoch[]>, wantCpu = true): ThroughputSummary {
  const basis = chooseBasis([...completedByVariant.values()], wantCpu);
  const other: ThroughputBasis = basis === 'cpu' ? 'wall' : 'cpu';
  const variants = new Map<string, VariantThroughput>();
  for (const [name, epochs] of completedByVariant)
    variants.set(name, { lead: medianOf(epochs, throughputOn(basis)), other: medianOf(epochs, throughputOn(other)) });
  const fastestFirst = [...variants]
    .filter((entry): entry is [string, { lead: number; other: number | null }] => entry[1].lead !== null)
    .sort((a, b) => b[1].lead - a[1].lead)
    .map(([name]) => name);
  return { basis, other, variants, fastestFirst };
}

/** Column headers for a summary's two throughputs. */
export function throughputHeaders(s: Pick<ThroughputSummary, 'basis' | 'other'>): { lead: string; other: string } {
  const h = (b: ThroughputBasis): string => (b === 'cpu' ? 'ops per CPU-s' : 'ops/s wall');
  return { lead: `throughput, ${h(s.basis)} (median)`, other: `${h(s.other)} (median)` };
}
