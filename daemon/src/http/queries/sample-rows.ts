/**
 * Sample rows for `GET /epochs/:id/samples`, read in SQL from `after_t_ms` on: a live plot polls for
 * what is new, and must not make the daemon re-read a whole epoch (and parse every counters_json)
 * each time — the daemon shares the machine with the workload it measures.
 */
import type { Db } from '../../storage/index.js';
import { SAMPLE_COLUMNS, sampleFromRow } from '../../storage/index.js';
import type { Sample } from '../../domain/types.js';

type SampleRow = Parameters<typeof sampleFromRow>[0];

export class SampleRows {
  private readonly afterStmt;
  constructor(db: Db) {
    this.afterStmt = db.prepare<[number, number], SampleRow>(
      `SELECT ${SAMPLE_COLUMNS} FROM samples WHERE epoch_id = ? AND t_ms > ? ORDER BY t_ms`,
    );
  }

  /** Raw rows of an epoch with t_ms > afterTms (all of them for -Infinity), in time order. */
  rows(epochId: number, afterTms = -Infinity): SampleRow[] {
    return this.afterStmt.all(epochId, Number.isFinite(afterTms) ? afterTms : -1);
  }

  static toSample(row: SampleRow): Sample {
    return sampleFromRow(row);
  }
}
