/**
 * `GET /api/v1/variants`: one row per variant name ever planned, with its most recent allocator and
 * epoch counts. A read-only aggregate over variants and epochs (the store has no such query).
 */
import type { Db } from '../../storage/index.js';

export interface VariantSummaryRow {
  name: string;
  allocator: string | null;
  allocator_library: string | null;
  campaigns: number;
  epochs: number;
  epochs_completed: number;
  last_started_at: string | null;
}

const SQL = `
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

export class VariantSummaries {
  private readonly stmt;
  constructor(db: Db) {
    this.stmt = db.prepare<[], VariantSummaryRow>(SQL);
  }
  all(): VariantSummaryRow[] {
    return this.stmt.all();
  }
}
