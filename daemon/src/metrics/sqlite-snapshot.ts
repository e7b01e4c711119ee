/**
 * What the exporter reads from SQLite at scrape time. Everything here is derived from the stored epochs,
 * so the exported values are right again the moment a restarted daemon answers its first scrape.
 * Queries are small and use the epochs indexes; they run once per scrape (every 15 s in the stack).
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

/**
 * The store's MetricsQueries give the epoch counts and the latest completed epochs; the few other reads
 * the exporter needs are prepared here, once per store.
 */
export class SqliteSnapshotReader {
  private readonly variantsStmt;
  private readonly counterSumsStmt;
  private readonly lastStartedStmt;
  private readonly runningLengthsStmt;

  constructor(private readonly store: Store) {
    const db = store.db;
    this.variantsStmt = db.prepare<[], { name: string }>(
      'SELECT name FROM variants UNION SELECT variant AS name FROM epochs ORDER BY name',
    );
    // Counter deltas of ended epochs only: a running epoch's counters are not final yet, and a counter
    // must never go down.
    const sums = EPOCH_COUNTERS.map((c) => `COALESCE(SUM(${c.field}), 0) AS ${c.field}`).join(', ');
    this.counterSumsStmt = db.prepare<[], Record<string, number> & { variant: string }>(
      `SELECT variant, ${sums} FROM epochs WHERE outcome <> 'running' GROUP BY variant`,
    );
    this.lastStartedStmt = db.prepare<[], { variant: string; started_at: string }>(
      'SELECT variant, started_at FROM epochs WHERE id IN (SELECT MAX(id) FROM epochs GROUP BY variant)',
    );
    this.runningLengthsStmt = db.prepare<[], { variant: string; planned_ms: number; warmup_ms: number }>(
      `SELECT variant, planned_ms, warmup_ms FROM epochs
        WHERE id IN (SELECT MAX(e.id) FROM epochs e JOIN campaigns c ON c.id = e.campaign_id
                      WHERE c.status = 'running' GROUP BY e.variant)`,
    );
  }

  read(): ScrapeSnapshot {
    const epochCounts = new Map<string, Map<string, number>>();
    for (const { variant, outcome, count } of this.store.metrics.epochCounts()) {
      if (!COUNTED.has(outcome)) continue;
      const byOutcome = epochCounts.get(variant) ?? new Map<string, number>();
      byOutcome.set(outcome, count);
      epochCounts.set(variant, byOutcome);
    }
    const counterSums = new Map<EpochField, Map<string, number>>(EPOCH_COUNTERS.map((c) => [c.field, new Map<string, number>()]));
    for (const row of this.counterSumsStmt.all()) {
      for (const c of EPOCH_COUNTERS) counterSums.get(c.field)?.set(row.variant, Number(row[c.field] ?? 0));
    }
    const lastCompleted = this.store.metrics.lastCompletedByVariant().map((row) => ({
      variant: row.variant,
      ended_at_seconds: isoToSeconds(row.ended_at),
      row,
    }));
    const runningLengths = new Map<string, EpochLengths>();
    for (const { variant, planned_ms, warmup_ms } of this.runningLengthsStmt.all()) {
      runningLengths.set(variant, { planned_seconds: planned_ms / 1000, warmup_seconds: warmup_ms / 1000 });
    }
    return {
      variants: this.variantsStmt.all().map((r) => r.name),
      epochCounts,
      counterSums,
      lastCompleted,
      lastStarted: this.lastStartedStmt.all().map((r) => [r.variant, isoToSeconds(r.started_at)] as const),
      runningLengths,
    };
  }
}

function isoToSeconds(iso: string | null): number | null {
  if (iso === null) return null;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms / 1000 : null;
}
