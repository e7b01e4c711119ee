/** samples: every interval sample of every epoch, each committed on its own so a kill -9 loses none. */
import type { Sample } from '../domain/types.js';
import type { Db } from './database.js';

/** A stored sample: the counters as their JSON text. */
export type SampleRow = Omit<Sample, 'counters'> & { counters_json: string | null };

/** The columns of a sample row, in storage order (what `sampleFromRow` reads). */
export const SAMPLE_COLUMNS =
  't_ms, ops, ops_per_sec, rss_bytes, hwm_bytes, rss_anon_bytes, pss_bytes, lazyfree_bytes, cpu_ms, counters_json';

export function sampleFromRow(row: SampleRow): Sample {
  const { counters_json, ...rest } = row;
  return { ...rest, counters: counters_json === null ? {} : (JSON.parse(counters_json) as Record<string, number>) };
}

/**
 * Picks at most `maxPoints` samples evenly spread over the series, always keeping the first and the last.
 * Plain decimation (no averaging) so every point shown is a real measurement.
 */
export function downsample<T>(items: readonly T[], maxPoints: number): T[] {
  const max = Math.floor(maxPoints);
  if (max <= 0) return [];
  if (items.length <= max) return [...items];
  if (max === 1) return [items[items.length - 1] as T];
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(items[Math.round((i * (items.length - 1)) / (max - 1))] as T);
  return out;
}

export class SampleStore {
  private readonly insertStmt;
  private readonly listStmt;
  private readonly afterStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO samples (epoch_id, ${SAMPLE_COLUMNS})
       VALUES (@epoch_id, @t_ms, @ops, @ops_per_sec, @rss_bytes, @hwm_bytes, @rss_anon_bytes, @pss_bytes, @lazyfree_bytes, @cpu_ms, @counters_json)
       ON CONFLICT (epoch_id, t_ms) DO NOTHING`,
    );
    this.listStmt = db.prepare<[number], SampleRow>(`SELECT ${SAMPLE_COLUMNS} FROM samples WHERE epoch_id = ? ORDER BY t_ms`);
    this.afterStmt = db.prepare<[number, number], SampleRow>(
      `SELECT ${SAMPLE_COLUMNS} FROM samples WHERE epoch_id = ? AND t_ms > ? ORDER BY t_ms`,
    );
  }

  /**
   * Stores one sample in its own transaction (durable when this returns, with synchronous=FULL).
   * Returns false if the epoch already has a sample at that t_ms (the first one is kept).
   */
  add(epochId: number, s: Sample): boolean {
    const info = this.insertStmt.run({
      epoch_id: epochId,
      t_ms: s.t_ms,
      ops: s.ops,
      ops_per_sec: s.ops_per_sec,
      rss_bytes: s.rss_bytes,
      hwm_bytes: s.hwm_bytes,
      rss_anon_bytes: s.rss_anon_bytes,
      pss_bytes: s.pss_bytes,
      lazyfree_bytes: s.lazyfree_bytes,
      cpu_ms: s.cpu_ms,
      counters_json: Object.keys(s.counters).length === 0 ? null : JSON.stringify(s.counters),
    });
    return info.changes === 1;
  }

  /** Every sample of an epoch in time order. */
  list(epochId: number): Sample[] {
    return this.listStmt.all(epochId).map(sampleFromRow);
  }

  /**
   * Raw rows of an epoch with t_ms > afterTms (all of them for -Infinity), in time order, counters unparsed:
   * a live plot polls for what is new, and must not make the daemon re-read a whole epoch (and parse every
   * counters_json) each time — the daemon shares the machine with the workload it measures. Thin them
   * first, then `sampleFromRow` the ones kept.
   */
  rowsAfter(epochId: number, afterTms = -Infinity): SampleRow[] {
    return this.afterStmt.all(epochId, Number.isFinite(afterTms) ? afterTms : -1);
  }
}
