/** The reads the Prometheus exporter makes at scrape time (so gauges are right again right after a restart). */
import type { EpochRow, Outcome, Sample } from '../domain/types.js';
import type { Db } from './database.js';
import { SAMPLE_COLUMNS, sampleFromRow } from './samples.js';

export interface LiveSample {
  epoch_id: number;
  campaign_id: number;
  variant: string;
  started_at: string;
  sample: Sample;
}

export class MetricsQueries {
  private readonly lastCompletedStmt;
  private readonly countsStmt;
  private readonly liveStmt;

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
    this.liveStmt = db.prepare(
      `SELECT e.id AS epoch_id, e.campaign_id, e.variant, e.started_at,
              ${SAMPLE_COLUMNS.split(', ')
                .map((c) => `s.${c}`)
                .join(', ')}
       FROM epochs e JOIN samples s ON s.epoch_id = e.id
       WHERE e.outcome = 'running' AND s.t_ms = (SELECT MAX(t_ms) FROM samples WHERE epoch_id = e.id)
       ORDER BY e.id`,
    );
  }

  /** The most recent completed epoch of each variant (all campaigns), by variant name. */
  lastCompletedByVariant(): EpochRow[] {
    return this.lastCompletedStmt.all();
  }

  /** Epoch counts by variant and outcome over the whole database. */
  epochCounts(): { variant: string; outcome: Outcome; count: number }[] {
    return this.countsStmt.all();
  }

  /** The latest stored sample of each running epoch (normally one). */
  liveSamples(): LiveSample[] {
    type Row = Omit<LiveSample, 'sample'> & Parameters<typeof sampleFromRow>[0];
    return (this.liveStmt.all() as Row[]).map((r) => {
      const { epoch_id, campaign_id, variant, started_at, ...sampleRow } = r;
      return { epoch_id, campaign_id, variant, started_at, sample: sampleFromRow(sampleRow) };
    });
  }
}
