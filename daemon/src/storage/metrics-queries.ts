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

type CountRow = { variant: string; outcome: Outcome; count: number };
type SumsRow = { variant: string } & Record<string, string | number>;

/**
 * Totals of the epochs that can no longer change, so a scrape reads only the rows after them. An epoch row
 * changes only while it is `running` (it is finished or interrupted once, and never deleted), and ids only grow:
 * every epoch below the oldest running one (all of them when none runs) is final. Without this each scrape read
 * the whole epochs table, so its cost, and SQLite's page cache holding that table, grew with history.
 */
interface FinalTotals {
  /** Every epoch with id <= upTo is in the totals below. */
  upTo: number;
  counts: Map<string, CountRow>;
  sums: Map<string, Map<EpochField, number>>;
}

export class MetricsQueries {
  private readonly lastCompletedStmt;
  private readonly finalUpToStmt;
  private readonly countsStmt;
  private readonly variantNamesStmt;
  private readonly counterSumsStmt;
  private readonly final: FinalTotals = { upTo: 0, counts: new Map(), sums: new Map() };
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
    // The bound seeks epochs_by_outcome and the primary key, the counts and sums read a range of the primary key:
    // a scrape's cost does not grow with history.
    this.finalUpToStmt = db.prepare<[], { up_to: number }>(
      `SELECT COALESCE((SELECT MIN(id) FROM epochs WHERE outcome = 'running') - 1, (SELECT MAX(id) FROM epochs), 0) AS up_to`,
    );
    this.countsStmt = db.prepare<[number, number], CountRow>(
      'SELECT variant, outcome, COUNT(*) AS count FROM epochs WHERE id > ? AND id <= ? GROUP BY variant, outcome',
    );
    this.variantNamesStmt = db.prepare<[], { name: string }>(
      'SELECT name FROM variants UNION SELECT variant AS name FROM epochs ORDER BY name',
    );
    // Counter deltas of ended epochs only: a running epoch's counters are not final yet, and a counter
    // must never go down.
    const sums = EPOCH_COUNTERS.map((c) => `COALESCE(SUM(${c.field}), 0) AS ${c.field}`).join(', ');
    this.counterSumsStmt = db.prepare<[number, number], SumsRow>(
      `SELECT variant, ${sums} FROM epochs WHERE id > ? AND id <= ? AND outcome <> 'running' GROUP BY variant`,
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

  /** The counted epoch fields summed over each variant's ended epochs, sorted by variant. */
  counterSums(): CounterSums[] {
    const upTo = this.advanceFinal();
    const sums = new Map([...this.final.sums].map(([variant, m]) => [variant, new Map(m)]));
    for (const row of this.counterSumsStmt.all(upTo, Number.MAX_SAFE_INTEGER)) addSums(sums, row);
    return [...sums.keys()].sort().map((variant) => ({ variant, sums: sums.get(variant) as Map<EpochField, number> }));
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

  /** Epoch counts by variant and outcome over the whole database, sorted by variant then outcome. */
  epochCounts(): CountRow[] {
    const upTo = this.advanceFinal();
    const counts = new Map([...this.final.counts].map(([k, r]) => [k, { ...r }]));
    for (const row of this.countsStmt.all(upTo, Number.MAX_SAFE_INTEGER)) addCount(counts, row);
    // The key is variant, NUL, outcome: its order is by variant, then outcome.
    return [...counts.keys()].sort().map((k) => counts.get(k) as CountRow);
  }

  /** Moves the epochs that became final since the last call into the kept totals; returns the new bound. */
  private advanceFinal(): number {
    const upTo = this.finalUpToStmt.get()?.up_to ?? 0;
    const f = this.final;
    if (upTo > f.upTo) {
      for (const row of this.countsStmt.all(f.upTo, upTo)) addCount(f.counts, row);
      for (const row of this.counterSumsStmt.all(f.upTo, upTo)) addSums(f.sums, row);
      f.upTo = upTo;
    }
    return f.upTo;
  }
}

function addCount(into: Map<string, CountRow>, row: CountRow): void {
  const key = `${row.variant}\u0000${row.outcome}`;
  const had = into.get(key);
  if (had) had.count += row.count;
  else into.set(key, { ...row });
}

function addSums(into: Map<string, Map<EpochField, number>>, row: SumsRow): void {
  let m = into.get(row.variant);
  if (!m) into.set(row.variant, (m = new Map(EPOCH_COUNTERS.map((c) => [c.field, 0]))));
  for (const c of EPOCH_COUNTERS) m.set(c.field, (m.get(c.field) ?? 0) + Number(row[c.field] ?? 0));
}
