/**
 * What the exporter reads from SQLite at scrape time. Everything here is derived from the stored epochs,
 * so the exported values are right again the moment a restarted daemon answers its first scrape.
 * The store's queries are small and use the epochs indexes; they run once per scrape (every 15 s in the stack).
 */
import { EPOCH_COUNTERS, type EpochField, type EpochRow } from '../domain/epoch-fields.js';
import type { Store } from '../storage/index.js';
import { COUNTED_OUTCOMES } from './names.js';

/** The latest completed epoch of one variant, as the last-epoch gauges show it. */
export interface LastCompletedEpoch {
  readonly variant: string;
  readonly ended_at_seconds: number | null;
  readonly row: EpochRow;
}

export interface EpochLengths {
  readonly planned_seconds: number;
  readonly warmup_seconds: number;
}

export interface ScrapeSnapshot {
  /** Every variant the database knows: of any campaign, or with any epoch. */
  readonly variants: readonly string[];
  /** Ended epochs by variant and outcome (only the outcomes in COUNTED_OUTCOMES). */
  readonly epochCounts: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** Per counted field (EPOCH_COUNTERS), its sum over each variant's ended epochs. */
  readonly counterSums: ReadonlyMap<EpochField, ReadonlyMap<string, number>>;
  readonly lastCompleted: readonly LastCompletedEpoch[];
  /** Start (Unix seconds) of each variant's latest epoch, of any outcome. */
  readonly lastStarted: readonly (readonly [string, number | null])[];
  /** Epoch lengths of the variants of running campaigns, from their latest epoch. */
  readonly runningLengths: ReadonlyMap<string, EpochLengths>;
}

const COUNTED = new Set<string>(COUNTED_OUTCOMES);

/** Reads, at every scrape, what the exporter shows from SQLite (all through the store's MetricsQueries). */
export class SqliteSnapshotReader {
  constructor(private readonly store: Store) {}

  read(): ScrapeSnapshot {
    const epochCounts = new Map<string, Map<string, number>>();
    for (const { variant, outcome, count } of this.store.metrics.epochCounts()) {
      if (!COUNTED.has(outcome)) continue;
      const byOutcome = epochCounts.get(variant) ?? new Map<string, number>();
      byOutcome.set(outcome, count);
      epochCounts.set(variant, byOutcome);
    }
    const counterSums = new Map<EpochField, Map<string, number>>(EPOCH_COUNTERS.map((c) => [c.field, new Map<string, number>()]));
    for (const { variant, sums } of this.store.metrics.counterSums()) {
      for (const [field, sum] of sums) counterSums.get(field)?.set(variant, sum);
    }
    const lastCompleted = this.store.metrics.lastCompletedByVariant().map((row) => ({
      variant: row.variant,
      ended_at_seconds: isoToSeconds(row.ended_at),
      row,
    }));
    const runningLengths = new Map<string, EpochLengths>();
    for (const { variant, planned_ms, warmup_ms } of this.store.metrics.runningEpochLengths()) {
      runningLengths.set(variant, { planned_seconds: planned_ms / 1000, warmup_seconds: warmup_ms / 1000 });
    }
    return {
      variants: this.store.metrics.variantNames(),
      epochCounts,
      counterSums,
      lastCompleted,
      lastStarted: this.store.metrics.lastStartedByVariant().map((r) => [r.variant, isoToSeconds(r.started_at)] as const),
      runningLengths,
    };
  }
}

function isoToSeconds(iso: string | null): number | null {
  if (iso === null) return null;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms / 1000 : null;
}
