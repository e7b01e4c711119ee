/** variants: each variant as planned in a campaign. */
import type { PlanVariant } from '../plan/index.js';
import type { Db } from './database.js';

export interface VariantRecord {
  id: number;
  campaign_id: number;
  name: string;
  allocator: string | null;
  allocator_library: string | null;
  config: PlanVariant;
}

/** One variant name ever planned, with its most recent allocator and epoch counts (GET /variants). */
export interface VariantSummaryRow {
  name: string;
  allocator: string | null;
  allocator_library: string | null;
  campaigns: number;
  epochs: number;
  epochs_completed: number;
  last_started_at: string | null;
}

const SUMMARIES_SQL = `
  WITH latest AS (
    SELECT name, MAX(id) AS id, COUNT(DISTINCT campaign_id) AS campaigns FROM variants GROUP BY name
  ), stats AS (
    SELECT variant, COUNT(*) AS epochs, SUM(outcome = 'completed') AS completed, MAX(started_at) AS last_started_at
    FROM epochs GROUP BY variant
  )
  SELECT l.name AS name, v.allocator AS allocator, v.allocator_library AS allocator_library, l.campaigns AS campaigns,
         COALESCE(s.epochs, 0) AS epochs, COALESCE(s.completed, 0) AS epochs_completed, s.last_started_at AS last_started_at
  FROM latest l JOIN variants v ON v.id = l.id LEFT JOIN stats s ON s.variant = l.name
  ORDER BY l.name`;

interface VariantRow extends Omit<VariantRecord, 'config'> {
  config_json: string;
}

function toRecord(row: VariantRow): VariantRecord {
  const { config_json, ...rest } = row;
  return { ...rest, config: JSON.parse(config_json) as PlanVariant };
}

export class VariantStore {
  private readonly upsertStmt;
  private readonly listStmt;
  private readonly namesStmt;
  private readonly summariesStmt;

  constructor(db: Db) {
    this.upsertStmt = db.prepare<[number, string, string | null, string | null, string], { id: number }>(
      `INSERT INTO variants (campaign_id, name, allocator, allocator_library, config_json) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (campaign_id, name) DO UPDATE SET
         allocator = excluded.allocator, allocator_library = excluded.allocator_library, config_json = excluded.config_json
       RETURNING id`,
    );
    this.listStmt = db.prepare<[number], VariantRow>(
      'SELECT id, campaign_id, name, allocator, allocator_library, config_json FROM variants WHERE campaign_id = ? ORDER BY id',
    );
    this.namesStmt = db.prepare<[], { name: string }>('SELECT DISTINCT name FROM variants ORDER BY name');
    this.summariesStmt = db.prepare<[], VariantSummaryRow>(SUMMARIES_SQL);
  }

  /** Records (or updates) a campaign's variant; `library` is the resolved preload, null for none. */
  upsert(campaignId: number, variant: PlanVariant, library: string | null): number {
    const config: PlanVariant = {
      name: variant.name,
      allocator: variant.allocator,
      env: variant.env,
      args: variant.args,
      command: variant.command,
      optional: variant.optional,
    };
    const row = this.upsertStmt.get(campaignId, variant.name, variant.allocator, library, JSON.stringify(config));
    if (row === undefined) throw new Error('variant upsert returned no id');
    return row.id;
  }

  listForCampaign(campaignId: number): VariantRecord[] {
    return this.listStmt.all(campaignId).map(toRecord);
  }

  /** Every variant name ever planned, sorted. */
  names(): string[] {
    return this.namesStmt.all().map((r) => r.name);
  }

  /** One row per variant name ever planned, by name: its most recent allocator and its epoch counts. */
  summaries(): VariantSummaryRow[] {
    return this.summariesStmt.all();
  }
}
