/** The reads the Prometheus exporter makes at scrape time (so gauges are right again right after a restart). */
import { EPOCH_COUNTERS, type EpochField } from '../domain/epoch-fields.js';
import type { EpochRow, Outcome } from '../domain/types.js';
import type { Db } from './database.js';

/** One variant's sums of the counted epoch fields (EPOCH_COUNTERS) over its ended epochs. */
export interface CounterSums {
  variant: string;
  sums: Map<EpochField, number>;
}

/** Planned lengths of a variant's latest epoch, in ms. */
export interface EpochLengthsMs {
  variant: string;
  planned_ms: number;
  warmup_ms: number;
}

export class MetricsQueries {
  private readonly lastCompletedStmt;
  private readonly countsStmt;
  private readonly variantNamesStmt;
  private readonly counterSumsStmt;
  private readonly lastStartedStmt;
  private readonly runningLengthsStmt;

  constructor(db: Db) {
    // One row per variant: reading every column costs nothing and serves any gauge the field list adds.
    this.lastCompletedStmt = db.prepare<[], EpochRow>(
      `SELECT e.* FROM epochs e
       WHERE e.outcome = 'completed'
         AND e.id = (SELECT MAX(id) FROM epochs WHERE variant = e.variant AND outcome = 'completed')
       ORDER BY e.variant`,
    );
    this.countsStmt = db.prepare<[], { variant: string; outcome: Outcome; count: number }>(
      'SELECT variant, outcome, COUNT(*) AS count FROM epochs GROUP BY variant, outcome ORDER BY variant, outcome',
    );
    this.variantNamesStmt = db.prepare<[], { name: string }>(
      'SELECT name FROM variants UNION SELECT variant AS name FROM epochs ORDER BY name',
    );
    // Counter deltas of ended epochs only: a running epoch's counters are not final yet, and a counter
    // must never go down.
    const sums = EPOCH_COUNTERS.map((c) => `COALESCE(SUM(${c.field}), 0) AS ${c.field}`).join(', ');
    this.counterSumsStmt = db.prepare<[], { variant: string } & Record<string, string | number>>(
      `SELECT variant, ${sums} FROM epochs WHERE outcome <> 'running' GROUP BY variant`,
    );
    this.lastStartedStmt = db.prepare<[], { variant: string; started_at: string }>(
      'SELECT variant, started_at FROM epochs WHERE id IN (SELECT MAX(id) FROM epochs GROUP BY variant)',
    );
    this.runningLengthsStmt = db.prepare<[], EpochLengthsMs>(
      `SELECT variant, planned_ms, warmup_ms FROM epochs
        WHERE id IN (SELECT MAX(e.id) FROM epochs e JOIN campaigns c ON c.id = e.campaign_id
                      WHERE c.status = 'running' GROUP BY e.variant)`,
    );
  }

  /** Every variant the database knows: of any campaign, or with any epoch; sorted. */
  variantNames(): string[] {
    return this.variantNamesStmt.all().map((r) => r.name);
  }

  /** The counted epoch fields summed over each variant's ended epochs. */
  counterSums(): CounterSums[] {
    return this.counterSumsStmt.all().map((row) => ({
      variant: row.variant,
      sums: new Map(EPOCH_COUNTERS.map((c) => [c.field, Number(row[c.field] ?? 0)])),
    }));
  }

  /** Start time of each variant's latest epoch, of any outcome. */
  lastStartedByVariant(): { variant: string; started_at: string }[] {
    return this.lastStartedStmt.all();
  }

  /** Planned lengths of each variant's latest epoch in a running campaign. */
  runningEpochLengths(): EpochLengthsMs[] {
    return this.runningLengthsStmt.all();
  }

  /** The most recent completed epoch of each variant (all campaigns), by variant name. */
  lastCompletedByVariant(): EpochRow[] {
    return this.lastCompletedStmt.all();
  }

  /** Epoch counts by variant and outcome over the whole database. */
  epochCounts(): { variant: string; outcome: Outcome; count: number }[] {
    return this.countsStmt.all();
  }
}
