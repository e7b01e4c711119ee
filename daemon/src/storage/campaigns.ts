/** campaigns: one run of a plan (finite `run`, or the daemon's continuous one). */
import type { CampaignStatus } from '../domain/types.js';
import type { Plan } from '../plan/index.js';
import type { Db } from './database.js';
import { nowIso } from './time.js';

export interface CampaignRecord {
  id: number;
  name: string;
  /** Plan file path, or "api". */
  source: string;
  plan: Plan;
  status: CampaignStatus;
  /** null: continuous (daemon). */
  epochs_per_variant: number | null;
  started_at: string;
  ended_at: string | null;
}

interface CampaignRow extends Omit<CampaignRecord, 'plan'> {
  plan_json: string;
}

export interface NewCampaign {
  name?: string;
  source: string;
  plan: Plan;
  epochs_per_variant?: number | null;
  started_at?: string;
}

const COLUMNS = 'id, name, source, plan_json, status, epochs_per_variant, started_at, ended_at';

function toRecord(row: CampaignRow): CampaignRecord {
  const { plan_json, ...rest } = row;
  return { ...rest, plan: JSON.parse(plan_json) as Plan };
}

/** The plan as stored: validated plans are built with a fixed key order, so equal plans give equal text. */
export function planJson(plan: Plan): string {
  return JSON.stringify(plan);
}

export class CampaignStore {
  private readonly insertStmt;
  private readonly finishStmt;
  private readonly getStmt;
  private readonly resumableStmt;
  private readonly listStmt;
  private readonly listByStatusStmt;
  private readonly interruptOthersStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare<[string, string, string, number | null, string]>(
      `INSERT INTO campaigns (name, source, plan_json, status, epochs_per_variant, started_at) VALUES (?, ?, ?, 'running', ?, ?)`,
    );
    this.finishStmt = db.prepare<[string, string, number]>(`UPDATE campaigns SET status = ?, ended_at = ? WHERE id = ?`);
    this.getStmt = db.prepare<[number], CampaignRow>(`SELECT ${COLUMNS} FROM campaigns WHERE id = ?`);
    this.resumableStmt = db.prepare<[string, number | null], CampaignRow>(
      `SELECT ${COLUMNS} FROM campaigns WHERE status = 'running' AND plan_json = ? AND epochs_per_variant IS ? ORDER BY id DESC LIMIT 1`,
    );
    this.listStmt = db.prepare<[number], CampaignRow>(`SELECT ${COLUMNS} FROM campaigns ORDER BY id DESC LIMIT ?`);
    this.listByStatusStmt = db.prepare<[string, number], CampaignRow>(
      `SELECT ${COLUMNS} FROM campaigns WHERE status = ? ORDER BY id DESC LIMIT ?`,
    );
    this.interruptOthersStmt = db.prepare<[string, number]>(
      `UPDATE campaigns SET status = 'interrupted', ended_at = ? WHERE status = 'running' AND id != ?`,
    );
  }

  /** Creates a `running` campaign and returns its id. */
  create(c: NewCampaign): number {
    const info = this.insertStmt.run(
      c.name ?? c.plan.name,
      c.source,
      planJson(c.plan),
      c.epochs_per_variant ?? null,
      c.started_at ?? nowIso(),
    );
    return Number(info.lastInsertRowid);
  }

  /** Ends a campaign with its final status. */
  finish(id: number, status: Exclude<CampaignStatus, 'running'>, endedAt: string = nowIso()): void {
    const info = this.finishStmt.run(status, endedAt, id);
    if (info.changes === 0) throw new Error(`campaign ${id} does not exist`);
  }

  get(id: number): CampaignRecord | undefined {
    const row = this.getStmt.get(id);
    return row === undefined ? undefined : toRecord(row);
  }

  /**
   * The newest `running` campaign of exactly this (normalised) plan and epoch count: after a kill -9 the
   * daemon carries on with it rather than starting a new one.
   */
  findResumable(plan: Plan, epochsPerVariant: number | null = null): CampaignRecord | undefined {
    const row = this.resumableStmt.get(planJson(plan), epochsPerVariant);
    return row === undefined ? undefined : toRecord(row);
  }

  /** Newest first. */
  list(filter: { status?: CampaignStatus; limit?: number } = {}): CampaignRecord[] {
    const limit = filter.limit ?? -1; // SQLite: a negative LIMIT means no limit
    const rows = filter.status === undefined ? this.listStmt.all(limit) : this.listByStatusStmt.all(filter.status, limit);
    return rows.map(toRecord);
  }

  /** Marks every `running` campaign except `keepId` as interrupted (a daemon restarted with another plan). */
  interruptOthers(keepId: number | null, endedAt: string = nowIso()): number {
    return this.interruptOthersStmt.run(endedAt, keepId ?? -1).changes;
  }
}
