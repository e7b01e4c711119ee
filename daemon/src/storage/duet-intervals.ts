/** duet_intervals: the per-interval paired ratios of each duet round (migrations/009), for looking at only. */
import type { Db } from './database.js';

export interface DuetIntervalRound {
  campaign_id: number;
  round: number;
  baseline_epoch_id: number;
  candidate_epoch_id: number;
  basis: 'cpu' | 'wall';
  clock_offset_ms: number;
  intervals: Array<{ t_ms: number; ratio: number }>;
}

interface Row {
  campaign_id: number;
  round: number;
  t_ms: number;
  baseline_epoch_id: number;
  candidate_epoch_id: number;
  basis: 'cpu' | 'wall';
  clock_offset_ms: number;
  ratio: number;
}

const COLUMNS = 'campaign_id, round, t_ms, baseline_epoch_id, candidate_epoch_id, basis, clock_offset_ms, ratio';

export class DuetIntervalStore {
  private readonly insertStmt;
  private readonly listStmt;
  private readonly listRoundStmt;
  private readonly addRound;

  constructor(db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO duet_intervals (${COLUMNS})
       VALUES (@campaign_id, @round, @t_ms, @baseline_epoch_id, @candidate_epoch_id, @basis, @clock_offset_ms, @ratio)
       ON CONFLICT (baseline_epoch_id, candidate_epoch_id, t_ms) DO NOTHING`,
    );
    this.listStmt = db.prepare<[number], Row>(
      `SELECT ${COLUMNS} FROM duet_intervals WHERE campaign_id = ? ORDER BY round, baseline_epoch_id, t_ms`,
    );
    this.listRoundStmt = db.prepare<[number, number], Row>(
      `SELECT ${COLUMNS} FROM duet_intervals WHERE campaign_id = ? AND round = ? ORDER BY baseline_epoch_id, t_ms`,
    );
    this.addRound = db.transaction((r: DuetIntervalRound) => {
      for (const i of r.intervals) {
        this.insertStmt.run({
          campaign_id: r.campaign_id,
          round: r.round,
          t_ms: i.t_ms,
          baseline_epoch_id: r.baseline_epoch_id,
          candidate_epoch_id: r.candidate_epoch_id,
          basis: r.basis,
          clock_offset_ms: r.clock_offset_ms,
          ratio: i.ratio,
        });
      }
    });
  }

  /** Stores a round's ratios in one transaction (a round stored again keeps its first ratios). */
  add(round: DuetIntervalRound): void {
    this.addRound(round);
  }

  /** A campaign's rounds (one round only with `round`), in round order, each with its intervals in time order. */
  list(campaignId: number, round?: number): DuetIntervalRound[] {
    const rows = round === undefined ? this.listStmt.all(campaignId) : this.listRoundStmt.all(campaignId, round);
    const out: DuetIntervalRound[] = [];
    let cur: DuetIntervalRound | undefined;
    for (const r of rows) {
      if (cur === undefined || cur.round !== r.round || cur.baseline_epoch_id !== r.baseline_epoch_id) {
        cur = {
          campaign_id: r.campaign_id,
          round: r.round,
          baseline_epoch_id: r.baseline_epoch_id,
          candidate_epoch_id: r.candidate_epoch_id,
          basis: r.basis,
          clock_offset_ms: r.clock_offset_ms,
          intervals: [],
        };
        out.push(cur);
      }
      cur.intervals.push({ t_ms: r.t_ms, ratio: r.ratio });
    }
    return out;
  }
}
