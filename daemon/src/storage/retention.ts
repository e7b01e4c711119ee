/**
 * Sample retention: the samples of epochs that ended more than `keep_samples_days` ago are thinned to at most
 * one per `resolution_ms` of t_ms (the first sample of each bucket, and the epoch's last sample), a bounded
 * number of rows per call so the daemon's loop is never held for long. Epoch rows (their analysis, computed
 * from the full samples when the epoch ended) are never touched: every verdict reads them, not the samples.
 */
import type { Db } from './database.js';
import { nowIso } from './time.js';

/** The retention the daemon applies unless told otherwise (one definition: the CLI's defaults and the docs'). */
export const RETENTION_DEFAULTS = {
  /** Full samples are kept this many days after their epoch ended. */
  keepSamplesDays: 30,
  /** Older epochs keep at most one sample per this many ms of t_ms. */
  resolutionMs: 60_000,
  /** Rows one thinning step may delete at most (one transaction). */
  batchRows: 2_000,
} as const;

export interface RetentionPolicy {
  keepSamplesDays: number;
  resolutionMs: number;
}

/** Where a thinning pass stands: the epoch being thinned and how far into its t_ms. */
export interface ThinCursor {
  /** Epochs with an id at most this are done for this pass. */
  afterEpoch: number;
  /** The epoch being thinned and the t_ms its next step starts from (null: take the next epoch). */
  current: { epochId: number; fromTms: number; before: number } | null;
}

export interface ThinStepResult {
  /** Sample rows deleted by this step. */
  deleted: number;
  /** The epoch this step worked on (null: nothing left to thin). */
  epochId: number | null;
  /** True when this step finished that epoch (it is now recorded in thinned_epochs). */
  epochDone: boolean;
}

export function newThinCursor(): ThinCursor {
  return { afterEpoch: 0, current: null };
}

/** The ISO time before which an epoch's samples are thinned. */
export function retentionCutoff(policy: RetentionPolicy, now: Date = new Date()): string {
  return new Date(now.getTime() - policy.keepSamplesDays * 86_400_000).toISOString();
}

const FAR = Number.MAX_SAFE_INTEGER;

export class SampleRetention {
  private readonly candidateStmt;
  private readonly countStmt;
  private readonly lastStmt;
  private readonly probeStmt;
  private readonly deleteStmt;
  private readonly markStmt;
  private readonly thinnedStmt;
  private readonly beginStmt;

  constructor(private readonly db: Db) {
    // Walks epochs by id from the cursor: each step reads the next candidate, never the whole table.
    this.candidateStmt = db.prepare<{ after: number; cutoff: string; res: number }, { id: number }>(
      `SELECT e.id AS id FROM epochs e LEFT JOIN thinned_epochs t ON t.epoch_id = e.id
        WHERE e.id > @after AND e.outcome <> 'running' AND e.ended_at IS NOT NULL AND e.ended_at < @cutoff
          AND (t.epoch_id IS NULL OR t.resolution_ms < @res)
        ORDER BY e.id LIMIT 1`,
    );
    this.countStmt = db.prepare<[number], { n: number }>('SELECT COUNT(*) AS n FROM samples WHERE epoch_id = ?');
    this.lastStmt = db.prepare<[number], { t_ms: number }>('SELECT MAX(t_ms) AS t_ms FROM samples WHERE epoch_id = ?');
    this.probeStmt = db.prepare<[number, number, number], { t_ms: number }>(
      'SELECT t_ms FROM samples WHERE epoch_id = ? AND t_ms >= ? ORDER BY t_ms LIMIT 1 OFFSET ?',
    );
    // Buckets are whole multiples of res and a step's range [from, to) starts and ends on bucket bounds, so a
    // bucket is never split between steps: the first sample of each bucket is the one kept, whichever step.
    this.deleteStmt = db.prepare<{ id: number; from: number; to: number; res: number; last: number }>(
      `DELETE FROM samples WHERE epoch_id = @id AND t_ms >= @from AND t_ms < @to AND t_ms <> @last
         AND t_ms NOT IN (SELECT MIN(t_ms) FROM samples WHERE epoch_id = @id AND t_ms >= @from AND t_ms < @to
                           GROUP BY CAST(t_ms / @res AS INTEGER))`,
    );
    this.markStmt = db.prepare<[number, number, string, number, number]>(
      `INSERT INTO thinned_epochs (epoch_id, resolution_ms, thinned_at, samples_before, samples_after) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (epoch_id) DO UPDATE SET resolution_ms = excluded.resolution_ms, thinned_at = excluded.thinned_at,
         samples_after = excluded.samples_after`,
    );
    // Recorded when an epoch's first pass begins, so its count before thinning survives a pass cut off.
    this.beginStmt = db.prepare<[number, string, number, number]>(
      `INSERT INTO thinned_epochs (epoch_id, resolution_ms, thinned_at, samples_before, samples_after) VALUES (?, 0, ?, ?, ?)
       ON CONFLICT (epoch_id) DO NOTHING`,
    );
    this.thinnedStmt = db.prepare<[number], { resolution_ms: number; samples_before: number; samples_after: number }>(
      'SELECT resolution_ms, samples_before, samples_after FROM thinned_epochs WHERE epoch_id = ?',
    );
  }

  /**
   * One bounded step of thinning: deletes at most about `batchRows` rows of one epoch in one transaction
   * (a step covers whole buckets, so it may read a bucket beyond) and moves the cursor on. Idempotent: a
   * pass cut short (the daemon stopped) is taken up again from the epoch's start.
   */
  step(cursor: ThinCursor, policy: RetentionPolicy, batchRows: number = RETENTION_DEFAULTS.batchRows, now = new Date()): ThinStepResult {
    const res = Math.max(1, Math.round(policy.resolutionMs));
    return this.db.transaction((): ThinStepResult => {
      let current = cursor.current;
      if (current === null) {
        const next = this.candidateStmt.get({ after: cursor.afterEpoch, cutoff: retentionCutoff(policy, now), res });
        if (next === undefined) return { deleted: 0, epochId: null, epochDone: false };
        current = { epochId: next.id, fromTms: 0, before: this.countStmt.get(next.id)?.n ?? 0 };
        this.beginStmt.run(next.id, nowIso(), current.before, current.before);
        cursor.current = current;
      }
      const id = current.epochId;
      const last = this.lastStmt.get(id)?.t_ms ?? null;
      const probe = last === null ? undefined : this.probeStmt.get(id, current.fromTms, Math.max(1, Math.floor(batchRows)));
      let to = probe === undefined ? FAR : Math.floor(probe.t_ms / res) * res;
      if (to <= current.fromTms) to = (Math.floor(current.fromTms / res) + 1) * res;
      const deleted = last === null ? 0 : this.deleteStmt.run({ id, from: current.fromTms, to, res, last }).changes;
      if (to < FAR) {
        current.fromTms = to;
        return { deleted, epochId: id, epochDone: false };
      }
      const after = this.countStmt.get(id)?.n ?? 0;
      const previous = this.thinnedStmt.get(id);
      this.markStmt.run(id, res, nowIso(), previous?.samples_before ?? current.before, after);
      cursor.current = null;
      cursor.afterEpoch = id;
      return { deleted, epochId: id, epochDone: true };
    })();
  }

  /** How an epoch's samples were thinned (undefined: they are all there; resolution_ms 0: a first pass is under way). */
  thinned(epochId: number): { resolution_ms: number; samples_before: number; samples_after: number } | undefined {
    return this.thinnedStmt.get(epochId);
  }
}
